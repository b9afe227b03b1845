/// An IPv6 packet (RFC 8200 §3): the fixed header. The chain of extension headers (§4) is walked separately
/// (`extensionChain()`), so that a bad chain still leaves the fixed header's fields for reports.
///
/// ```
/// +-------+---------------+---------------------------------------+
/// |Version| Traffic Class |              Flow Label               |
/// |        Payload Length         |  Next Header  |   Hop Limit   |
/// |                   Source Address (16)                         |
/// |                Destination Address (16)                       |
/// +---------------------------------------------------------------+
/// ```
public struct IPv6Packet: ~Escapable {
    private enum Field {
        static let versionClassLabel = 0
        static let payloadLength = 4
        static let nextHeader = 6
        static let hopLimit = 7
        static let source = 8
        static let destination = 24
        static let fixedHeaderLength = 40
    }

    public static let fixedHeaderLength = Field.fixedHeaderLength
    public let bytes: Span<UInt8>
    /// Fixed header plus payload length, or the buffer length when the field is 0 (jumbogram, offload).
    public let totalLength: Int
    public let anomalies: Anomalies

    @_lifetime(copy bytes)
    public init(validating bytes: Span<UInt8>) throws(WireError) {
        guard bytes.count >= Field.fixedHeaderLength else { throw WireError(.ipv6, .truncated, at: 0) }
        guard bytes.uint8(at: Field.versionClassLabel) >> 4 == 6 else { throw WireError(.ipv6, .badVersion, at: 0) }
        var total = Int(bytes.uint16(at: Field.payloadLength)) + Field.fixedHeaderLength
        var anomalies: Anomalies = []
        if total == Field.fixedHeaderLength, bytes.uint8(at: Field.nextHeader) != IPProtocol.noNextHeader.rawValue {
            anomalies.insert(.ipv6PayloadLengthZero)
            total = bytes.count
        }
        self.bytes = bytes
        totalLength = total
        self.anomalies = anomalies
    }

    public var source: IPAddress {
        IPAddress(ipv6High: bytes.uint64(at: Field.source), low: bytes.uint64(at: Field.source + 8))
    }
    public var destination: IPAddress {
        IPAddress(ipv6High: bytes.uint64(at: Field.destination), low: bytes.uint64(at: Field.destination + 8))
    }
    public var hopLimit: UInt8 { bytes.uint8(at: Field.hopLimit) }
    public var nextHeader: IPProtocol { IPProtocol(rawValue: bytes.uint8(at: Field.nextHeader)) }
    public var trafficClass: UInt8 { UInt8(truncatingIfNeeded: bytes.uint16(at: Field.versionClassLabel) >> 4) }
    public var flowLabel: UInt32 { bytes.uint32(at: Field.versionClassLabel) & 0x000f_ffff }

    /// Walks the extension headers within `min(totalLength, bytes.count)` (or `limit`, when smaller).
    public func extensionChain(limit: Int? = nil) throws(WireError) -> IPv6ExtensionChain {
        try IPv6ExtensionChain(walking: bytes, first: nextHeader, limit: min(limit ?? totalLength, totalLength, bytes.count))
    }

    /// The summary; `chain` nil when the chain could not be walked (the next header is then the first one).
    public func header(chain: IPv6ExtensionChain?, totalLength: Int) -> NetworkHeader {
        let fragment = chain.flatMap { chain in
            chain.isFragment ? NetworkHeader.Fragment(offset: chain.fragmentOffset, moreFragments: chain.moreFragments) : nil
        }
        return NetworkHeader(
            version: 6, source: source, destination: destination, timeToLive: hopLimit,
            identification: chain?.fragmentIdentification ?? 0, transportProtocol: chain?.transportProtocol ?? nextHeader,
            trafficClass: trafficClass, flowLabel: flowLabel, headerLength: chain?.headerLength ?? Field.fixedHeaderLength,
            totalLength: totalLength, dontFragment: false, fragment: fragment)
    }
}

/// The IPv6 extension headers after the fixed header (RFC 8200 §4), walked up to a fixed limit.
///
/// Headers with the generic layout (next header, length in 8-octet units beyond the first) are skipped; AH counts
/// its length in 4-octet units (RFC 4302 §2.2); the Fragment header (§4.5) is recorded. Hop-by-Hop and
/// Destination Options have their option TLVs checked (§4.2): an option running past its header is malformed,
/// as the receiving stack would drop it. ESP and "no next header" end the walk.
public struct IPv6ExtensionChain: Hashable, Sendable {
    /// Extension headers walked before giving up (no legitimate chain comes near it).
    static let maximumHeaders = 8
    static let fragmentHeaderLength = 8

    /// Fixed header plus extension headers: where the transport header (or fragment data) begins.
    public var headerLength = IPv6Packet.fixedHeaderLength
    public var transportProtocol: IPProtocol
    public var hasFragmentHeader = false
    public var fragmentOffset = 0
    public var moreFragments = false
    public var fragmentIdentification: UInt32 = 0

    public var isFragment: Bool { hasFragmentHeader && (moreFragments || fragmentOffset != 0) }

    init(walking bytes: Span<UInt8>, first: IPProtocol, limit: Int) throws(WireError) {
        transportProtocol = first
        var offset = IPv6Packet.fixedHeaderLength
        var walked = 0
        while transportProtocol.isIPv6ExtensionHeader {
            // After a non-first fragment's header, the rest is fragment data, not headers.
            if hasFragmentHeader && fragmentOffset != 0 { break }
            guard walked < Self.maximumHeaders else { throw WireError(.ipv6Extension, .tooManyHeaders, at: offset) }
            guard limit - offset >= 8 else { throw WireError(.ipv6Extension, .truncated, at: offset) }
            let following = IPProtocol(rawValue: bytes.uint8(at: offset))
            let length: Int
            switch transportProtocol {
            case .fragment:
                length = Self.fragmentHeaderLength
                let field = bytes.uint16(at: offset + 2)
                fragmentOffset = Int(field >> 3) * 8
                moreFragments = field & 1 != 0
                fragmentIdentification = bytes.uint32(at: offset + 4)
                hasFragmentHeader = true
            case .authenticationHeader:
                length = (Int(bytes.uint8(at: offset + 1)) + 2) * 4
            default:
                length = (Int(bytes.uint8(at: offset + 1)) + 1) * 8
            }
            guard limit - offset >= length else { throw WireError(.ipv6Extension, .truncated, at: offset) }
            if transportProtocol == .hopByHop || transportProtocol == .destinationOptions {
                try Self.checkOptions(bytes, from: offset + 2, to: offset + length)
            }
            offset += length
            transportProtocol = following
            walked += 1
        }
        headerLength = offset
    }

    /// Option TLVs (RFC 8200 §4.2): Pad1 is one byte; every other option is type, length, data.
    private static func checkOptions(_ bytes: Span<UInt8>, from start: Int, to end: Int) throws(WireError) {
        var offset = start
        while offset < end {
            if bytes.uint8(at: offset) == 0 {
                offset += 1
                continue
            }
            guard end - offset >= 2, end - offset - 2 >= Int(bytes.uint8(at: offset + 1)) else {
                throw WireError(.ipv6Extension, .badLength, at: offset)
            }
            offset += 2 + Int(bytes.uint8(at: offset + 1))
        }
    }
}
