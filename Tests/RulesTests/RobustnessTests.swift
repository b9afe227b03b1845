import Rules
import TestSupport
import Testing
import WireFormat

@Suite("Rule language: random and mutated input never crashes")
struct RobustnessTests {
    static let corpus = [
        "silence_resp > max(3s, 10 * rtt) and resp_bytes >= 8KiB and resp_bytes <= 32KiB",
        "resp_h in [17.0.0.0/8, 2001:db8::/32] and not established",
        "sni matches \"*.ess.apple.com\" or \"h2\" in alpn",
        "rtt is not null and abs(rtt - 100ms) < 5ms",
        "resp_bytes / duration < 128kbit/s and count(alpn) == 2",
        "orig_pkts in [1, 2, 3] and teardown.resp.rsts != 0 or quic == null",
        "-(orig_pkts - 3) * 2 >= min(1, 2, 3) and (true or false)",
    ]
    static let alphabet = Array("abcdefghijklmnopqrstuvwxyz_.0123456789 ()[],+-*/=!<>\"\\:&|#'\né".unicodeScalars)
    static let samples = [
        Sample(), Sample(rtt: nil, quic: true, serverName: nil, alpn: []),
        Sample(respBytes: 0, duration: 0, origPackets: 0, responder: IPAddress("2001:db8::5") ?? .unspecifiedIPv4),
    ]

    @Test("10,000 random strings compile or fail cleanly; what compiles evaluates")
    func randomStrings() {
        var rng = SeededGenerator(state: 0x5EED_0001)
        var compiled = 0
        for _ in 0..<10_000 {
            let length = Int.random(in: 0...40, using: &rng)
            var text = String.UnicodeScalarView()
            for _ in 0..<length { text.append(Self.alphabet.randomElement(using: &rng) ?? "a") }
            if let e = try? CompiledExpression(String(text), registry: Sample.registry) {
                compiled += 1
                for s in Self.samples { _ = e.evaluate(s) }
            }
        }
        print("random strings: \(compiled) of 10000 compiled")
    }

    @Test("20,000 mutations of real conditions compile or fail cleanly with a position inside the text")
    func mutations() {
        var rng = SeededGenerator(state: 0x5EED_0002)
        var compiled = 0
        for _ in 0..<20_000 {
            var scalars = Array((Self.corpus.randomElement(using: &rng) ?? "").unicodeScalars)
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                let i = Int.random(in: 0...scalars.count, using: &rng)
                switch Int.random(in: 0..<4, using: &rng) {
                case 0 where i < scalars.count: scalars.remove(at: i)
                case 1: scalars.insert(Self.alphabet.randomElement(using: &rng) ?? "a", at: i)
                case 2 where i < scalars.count: scalars[i] = Self.alphabet.randomElement(using: &rng) ?? "a"
                default:
                    let j = Int.random(in: 0...scalars.count, using: &rng)
                    let (lo, hi) = (min(i, j), max(i, j))
                    scalars.insert(contentsOf: scalars[lo..<hi], at: hi)
                }
            }
            var text = String.UnicodeScalarView()
            text.append(contentsOf: scalars)
            let source = String(text)
            do {
                let e = try CompiledExpression(source, registry: Sample.registry)
                compiled += 1
                for s in Self.samples { _ = e.evaluate(s) }
            } catch {
                let lines = source.split(separator: "\n", omittingEmptySubsequences: false)
                #expect(error.line >= 1 && error.line <= lines.count, "\(source.debugDescription): \(error)")
                #expect(error.column >= 1, "\(source.debugDescription): \(error)")
                #expect(!error.message.isEmpty)
            }
        }
        print("mutations: \(compiled) of 20000 compiled")
    }

    @Test("2,000 random byte strings as rule files fail cleanly")
    func randomYAML() {
        var rng = SeededGenerator(state: 0x5EED_0003)
        let pieces = ["- ", "id: ", "when: ", "rules:", "\n", "  ", "[", "]", "{", "}", ":", "\"", "'", "|", ">", "&a", "*a",
                      "!!str", "#", "true", "a", "0", "\t", "%YAML 1.2", "---", "..."]
        for round in 0..<2_000 {
            var text = ""
            if round % 2 == 0 {
                let bytes = (0..<Int.random(in: 0...64, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
                text = String(decoding: bytes, as: UTF8.self)
            } else {
                for _ in 0..<Int.random(in: 0...30, using: &rng) { text += pieces.randomElement(using: &rng) ?? "" }
            }
            do {
                _ = try RuleSet.load(yaml: text, file: "fuzz.yaml", registry: Sample.registry)
            } catch {
                #expect(error.description.hasPrefix("fuzz.yaml:"))
            }
        }
    }

    @Test("Speed: evaluations per second of the freeze condition (printed, not asserted)")
    func speed() throws {
        let e = try CompiledExpression(
            "resp_bytes >= 8KiB and resp_bytes <= 32KiB and silence_resp > max(3s, 10 * rtt)", registry: Sample.registry)
        let sample = Sample()
        let n = 200_000
        var hits = 0
        let clock = ContinuousClock()
        let elapsed = clock.measure {
            for _ in 0..<n where e.isTrue(sample) { hits += 1 }
        }
        #expect(hits == n)
        let ns = Double(elapsed.components.attoseconds) / 1e9 + Double(elapsed.components.seconds) * 1e9
        print("freeze condition: \(Int(ns / Double(n))) ns per evaluation (debug build)")
    }
}
