/// Builds one JSON object on one line, keys in the order written (stable output for tests and diffs).
///
/// Everything is appended to one byte buffer: keys are `StaticString`s copied whole (they never need escaping),
/// numbers are formatted straight into the buffer, and nested objects are written in place (`object(_:_:)`), so
/// no `String`, `Array` or nested buffer is built per field. A line made with `init(reusing:)` borrows the output's
/// spare buffer and gives it back when written: a report writes its flow records without allocating.
struct JSONLine {
    /// The object so far, as UTF-8 (without its closing brace).
    private(set) var bytes: [UInt8]
    /// No key written yet in the innermost open object (the next key needs no comma).
    private var first = true

    init() {
        bytes = []
        bytes.reserveCapacity(256)
        bytes.append(UInt8(ascii: "{"))
    }

    /// A line written into `output`'s spare buffer (kept from the previous line written with `write(to:)`).
    init(reusing output: OutputBuffer) {
        bytes = output.takeSpare()
        bytes.append(UInt8(ascii: "{"))
    }

    // MARK: - Keys

    private mutating func key(_ name: StaticString) {
        if !first { bytes.append(UInt8(ascii: ",")) }
        first = false
        bytes.append(UInt8(ascii: "\""))
        name.withUTF8Buffer { bytes.append(contentsOf: $0) }  // field names are plain ASCII: nothing to escape
        bytes.append(UInt8(ascii: "\""))
        bytes.append(UInt8(ascii: ":"))
    }

    /// A key that is data (a count's label), escaped as any string.
    private mutating func key(text name: String) {
        if !first { bytes.append(UInt8(ascii: ",")) }
        first = false
        Self.appendString(name, to: &bytes)
        bytes.append(UInt8(ascii: ":"))
    }

    private mutating func null() { Self.append("null", to: &bytes) }

    // MARK: - Values

    mutating func add(_ name: StaticString, _ value: String?) {
        key(name)
        if let value { Self.appendString(value, to: &bytes) } else { null() }
    }

    mutating func add(_ name: StaticString, _ value: Int?) {
        key(name)
        if let value { Self.appendInteger(Int64(value), to: &bytes) } else { null() }
    }

    mutating func add(_ name: StaticString, _ value: Bool?) {
        key(name)
        if let value { Self.append(value ? "true" : "false", to: &bytes) } else { null() }
    }

    /// A number with `places` decimals, or null.
    mutating func add(_ name: StaticString, _ value: Double?, places: Int) {
        key(name)
        if let value { Self.appendDecimal(value, places: places, to: &bytes) } else { null() }
    }

    /// A duration in seconds (6 decimals, as Zeek's intervals), or null.
    mutating func add(_ name: StaticString, seconds nanoseconds: Int64?) {
        key(name)
        if let nanoseconds { Self.appendDecimal(Double(nanoseconds) / 1e9, places: 6, to: &bytes) } else { null() }
    }

    mutating func addBool(_ name: StaticString, _ value: Bool) {
        key(name)
        Self.append(value ? "true" : "false", to: &bytes)
    }

    /// `ts`-style epoch seconds with nanosecond digits, exact (no floating-point rounding).
    mutating func add(_ name: StaticString, epoch time: Int64, subsecond: Int64) {
        key(name)
        Self.appendInteger(time, to: &bytes)
        bytes.append(UInt8(ascii: "."))
        Self.appendPadded(subsecond, 9, to: &bytes)
    }

    mutating func add(_ name: StaticString, counts: [(String, Int)]) {
        object(name) { object in
            for (label, count) in counts {
                object.key(text: label)
                Self.appendInteger(Int64(count), to: &object.bytes)
            }
        }
    }

    mutating func add(_ name: StaticString, strings: [String]) {
        key(name)
        bytes.append(UInt8(ascii: "["))
        var first = true
        for value in strings {
            if !first { bytes.append(UInt8(ascii: ",")) }
            first = false
            Self.appendString(value, to: &bytes)
        }
        bytes.append(UInt8(ascii: "]"))
    }

    // MARK: - Nested objects

    /// A nested object, written in place by `body`.
    mutating func object(_ name: StaticString, _ body: (inout JSONLine) -> Void) {
        key(name)
        bytes.append(UInt8(ascii: "{"))
        first = true
        body(&self)
        bytes.append(UInt8(ascii: "}"))
        first = false
    }

    /// A nested object written in place when `value` is there, else null.
    mutating func object<Value>(_ name: StaticString, _ value: Value?, _ body: (inout JSONLine, Value) -> Void) {
        guard let value else {
            key(name)
            null()
            return
        }
        object(name) { body(&$0, value) }
    }

    /// A nested object built separately (copied in: for what is written rarely).
    mutating func add(_ name: StaticString, object: JSONLine?) {
        key(name)
        if let object {
            bytes.append(contentsOf: object.bytes)
            bytes.append(UInt8(ascii: "}"))
        } else {
            null()
        }
    }

    /// An array of objects built separately (copied in: for what is written rarely).
    mutating func add(_ name: StaticString, objects: [JSONLine]) {
        key(name)
        bytes.append(UInt8(ascii: "["))
        for (index, object) in objects.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            bytes.append(contentsOf: object.bytes)
            bytes.append(UInt8(ascii: "}"))
        }
        bytes.append(UInt8(ascii: "]"))
    }

    // MARK: - Output

    /// The object as text.
    var finished: String { String(decoding: bytes + [UInt8(ascii: "}")], as: UTF8.self) }

    /// Writes the object and a newline to `output` (no intermediate String); the buffer becomes `output`'s spare.
    consuming func write(to output: OutputBuffer) {
        var buffer = bytes
        bytes = []  // `buffer` is the only reference: emptied in place below, its capacity kept
        buffer.append(UInt8(ascii: "}"))
        buffer.append(UInt8(ascii: "\n"))
        output.write(bytes: buffer)
        buffer.removeAll(keepingCapacity: true)
        output.giveSpare(buffer)
    }
}

// MARK: - Formatting into bytes

extension JSONLine {
    /// Appends a `StaticString` whole (literals of this file: `null`, `true`, `false`).
    static func append(_ text: StaticString, to bytes: inout [UInt8]) {
        text.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    /// `value` in decimal, as `String(value)` writes it (`-` and the digits; `Int64.min` included).
    static func appendInteger(_ value: Int64, to bytes: inout [UInt8]) {
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        let start = bytes.count
        repeat {
            bytes.append(UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: magnitude % 10))
            magnitude /= 10
        } while magnitude > 0
        var low = start
        var high = bytes.count - 1
        while low < high {  // the digits came least significant first
            bytes.swapAt(low, high)
            low += 1
            high -= 1
        }
    }

    /// `value` in decimal with zeros in front up to `width` characters, as `Format.pad` (a `-` counts as one and
    /// the zeros go before it, exactly as padding `String(value)` does).
    static func appendPadded(_ value: Int64, _ width: Int, to bytes: inout [UInt8]) {
        var length = value < 0 ? 2 : 1
        var rest = value.magnitude / 10
        while rest > 0 {
            length += 1
            rest /= 10
        }
        if length < width {
            for _ in length..<width { bytes.append(UInt8(ascii: "0")) }
        }
        appendInteger(value, to: &bytes)
    }

    /// `value` rounded half away from zero to `places` decimals, as `Format.decimal` writes it: no exponent, a `-`
    /// only when the rounded value is not zero, and `-` alone for a value that is not finite. A value whose scaled
    /// digits do not fit an `Int64` (beyond 9.2e18 / 10^places, far from any rate or duration of a capture) is written
    /// as Swift's shortest form, `1e+21`, which JSON reads too (Format.decimal used to trap there).
    static func appendDecimal(_ value: Double, places: Int, to bytes: inout [UInt8]) {
        guard value.isFinite else {
            bytes.append(UInt8(ascii: "-"))
            return
        }
        var scale = 1.0
        for _ in 0..<places { scale *= 10 }
        let scaled = (abs(value) * scale).rounded()
        guard scaled < 9.2e18 else {
            bytes.append(contentsOf: value.description.utf8)
            return
        }
        let whole = Int64(scaled / scale)
        let fraction = Int64(scaled) - whole * Int64(scale)
        if value < 0 && scaled != 0 { bytes.append(UInt8(ascii: "-")) }
        appendInteger(whole, to: &bytes)
        guard places > 0 else { return }
        bytes.append(UInt8(ascii: "."))
        appendPadded(fraction, places, to: &bytes)
    }

    /// RFC 8259 string escaping. Most strings (addresses, names) need none: they are appended whole after one pass
    /// over their UTF-8 bytes; only a string with a quote, a backslash or a control character is escaped byte by
    /// byte (multi-byte UTF-8 sequences never contain those bytes, so they pass through unchanged).
    static func appendString(_ value: String, to bytes: inout [UInt8]) {
        bytes.append(UInt8(ascii: "\""))
        let done: Void? = value.utf8.withContiguousStorageIfAvailable { utf8 in
            var plain = true
            for byte in utf8 where needsEscape(byte) {
                plain = false
                break
            }
            if plain {
                bytes.append(contentsOf: utf8)
            } else {
                for byte in utf8 { appendEscaped(byte, to: &bytes) }
            }
        }
        if done == nil {
            for byte in value.utf8 { appendEscaped(byte, to: &bytes) }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    @inline(__always)
    private static func needsEscape(_ byte: UInt8) -> Bool { byte < 0x20 || byte == 0x22 || byte == 0x5C }

    private static func appendEscaped(_ byte: UInt8, to bytes: inout [UInt8]) {
        guard needsEscape(byte) else {
            bytes.append(byte)  // UTF-8 passes through: JSON text is UTF-8 (RFC 8259 §8.1)
            return
        }
        bytes.append(0x5C)
        switch byte {
        case 0x22: bytes.append(0x22)
        case 0x5C: bytes.append(0x5C)
        case 0x0A: bytes.append(UInt8(ascii: "n"))
        case 0x0D: bytes.append(UInt8(ascii: "r"))
        case 0x09: bytes.append(UInt8(ascii: "t"))
        default:
            append("u00", to: &bytes)
            bytes.append(hexDigit(byte >> 4))
            bytes.append(hexDigit(byte & 0xF))
        }
    }

    private static func hexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10
    }
}
