/// An Ethernet II frame with up to two VLAN tags (IEEE 802.1Q / 802.1ad).
///
/// ```
/// +-------------------+-------------------+--------+ [+--------+-----+ ×≤2] +--------+---------
/// | destination (6)   | source (6)        | type/  |  | TPID   | TCI |       | type   | payload
/// |                   |                   | TPID(2)|  | (2)    | (2) |       | (2)    |
/// ```
/// TPIDs 0x8100, 0x88a8 and 0x9100 introduce a tag; a third tag is refused (`tooManyHeaders`).
public struct EthernetFrame: ~Escapable {
    private enum Field {
        static let destination = 0
        static let source = 6
        static let type = 12
        static let headerLength = 14
        static let tagLength = 4
        static let maximumTags = 2
    }

    public let bytes: Span<UInt8>
    /// Offset of the payload (after any VLAN tags).
    public let payloadOffset: Int
    /// The EtherType after any VLAN tags.
    public let etherType: EtherType
    /// Number of VLAN tags (0...2).
    public let tagCount: Int

    @_lifetime(copy bytes)
    public init(validating bytes: Span<UInt8>) throws(WireError) {
        guard bytes.count >= Field.headerLength else { throw WireError(.ethernet, .truncated, at: 0) }
        var type = EtherType(rawValue: bytes.uint16(at: Field.type))
        var offset = Field.headerLength
        var tags = 0
        while type == .vlan || type == .serviceVLAN || type == .qinqLegacy {
            guard tags < Field.maximumTags else { throw WireError(.vlan, .tooManyHeaders, at: offset - 2) }
            guard bytes.count >= offset + Field.tagLength else { throw WireError(.vlan, .truncated, at: offset) }
            type = EtherType(rawValue: bytes.uint16(at: offset + 2))
            offset += Field.tagLength
            tags += 1
        }
        self.bytes = bytes
        payloadOffset = offset
        etherType = type
        tagCount = tags
    }

    /// The VLAN identifier (12 bits) of tag `index` (0 = outermost).
    public func vlanID(_ index: Int) -> UInt16 {
        guard index < tagCount else { return 0 }
        return bytes.uint16(at: Field.headerLength + index * Field.tagLength) & 0x0fff
    }
}
