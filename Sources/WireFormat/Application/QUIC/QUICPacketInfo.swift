/// What Blockscope keeps of a QUIC long-header packet (RFC 9000 §17.2): the first one of its datagram, plus how
/// many long-header packets the datagram coalesced (RFC 9000 §12.2).
public struct QUICPacketInfo: Hashable, Sendable {
    public init(
        version: QUICVersion, packetType: QUICPacketType?, fixedBit: Bool, destinationConnectionID: QUICConnectionID,
        sourceConnectionID: QUICConnectionID, tokenLength: Int, length: Int, packetLength: Int, coalescedPackets: Int
    ) {
        self.version = version
        self.packetType = packetType
        self.fixedBit = fixedBit
        self.destinationConnectionID = destinationConnectionID
        self.sourceConnectionID = sourceConnectionID
        self.tokenLength = tokenLength
        self.length = length
        self.packetLength = packetLength
        self.coalescedPackets = coalescedPackets
    }

    public var version: QUICVersion
    /// Nil when the version's layout is unknown.
    public var packetType: QUICPacketType?
    /// False when greased (RFC 9287) or in Version Negotiation.
    public var fixedBit: Bool
    public var destinationConnectionID: QUICConnectionID
    public var sourceConnectionID: QUICConnectionID
    /// Initial: the token's length (non-zero after a Retry or with a NEW_TOKEN token); Retry: the retry token's.
    public var tokenLength: Int
    /// The Length field (Initial, 0-RTT, Handshake), 0 otherwise.
    public var length: Int
    /// Bytes of this packet in its datagram.
    public var packetLength: Int
    /// Long-header packets in the datagram (1 when not coalesced).
    public var coalescedPackets: Int

    /// Summarises the first packet of `datagram` and counts its coalesced long-header packets (up to
    /// `QUICPacketWalker.maximumPackets`). Throws when the first packet is malformed; a malformed later packet
    /// only ends the count.
    public init(datagram: Span<UInt8>) throws(WireError) {
        let first = try QUICLongHeader(validating: datagram)
        var walker = QUICPacketWalker(datagram)
        var count = 0
        while (try? walker.next()) != nil { count += 1 }
        self = first.info(coalescedPackets: max(1, count))
    }
}
