/// QUIC long-header fixtures. Sources are named on each.
enum QUICFixture {
    /// RFC 9001 §A.3: the protected server Initial (version 1), 135 bytes.
    static let serverInitial: [UInt8] =
        [0xcf]  // long header, fixed bit, Initial (0b00), protected low bits
        + [0x00, 0x00, 0x00, 0x01]  // version 1
        + [0x00]  // DCID length 0
        + [0x08, 0xf0, 0x67, 0xa5, 0x50, 0x2a, 0x42, 0x62, 0xb5]  // SCID length 8, f067a5502a4262b5
        + [0x00]  // token length 0
        + [0x40, 0x75]  // Length 117 (2-byte varint)
        + hex("""
            c0d95a482cd0991cd25b0aac406a 5816b6394100f37a1c69797554780bb3 8cc5a99f5ede4cf73c3ec2493a1839b3
            dbcba3f6ea46c5b7684df3548e7ddeb9 c3bf9c73cc3f3bded74b562bfb19fb84 022f8ef4cdd93795d77d06edbb7aaf2f
            58891850abbdca3d20398c276456cbc4 2158407dd074ee
            """)  // protected packet number and payload

    /// RFC 9001 §A.2: the first 22 bytes (the protected header) of the 1200-byte client Initial.
    static let clientInitialHeader: [UInt8] =
        [0xc0, 0x00, 0x00, 0x00, 0x01]  // Initial, version 1
        + [0x08, 0x83, 0x94, 0xc8, 0xf0, 0x3e, 0x51, 0x57, 0x08]  // DCID 8394c8f03e515708
        + [0x00]  // SCID length 0
        + [0x00]  // token length 0
        + [0x44, 0x9e]  // Length 1182
        + [0x7b, 0x9a, 0xec, 0x34]  // protected packet number

    /// RFC 9001 §A.4: Retry (version 1) with token "token" and the integrity tag.
    static let retry: [UInt8] =
        [0xff, 0x00, 0x00, 0x00, 0x01]  // Retry (0b11), version 1
        + [0x00]  // DCID length 0
        + [0x08, 0xf0, 0x67, 0xa5, 0x50, 0x2a, 0x42, 0x62, 0xb5]  // SCID
        + Array("token".utf8)
        + hex("04a265ba2eff4d829058fb3f0f2496ba")  // Retry Integrity Tag

    /// RFC 9369 §A.4: the version 2 Retry (type 0b00 in version 2).
    static let version2Retry: [UInt8] =
        [0xcf, 0x6b, 0x33, 0x43, 0xcf]  // Retry (0b00 in v2), version 0x6b3343cf
        + [0x00]
        + [0x08, 0xf0, 0x67, 0xa5, 0x50, 0x2a, 0x42, 0x62, 0xb5]
        + Array("token".utf8)
        + hex("c8646ce8bfe33952d955543665dcc7b6")

    /// Hand-built after RFC 9000 §17.2.1: Version Negotiation from a server, listing v1, v2 and a GREASE version.
    static let versionNegotiation: [UInt8] =
        [0x80]  // long header; the other bits are unused
        + [0x00, 0x00, 0x00, 0x00]  // version 0
        + [0x04, 0x0a, 0x0b, 0x0c, 0x0d]  // DCID (the client's SCID)
        + [0x08, 0x83, 0x94, 0xc8, 0xf0, 0x3e, 0x51, 0x57, 0x08]  // SCID (the client's DCID)
        + [0x00, 0x00, 0x00, 0x01, 0x6b, 0x33, 0x43, 0xcf, 0x1a, 0x2a, 0x3a, 0x4a]

    /// Hand-built after RFC 8999 §5.1: an unknown version (0x12345678) with a 32-byte DCID, legal by the
    /// invariants; the bytes after the connection IDs have no known layout.
    static let unknownVersion: [UInt8] =
        [0xc3, 0x12, 0x34, 0x56, 0x78]
        + [0x20] + Array(repeating: 0xdd, count: 32)  // DCID length 32
        + [0x02, 0x5c, 0x5c]  // SCID length 2
        + Array(repeating: 0xee, count: 30)

    /// RFC 9001 §A.3's server Initial, then a hand-built Handshake packet (type 0b10, Length 20), then the start
    /// of a short-header packet: one datagram, as servers coalesce them (RFC 9000 §12.2).
    static let coalesced: [UInt8] =
        serverInitial
        + [0xe0, 0x00, 0x00, 0x00, 0x01, 0x00, 0x08, 0xf0, 0x67, 0xa5, 0x50, 0x2a, 0x42, 0x62, 0xb5, 0x14]
        + Array(repeating: 0x99, count: 20)
        + [0x41, 0x00, 0x01, 0x02] + Array(repeating: 0x77, count: 24)

    static func hex(_ text: String) -> [UInt8] {
        let digits = text.unicodeScalars.compactMap { Int(String($0), radix: 16) }
        return stride(from: 0, to: digits.count - 1, by: 2).map { UInt8(digits[$0] << 4 | digits[$0 + 1]) }
    }
}
