/// A handshake message type (RFC 8446 §4, RFC 5246 §7.4, RFC 6347 §4.3.2 for hello_verify_request). Open set.
public struct TLSHandshakeType: RawRepresentable, Hashable, Sendable {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let helloRequest = TLSHandshakeType(rawValue: 0)
    public static let clientHello = TLSHandshakeType(rawValue: 1)
    public static let serverHello = TLSHandshakeType(rawValue: 2)
    public static let helloVerifyRequest = TLSHandshakeType(rawValue: 3)
    public static let newSessionTicket = TLSHandshakeType(rawValue: 4)
    public static let endOfEarlyData = TLSHandshakeType(rawValue: 5)
    public static let encryptedExtensions = TLSHandshakeType(rawValue: 8)
    public static let certificate = TLSHandshakeType(rawValue: 11)
    public static let serverKeyExchange = TLSHandshakeType(rawValue: 12)
    public static let certificateRequest = TLSHandshakeType(rawValue: 13)
    public static let serverHelloDone = TLSHandshakeType(rawValue: 14)
    public static let certificateVerify = TLSHandshakeType(rawValue: 15)
    public static let clientKeyExchange = TLSHandshakeType(rawValue: 16)
    public static let finished = TLSHandshakeType(rawValue: 20)
    public static let keyUpdate = TLSHandshakeType(rawValue: 24)
    public static let messageHash = TLSHandshakeType(rawValue: 254)
}

/// The TLS handshake message header (RFC 8446 §4): type and 24-bit body length.
///
/// ```
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |   msg_type    |             length (24 bits)                  |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |  body (length bytes; may span several records, §5.1) ...
/// ```
/// `init(validating:)` needs the four header bytes; the body may be incomplete (`isComplete`).
public struct TLSHandshakeHeader: ~Escapable {
    private enum Field {
        static let messageType = 0
        static let length = 1
        static let headerLength = 4
    }

    public static let headerLength = Field.headerLength
    public let bytes: Span<UInt8>

    @_lifetime(copy bytes)
    public init(validating bytes: Span<UInt8>) throws(WireError) {
        guard bytes.count >= Field.headerLength else { throw WireError(.tls, .truncated, at: 0) }
        self.bytes = bytes
    }

    public var messageType: TLSHandshakeType { TLSHandshakeType(rawValue: bytes.uint8(at: Field.messageType)) }
    public var length: Int { Int(bytes.uint8(at: Field.length)) << 16 | Int(bytes.uint16(at: Field.length + 1)) }
    /// Header plus body.
    public var messageLength: Int { Field.headerLength + length }
    public var isComplete: Bool { bytes.count >= messageLength }
}
