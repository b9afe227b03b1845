/// A QUIC long-header packet (RFC 9000 §17.2; invariants RFC 8999 §5.1) at the start of a UDP payload, or of
/// the rest of a datagram after coalesced packets (RFC 9000 §12.2).
///
/// ```
/// Long Header Packet {                 Initial Packet (§17.2.2) continues {
///   Header Form (1) = 1,                 Token Length (i),
///   Fixed Bit (1) = 1,                   Token (..),
///   Long Packet Type (2),                Length (i),
///   Type-Specific Bits (4),              Packet Number (8..32),      -- header-protected
///   Version (32),                        Packet Payload (8..),
///   Destination Connection ID Length (8),}
///   Destination Connection ID (0..160),  0-RTT (§17.2.3) and Handshake (§17.2.4): Length (i), Packet Number, ..
///   Source Connection ID Length (8),     Retry (§17.2.5): Retry Token (..), Retry Integrity Tag (128)
///   Source Connection ID (0..160),       Version Negotiation (§17.2.1, version 0): Supported Version (32) ...
///   Type-Specific Payload (..),
/// }
/// ```
/// `init(validating:)` checks, once: the header form bit; the connection ID lengths (≤ 20 for versions whose
/// layout is known, ≤ 255 per the invariants otherwise) against the buffer; for Initial, 0-RTT and Handshake
/// packets the token and Length varints against the buffer and a Length that leaves room for the header
/// protection sample (RFC 9001 §5.4.2: 4 + 16 bytes after the packet number offset); for Retry the integrity tag;
/// for Version Negotiation at least one whole version. A buffer that ends inside any of these throws
/// `truncated`. The Fixed Bit is recorded, not required: peers may grease it (RFC 9287).
///
/// For a version whose layout is unknown only the invariant fields are read and the packet is taken to fill
/// the rest of the datagram (`packetLength`); `packetType` is then nil.
public struct QUICLongHeader: ~Escapable {
    private enum Field {
        static let firstByte = 0
        static let version = 1
        static let destinationConnectionIDLength = 5
        static let destinationConnectionID = 6
        /// First byte, version, both length bytes: the smallest long header (both connection IDs empty).
        static let minimumLength = 7
        static let retryIntegrityTagLength = 16
        static let supportedVersionLength = 4
        /// RFC 9001 §5.4.2: the sample starts 4 bytes after the packet number offset and is 16 bytes long.
        static let minimumProtectedLength = 20
    }

    private enum Bits {
        static let headerForm: UInt8 = 0x80
        static let fixedBit: UInt8 = 0x40
    }

    public let bytes: Span<UInt8>
    public let version: QUICVersion
    /// Nil when the version's layout is unknown.
    public let packetType: QUICPacketType?
    /// Offset and length of the source connection ID (the destination ID starts at byte 6).
    public let sourceConnectionIDOffset: Int
    /// Offset of the token (Initial only; 0 length otherwise).
    public let tokenOffset: Int
    public let tokenLength: Int
    /// The Length field (packet number and payload), for Initial, 0-RTT and Handshake; 0 for the others.
    public let length: Int
    /// Where the (protected) packet number starts, for Initial, 0-RTT and Handshake; 0 for the others.
    public let packetNumberOffset: Int
    /// Bytes of this packet in the datagram: up to the end of its Length for Initial, 0-RTT and Handshake; the
    /// rest of the datagram for Retry, Version Negotiation and unknown versions.
    public let packetLength: Int

    @_lifetime(copy bytes)
    public init(validating bytes: Span<UInt8>) throws(WireError) {
        guard bytes.count >= Field.minimumLength else { throw WireError(.quic, .truncated, at: 0) }
        let first = bytes.uint8(at: Field.firstByte)
        guard first & Bits.headerForm != 0 else { throw WireError(.quic, .badValue, at: Field.firstByte) }
        let version = QUICVersion(rawValue: bytes.uint32(at: Field.version))
        let maximumLength = version.maximumConnectionIDLength
        let destinationLength = Int(bytes.uint8(at: Field.destinationConnectionIDLength))
        guard destinationLength <= maximumLength else {
            throw WireError(.quic, .badLength, at: Field.destinationConnectionIDLength)
        }
        let sourceLengthOffset = Field.destinationConnectionID + destinationLength
        guard bytes.count > sourceLengthOffset else { throw WireError(.quic, .truncated, at: Field.destinationConnectionID) }
        let sourceLength = Int(bytes.uint8(at: sourceLengthOffset))
        guard sourceLength <= maximumLength else { throw WireError(.quic, .badLength, at: sourceLengthOffset) }
        let sourceOffset = sourceLengthOffset + 1
        let afterConnectionIDs = sourceOffset + sourceLength
        guard bytes.count >= afterConnectionIDs else { throw WireError(.quic, .truncated, at: sourceOffset) }

        let packetType = QUICPacketType(typeBits: (first >> 4) & 0b11, version: version)
        var tokenOffset = afterConnectionIDs
        var tokenLength = 0
        var length = 0
        var packetNumberOffset = 0
        var packetLength = bytes.count
        switch packetType {
        case .initial?, .zeroRTT?, .handshake?:
            var offset = afterConnectionIDs
            if packetType == .initial {
                guard let token = QUICVarint.read(bytes, at: offset) else { throw WireError(.quic, .truncated, at: offset) }
                guard token.value <= UInt64(bytes.count - offset - token.length) else {
                    throw WireError(.quic, .truncated, at: offset)
                }
                tokenOffset = offset + token.length
                tokenLength = Int(token.value)
                offset = tokenOffset + tokenLength
            }
            guard let field = QUICVarint.read(bytes, at: offset) else { throw WireError(.quic, .truncated, at: offset) }
            guard field.value >= UInt64(Field.minimumProtectedLength) else { throw WireError(.quic, .badLength, at: offset) }
            packetNumberOffset = offset + field.length
            guard field.value <= UInt64(bytes.count - packetNumberOffset) else {
                throw WireError(.quic, .truncated, at: offset)
            }
            length = Int(field.value)
            packetLength = packetNumberOffset + length
        case .retry?:
            guard bytes.count - afterConnectionIDs >= Field.retryIntegrityTagLength else {
                throw WireError(.quic, .truncated, at: afterConnectionIDs)
            }
            tokenLength = bytes.count - afterConnectionIDs - Field.retryIntegrityTagLength
        case .versionNegotiation?:
            let list = bytes.count - afterConnectionIDs
            guard list >= Field.supportedVersionLength, list % Field.supportedVersionLength == 0 else {
                throw WireError(.quic, .truncated, at: afterConnectionIDs + list - list % Field.supportedVersionLength)
            }
        case nil:
            break
        }
        self.bytes = bytes
        self.version = version
        self.packetType = packetType
        sourceConnectionIDOffset = sourceOffset
        self.tokenOffset = tokenOffset
        self.tokenLength = tokenLength
        self.length = length
        self.packetNumberOffset = packetNumberOffset
        self.packetLength = packetLength
    }

    /// The first byte as sent (its low bits are header-protected in Initial, 0-RTT and Handshake packets).
    public var firstByte: UInt8 { bytes.uint8(at: Field.firstByte) }
    /// The Fixed Bit (RFC 9000 §17.2); 0 is legal only when greased (RFC 9287) or in Version Negotiation.
    public var fixedBit: Bool { firstByte & Bits.fixedBit != 0 }
    /// The two Long Packet Type bits, as on the wire.
    public var typeBits: UInt8 { (firstByte >> 4) & 0b11 }
    public var destinationConnectionIDLength: Int { Int(bytes.uint8(at: Field.destinationConnectionIDLength)) }
    public var sourceConnectionIDLength: Int { Int(bytes.uint8(at: sourceConnectionIDOffset - 1)) }
    public var destinationConnectionID: QUICConnectionID {
        QUICConnectionID(bytes.extracting(Field.destinationConnectionID..<(sourceConnectionIDOffset - 1)))
    }
    public var sourceConnectionID: QUICConnectionID {
        QUICConnectionID(bytes.extracting(sourceConnectionIDOffset..<(sourceConnectionIDOffset + sourceConnectionIDLength)))
    }
    /// The Retry Integrity Tag's offset (Retry only): the last 16 bytes of the datagram.
    public var retryIntegrityTagOffset: Int { bytes.count - Field.retryIntegrityTagLength }
    /// Number of Supported Version fields (Version Negotiation only).
    public var supportedVersionCount: Int {
        packetType == .versionNegotiation ? (bytes.count - tokenOffset) / Field.supportedVersionLength : 0
    }
    /// The `index`th Supported Version (Version Negotiation only; `index < supportedVersionCount`).
    public func supportedVersion(at index: Int) -> QUICVersion {
        QUICVersion(rawValue: bytes.uint32(at: tokenOffset + index * Field.supportedVersionLength))
    }

    /// The summary of this packet; `coalescedPackets` is the number of long-header packets in its datagram.
    public func info(coalescedPackets: Int = 1) -> QUICPacketInfo {
        QUICPacketInfo(
            version: version, packetType: packetType, fixedBit: fixedBit,
            destinationConnectionID: destinationConnectionID, sourceConnectionID: sourceConnectionID,
            tokenLength: tokenLength, length: length, packetLength: packetLength, coalescedPackets: coalescedPackets)
    }
}

// MARK: - Probes

extension QUICLongHeader {
    /// A cheap content probe for the first datagram of a UDP flow: header form and fixed bits set, a plausible
    /// version (`QUICVersion.isPlausible`), and connection ID lengths that are ≤ 20 and fit the buffer. At most
    /// eight byte reads; no validation of the rest (use `init(validating:)` for that).
    public static func looksLikeQUIC(_ bytes: Span<UInt8>) -> Bool {
        guard bytes.count >= Field.minimumLength else { return false }
        let first = bytes.uint8(at: Field.firstByte)
        let version = QUICVersion(rawValue: bytes.uint32(at: Field.version))
        // Version Negotiation leaves the bits after the header form unused (RFC 9000 §17.2.1).
        guard first & 0xc0 == 0xc0 || (version == .negotiation && first & Bits.headerForm != 0) else { return false }
        guard version.isPlausible else { return false }
        let destinationLength = Int(bytes.uint8(at: Field.destinationConnectionIDLength))
        guard destinationLength <= 20, bytes.count > Field.destinationConnectionID + destinationLength else { return false }
        let sourceLength = Int(bytes.uint8(at: Field.destinationConnectionID + destinationLength))
        return sourceLength <= 20 && bytes.count >= Field.destinationConnectionID + destinationLength + 1 + sourceLength
    }

    /// A short-header (1-RTT) packet (RFC 9000 §17.3): header form 0, fixed bit 1 (unless the flow negotiated
    /// greasing it, RFC 9287), room for the connection ID the flow uses, a packet number and the 16-byte AEAD
    /// tag. Only meaningful for a flow that already saw a long header and knows `destinationConnectionIDLength`:
    /// on its own, any byte with the top bits 01 would match.
    public static func looksLikeShortHeader(
        _ bytes: Span<UInt8>, destinationConnectionIDLength: Int, fixedBitGreased: Bool = false
    ) -> Bool {
        guard destinationConnectionIDLength >= 0, destinationConnectionIDLength <= 20 else { return false }
        // First byte, connection ID, sample room after a 1-byte packet number (RFC 9001 §5.4.2: pn offset + 4 + 16).
        guard bytes.count >= 1 + destinationConnectionIDLength + Field.minimumProtectedLength else { return false }
        let first = bytes.uint8(at: Field.firstByte)
        guard first & Bits.headerForm == 0 else { return false }
        return fixedBitGreased || first & Bits.fixedBit != 0
    }
}
