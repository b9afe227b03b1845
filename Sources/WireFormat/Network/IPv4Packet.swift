/// An IPv4 datagram (RFC 791 §3.1).
///
/// ```
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |Version|  IHL  |Type of Service|          Total Length         |
/// |         Identification        |Flags|      Fragment Offset    |
/// |  Time to Live |    Protocol   |         Header Checksum       |
/// |                       Source Address                          |
/// |                    Destination Address                        |
/// |                    Options (IHL > 5)                          |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ```
/// `init(validating:)` checks version, IHL against the buffer, and total length against IHL. A total length
/// beyond the buffer is not an error (snaplen cuts payloads): `payloadLength` follows the length field,
/// `capturedPayloadLength` what is really there. Total length 0 (TSO on the capturing host) uses the buffer.
public struct IPv4Packet: ~Escapable {
    private enum Field {
        static let versionAndIHL = 0
        static let typeOfService = 1
        static let totalLength = 2
        static let identification = 4
        static let flagsAndOffset = 6
        static let timeToLive = 8
        static let protocolNumber = 9
        static let checksum = 10
        static let source = 12
        static let destination = 16
        static let minimumHeaderLength = 20
    }

    public let bytes: Span<UInt8>
    public let headerLength: Int
    /// Total length as used: the header field, or the buffer length when the field is 0.
    public let totalLength: Int
    public let anomalies: Anomalies

    @_lifetime(copy bytes)
    public init(validating bytes: Span<UInt8>) throws(WireError) {
        guard bytes.count >= Field.minimumHeaderLength else { throw WireError(.ipv4, .truncated, at: 0) }
        let first = bytes.uint8(at: Field.versionAndIHL)
        guard first >> 4 == 4 else { throw WireError(.ipv4, .badVersion, at: 0) }
        let ihl = Int(first & 0x0f) * 4
        guard ihl >= Field.minimumHeaderLength else { throw WireError(.ipv4, .badHeaderLength, at: 0) }
        guard ihl <= bytes.count else { throw WireError(.ipv4, .truncated, at: Field.minimumHeaderLength) }
        var anomalies: Anomalies = ihl > Field.minimumHeaderLength ? .ipv4Options : []
        var total = Int(bytes.uint16(at: Field.totalLength))
        if total == 0 {
            anomalies.insert(.ipv4TotalLengthZero)
            total = bytes.count
        } else if total < ihl {
            throw WireError(.ipv4, .badLength, at: Field.totalLength)
        }
        self.bytes = bytes
        headerLength = ihl
        totalLength = total
        self.anomalies = anomalies
    }

    public var source: IPAddress { IPAddress(ipv4: bytes.uint32(at: Field.source)) }
    public var destination: IPAddress { IPAddress(ipv4: bytes.uint32(at: Field.destination)) }
    public var timeToLive: UInt8 { bytes.uint8(at: Field.timeToLive) }
    public var protocolNumber: IPProtocol { IPProtocol(rawValue: bytes.uint8(at: Field.protocolNumber)) }
    public var identification: UInt16 { bytes.uint16(at: Field.identification) }
    public var typeOfService: UInt8 { bytes.uint8(at: Field.typeOfService) }
    public var dontFragment: Bool { bytes.uint16(at: Field.flagsAndOffset) & 0x4000 != 0 }
    public var moreFragments: Bool { bytes.uint16(at: Field.flagsAndOffset) & 0x2000 != 0 }
    /// Fragment offset in bytes.
    public var fragmentOffset: Int { Int(bytes.uint16(at: Field.flagsAndOffset) & 0x1fff) * 8 }
    public var isFragment: Bool { moreFragments || fragmentOffset != 0 }
    public var headerChecksum: UInt16 { bytes.uint16(at: Field.checksum) }

    /// Payload length according to the length field.
    public var payloadLength: Int { totalLength - headerLength }
    /// Payload bytes actually present in the buffer.
    public var capturedPayloadLength: Int { max(0, min(totalLength, bytes.count) - headerLength) }

    /// Whether the header checksum verifies (RFC 1071 one's-complement sum over the header is 0xffff).
    public var headerChecksumIsValid: Bool {
        var sum: UInt32 = 0
        var i = 0
        while i < headerLength {
            sum &+= UInt32(bytes.uint16(at: i))
            i += 2
        }
        while sum > 0xffff { sum = (sum & 0xffff) + (sum >> 16) }
        return sum == 0xffff
    }

    /// Checks the option list (RFC 791 §3.1): end-of-list and no-operation are one byte; every other option is
    /// type, length (≥ 2, and at least the known minimum of its type), data, within the header. A bad list is
    /// malformed, as a receiving stack (or Suricata's decoder) would drop it.
    public func validateOptions() throws(WireError) {
        var offset = Field.minimumHeaderLength
        while offset < headerLength {
            let type = bytes.uint8(at: offset)
            if type == 0 { return }
            if type == 1 {
                offset += 1
                continue
            }
            guard headerLength - offset >= 2 else { throw WireError(.ipv4, .badLength, at: offset) }
            let length = Int(bytes.uint8(at: offset + 1))
            guard length >= max(2, Self.minimumOptionLength(type)), headerLength - offset >= length else {
                throw WireError(.ipv4, .badLength, at: offset)
            }
            offset += length
        }
    }

    /// Smallest legal length per option type: record route, loose/strict source route (RFC 791: type, length,
    /// pointer), timestamp (RFC 791: + overflow/flags), security (RFC 1108), stream id (RFC 791), router alert
    /// (RFC 2113). Others only need the generic 2.
    static func minimumOptionLength(_ type: UInt8) -> Int {
        switch type {
        case 7, 131, 137, 130: 3
        case 68, 136, 148: 4
        default: 2
        }
    }

    public var header: NetworkHeader {
        NetworkHeader(
            version: 4, source: source, destination: destination, timeToLive: timeToLive,
            identification: UInt32(identification), transportProtocol: protocolNumber, trafficClass: typeOfService,
            flowLabel: 0, headerLength: headerLength, totalLength: totalLength, dontFragment: dontFragment,
            fragment: isFragment ? .init(offset: fragmentOffset, moreFragments: moreFragments) : nil)
    }
}
