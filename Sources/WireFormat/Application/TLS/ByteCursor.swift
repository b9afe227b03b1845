/// A read position over a validated span, for the variable-length vectors of TLS/DTLS handshake messages
/// (RFC 8446 §3.4: `opaque x<floor..ceiling>` has a 1-, 2- or 3-byte length prefix).
///
/// Reads throw `truncated` and never advance on failure. The cursor holds only offsets (it is `Escapable`), so a
/// view can keep the ranges it returns; the span is passed to each read. `end` never exceeds the span's count.
struct ByteCursor {
    let layer: WireError.Layer
    private(set) var offset: Int
    let end: Int

    init(_ bytes: Span<UInt8>, layer: WireError.Layer) {
        self.layer = layer
        offset = 0
        end = bytes.count
    }

    /// A cursor over `range`, which the caller has already checked against the span.
    init(range: Range<Int>, layer: WireError.Layer) {
        self.layer = layer
        offset = range.lowerBound
        end = range.upperBound
    }

    var remaining: Int { end - offset }
    var isAtEnd: Bool { offset >= end }

    mutating func uint8(_ bytes: Span<UInt8>) throws(WireError) -> UInt8 {
        guard remaining >= 1 else { throw WireError(layer, .truncated, at: offset) }
        defer { offset += 1 }
        return bytes.uint8(at: offset)
    }

    mutating func uint16(_ bytes: Span<UInt8>) throws(WireError) -> UInt16 {
        guard remaining >= 2 else { throw WireError(layer, .truncated, at: offset) }
        defer { offset += 2 }
        return bytes.uint16(at: offset)
    }

    mutating func uint24(_ bytes: Span<UInt8>) throws(WireError) -> Int {
        guard remaining >= 3 else { throw WireError(layer, .truncated, at: offset) }
        defer { offset += 3 }
        return Int(bytes.uint8(at: offset)) << 16 | Int(bytes.uint16(at: offset + 1))
    }

    /// Skips `count` bytes (a fixed field such as the 32-byte random).
    @discardableResult
    mutating func skip(_ count: Int) throws(WireError) -> Range<Int> {
        guard count >= 0, remaining >= count else { throw WireError(layer, .truncated, at: offset) }
        defer { offset += count }
        return offset..<(offset + count)
    }

    /// A vector with a `lengthBytes`-byte length prefix (1, 2 or 3): returns the range of its content and moves
    /// past it. `maximum` is the vector's ceiling (a larger length is `badLength`, not truncation).
    mutating func vector(_ bytes: Span<UInt8>, lengthBytes: Int, maximum: Int = .max) throws(WireError) -> Range<Int> {
        let start = offset
        let length: Int
        switch lengthBytes {
        case 1: length = Int(try uint8(bytes))
        case 2: length = Int(try uint16(bytes))
        default: length = try uint24(bytes)
        }
        guard length <= maximum else {
            offset = start
            throw WireError(layer, .badLength, at: start)
        }
        guard remaining >= length else {
            offset = start
            throw WireError(layer, .truncated, at: start)
        }
        defer { offset += length }
        return offset..<(offset + length)
    }

    /// A vector of 16-bit values (cipher suites, groups, signature schemes): an odd length is `badLength`.
    mutating func uint16Vector(_ bytes: Span<UInt8>, lengthBytes: Int) throws(WireError) -> Range<Int> {
        let start = offset
        let range = try vector(bytes, lengthBytes: lengthBytes)
        guard range.count % 2 == 0 else {
            offset = start
            throw WireError(layer, .badLength, at: start)
        }
        return range
    }
}

extension Span where Element == UInt8 {
    /// The 16-bit big-endian values in `range` (validated by the caller: even length, in bounds).
    func uint16Values(in range: Range<Int>) -> [UInt16] {
        var values: [UInt16] = []
        values.reserveCapacity(range.count / 2)
        var offset = range.lowerBound
        while range.upperBound - offset >= 2 {
            values.append(uint16(at: offset))
            offset += 2
        }
        return values
    }

    /// The bytes in `range` as an array (validated by the caller).
    func bytes(in range: Range<Int>) -> [UInt8] {
        var values: [UInt8] = []
        values.reserveCapacity(range.count)
        for offset in range { values.append(uint8(at: offset)) }
        return values
    }
}
