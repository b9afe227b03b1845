/// The DTLS plaintext record header (RFC 6347 §4.1, RFC 9147 §4 `DTLSPlaintext`): TLS's header plus an explicit
/// epoch and 48-bit sequence number.
///
/// ```
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |  ContentType  |    version (0xfeff, 0xfefd)   |     epoch     |
/// |     epoch     |          sequence_number (48 bits)            |
/// |                 sequence_number               |    length     |
/// |    length     |  fragment ...
/// +-+-+-+-+-+-+-+-+
/// ```
/// DTLS 1.3 encrypted records use the unified header instead (`DTLSCiphertextHeader`), told apart by the first
/// byte (001xxxxx, RFC 9147 §4; RFC 7983 §7 demultiplexing puts DTLS at first bytes 20–63).
public struct DTLSRecordHeader: ~Escapable {
    private enum Field {
        static let contentType = 0
        static let version = 1
        static let epoch = 3
        static let sequenceNumber = 5
        static let length = 11
        static let headerLength = 13
    }

    public static let headerLength = Field.headerLength
    public let bytes: Span<UInt8>

    @_lifetime(copy bytes)
    public init(validating bytes: Span<UInt8>) throws(WireError) {
        guard bytes.count >= Field.headerLength else { throw WireError(.dtls, .truncated, at: 0) }
        let length = Int(bytes.uint16(at: Field.length))
        guard length <= TLSRecordHeader.maximumFragmentLength else { throw WireError(.dtls, .badLength, at: Field.length) }
        guard bytes.count - Field.headerLength >= length else { throw WireError(.dtls, .truncated, at: Field.headerLength) }
        self.bytes = bytes
    }

    public var contentType: TLSContentType { TLSContentType(rawValue: bytes.uint8(at: Field.contentType)) }
    public var version: UInt16 { bytes.uint16(at: Field.version) }
    public var epoch: UInt16 { bytes.uint16(at: Field.epoch) }
    public var sequenceNumber: UInt64 {
        UInt64(bytes.uint16(at: Field.sequenceNumber)) << 32 | UInt64(bytes.uint32(at: Field.sequenceNumber + 2))
    }
    public var length: Int { Int(bytes.uint16(at: Field.length)) }
    public var recordLength: Int { Field.headerLength + length }

    /// Whether `bytes` begin like a DTLS plaintext record: content type 20–25, version 0xfeff (1.0), 0xfefd (1.2)
    /// or 0xfefc (1.3 uses 0xfefd here, 0xfefc appears only in supported_versions), or 0x0100, OpenSSL's
    /// pre-RFC 4347 DTLS 1.0 (before 0.9.8f; still sent by Cisco AnyConnect), and a length that fits. Rejects
    /// most payloads after 1–3 bytes. DTLS 1.3 unified headers are `DTLSCiphertextHeader.looksLikeUnifiedHeader`.
    public static func looksLikeDTLS(_ bytes: Span<UInt8>) -> Bool {
        guard bytes.count >= Field.headerLength else { return false }
        guard (20...25).contains(bytes.uint8(at: Field.contentType)) else { return false }
        switch bytes.uint16(at: Field.version) {
        case 0xfeff, 0xfefd, 0xfefc, 0x0100: break
        default: return false
        }
        let length = Int(bytes.uint16(at: Field.length))
        return length <= TLSRecordHeader.maximumFragmentLength && bytes.count - Field.headerLength >= length
    }
}

/// The DTLS 1.3 unified header of an encrypted record (RFC 9147 §4). Blockscope does not decrypt: it recognises
/// and counts these records.
///
/// ```
///  0 1 2 3 4 5 6 7
/// +-+-+-+-+-+-+-+-+
/// |0|0|1|C|S|L|E E|   C: connection ID present, S: 16-bit sequence number, L: length present, EE: epoch bits
/// +-+-+-+-+-+-+-+-+
/// | Connection ID |   (length as negotiated: unknown to a passive observer)
/// | Seq. (8 or 16)|
/// | Length (16)   |   (if L)
/// +-+-+-+-+-+-+-+-+
/// ```
/// Without the connection ID's negotiated length, a header with C set cannot be measured: `recordLength` is nil
/// and the record runs to the datagram's end, as it also does when L is clear.
public struct DTLSCiphertextHeader: ~Escapable {
    private enum Bits {
        static let fixed: UInt8 = 0x20
        static let fixedMask: UInt8 = 0xe0
        static let connectionID: UInt8 = 0x10
        static let longSequence: UInt8 = 0x08
        static let lengthPresent: UInt8 = 0x04
        static let epoch: UInt8 = 0x03
    }

    public let bytes: Span<UInt8>

    @_lifetime(copy bytes)
    public init(validating bytes: Span<UInt8>) throws(WireError) {
        guard bytes.count >= 1 else { throw WireError(.dtls, .truncated, at: 0) }
        guard bytes.uint8(at: 0) & Bits.fixedMask == Bits.fixed else { throw WireError(.dtls, .badValue, at: 0) }
        self.bytes = bytes
    }

    public var flags: UInt8 { bytes.uint8(at: 0) }
    public var hasConnectionID: Bool { flags & Bits.connectionID != 0 }
    public var hasLength: Bool { flags & Bits.lengthPresent != 0 }
    /// The low two bits of the epoch.
    public var epochBits: UInt8 { flags & Bits.epoch }

    /// Header plus encrypted record, when it can be measured (no connection ID, length present, in the buffer).
    public var recordLength: Int? {
        guard !hasConnectionID, hasLength else { return nil }
        let lengthOffset = 1 + (flags & Bits.longSequence != 0 ? 2 : 1)
        guard bytes.count >= lengthOffset + 2 else { return nil }
        let total = lengthOffset + 2 + Int(bytes.uint16(at: lengthOffset))
        return total <= bytes.count ? total : nil
    }

    /// Whether the first byte has the unified header's fixed bits (001). One byte is weak evidence: trust it on a
    /// flow already seen to carry DTLS.
    public static func looksLikeUnifiedHeader(_ bytes: Span<UInt8>) -> Bool {
        bytes.count >= 1 && bytes.uint8(at: 0) & Bits.fixedMask == Bits.fixed
    }
}

/// The DTLS handshake header (RFC 6347 §4.2.2, RFC 9147 §5.2): TLS's plus message_seq and the fragment's place.
///
/// ```
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |   msg_type    |                 length (24)                   |
/// |       message_seq (16)        |   fragment_offset (24) ...    |
/// |      ...      |             fragment_length (24)              |
/// |  fragment (fragment_length bytes) ...
/// ```
/// `init(validating:)` checks that the fragment lies inside the message and inside the buffer.
public struct DTLSHandshakeHeader: ~Escapable {
    private enum Field {
        static let messageType = 0
        static let length = 1
        static let messageSequence = 4
        static let fragmentOffset = 6
        static let fragmentLength = 9
        static let headerLength = 12
    }

    public static let headerLength = Field.headerLength
    public let bytes: Span<UInt8>

    @_lifetime(copy bytes)
    public init(validating bytes: Span<UInt8>) throws(WireError) {
        guard bytes.count >= Field.headerLength else { throw WireError(.dtls, .truncated, at: 0) }
        let length = Self.uint24(bytes, at: Field.length)
        let offset = Self.uint24(bytes, at: Field.fragmentOffset)
        let fragment = Self.uint24(bytes, at: Field.fragmentLength)
        guard offset <= length, fragment <= length - offset else {
            throw WireError(.dtls, .badLength, at: Field.fragmentOffset)
        }
        guard bytes.count - Field.headerLength >= fragment else { throw WireError(.dtls, .truncated, at: Field.headerLength) }
        self.bytes = bytes
    }

    private static func uint24(_ bytes: Span<UInt8>, at offset: Int) -> Int {
        Int(bytes.uint8(at: offset)) << 16 | Int(bytes.uint16(at: offset + 1))
    }

    public var messageType: TLSHandshakeType { TLSHandshakeType(rawValue: bytes.uint8(at: Field.messageType)) }
    /// The whole message's body length.
    public var length: Int { Self.uint24(bytes, at: Field.length) }
    public var messageSequence: UInt16 { bytes.uint16(at: Field.messageSequence) }
    public var fragmentOffset: Int { Self.uint24(bytes, at: Field.fragmentOffset) }
    public var fragmentLength: Int { Self.uint24(bytes, at: Field.fragmentLength) }
    /// Header plus this fragment.
    public var fragmentRecordLength: Int { Field.headerLength + fragmentLength }
}
