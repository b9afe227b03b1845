import Rules
import Testing

/// Every message the expression compiler can give, exactly, with its line and column inside the expression.
@Suite("Rule expressions: every error message")
struct ExpressionErrorTests {
    @Test(
        "Lexer errors",
        arguments: [
            ("3sec > 1s", "1:1: unknown unit 'sec' in '3sec' (did you mean '3s'?)"),
            ("16kib > 1B", "1:1: unknown unit 'kib' in '16kib' (did you mean '16KiB'?)"),
            ("1kbps", "1:1: unknown unit 'kbps' in '1kbps' (did you mean '1kbit/s'?)"),
            ("1.5q", "1:1: unknown unit 'q' in '1.5q' (units: durations ns, us, ms, s, min, h; sizes B, KB, MB, GB, "
                + "KiB, MiB, GiB, bit, kbit, Mbit, Gbit; rates bit/s, kbit/s, Mbit/s, Gbit/s, B/s, KB/s, MB/s, KiB/s, MiB/s)"),
            ("\"abc", "1:1: unterminated string"),
            ("\"ab\nc\"", "1:1: unterminated string"),
            ("\"a\\n\"", "1:3: unknown escape in string (only \\\" and \\\\ are allowed)"),
            ("a = 1", "1:3: unexpected '=' (use '==' to compare)"),
            ("x ! y", "1:3: unexpected '!' (use 'not' or '!=')"),
            ("a && b", "1:3: unexpected '&' (use 'and' / 'or')"),
            ("a || b", "1:3: unexpected '|' (use 'and' / 'or')"),
            ("'a'", "1:1: unexpected \"'\" (strings are written in double quotes)"),
            ("1 #", "1:3: unexpected character '#'"),
            ("1 + é", "1:5: unexpected character 'é'"),
            ("resp_h in 300.0.0.0/8", "1:11: invalid address '300.0.0.0'"),
            ("999.1.1.1", "1:1: invalid address '999.1.1.1'"),
            ("resp_h in 2001:db8:::1", "1:11: invalid address '2001:db8:::1'"),
            ("resp_h in 10.0.0.0/33", "1:11: invalid prefix length in '10.0.0.0/33' (0 to 32)"),
            ("resp_h in ::/129", "1:11: invalid prefix length in '::/129' (0 to 128)"),
            ("1 +\n  2 +\n   #", "3:4: unexpected character '#'"),
        ])
    func lexer(_ source: String, _ expected: String) {
        #expect(compileError(source) == expected)
    }

    @Test(
        "Parser errors",
        arguments: [
            ("3 sec", "1:3: unexpected 'sec' after a number (write units without a space, e.g. 3s)"),
            ("(1 + 2", "1:7: expected ')' to close '(' at 1:1, found 'end of expression'"),
            ("(1,", "1:3: expected ')' to close '(' at 1:1, found ','"),
            ("1 +", "1:4: expected a value, found the end of the expression"),
            ("", "1:1: expected a value, found the end of the expression"),
            ("1 < 2 < 3", "1:7: comparisons do not chain: '<' after a comparison (use 'and')"),
            ("rtt is null == true", "1:13: comparisons do not chain: '==' after a comparison (use 'and')"),
            ("rtt is 3", "1:8: expected 'null' after 'is', found '3'"),
            ("not in alpn", "1:5: expected a value, found 'in'"),
            ("sni not alpn", "1:5: expected 'in' after 'not' here (or 'and' / 'or' before 'not')"),
            ("1 2", "1:3: expected an operator or the end, found '2'"),
            ("[1 2]", "1:4: expected ',' or ']', found '2'"),
            ("max(1 2)", "1:7: expected ',' or ')', found '2'"),
            (")", "1:1: expected a value, found ')'"),
        ])
    func parser(_ source: String, _ expected: String) {
        #expect(compileError(source) == expected)
    }

    @Test(
        "Type and name errors",
        arguments: [
            ("silence_rsp > 3s", "1:1: unknown field 'silence_rsp' (did you mean 'silence_resp'?)"),
            ("teardown.resp.rst == 0", "1:1: unknown field 'teardown.resp.rst' (did you mean 'teardown.resp.rsts'?)"),
            ("xyzzy > 3s", "1:1: unknown field 'xyzzy'"),
            ("rtt > 3", "1:5: type mismatch: cannot apply '>' to duration and number"),
            ("rtt + resp_bytes", "1:5: type mismatch: cannot apply '+' to duration and size"),
            ("resp_bytes * rtt", "1:12: type mismatch: cannot apply '*' to size and duration"),
            ("rtt / resp_bytes", "1:5: type mismatch: cannot apply '/' to duration and size"),
            ("1 / sni", "1:3: type mismatch: cannot apply '/' to number and string"),
            ("sni < \"a\"", "1:5: type mismatch: cannot apply '<' to string and string"),
            ("resp_h < resp_h", "1:8: type mismatch: cannot apply '<' to address and address"),
            ("sni == 3", "1:5: type mismatch: cannot apply '==' to string and number"),
            ("alpn == alpn", "1:6: type mismatch: cannot apply '==' to string list and string list"),
            ("max()", "1:1: max() needs at least 1 argument, found 0"),
            ("min()", "1:1: min() needs at least 1 argument, found 0"),
            ("abs(1, 2)", "1:1: abs() takes 1 argument, found 2"),
            ("count()", "1:1: count() takes 1 argument, found 0"),
            ("count(sni)", "1:7: type mismatch: count() needs a string list, found a string"),
            ("maxx(1, 2)", "1:1: unknown function 'maxx' (did you mean 'max'?)"),
            ("frobnicate(1)", "1:1: unknown function 'frobnicate' (functions: max, min, abs, count)"),
            ("max(1s, 2)", "1:9: type mismatch: cannot apply 'max' to duration and number"),
            ("max(sni)", "1:5: type mismatch: max() needs numbers, durations or sizes, found a string"),
            ("abs(sni)", "1:5: type mismatch: abs() needs a number, duration or size, found a string"),
            ("[1, 2]", "1:1: a list is only allowed after 'in' or 'matches'"),
            ("null", "1:1: null can only be tested with 'is null', 'is not null', '== null' or '!= null'"),
            ("rtt > null", "1:7: null can only be tested with 'is null', 'is not null', '== null' or '!= null'"),
            ("10.0.0.0/8", "1:1: a CIDR block is only allowed after 'in'"),
            ("resp_h in \"nope\"", "1:11: invalid address or CIDR block \"nope\""),
            ("resp_h in 3", "1:11: 'in' after an address needs a CIDR block (17.0.0.0/8) or a list of them"),
            ("sni in [1]", "1:9: type mismatch: list of string values contains a number"),
            ("established in [true]", "1:13: type mismatch: 'in' cannot look for a boolean in a list"),
            ("rtt in alpn", "1:5: type mismatch: cannot apply 'in' to duration and string list"),
            ("alpn in alpn", "1:6: type mismatch: cannot apply 'in' to string list and string list"),
            ("\"a\" in sni", "1:5: type mismatch: cannot apply 'in' to string and string"),
            ("sni matches 3", "1:13: 'matches' needs a glob pattern in double quotes (or a list of them)"),
            ("sni matches [3]", "1:14: 'matches' needs glob patterns in double quotes"),
            ("orig_pkts matches \"a\"", "1:1: type mismatch: 'matches' needs a string, found a number"),
            ("not 3", "1:5: type mismatch: 'not' needs a boolean, found a number"),
            ("3 and true", "1:1: type mismatch: 'and' needs a boolean, found a number"),
            ("true or 1", "1:9: type mismatch: 'or' needs a boolean, found a number"),
            ("-sni", "1:1: type mismatch: cannot negate a string"),
        ])
    func types(_ source: String, _ expected: String) {
        #expect(compileError(source) == expected)
    }

    @Test("10,000-deep expressions are refused at the 65th level, never a crash")
    func depth() {
        let parens = String(repeating: "(", count: 10_000) + "1" + String(repeating: ")", count: 10_000)
        // The whole expression is level 1: the 64th '(' opens level 65 (reported at the token after it).
        #expect(compileError(parens) == "1:65: expression nested too deeply (more than 64 levels)")
        let nots = String(repeating: "not ", count: 10_000) + "true"
        // The 64th 'not' (column 253) and the 64th '-' (column 64) would be level 65.
        #expect(compileError(nots) == "1:253: expression nested too deeply (more than 64 levels)")
        let minus = String(repeating: "-", count: 10_000) + "1"
        #expect(compileError(minus) == "1:64: expression nested too deeply (more than 64 levels)")
        let lists = "sni in " + String(repeating: "[", count: 10_000)
        #expect(compileError(lists)?.hasSuffix("expression nested too deeply (more than 64 levels)") == true)
        let sum = Array(repeating: "1", count: 10_000).joined(separator: " + ")
        // A chain is a tree as tall as it is long: the 64th '+' (column 255) makes it 65 high.
        #expect(compileError(sum) == "1:255: expression nested too deeply (more than 64 levels)")
        let or = Array(repeating: "true", count: 10_000).joined(separator: " or ")
        #expect(compileError(or)?.hasSuffix("expression nested too deeply (more than 64 levels)") == true)
        // 64 levels are fine.
        let fine = String(repeating: "(", count: 63) + "1" + String(repeating: ")", count: 63)
        #expect(compileError(fine) == nil)
    }

    @Test("RuleError's description names file, line and column")
    func description() {
        let e = RuleError(file: "rules.yaml", line: 12, column: 17, message: "unknown field 'silence_rsp' (did you mean 'silence_resp'?)")
        #expect(e.description == "rules.yaml:12:17: unknown field 'silence_rsp' (did you mean 'silence_resp'?)")
    }
}
