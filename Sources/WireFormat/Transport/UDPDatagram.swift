/// What Blockscope keeps of a UDP header.
public struct UDPHeader: Hashable, Sendable {
    public init(sourcePort: UInt16, destinationPort: UInt16, length: UInt16) {
        self.sourcePort = sourcePort
        self.destinationPort = destinationPort
        self.length = length
    }

    public var sourcePort: UInt16
    public var destinationPort: UInt16
    /// The length field (header + payload), as sent.
    public var length: UInt16
}

/// A UDP datagram (RFC 768).
///
/// ```
/// +--------+--------+--------+--------+
/// |   Source Port   |   Dest. Port    |
/// |     Length      |    Checksum     |
/// +--------+--------+--------+--------+
/// ```
/// A length field below 8 is malformed, except 0 in an IPv6 jumbogram (RFC 2675 §4), where the IP layer
/// carries the length. A length that disagrees with the IP payload is an anomaly; the IP
/// payload length wins, as in tshark, because UDP length can lie where IP cannot without breaking delivery.
public struct UDPDatagram: ~Escapable {
    private enum Field {
        static let sourcePort = 0
        static let destinationPort = 2
        static let length = 4
        static let checksum = 6
        static let headerLength = 8
    }

    public static let headerLength = Field.headerLength
    public let bytes: Span<UInt8>

    @_lifetime(copy bytes)
    public init(validating bytes: Span<UInt8>, inJumbogram: Bool = false) throws(WireError) {
        guard bytes.count >= Field.headerLength else { throw WireError(.udp, .truncated, at: 0) }
        let length = bytes.uint16(at: Field.length)
        guard length >= Field.headerLength || (length == 0 && inJumbogram) else {
            throw WireError(.udp, .badLength, at: Field.length)
        }
        self.bytes = bytes
    }

    public var sourcePort: UInt16 { bytes.uint16(at: Field.sourcePort) }
    public var destinationPort: UInt16 { bytes.uint16(at: Field.destinationPort) }
    public var length: UInt16 { bytes.uint16(at: Field.length) }
    public var checksum: UInt16 { bytes.uint16(at: Field.checksum) }
    public var header: UDPHeader { UDPHeader(sourcePort: sourcePort, destinationPort: destinationPort, length: length) }
}
