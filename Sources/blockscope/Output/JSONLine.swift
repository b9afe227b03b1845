import WireFormat

/// Builds one JSON object on one line, keys in the order written (stable output for tests and diffs).
///
/// Everything is appended to one byte buffer, one field at a time: the key (a `StaticString`, copied whole: field
/// names never need escaping) and its value are written through one `OutputSpan` (one capacity check per field),
/// numbers formatted straight into it, nested objects in place (`object(_:_:)`), so no `String`, `Array` or nested
/// buffer is built per field. A line made with `init(reusing:)` borrows the output's spare buffer and gives it back
/// when written: a report writes its flow records without allocating.
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

    /// A line built in `buffer`'s storage (emptied first; `finish(appendingTo:)` keeps it for the next line).
    init(reusing buffer: [UInt8]) {
        bytes = buffer
        bytes.removeAll(keepingCapacity: true)
        if bytes.capacity < 1024 { bytes.reserveCapacity(4096) }
        bytes.append(UInt8(ascii: "{"))
    }

    /// A line written into `output`'s spare buffer (kept from the previous line written with `write(to:)`).
    init(reusing output: OutputBuffer) {
        bytes = output.takeSpare()
        bytes.append(UInt8(ascii: "{"))
    }

    // MARK: - Fields

    /// Writes `name`'s key (after a comma unless it is the object's first) and, in the same span, a value of at
    /// most `valueLength` bytes written by `value`.
    @inline(__always)
    private mutating func field(_ name: StaticString, valueLength: Int, _ value: (inout OutputSpan<UInt8>) -> Void) {
        let comma = !first
        first = false
        bytes.append(addingCapacity: name.utf8CodeUnitCount + 4 + valueLength) { out in
            if comma { out.append(UInt8(ascii: ",")) }
            out.append(UInt8(ascii: "\""))
            Self.write(name, to: &out)
            out.append(UInt8(ascii: "\""))
            out.append(UInt8(ascii: ":"))
            value(&out)
        }
    }

    /// A key that is data (a count's label), escaped as any string, and an integer.
    private mutating func field(text name: String, _ value: Int64) {
        if !first { bytes.append(UInt8(ascii: ",")) }
        first = false
        Self.appendString(name, to: &bytes)
        bytes.append(addingCapacity: 1 + Self.integerLength) { out in
            out.append(UInt8(ascii: ":"))
            Self.write(value, to: &out)
        }
    }

    // MARK: - Values

    mutating func add(_ name: StaticString, _ value: String?) {
        guard let value else { return field(name, valueLength: 4) { Self.write("null", to: &$0) } }
        let done: Void? = value.utf8.withContiguousStorageIfAvailable { utf8 in
            field(name, valueLength: 2 + Self.maximumEscapedLength(utf8.count)) { Self.write(string: utf8, to: &$0) }
        }
        if done == nil {  // not contiguous UTF-8 (never for the strings blockscope makes): byte by byte
            field(name, valueLength: 0) { _ in }
            Self.appendString(value, to: &bytes)
        }
    }

    mutating func add(_ name: StaticString, _ value: Int?) {
        field(name, valueLength: Self.integerLength) { out in
            if let value { Self.write(Int64(value), to: &out) } else { Self.write("null", to: &out) }
        }
    }

    mutating func add(_ name: StaticString, _ value: Bool?) {
        field(name, valueLength: 5) { out in
            Self.write(value.map { $0 ? "true" : "false" } ?? "null", to: &out)
        }
    }

    /// A number with `places` decimals, or null.
    mutating func add(_ name: StaticString, _ value: Double?, places: Int) {
        guard let value else { return field(name, valueLength: 4) { Self.write("null", to: &$0) } }
        guard let parts = Self.DecimalParts(value, places: places) else {
            field(name, valueLength: 0) { _ in }
            Self.appendDecimal(value, places: places, to: &bytes)
            return
        }
        field(name, valueLength: parts.length) { parts.write(to: &$0) }
    }

    /// A duration in seconds (6 decimals, as Zeek's intervals), or null.
    mutating func add(_ name: StaticString, seconds nanoseconds: Int64?) {
        add(name, nanoseconds.map { Double($0) / 1e9 }, places: 6)
    }

    mutating func addBool(_ name: StaticString, _ value: Bool) {
        field(name, valueLength: 5) { Self.write(value ? "true" : "false", to: &$0) }
    }

    /// An IP address as a string: IPv4 written digit by digit, IPv6 as `IPAddress.description` (RFC 5952).
    mutating func add(_ name: StaticString, address: IPAddress) {
        guard !address.isIPv6 else { return add(name, address.description) }
        field(name, valueLength: 17) { out in
            out.append(UInt8(ascii: "\""))
            Self.write(ipv4: address.ipv4Value, to: &out)
            out.append(UInt8(ascii: "\""))
        }
    }

    /// `ts`-style epoch seconds with nanosecond digits, exact (no floating-point rounding).
    mutating func add(_ name: StaticString, epoch time: Int64, subsecond: Int64) {
        field(name, valueLength: 2 * Self.integerLength + 10) { out in
            Self.write(time, to: &out)
            out.append(UInt8(ascii: "."))
            Self.write(subsecond, padded: 9, to: &out)
        }
    }

    mutating func add(_ name: StaticString, counts: [(String, Int)]) {
        object(name) { object in
            for (label, count) in counts { object.field(text: label, Int64(count)) }
        }
    }

    mutating func add(_ name: StaticString, strings: [String]) {
        field(name, valueLength: 1) { $0.append(UInt8(ascii: "[")) }
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
        field(name, valueLength: 1) { $0.append(UInt8(ascii: "{")) }
        first = true
        body(&self)
        bytes.append(UInt8(ascii: "}"))
        first = false
    }

    /// A nested object written in place when `value` is there, else null.
    mutating func object<Value>(_ name: StaticString, _ value: Value?, _ body: (inout JSONLine, Value) -> Void) {
        guard let value else { return field(name, valueLength: 4) { Self.write("null", to: &$0) } }
        object(name) { body(&$0, value) }
    }

    /// A nested object built separately (copied in: for what is written rarely).
    mutating func add(_ name: StaticString, object: JSONLine?) {
        guard let object else { return field(name, valueLength: 4) { Self.write("null", to: &$0) } }
        field(name, valueLength: 0) { _ in }
        bytes.append(contentsOf: object.bytes)
        bytes.append(UInt8(ascii: "}"))
    }

    /// An array of objects built separately (copied in: for what is written rarely).
    mutating func add(_ name: StaticString, objects: [JSONLine]) {
        field(name, valueLength: 1) { $0.append(UInt8(ascii: "[")) }
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

    /// Appends the object and a newline to `destination`, and starts the next line in the same buffer.
    mutating func finish(appendingTo destination: inout [UInt8]) {
        bytes.append(UInt8(ascii: "}"))
        bytes.append(UInt8(ascii: "\n"))
        destination.append(contentsOf: bytes)
        bytes.removeAll(keepingCapacity: true)
        bytes.append(UInt8(ascii: "{"))
        first = true
    }

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
    /// The most bytes an `Int64` takes in decimal (`-9223372036854775808`).
    static let integerLength = 20

    /// The most bytes `count` bytes of UTF-8 take once escaped (`\u00XX` for a control character).
    static func maximumEscapedLength(_ count: Int) -> Int { 6 * count }

    /// Writes a `StaticString`'s UTF-8 (field names and the literals of this file; the caller made room).
    @inline(__always)
    static func write(_ text: StaticString, to out: inout OutputSpan<UInt8>) {
        // A string literal: `utf8Start` points at its `utf8CodeUnitCount` bytes for as long as the program runs.
        let start = text.utf8Start
        for offset in 0..<text.utf8CodeUnitCount { out.append(start[offset]) }
    }

    /// `value` in decimal, as `String(value)` writes it (`-` and the digits; `Int64.min` included); at most
    /// `integerLength` bytes.
    static func write(_ value: Int64, to out: inout OutputSpan<UInt8>) {
        if value < 0 { out.append(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        var low = out.count
        repeat {
            out.append(UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: magnitude % 10))
            magnitude /= 10
        } while magnitude > 0
        var high = out.count - 1
        while low < high {  // the digits came least significant first
            out.swapAt(low, high)
            low += 1
            high -= 1
        }
    }

    /// A dotted quad, as `IPAddress.description` writes IPv4; at most 15 bytes.
    static func write(ipv4 value: UInt32, to out: inout OutputSpan<UInt8>) {
        write(Int64(value >> 24), to: &out)
        out.append(UInt8(ascii: "."))
        write(Int64(value >> 16 & 0xff), to: &out)
        out.append(UInt8(ascii: "."))
        write(Int64(value >> 8 & 0xff), to: &out)
        out.append(UInt8(ascii: "."))
        write(Int64(value & 0xff), to: &out)
    }

    /// The characters `String(value)` has.
    static func length(_ value: Int64) -> Int {
        var length = value < 0 ? 2 : 1
        var rest = value.magnitude / 10
        while rest > 0 {
            length += 1
            rest /= 10
        }
        return length
    }

    /// `value` in decimal with zeros in front up to `width` characters, as `Format.pad` (a `-` counts as one and
    /// the zeros go before it, exactly as padding `String(value)` does); at most `max(width, integerLength)` bytes.
    static func write(_ value: Int64, padded width: Int, to out: inout OutputSpan<UInt8>) {
        let length = length(value)
        if length < width { out.append(repeating: UInt8(ascii: "0"), count: width - length) }
        write(value, to: &out)
    }

    /// A finite `Double` rounded half away from zero to `places` decimals, as parts that fit `Int64`s.
    struct DecimalParts {
        var negative: Bool
        var whole: Int64
        var fraction: Int64
        var places: Int

        /// nil when `value` is not finite or its scaled digits do not fit an `Int64` (beyond 9.2e18 / 10^places).
        init?(_ value: Double, places: Int) {
            guard value.isFinite else { return nil }
            var scale = 1.0
            for _ in 0..<places { scale *= 10 }
            let scaled = (abs(value) * scale).rounded()
            guard scaled < 9.2e18 else { return nil }
            whole = Int64(scaled / scale)
            fraction = Int64(scaled) - whole * Int64(scale)
            negative = value < 0 && scaled != 0
            self.places = places
        }

        /// The most bytes `write(to:)` takes.
        var length: Int { 2 + 2 * JSONLine.integerLength + places }

        func write(to out: inout OutputSpan<UInt8>) {
            if negative { out.append(UInt8(ascii: "-")) }
            JSONLine.write(whole, to: &out)
            guard places > 0 else { return }
            out.append(UInt8(ascii: "."))
            JSONLine.write(fraction, padded: places, to: &out)
        }
    }

    /// A string's UTF-8 in quotes, RFC 8259 escaped; at most `2 + maximumEscapedLength(utf8.count)` bytes. Most
    /// strings (addresses, names) need no escape and are copied byte for byte; multi-byte UTF-8 sequences never
    /// contain the bytes that need one, so they pass through unchanged (JSON text is UTF-8, RFC 8259 §8.1).
    static func write(string utf8: UnsafeBufferPointer<UInt8>, to out: inout OutputSpan<UInt8>) {
        out.append(UInt8(ascii: "\""))
        for byte in utf8 {
            if needsEscape(byte) { writeEscaped(byte, to: &out) } else { out.append(byte) }
        }
        out.append(UInt8(ascii: "\""))
    }

    @inline(__always)
    private static func needsEscape(_ byte: UInt8) -> Bool { byte < 0x20 || byte == 0x22 || byte == 0x5C }

    /// A quote, a backslash or a control character, escaped (at most 6 bytes).
    private static func writeEscaped(_ byte: UInt8, to out: inout OutputSpan<UInt8>) {
        out.append(0x5C)
        switch byte {
        case 0x22: out.append(0x22)
        case 0x5C: out.append(0x5C)
        case 0x0A: out.append(UInt8(ascii: "n"))
        case 0x0D: out.append(UInt8(ascii: "r"))
        case 0x09: out.append(UInt8(ascii: "t"))
        default:
            write("u00", to: &out)
            out.append(hexDigit(byte >> 4))
            out.append(hexDigit(byte & 0xF))
        }
    }

    private static func hexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10
    }

    // MARK: Into arrays (Format, and what is written rarely)

    /// `value` in decimal, as `String(value)` writes it.
    static func appendInteger(_ value: Int64, to bytes: inout [UInt8]) {
        bytes.append(addingCapacity: integerLength) { write(value, to: &$0) }
    }

    /// `value` with zeros in front up to `width` characters, as padding `String(value)` does.
    static func appendPadded(_ value: Int64, _ width: Int, to bytes: inout [UInt8]) {
        bytes.append(addingCapacity: max(width, integerLength)) { write(value, padded: width, to: &$0) }
    }

    /// `value` rounded half away from zero to `places` decimals, as `Format.decimal` writes it: no exponent, a `-`
    /// only when the rounded value is not zero, and `-` alone for a value that is not finite. A value whose scaled
    /// digits do not fit an `Int64` (beyond 9.2e18 / 10^places, far from any rate or duration of a capture) is
    /// written as Swift's shortest form, `1e+21`, which JSON reads too (Format.decimal used to trap there).
    static func appendDecimal(_ value: Double, places: Int, to bytes: inout [UInt8]) {
        if let parts = DecimalParts(value, places: places) {
            bytes.append(addingCapacity: parts.length) { parts.write(to: &$0) }
        } else if value.isFinite {
            bytes.append(contentsOf: value.description.utf8)
        } else {
            bytes.append(UInt8(ascii: "-"))
        }
    }

    /// `value` in quotes, RFC 8259 escaped.
    static func appendString(_ value: String, to bytes: inout [UInt8]) {
        let done: Void? = value.utf8.withContiguousStorageIfAvailable { utf8 in
            bytes.append(addingCapacity: 2 + maximumEscapedLength(utf8.count)) { write(string: utf8, to: &$0) }
        }
        guard done == nil else { return }
        bytes.append(UInt8(ascii: "\""))
        for byte in value.utf8 {
            bytes.append(addingCapacity: 6) { out in
                if needsEscape(byte) { writeEscaped(byte, to: &out) } else { out.append(byte) }
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}
