/// An Ethernet II frame header (IEEE 802.3).
///
/// ```
/// +-------------------+-------------------+-----------+---------
/// | destination (6)   | source (6)        | type (2)  | payload
/// +-------------------+-------------------+-----------+---------
/// ```
/// VLAN tags after the type field are decoded by `VLANTag`, wherever they occur (Ethernet, Linux cooked).
public struct EthernetFrame: ~Escapable {
    private enum Field {
        static let destination = 0
        static let source = 6
        static let type = 12
        static let headerLength = 14
    }

    public static let headerLength = Field.headerLength
    public let bytes: Span<UInt8>

    @_lifetime(copy bytes)
    public init(validating bytes: Span<UInt8>) throws(WireError) {
        guard bytes.count >= Field.headerLength else { throw WireError(.ethernet, .truncated, at: 0) }
        self.bytes = bytes
    }

    public var etherType: EtherType { EtherType(rawValue: bytes.uint16(at: Field.type)) }
}

/// An IEEE 802.1Q / 802.1ad VLAN tag: the 4 bytes after a TPID (0x8100, 0x88a8, 0x9100), without the TPID.
///
/// ```
/// +-----+---+--------------+------------------+
/// | PCP |DEI| VLAN ID (12) | next type (16)   |
/// +-----+---+--------------+------------------+
/// ```
public struct VLANTag: ~Escapable {
    public static let length = 4
    /// Tags decoded before giving up (issue #2: QinQ, two tags).
    public static let maximumTags = 2

    public let bytes: Span<UInt8>

    @_lifetime(copy bytes)
    public init(validating bytes: Span<UInt8>) throws(WireError) {
        guard bytes.count >= Self.length else { throw WireError(.vlan, .truncated, at: 0) }
        self.bytes = bytes
    }

    public var identifier: UInt16 { bytes.uint16(at: 0) & 0x0fff }
    public var priority: UInt8 { bytes.uint8(at: 0) >> 5 }
    public var nextType: EtherType { EtherType(rawValue: bytes.uint16(at: 2)) }

    /// Whether `type` introduces a VLAN tag.
    public static func isTagProtocol(_ type: EtherType) -> Bool {
        type == .vlan || type == .serviceVLAN || type == .qinqLegacy
    }
}
