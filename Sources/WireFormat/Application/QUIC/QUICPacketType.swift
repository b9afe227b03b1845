/// What a QUIC long-header packet is (RFC 9000 §17.2, Table 5), independent of the version's wire codes.
///
/// The two type bits of the first byte map to these per version: version 1 and the drafts use Initial 0b00,
/// 0-RTT 0b01, Handshake 0b10, Retry 0b11; version 2 rotates them (RFC 9369 §3.2): Initial 0b01, 0-RTT 0b10,
/// Handshake 0b11, Retry 0b00. Version Negotiation is version 0 whatever its type bits (RFC 9000 §17.2.1).
public enum QUICPacketType: String, Hashable, Sendable, CaseIterable {
    case initial
    case zeroRTT = "0-rtt"
    case handshake
    case retry
    case versionNegotiation = "version-negotiation"

    /// The packet type that `typeBits` (0–3) means in `version`; nil when the version's layout is unknown.
    public init?(typeBits: UInt8, version: QUICVersion) {
        if version == .negotiation {
            self = .versionNegotiation
            return
        }
        guard version.hasKnownLayout else { return nil }
        let code = version.usesVersion2PacketTypes ? (typeBits &+ 3) & 0b11 : typeBits & 0b11
        switch code {
        case 0b00: self = .initial
        case 0b01: self = .zeroRTT
        case 0b10: self = .handshake
        default: self = .retry
        }
    }

    /// The two type bits this packet type uses in `version` (the inverse of `init(typeBits:version:)`).
    public func typeBits(in version: QUICVersion) -> UInt8 {
        let code: UInt8
        switch self {
        case .initial: code = 0b00
        case .zeroRTT: code = 0b01
        case .handshake: code = 0b10
        case .retry, .versionNegotiation: code = 0b11
        }
        return version.usesVersion2PacketTypes ? (code &+ 1) & 0b11 : code
    }
}
