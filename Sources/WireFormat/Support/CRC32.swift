/// CRC-32 as IEEE 802.3, zlib and PNG compute it (the "CRC-32/ISO-HDLC" of the CRC catalogue): reflected
/// polynomial 0xEDB88320, initial value and final XOR 0xFFFFFFFF. STUN's FINGERPRINT (RFC 8489 §14.7) is this CRC
/// XORed with 0x5354554e.
///
/// Table-driven, one byte per step. The table is built once, on first use.
public enum CRC32 {
    /// The reflected generator polynomial.
    public static let polynomial: UInt32 = 0xedb8_8320

    static let table: [UInt32] = (0..<256).map { (index: UInt32) -> UInt32 in
        var value = index
        for _ in 0..<8 {
            value = value & 1 == 1 ? (value >> 1) ^ polynomial : value >> 1
        }
        return value
    }

    /// The CRC-32 of `bytes`.
    public static func checksum(_ bytes: Span<UInt8>) -> UInt32 { update(0, with: bytes) }

    /// Continues `crc` (a value `checksum` or `update` returned, 0 for none yet) over `bytes`, so that a message
    /// may be checked in pieces: `update(checksum(a), with: b) == checksum(a + b)`.
    public static func update(_ crc: UInt32, with bytes: Span<UInt8>) -> UInt32 {
        var value = ~crc
        for index in bytes.indices {
            value = table[Int((value ^ UInt32(bytes[index])) & 0xff)] ^ (value >> 8)
        }
        return ~value
    }
}
