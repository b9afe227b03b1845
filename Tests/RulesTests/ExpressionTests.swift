import Rules
import Testing
import WireFormat

@Suite("Rule expressions: literals, units, precedence")
struct ExpressionLiteralTests {
    @Test(
        "Every unit",
        arguments: [
            ("500ms == 0.5s", true), ("3s == 3000ms", true), ("2min == 120s", true), ("1h == 60min", true),
            ("1000us == 1ms", true), ("1000000ns == 1ms", true), ("1.5s == 1500ms", true),
            ("16KiB == 16384B", true), ("1KB == 1000B", true), ("1MB == 1000KB", true), ("1GB == 1000MB", true),
            ("1MiB == 1024KiB", true), ("1GiB == 1024MiB", true), ("128kbit == 16000B", true), ("8bit == 1B", true),
            ("1Mbit == 1000kbit", true), ("1Gbit == 1000Mbit", true),
            ("128kbit/s == 128000", true), ("1Mbit/s == 1000kbit/s", true), ("1Gbit/s == 1000Mbit/s", true),
            ("1B/s == 8bit/s", true), ("1KB/s == 8000", true), ("1KiB/s == 8192", true), ("1MB/s == 8Mbit/s", true),
            ("1MiB/s == 8388608", true), ("16KiB > 16KB", true),
        ])
    func units(_ source: String, _ expected: Bool) throws {
        #expect(try evaluate(source) == .boolean(expected))
    }

    @Test(
        "Literals of every kind",
        arguments: [
            ("42", Value.number(42)), ("3.25", .number(3.25)), ("3s", .number(3)), ("16KiB", .number(16384)),
            ("\"a b\"", .string("a b")), ("\"say \\\"hi\\\" \\\\\"", .string("say \"hi\" \\")), ("true", .boolean(true)),
            ("false", .boolean(false)), ("10.1.2.3", .address(IPAddress("10.1.2.3") ?? .unspecifiedIPv4)),
            ("2001:db8::1", .address(IPAddress("2001:db8::1") ?? .unspecifiedIPv4)),
            ("::1", .address(IPAddress("::1") ?? .unspecifiedIPv4)),
        ])
    func literals(_ source: String, _ expected: Value) throws {
        #expect(try evaluate(source) == expected)
    }

    @Test(
        "Precedence and associativity",
        arguments: [
            ("1 + 2 * 3", 7.0), ("(1 + 2) * 3", 9), ("10 - 4 - 3", 3), ("8 / 4 / 2", 1), ("2 * 3 / 4", 1.5),
            ("-2 * 3", -6), ("- -2", 2), ("1 - -1", 2), ("2 * -3 + 1", -5), ("max(1, 2) * 3", 6), ("min(4, 2, 3)", 2),
            ("abs(-3)", 3), ("abs(2 - 5)", 3), ("count(alpn)", 2), ("count(alpn) + 1", 3),
        ])
    func arithmetic(_ source: String, _ expected: Double) throws {
        #expect(try evaluate(source) == .number(expected))
    }

    @Test(
        "Boolean precedence: not > and > or; comparisons bind tighter than not",
        arguments: [
            ("true or false and false", true), ("(true or false) and false", false), ("not false and false", false),
            ("not (false and false)", true), ("not 1 > 2", true), ("not not true", true),
            ("false or false or true", true), ("true and true and false", false), ("1 + 1 == 2 and 2 * 2 == 4", true),
            ("1 < 2", true), ("2 <= 2", true), ("3 > 2", true), ("2 >= 3", false), ("1 != 2", true), ("1 == 2", false),
        ])
    func booleans(_ source: String, _ expected: Bool) throws {
        #expect(try evaluate(source) == .boolean(expected))
    }

    @Test("Whitespace and newlines between tokens are ignored")
    func whitespace() throws {
        #expect(try evaluate("  1 +\n\t2\r\n== 3 ") == .boolean(true))
        #expect(try evaluate("1+2==3") == .boolean(true))
    }

    @Test("fieldsRead lists each field once, in order of first mention")
    func fieldsRead() throws {
        let e = try CompiledExpression(
            "silence_resp > max(3s, 10 * rtt) and rtt is not null and teardown.resp.rsts == 0", registry: Sample.registry)
        #expect(e.fieldsRead == ["silence_resp", "rtt", "teardown.resp.rsts"])
        #expect(e.type == .boolean)
        #expect(e.source.hasPrefix("silence_resp"))
    }

    @Test("Compiling twice gives the same result")
    func deterministic() throws {
        let a = try CompiledExpression("resp_bytes / duration", registry: Sample.registry)
        let b = try CompiledExpression("resp_bytes / duration", registry: Sample.registry)
        #expect(a.evaluate(Sample()) == b.evaluate(Sample()))
        #expect(a.type == .number)
    }
}

@Suite("Rule expressions: evaluation over a record")
struct ExpressionEvaluationTests {
    @Test("The freeze condition: silence_resp > max(3s, 10 * rtt)")
    func freeze() throws {
        let e = try CompiledExpression("silence_resp > max(3s, 10 * rtt)", registry: Sample.registry)
        #expect(e.evaluate(Sample(rtt: 0.05, silenceResp: 4)) == .boolean(true))  // max = 3 s
        #expect(e.evaluate(Sample(rtt: 0.5, silenceResp: 4)) == .boolean(false))  // max = 5 s
        #expect(e.evaluate(Sample(rtt: 0.5, silenceResp: 5.5)) == .boolean(true))
        #expect(e.evaluate(Sample(rtt: nil, silenceResp: 100)) == .boolean(false))  // null RTT: comparison false
    }

    @Test("Typed arithmetic: durations, sizes, rates")
    func typedArithmetic() throws {
        #expect(try evaluate("rtt * 10") == .number(0.5))
        #expect(try evaluate("10 * rtt == 500ms") == .boolean(true))
        #expect(try evaluate("silence_resp + 1s == 5s") == .boolean(true))
        #expect(try evaluate("silence_resp - rtt") == .number(3.95))
        #expect(try evaluate("silence_resp / rtt") == .number(80))
        #expect(try evaluate("resp_bytes / 2 == 8KiB") == .boolean(true))
        #expect(try evaluate("resp_bytes / 4KiB") == .number(4))
        // 16384 bytes over 10 s = 13107.2 bit/s
        #expect(try evaluate("resp_bytes / duration") == .number(13107.2))
        #expect(try evaluate("resp_bytes / duration < 128kbit/s") == .boolean(true))
        #expect(try evaluate("resp_bytes / 2s == 8KiB/s") == .boolean(true))
        #expect(try evaluate("max(resp_bytes, 8KiB, 32KiB) == 32KiB") == .boolean(true))
        #expect(try evaluate("abs(rtt - 1s) > 949ms and abs(rtt - 1s) < 951ms") == .boolean(true))
    }

    @Test("Division by zero gives null, and null compares false")
    func divisionByZero() throws {
        #expect(try evaluate("1 / 0") == .null)
        #expect(try evaluate("orig_pkts / syn_retransmits") == .null)
        #expect(try evaluate("orig_pkts / syn_retransmits > 0") == .boolean(false))
        #expect(try evaluate("orig_pkts / syn_retransmits <= 0") == .boolean(false))
        #expect(try evaluate("orig_pkts / syn_retransmits is null") == .boolean(true))
    }

    @Test("Null: comparisons false, arithmetic null, is null / == null")
    func nulls() throws {
        let absent = Sample(rtt: nil, serverName: nil)
        #expect(try evaluate("rtt", absent) == .null)
        #expect(try evaluate("rtt * 2", absent) == .null)
        #expect(try evaluate("max(rtt, 1s)", absent) == .null)
        #expect(try evaluate("abs(rtt)", absent) == .null)
        #expect(try evaluate("-rtt", absent) == .null)
        for op in ["==", "!=", "<", "<=", ">", ">="] {
            #expect(try evaluate("rtt \(op) 1s", absent) == .boolean(false), "rtt \(op) 1s")
        }
        #expect(try evaluate("sni == \"x\"", absent) == .boolean(false))
        #expect(try evaluate("sni != \"x\"", absent) == .boolean(false))
        #expect(try evaluate("sni matches \"*\"", absent) == .boolean(false))
        #expect(try evaluate("sni in [\"x\"]", absent) == .boolean(false))
        #expect(try evaluate("sni not in [\"x\"]", absent) == .boolean(false))
        #expect(try evaluate("sni in alpn", absent) == .boolean(false))
        #expect(try evaluate("rtt is null", absent) == .boolean(true))
        #expect(try evaluate("rtt is not null", absent) == .boolean(false))
        #expect(try evaluate("rtt == null", absent) == .boolean(true))
        #expect(try evaluate("null == rtt", absent) == .boolean(true))
        #expect(try evaluate("rtt != null", absent) == .boolean(false))
        #expect(try evaluate("rtt is not null") == .boolean(true))
        #expect(try evaluate("sni != null") == .boolean(true))
        // A null boolean counts as false in and/or/not.
        #expect(try evaluate("quic") == .null)
        #expect(try evaluate("quic or false") == .boolean(false))
        #expect(try evaluate("quic and true") == .boolean(false))
        #expect(try evaluate("not quic") == .boolean(true))
        #expect(try evaluate("quic == true") == .boolean(false))
        #expect(try evaluate("quic == false") == .boolean(false))
    }

    @Test("Short-circuit: the right side of and/or is not evaluated when the left decides")
    func shortCircuit() throws {
        // A reader that counts its calls (thread-safe enough for one test: a class with a lock-free counter per test).
        final class Counter: @unchecked Sendable { var calls = 0 }
        let counter = Counter()
        var registry = Sample.registry
        registry.add("probe", .boolean, "Counts reads.") { _ in
            counter.calls += 1
            return .boolean(true)
        }
        let cases: [(String, Int, Value)] = [
            ("false and probe", 0, .boolean(false)), ("true or probe", 0, .boolean(true)),
            ("true and probe", 1, .boolean(true)), ("false or probe", 1, .boolean(true)),
            ("quic and probe", 0, .boolean(false)),
        ]
        for (source, calls, value) in cases {
            counter.calls = 0
            let e = try CompiledExpression(source, registry: registry)
            #expect(e.evaluate(Sample()) == value, "\(source)")
            #expect(counter.calls == calls, "\(source)")
        }
    }

    @Test(
        "CIDR membership, IPv4 and IPv6, /0 to /32 and /128",
        arguments: [
            ("17.57.144.10", "resp_h in 17.0.0.0/8", true), ("18.0.0.1", "resp_h in 17.0.0.0/8", false),
            ("16.255.255.255", "resp_h in 17.0.0.0/8", false), ("17.255.255.255", "resp_h in 17.0.0.0/8", true),
            ("1.2.3.4", "resp_h in 0.0.0.0/0", true), ("1.2.3.4", "resp_h in 1.2.3.4/32", true),
            ("1.2.3.5", "resp_h in 1.2.3.4/32", false), ("1.2.3.4", "resp_h in 1.2.3.4", true),
            ("1.2.3.4", "resp_h in 1.2.3.0/31", false), ("1.2.3.4", "resp_h in 1.2.3.4/31", true),
            ("10.9.8.7", "resp_h in [192.168.0.0/16, 10.0.0.0/8]", true),
            ("10.9.8.7", "resp_h in [\"192.168.0.0/16\", \"10.0.0.0/8\"]", true),
            ("10.9.8.7", "resp_h in \"10.9.8.7\"", true), ("10.9.8.7", "resp_h not in [10.0.0.0/8]", false),
            ("10.9.8.7", "resp_h not in 11.0.0.0/8", true),
            ("2001:db8::1", "resp_h in 2001:db8::/32", true), ("2001:db9::1", "resp_h in 2001:db8::/32", false),
            ("2001:db8::1", "resp_h in ::/0", true), ("2001:db8::1", "resp_h in 2001:db8::1/128", true),
            ("2001:db8::2", "resp_h in 2001:db8::1/128", false), ("2001:db8::1:0:0:1", "resp_h in 2001:db8::/64", true),
            ("2001:db8:0:1::1", "resp_h in 2001:db8::/64", false), ("2001:db8::ff", "resp_h in 2001:db8::/121", false),
            ("2001:db8::80", "resp_h in 2001:db8::/121", false), ("2001:db8::7f", "resp_h in 2001:db8::/121", true),
            ("2001:db8::1", "resp_h in 0.0.0.0/0", false), ("1.2.3.4", "resp_h in ::/0", false),
            ("::ffff:1.2.3.4", "resp_h in ::ffff:0:0/96", true),
            ("17.1.1.1", "resp_h == 17.1.1.1", true), ("17.1.1.1", "resp_h != 17.1.1.1", false),
        ])
    func cidr(_ address: String, _ source: String, _ expected: Bool) throws {
        let responder = try #require(IPAddress(address))
        #expect(try evaluate(source, Sample(responder: responder)) == .boolean(expected))
    }

    @Test(
        "Glob matching of names (case-insensitive, * and ?)",
        arguments: [
            ("a1.ess.apple.com", "*.ess.apple.com", true), ("A1.ESS.Apple.COM", "*.ess.apple.com", true),
            ("x.y.ess.apple.com", "*.ess.apple.com", true), ("ess.apple.com", "*.ess.apple.com", false),
            ("a1.ess.apple.com.evil", "*.ess.apple.com", false), ("a1.ess.apple.com", "a?.ess.apple.com", true),
            ("ab1.ess.apple.com", "a?.ess.apple.com", false), ("anything", "*", true), ("", "*", true), ("", "?", false),
            ("abc", "a*c", true), ("abbbc", "a*b*c", true), ("abcd", "a*c", false), ("mississippi", "*sip*", true),
            ("aaaaaaaaaaaaaaaaaaaaaaaaaaaaab", "*a*a*a*a*a*a*a*c", false), ("exact.org", "exact.org", true),
            ("www.youtube.com", "[\"*.googlevideo.com\", \"*youtube.com\"]", true),
        ])
    func glob(_ name: String, _ pattern: String, _ expected: Bool) throws {
        let source = pattern.hasPrefix("[") ? "sni matches \(pattern)" : "sni matches \"\(pattern)\""
        #expect(try evaluate(source, Sample(serverName: name)) == .boolean(expected))
    }

    @Test("Membership in lists: strings, numbers, durations, string-list fields")
    func membership() throws {
        #expect(try evaluate("\"h2\" in alpn") == .boolean(true))
        #expect(try evaluate("\"h3\" in alpn") == .boolean(false))
        #expect(try evaluate("\"h3\" not in alpn") == .boolean(true))
        #expect(try evaluate("sni in [\"a\", \"a1.ess.apple.com\"]") == .boolean(true))
        #expect(try evaluate("sni in []") == .boolean(false))
        #expect(try evaluate("orig_pkts in [1, 12, 3]") == .boolean(true))
        #expect(try evaluate("orig_pkts in [1, 2 * 6]") == .boolean(true))
        #expect(try evaluate("orig_pkts not in [1, 2]") == .boolean(true))
        #expect(try evaluate("silence_resp in [4s, 5s]") == .boolean(true))
        #expect(try evaluate("count(alpn) == 2 and \"http/1.1\" in alpn") == .boolean(true))
        #expect(try evaluate("\"h2\" in alpn", Sample(alpn: [])) == .boolean(false))
    }

    @Test("Strings and booleans compare by equality")
    func equality() throws {
        #expect(try evaluate("sni == \"a1.ess.apple.com\"") == .boolean(true))
        #expect(try evaluate("sni != \"a1.ess.apple.com\"") == .boolean(false))
        #expect(try evaluate("established == true") == .boolean(true))
        #expect(try evaluate("established") == .boolean(true))
        #expect(try evaluate("teardown.resp.rsts == 0") == .boolean(true))
    }
}
