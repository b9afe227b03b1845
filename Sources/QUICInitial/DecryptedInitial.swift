import WireFormat

/// An Initial packet with header protection removed and its payload decrypted (RFC 9001 §5.3–5.4).
public struct DecryptedInitial: Hashable, Sendable {
    public init(
        version: QUICVersion, packetNumber: UInt64, packetNumberLength: Int, header: [UInt8], plaintext: [UInt8],
        destinationConnectionID: QUICConnectionID, sourceConnectionID: QUICConnectionID, tokenLength: Int,
        packetRange: Range<Int>
    ) {
        self.version = version
        self.packetNumber = packetNumber
        self.packetNumberLength = packetNumberLength
        self.header = header
        self.plaintext = plaintext
        self.destinationConnectionID = destinationConnectionID
        self.sourceConnectionID = sourceConnectionID
        self.tokenLength = tokenLength
        self.packetRange = packetRange
    }

    public var version: QUICVersion
    /// The packet number as sent (truncated to `packetNumberLength` bytes; Initial numbers start at 0, so for
    /// the first packets of a connection it is the full number).
    public var packetNumber: UInt64
    /// 1–4 bytes.
    public var packetNumberLength: Int
    /// The unprotected header: first byte with its low bits unmasked, through the packet number.
    public var header: [UInt8]
    /// The decrypted frames (RFC 9000 §19); parse them with `InitialFrames(parsing:)`.
    public var plaintext: [UInt8]
    public var destinationConnectionID: QUICConnectionID
    public var sourceConnectionID: QUICConnectionID
    public var tokenLength: Int
    /// Where the packet was in its datagram.
    public var packetRange: Range<Int>

    /// The unmasked Reserved Bits (0x0c of the first byte): non-zero is a PROTOCOL_VIOLATION (RFC 9000 §17.2).
    public var reservedBits: UInt8 { header.first.map { ($0 >> 2) & 0b11 } ?? 0 }

    /// The frames of the plaintext.
    public var frames: InitialFrames { InitialFrames(parsing: plaintext.span) }
}
