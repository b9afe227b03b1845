/// An IPv6 packet (RFC 8200 §3) with its chain of extension headers (§4), walked up to a fixed limit.
///
/// ```
/// +-------+---------------+---------------------------------------+
/// |Version| Traffic Class |              Flow Label               |
/// |        Payload Length         |  Next Header  |   Hop Limit   |
/// |                   Source Address (16)                         |
/// |                Destination Address (16)                       |
/// +---------------------------------------------------------------+
/// ```
/// Extension headers with the generic layout (next header, length in 8-octet units beyond the first) are
/// skipped; AH counts its length in 4-octet units (RFC 4302 §2.2); the Fragment header (§4.5) is recorded.
/// ESP and "no next header" end the walk. A zero payload length (jumbogram, offload) uses the buffer.
public struct IPv6Packet: ~Escapable {
    private enum Field {
        static let versionClassLabel = 0
        static let payloadLength = 4
        static let nextHeader = 6
        static let hopLimit = 7
        static let source = 8
        static let destination = 24
        static let fixedHeaderLength = 40
        static let fragmentHeaderLength = 8
        /// Extension headers walked before giving up (RFC 7112 leaves no limit; 8 is beyond any legitimate chain).
        static let maximumExtensionHeaders = 8
    }

    public let bytes: Span<UInt8>
    /// Fixed header plus extension headers: where the transport header (or fragment data) begins.
    public let headerLength: Int
    /// Fixed header plus payload length (or the buffer length when the field is 0).
    public let totalLength: Int
    /// The protocol after the extension headers.
    public let transportProtocol: IPProtocol
    public let anomalies: Anomalies
    /// Fragment header fields, when present.
    public let fragmentOffset: Int
    public let moreFragments: Bool
    public let hasFragmentHeader: Bool
    public let fragmentIdentification: UInt32
    /// Offset of the Fragment header's own "next header" chain start: bytes before it are the unfragmentable part.
    public let unfragmentableLength: Int

    @_lifetime(copy bytes)
    public init(validating bytes: Span<UInt8>) throws(WireError) {
        guard bytes.count >= Field.fixedHeaderLength else { throw WireError(.ipv6, .truncated, at: 0) }
        guard bytes.uint8(at: Field.versionClassLabel) >> 4 == 6 else { throw WireError(.ipv6, .badVersion, at: 0) }
        var anomalies: Anomalies = []
        var total = Int(bytes.uint16(at: Field.payloadLength)) + Field.fixedHeaderLength
        if total == Field.fixedHeaderLength, bytes.uint8(at: Field.nextHeader) != IPProtocol.noNextHeader.rawValue {
            anomalies.insert(.ipv6PayloadLengthZero)
            total = bytes.count
        }
        // The chain is walked within what the length field allows, and what the buffer holds.
        let limit = min(total, bytes.count)
        var next = IPProtocol(rawValue: bytes.uint8(at: Field.nextHeader))
        var offset = Field.fixedHeaderLength
        var walked = 0
        var fragmentOffset = 0
        var moreFragments = false
        var hasFragment = false
        var identification: UInt32 = 0
        var unfragmentable = Field.fixedHeaderLength
        while next.isIPv6ExtensionHeader {
            // After a non-first fragment's header the rest is fragment data, not headers.
            if hasFragment && fragmentOffset != 0 { break }
            guard walked < Field.maximumExtensionHeaders else {
                throw WireError(.ipv6Extension, .tooManyHeaders, at: offset)
            }
            guard limit - offset >= 8 else { throw WireError(.ipv6Extension, .truncated, at: offset) }
            let following = IPProtocol(rawValue: bytes.uint8(at: offset))
            let length: Int
            switch next {
            case .fragment:
                length = Field.fragmentHeaderLength
                let field = bytes.uint16(at: offset + 2)
                fragmentOffset = Int(field >> 3) * 8
                moreFragments = field & 1 != 0
                identification = bytes.uint32(at: offset + 4)
                hasFragment = true
                unfragmentable = offset
            case .authenticationHeader:
                length = (Int(bytes.uint8(at: offset + 1)) + 2) * 4
            default:
                length = (Int(bytes.uint8(at: offset + 1)) + 1) * 8
            }
            guard limit - offset >= length else { throw WireError(.ipv6Extension, .truncated, at: offset) }
            offset += length
            next = following
            walked += 1
        }
        self.bytes = bytes
        headerLength = offset
        totalLength = total
        transportProtocol = next
        self.anomalies = anomalies
        self.fragmentOffset = fragmentOffset
        self.moreFragments = moreFragments
        hasFragmentHeader = hasFragment
        fragmentIdentification = identification
        unfragmentableLength = unfragmentable
    }

    public var source: IPAddress {
        IPAddress(ipv6High: bytes.uint64(at: Field.source), low: bytes.uint64(at: Field.source + 8))
    }
    public var destination: IPAddress {
        IPAddress(ipv6High: bytes.uint64(at: Field.destination), low: bytes.uint64(at: Field.destination + 8))
    }
    public var hopLimit: UInt8 { bytes.uint8(at: Field.hopLimit) }
    public var trafficClass: UInt8 { UInt8(truncatingIfNeeded: bytes.uint16(at: Field.versionClassLabel) >> 4) }
    public var flowLabel: UInt32 { bytes.uint32(at: Field.versionClassLabel) & 0x000f_ffff }
    public var isFragment: Bool { hasFragmentHeader && (moreFragments || fragmentOffset != 0) }

    public var payloadLength: Int { totalLength - headerLength }
    public var capturedPayloadLength: Int { max(0, min(totalLength, bytes.count) - headerLength) }

    public var header: NetworkHeader {
        NetworkHeader(
            version: 6, source: source, destination: destination, timeToLive: hopLimit,
            identification: fragmentIdentification, transportProtocol: transportProtocol, trafficClass: trafficClass,
            flowLabel: flowLabel, headerLength: headerLength, totalLength: totalLength, dontFragment: false,
            fragment: isFragment ? .init(offset: fragmentOffset, moreFragments: moreFragments) : nil)
    }
}
