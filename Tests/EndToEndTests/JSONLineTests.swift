import Foundation
import TestSupport
import Testing
import WireFormat

@testable import blockscope

/// The byte formatters of `JSONLine` (integers, zero-padded digits, rounded decimals, RFC 8259 strings) write what
/// the `String`-based formatting they replaced wrote (kept below as the reference), and objects nest as JSON.
@Suite("JSON output: the line writer's formatters")
struct JSONLineTests {
    // MARK: - References: the formatting before the byte writer (Format.pad and Format.decimal as they were)

    static func referencePad(_ value: Int64, _ width: Int) -> String {
        let text = String(value)
        return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
    }

    static func referenceDecimal(_ value: Double, places: Int) -> String {
        guard value.isFinite else { return "-" }
        var scale = 1.0
        for _ in 0..<places { scale *= 10 }
        let scaled = (abs(value) * scale).rounded()
        let whole = Int64(scaled / scale)
        let fraction = Int64(scaled) - whole * Int64(scale)
        let sign = value < 0 && scaled != 0 ? "-" : ""
        return places == 0 ? "\(sign)\(whole)" : "\(sign)\(whole).\(referencePad(fraction, places))"
    }

    static func text(_ write: (inout [UInt8]) -> Void) -> String {
        var bytes: [UInt8] = []
        write(&bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    static let integers: [Int64] = [
        0, 1, -1, 9, -9, 10, -10, 99, 100, 101, 999_999_999, 1_000_000_000, -1_000_000_000, 1_732_492_800,
        Int64(Int32.max), Int64(Int32.min), Int64.max, Int64.min, Int64.max - 1, Int64.min + 1,
    ]

    // MARK: - Integers

    @Test(arguments: integers)
    func integerAsStringWritesIt(_ value: Int64) {
        #expect(Self.text { JSONLine.appendInteger(value, to: &$0) } == String(value))
    }

    @Test func integersAcrossTheRange() {
        var value: Int64 = 1
        for _ in 0..<62 {
            for candidate in [value, value - 1, value + 1, -value, -value + 1, -value - 1] {
                #expect(Self.text { JSONLine.appendInteger(candidate, to: &$0) } == String(candidate))
            }
            value *= 2
        }
    }

    @Test(arguments: integers)
    func paddedAsBefore(_ value: Int64) {
        for width in [0, 1, 2, 3, 6, 9, 20, 22] {
            #expect(Self.text { JSONLine.appendPadded(value, width, to: &$0) } == Self.referencePad(value, width))
        }
    }

    @Test func paddedExamples() {
        #expect(Format.pad(5, 2) == "05")
        #expect(Format.pad(123_456_789, 9) == "123456789")
        #expect(Format.pad(1_500, 9) == "000001500")
        #expect(Format.pad(0, 9) == "000000000")
        #expect(Format.pad(-5, 3) == "0-5")  // as String padding did: the zeros go before the sign
        #expect(Format.pad(1234, 2) == "1234")
    }

    // MARK: - Decimals

    @Test func decimalExamples() {
        #expect(Format.decimal(0, places: 0) == "0")
        #expect(Format.decimal(0, places: 6) == "0.000000")
        #expect(Format.decimal(-0.0, places: 3) == "0.000")
        #expect(Format.decimal(-0.0004, places: 3) == "0.000")  // rounds to zero: no sign
        #expect(Format.decimal(-0.0005, places: 3) == "-0.001")
        #expect(Format.decimal(2.5, places: 0) == "3")  // half away from zero
        #expect(Format.decimal(-2.5, places: 0) == "-3")
        #expect(Format.decimal(0.05, places: 1) == "0.1")
        #expect(Format.decimal(1234.5678, places: 1) == "1234.6")
        #expect(Format.decimal(0.999_999_6, places: 6) == "1.000000")
        #expect(Format.decimal(12_345_678_901.5, places: 0) == "12345678902")
        #expect(Format.decimal(.nan, places: 3) == "-")
        #expect(Format.decimal(.infinity, places: 0) == "-")
        #expect(Format.decimal(-.infinity, places: 1) == "-")
        // Beyond what an Int64 holds once scaled: no trap, a JSON number with an exponent.
        #expect(Format.decimal(9.1e18, places: 0) == "9100000000000000000")
        #expect(Format.decimal(1e21, places: 0) == "1e+21")
        #expect(Format.decimal(-1e17, places: 6) == "-1e+17")
        #expect(Format.decimal(1e15, places: 3) == "1000000000000000.000")
    }

    /// Durations as the flow record writes them: nanoseconds to seconds with 6 decimals.
    @Test func durationsWithSixDecimals() {
        let cases: [(Int64, String)] = [
            (0, "0.000000"), (1, "0.000000"), (499, "0.000000"), (500, "0.000001"), (1_500, "0.000002"),
            (999_999, "0.001000"), (1_000_000, "0.001000"), (1_234_567_891, "1.234568"), (-1_500_000, "-0.001500"),
            (-400, "0.000000"), (86_400_000_000_000, "86400.000000"), (15_210_000_000, "15.210000"),
        ]
        for (nanoseconds, expected) in cases {
            let written = Self.text { JSONLine.appendDecimal(Double(nanoseconds) / 1e9, places: 6, to: &$0) }
            #expect(written == expected, "\(nanoseconds) ns")
            #expect(written == Self.referenceDecimal(Double(nanoseconds) / 1e9, places: 6))
        }
    }

    @Test(arguments: [0, 1, 2, 3, 6])
    func decimalsAsBefore(_ places: Int) {
        var values: [Double] = [0, -0.0, 0.5, -0.5, 1.5, 2.5, 0.049, 0.05, 0.051, 1e-7, -1e-7, 123.456_789, 1e12, -1e12]
        var generator = SeededGenerator(state: UInt64(places) + 7)
        for _ in 0..<2_000 {
            let nanoseconds = Int64(bitPattern: generator.next()) % 10_000_000_000_000
            values.append(Double(nanoseconds) / 1e9)
            values.append(Double(nanoseconds % 1_000_000) / 997)
        }
        for value in values {
            #expect(Self.text { JSONLine.appendDecimal(value, places: places, to: &$0) }
                == Self.referenceDecimal(value, places: places), "\(value)")
        }
    }

    // MARK: - Strings

    @Test(arguments: [
        ("", #""""#),
        ("plain", #""plain""#),
        ("a longer plain string past the small-string size", #""a longer plain string past the small-string size""#),
        ("quote \" here", #""quote \" here""#),
        ("back\\slash", #""back\\slash""#),
        ("\n\r\t", #""\n\r\t""#),
        ("\u{0}\u{1}\u{1f} \u{7f}", #""\u0000\u0001\u001f \#u{7f}""#),
        ("é ü 中 😀", #""é ü 中 😀""#),
        ("a\u{8}b\u{c}c", #""a\u0008b\u000cc""#),
    ])
    func stringsEscaped(_ value: String, _ expected: String) {
        #expect(Self.text { JSONLine.appendString(value, to: &$0) } == expected)
    }

    @Test func escapedStringsParseBack() throws {
        var generator = SeededGenerator(state: 1)
        for length in 0..<64 {
            var scalars = String.UnicodeScalarView()
            for _ in 0..<length {
                let pick = generator.next() % 8
                let scalar: Unicode.Scalar? = switch pick {
                case 0: Unicode.Scalar(UInt8(generator.next() % 0x20))
                case 1: "\""
                case 2: "\\"
                case 3: Unicode.Scalar(UInt32(0xE9))
                case 4: Unicode.Scalar(UInt32(0x1F600))
                default: Unicode.Scalar(UInt8(0x20 + generator.next() % 0x5F))
                }
                if let scalar { scalars.append(scalar) }
            }
            let value = String(scalars)
            var line = JSONLine()
            line.add("value", value)
            let object = try JSONSerialization.jsonObject(with: Data(line.finished.utf8)) as? [String: Any]
            #expect(object?["value"] as? String == value)
        }
    }

    // MARK: - Addresses

    /// IPv4 is written digit by digit, IPv6 through `description`: both as `IPAddress.description` says.
    @Test func addressesAsTheirDescription() throws {
        var addresses: [IPAddress] = [
            IPAddress(ipv4: 0), IPAddress(ipv4: 0xFFFF_FFFF), IPAddress(ipv4: 0x0A00_0001), IPAddress(ipv4: 0xC0A8_6401),
            IPAddress(ipv4: 0x0809_0A0B), IPAddress(ipv4: 0x6400_0A63),
            IPAddress(ipv6High: 0x2001_0db8_0000_0000, low: 1), IPAddress(ipv6High: 0, low: 0x0000_ffff_c000_0201),
            IPAddress(ipv6High: 0, low: 0), IPAddress(ipv6High: 0xfe80_0000_0000_0000, low: 0x0211_22ff_fe33_4455),
        ]
        var generator = SeededGenerator(state: 3)
        for _ in 0..<500 { addresses.append(IPAddress(ipv4: UInt32(truncatingIfNeeded: generator.next()))) }
        for address in addresses {
            var line = JSONLine()
            line.add("h", address: address)
            #expect(line.finished == "{\"h\":\"\(address.description)\"}")
        }
    }

    // MARK: - Text report rows

    @Test func rowPiecesAsBefore() {
        #expect(Format.dateTime(Timestamp(seconds: 0, nanoseconds: 0)) == "1970-01-01 00:00:00.000000000")
        #expect(Format.dateTime(Timestamp(seconds: 1_795_304_701, nanoseconds: 123_456_789), fractionDigits: 6)
            == "2026-11-21 23:45:01.123456")
        #expect(Format.dateTime(Timestamp(seconds: 951_782_400, nanoseconds: 5), fractionDigits: 0)
            == "2000-02-29 00:00:00")
        #expect(Format.dateTime(Timestamp(seconds: -1, nanoseconds: 0), fractionDigits: 3) == "1969-12-31 23:59:59.000")
        #expect(Format.endpoint(IPAddress(ipv4: 0xC0A8_0001), 443) == "192.168.0.1:443")
        #expect(Format.endpoint(IPAddress(ipv4: 0xC0A8_0001), nil) == "192.168.0.1")
        #expect(Format.endpoint(IPAddress(ipv6High: 0x2001_0db8_0000_0000, low: 1), 53) == "[2001:db8::1]:53")
        #expect(Format.endpoint(IPAddress(ipv6High: 0x2001_0db8_0000_0000, low: 1), nil) == "2001:db8::1")
        for (text, width, right) in [("abc", 6, false), ("abc", 6, true), ("abcdef", 3, true), ("", 2, false), ("µs→", 5, true)] {
            var bytes: [UInt8] = []
            Format.appendPadded(width, right: right, to: &bytes) { $0.append(contentsOf: text.utf8) }
            #expect(String(decoding: bytes, as: UTF8.self) == Format.padded(text, width, right: right))
        }
    }

    // MARK: - Objects

    @Test func objectsNestInPlace() throws {
        var line = JSONLine()
        line.add("type", "flow")
        line.add("count", 3)
        line.add("missing", nil as Int?)
        line.object("empty") { _ in }
        line.object("outer") { outer in
            outer.add("ts", epoch: 1_732_492_800, subsecond: 5)
            outer.object("inner") { $0.addBool("yes", true) }
            outer.object("none", nil as Int?) { inner, value in inner.add("value", value) }
            outer.object("some", 7 as Int?) { inner, value in inner.add("value", value) }
            outer.add("after", 1.25, places: 1)
        }
        line.add("counts", counts: [("a\"b", 1), ("c", -2)])
        line.add("strings", strings: ["x", "y\n"])
        line.add("duration", seconds: 1_500_000)
        line.add("nothing", seconds: nil)
        var separate = JSONLine()
        separate.add("k", "v")
        line.add("copied", object: separate)
        line.add("list", objects: [separate, separate])
        #expect(line.finished == #"{"type":"flow","count":3,"missing":null,"empty":{},"#
            + #""outer":{"ts":1732492800.000000005,"inner":{"yes":true},"none":null,"some":{"value":7},"after":1.3},"#
            + #""counts":{"a\"b":1,"c":-2},"strings":["x","y\n"],"duration":0.001500,"nothing":null,"#
            + #""copied":{"k":"v"},"list":[{"k":"v"},{"k":"v"}]}"#)
        #expect(try JSONSerialization.jsonObject(with: Data(line.finished.utf8)) is [String: Any])
    }

    @Test func spareBufferIsKept() {
        let output = OutputBuffer()
        var bytes = output.takeSpare()
        #expect(bytes.isEmpty && bytes.capacity >= 1024)
        bytes.append(contentsOf: Array(repeating: 0x41, count: 5000))
        let capacity = bytes.capacity
        bytes.removeAll(keepingCapacity: true)
        output.giveSpare(bytes)
        let again = output.takeSpare()
        #expect(again.isEmpty && again.capacity == capacity)
    }
}
