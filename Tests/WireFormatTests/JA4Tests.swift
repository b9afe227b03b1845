import Foundation
import PacketCapture
import TestSupport
import Testing
@testable import WireFormat

/// JA4 against FoxIO's published example and edge-case rules (technical_details/JA4.md), and against FoxIO's
/// own output for the shared captures (`ja4/*.gt`, insta snapshots of the reference Rust tool).
@Suite("JA4")
struct JA4Tests {
    /// The worked example of the technical details ("Example", "Raw Output").
    static let specExample = ClientHelloInfo(
        legacyVersion: 0x0303,
        cipherSuites: [0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc013, 0xc014, 0x009c,
                       0x009d, 0x002f, 0x0035],
        extensionTypes: [0x001b, 0x0000, 0x0033, 0x0010, 0x4469, 0x0017, 0x002d, 0x000d, 0x0005, 0x0023, 0x0012, 0x002b,
                         0xff01, 0x000b, 0x000a, 0x0015],
        serverName: "example.com", alpn: ["h2"], firstALPNBytes: Array("h2".utf8), supportedVersions: [0x0304, 0x0303],
        signatureAlgorithms: [0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601])

    @Test func specificationExample() {
        #expect(JA4.fingerprint(Self.specExample, transport: .tcp) == "t13d1516h2_8daaf6152771_e5627efa2ab1")
        #expect(JA4.rawFingerprint(Self.specExample, transport: .tcp)
            == "t13d1516h2_002f,0035,009c,009d,1301,1302,1303,c013,c014,c02b,c02c,c02f,c030,cca8,cca9_0005,000a,000b,"
            + "000d,0012,0015,0017,001b,0023,002b,002d,0033,4469,ff01_0403,0804,0401,0503,0805,0501,0806,0601")
    }

    @Test func greaseIsIgnoredEverywhere() {
        var hello = Self.specExample
        hello.cipherSuites.insert(0x0a0a, at: 0)
        hello.extensionTypes.insert(0x1a1a, at: 3)
        hello.supportedVersions.insert(0x2a2a, at: 0)
        hello.signatureAlgorithms.insert(0x3a3a, at: 2)
        #expect(JA4.fingerprint(hello, transport: .tcp) == "t13d1516h2_8daaf6152771_e5627efa2ab1")
    }

    /// Without signature algorithms the list ends without "_" (spec: "= 6d807ffa2a79").
    @Test func noSignatureAlgorithms() {
        var hello = Self.specExample
        hello.signatureAlgorithms = []
        #expect(JA4.fingerprint(hello, transport: .quic) == "q13d1516h2_8daaf6152771_6d807ffa2a79")
    }

    @Test func emptyListsAndPrefix() {
        let hello = ClientHelloInfo(legacyVersion: 0x0301)
        #expect(JA4.fingerprint(hello, transport: .tcp) == "t10i000000_000000000000_000000000000")
        let sslv3 = ClientHelloInfo(legacyVersion: 0x0300, cipherSuites: [0x0005])
        #expect(JA4.fingerprint(sslv3, transport: .tcp).hasPrefix("ts3i0100"))
        let unknown = ClientHelloInfo(legacyVersion: 0x1234)
        #expect(JA4.fingerprint(unknown, transport: .dtls).hasPrefix("d00i"))
        let many = ClientHelloInfo(legacyVersion: 0x0303, cipherSuites: (0..<150).map { UInt16($0) })
        #expect(JA4.fingerprint(many, transport: .tcp).hasPrefix("t12i9900"))
    }

    @Test func dtlsVersions() {
        let dtls12 = ClientHelloInfo(legacyVersion: 0xfefd, isDTLS: true)
        #expect(JA4.fingerprint(dtls12, transport: .dtls).hasPrefix("dd2i"))
        let dtls13 = ClientHelloInfo(legacyVersion: 0xfefd, isDTLS: true, supportedVersions: [0xfefc, 0xfefd])
        #expect(JA4.fingerprint(dtls13, transport: .dtls).hasPrefix("dd3i"))
    }

    /// The fingerprint hashes its lists as it writes them; each hash equals SHA-256 of the raw list (`ja4_r`),
    /// with GREASE, empty lists, no signature algorithms, long lists (beyond the insertion-sort size) and every
    /// transport.
    @Test func hashedSectionsEqualTheHashOfTheRawLists() {
        var hellos = [Self.specExample, ClientHelloInfo(legacyVersion: 0x0301), ClientHelloInfo(legacyVersion: 0x0303, cipherSuites: [0x0a0a])]
        var grease = Self.specExample
        grease.cipherSuites.insert(0x0a0a, at: 0)
        grease.extensionTypes.insert(0x1a1a, at: 3)
        grease.signatureAlgorithms = [0x3a3a]
        hellos.append(grease)
        var onlyNameAndALPN = Self.specExample
        onlyNameAndALPN.extensionTypes = [0x0000, 0x0010]
        hellos.append(onlyNameAndALPN)
        var long = Self.specExample
        long.cipherSuites = (0..<150).map { UInt16(truncatingIfNeeded: $0 &* 7919) }
        long.extensionTypes = (0..<40).map { UInt16(truncatingIfNeeded: 65_000 - $0 &* 31) }
        hellos.append(long)
        for hello in hellos {
            for transport in [JA4.Transport.tcp, .quic, .dtls] {
                let raw = JA4.rawFingerprint(hello, transport: transport).split(separator: "_", omittingEmptySubsequences: false)
                let hashed = JA4.fingerprint(hello, transport: transport).split(separator: "_", omittingEmptySubsequences: false)
                #expect(hashed.count == 3)
                #expect(hashed[0] == raw[0])
                let ciphers = raw[1].isEmpty ? "000000000000" : String(SHA256.hexDigest(raw[1].utf8).prefix(12))
                #expect(hashed[1] == ciphers)
                let extensionList = raw.dropFirst(2).joined(separator: "_")
                let extensions = extensionList.isEmpty ? "000000000000" : String(SHA256.hexDigest(extensionList.utf8).prefix(12))
                #expect(hashed[2] == extensions)
            }
        }
    }

    @Test(arguments: [0, 1, 9, 10, 99, 100, 1000])
    func twoDigits(_ count: Int) {
        #expect(JA4.twoDigits(count) == (count < 10 ? "0\(count)" : count > 99 ? "99" : "\(count)"))
    }

    /// ALPN edge rules (technical details, "ALPN Extension Value").
    @Test(arguments: [
        ([UInt8]("http/1.1".utf8), "h1"), ([0x68], "hh"), ([0xab], "ab"), ([0xab, 0xcd], "ad"), ([0x30, 0xab], "3b"),
        ([0x30, 0x31, 0xab, 0xcd], "3d"), ([0x30, 0xab, 0xcd, 0x31], "01"), ([], "00"),
    ] as [([UInt8], String)])
    func alpnEdges(_ value: [UInt8], _ expected: String) {
        #expect(JA4.alpn(value) == expected)
    }

    @Test func noALPN() {
        #expect(JA4.alpn(nil) == "00")
    }

    @Test func illustratedHello() throws {
        let body = Array(TLSFixture.illustratedClientHello[9...])
        let info = try ClientHello(validating: body.span).info()
        // 4 suites, 10 extensions, no ALPN.
        #expect(JA4.fingerprint(info, transport: .tcp).hasPrefix("t13d041000_"))
    }

    // MARK: - FoxIO's snapshots of the shared captures

    struct Expected: Hashable {
        var flow: String
        var ja4: String
    }

    /// The TCP `ja4` values of a FoxIO insta snapshot, keyed by "src:port>dst:port".
    static func snapshot(_ url: URL) throws -> [Expected] {
        let text = try String(contentsOf: url, encoding: .utf8)
        var result: [Expected] = []
        var fields: [String: String] = [:]
        func flush() {
            if fields["transport"] == "tcp", let ja4 = fields["ja4"], let src = fields["src"], let dst = fields["dst"],
               let sport = fields["src_port"], let dport = fields["dst_port"] {
                result.append(Expected(flow: "\(src):\(sport)>\(dst):\(dport)", ja4: ja4))
            }
            fields = [:]
        }
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("- stream:") { flush() }
            guard line.hasPrefix("  "), !line.hasPrefix("   "), let colon = line.firstIndex(of: ":") else { continue }
            let key = line[line.startIndex..<colon].trimmingCharacters(in: .whitespaces)
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            fields[key] = value
        }
        flush()
        return result
    }

    /// Every TCP direction of `path` through a `TLSStreamAssembler`; the JA4 of each ClientHello by flow.
    static func fingerprints(_ path: String) throws -> [String: String] {
        let handle = try PcapHandle.openOffline(path: path)
        defer { handle.close() }
        let dissector = Dissector()
        var summary = PacketSummary()
        var assemblers: [String: TLSStreamAssembler] = [:]
        try handle.forEachFrame { info, frame in
            dissector.dissect(frame, linkType: info.linkType, timestamp: info.timestamp, wireLength: info.originalLength,
                              into: &summary)
            guard summary.outcome == .ok, let tcp = summary.tcp, let network = summary.network else { return }
            let key = "\(network.source):\(tcp.sourcePort)>\(network.destination):\(tcp.destinationPort)"
            var assembler = assemblers[key] ?? TLSStreamAssembler()
            if tcp.flags.contains(.syn) {
                assembler.setInitialSequence(tcp.sequenceNumber &+ 1)
            } else {
                dissector.withPayload(of: summary, in: frame) { payload in
                    assembler.add(sequence: tcp.sequenceNumber, payload: payload)
                }
            }
            assemblers[key] = assembler
        }
        return assemblers.compactMapValues { $0.clientHello.map { JA4.fingerprint($0, transport: .tcp) } }
    }

    @Test(.enabled(if: Lab.sharedCapturesEnabled, Lab.sharedCapturesComment))
    func agreesWithFoxIOSnapshots() throws {
        try #require(Lab.sharedCapturesAvailable)
        let folder = Lab.sharedCaptures.appendingPathComponent("ja4")
        let snapshots = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".gt") }.sorted()
        var compared = 0
        var agreed = 0
        var skippedQUIC = 0
        for folderName in snapshots {
            let capture = String(folderName.dropLast(3))
            let snap = folder.appendingPathComponent("\(folderName)/ja4/ja4__insta@\(capture).snap")
            let expected = try Self.snapshot(snap)
            let text = try String(contentsOf: snap, encoding: .utf8)
            skippedQUIC += text.components(separatedBy: "ja4: q").count - 1
            let computed = try Self.fingerprints(folder.appendingPathComponent(capture).path)
            for entry in expected {
                compared += 1
                if computed[entry.flow] == entry.ja4 {
                    agreed += 1
                } else {
                    Issue.record("\(capture) \(entry.flow): FoxIO \(entry.ja4), ours \(computed[entry.flow] ?? "none")")
                }
            }
            // No ClientHello of ours that FoxIO did not see.
            let extra = Set(computed.keys).subtracting(expected.map(\.flow))
            #expect(extra.isEmpty, "\(capture): ClientHellos FoxIO did not fingerprint: \(extra.sorted())")
        }
        print("JA4 vs FoxIO snapshots: \(agreed) of \(compared) TCP fingerprints agree in \(snapshots.count) captures "
            + "(\(skippedQUIC) QUIC fingerprints left to the QUIC work)")
        #expect(compared > 100)
        #expect(agreed == compared)
    }
}
