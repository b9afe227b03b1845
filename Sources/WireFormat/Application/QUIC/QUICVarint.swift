/// QUIC variable-length integers (RFC 9000 §16): the two high bits of the first byte give the length.
///
/// ```
/// +------+--------+-------------+-----------------------+
/// | 2MSB | Length | Usable Bits | Range                 |
/// +------+--------+-------------+-----------------------+
/// | 00   | 1      | 6           | 0-63                  |
/// | 01   | 2      | 14          | 0-16383               |
/// | 10   | 4      | 30          | 0-1073741823          |
/// | 11   | 8      | 62          | 0-4611686018427387903 |
/// +------+--------+-------------+-----------------------+
/// ```
/// Non-minimal encodings are legal (§16) and read as their value. The value always fits in 62 bits, so it
/// converts to `Int` on 64-bit platforms without trapping.
public enum QUICVarint {
    /// The largest value a varint can hold (2^62 - 1).
    public static let maximum: UInt64 = (1 << 62) - 1

    /// The value at `offset` and its encoded length, or nil when the buffer ends inside it.
    @inline(__always)
    public static func read(_ bytes: Span<UInt8>, at offset: Int) -> (value: UInt64, length: Int)? {
        guard offset >= 0, offset < bytes.count else { return nil }
        let first = bytes.uint8(at: offset)
        let length = 1 << Int(first >> 6)
        guard bytes.count - offset >= length else { return nil }
        var value = UInt64(first & 0x3f)
        var index = 1
        while index < length {
            value = value << 8 | UInt64(bytes.uint8(at: offset + index))
            index += 1
        }
        return (value, length)
    }

    /// Encoded length of `value` in its minimal form (1, 2, 4 or 8); values above `maximum` are not encodable.
    public static func encodedLength(of value: UInt64) -> Int {
        switch value {
        case ..<64: return 1
        case ..<16384: return 2
        case ..<1_073_741_824: return 4
        default: return 8
        }
    }
}
