/// A QUIC connection ID (RFC 9000 §5.1) as a small value: up to 20 bytes kept inline, no allocation.
///
/// Versions 1 and 2 limit connection IDs to 20 bytes; the invariants (RFC 8999 §5.1) allow 255 for other
/// versions. `length` is always the length on the wire; only the first 20 bytes are kept (`isComplete` false
/// when more were on the wire).
public struct QUICConnectionID: Hashable, Sendable {
    /// Bytes kept inline.
    public static let capacity = 20

    /// The length on the wire (0–255).
    public let length: Int
    // Bytes 0–7, 8–15 and 16–19, big-endian, zero-filled past the end.
    private let high: UInt64
    private let middle: UInt64
    private let low: UInt32

    /// The connection ID in `bytes` (the whole span is the ID).
    public init(_ bytes: Span<UInt8>) {
        length = bytes.count
        var words: (UInt64, UInt64, UInt64) = (0, 0, 0)
        var index = 0
        let kept = min(bytes.count, Self.capacity)
        while index < kept {
            let byte = UInt64(bytes[index])
            switch index {
            case 0..<8: words.0 |= byte << UInt64(56 - 8 * index)
            case 8..<16: words.1 |= byte << UInt64(56 - 8 * (index - 8))
            default: words.2 |= byte << UInt64(56 - 8 * (index - 16))
            }
            index += 1
        }
        high = words.0
        middle = words.1
        low = UInt32(truncatingIfNeeded: words.2 >> 32)
    }

    public init(bytes: [UInt8]) {
        self.init(bytes.span)
    }

    /// Whether every byte on the wire is kept (length ≤ 20).
    public var isComplete: Bool { length <= Self.capacity }

    /// The kept bytes (at most 20).
    public var bytes: [UInt8] {
        (0..<min(length, Self.capacity)).map { index in
            switch index {
            case 0..<8: UInt8(truncatingIfNeeded: high >> UInt64(56 - 8 * index))
            case 8..<16: UInt8(truncatingIfNeeded: middle >> UInt64(56 - 8 * (index - 8)))
            default: UInt8(truncatingIfNeeded: low >> UInt32(24 - 8 * (index - 16)))
            }
        }
    }
}

extension QUICConnectionID: CustomStringConvertible {
    /// Lowercase hex, `…` appended when bytes beyond the first 20 were not kept; `(empty)` for length 0.
    public var description: String {
        if length == 0 { return "(empty)" }
        let digits = "0123456789abcdef".utf8.map { $0 }
        var text: [UInt8] = []
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: text, as: UTF8.self) + (isComplete ? "" : "…")
    }
}
