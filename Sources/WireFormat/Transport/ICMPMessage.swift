/// What Blockscope keeps of an ICMP or ICMPv6 message, including the header quoted by an error message so that
/// the error can be attached to the flow it reports on.
public struct ICMPInfo: Hashable, Sendable {
    /// 4 for ICMP, 6 for ICMPv6.
    public var version: UInt8
    public var type: UInt8
    public var code: UInt8
    /// Echo identifier and sequence (for echo request/reply), else the second header word.
    public var restOfHeader: UInt32
    /// The quoted packet's headers, for error messages.
    public var quoted: QuotedHeader?

    public init(version: UInt8, type: UInt8, code: UInt8, restOfHeader: UInt32, quoted: QuotedHeader?) {
        self.version = version
        self.type = type
        self.code = code
        self.restOfHeader = restOfHeader
        self.quoted = quoted
    }

    /// Destination unreachable, time exceeded, parameter problem, source quench, redirect (ICMPv4, RFC 792);
    /// destination unreachable, packet too big, time exceeded, parameter problem (ICMPv6, RFC 4443 §3).
    public var isError: Bool {
        version == 4 ? [3, 4, 5, 11, 12].contains(type) : (1...4).contains(type)
    }
}

/// The start of the datagram an ICMP error quotes: its IP header and the first bytes of its transport header.
public struct QuotedHeader: Hashable, Sendable {
    public var network: NetworkHeader
    /// Ports when the quoted transport is TCP or UDP (and at least 4 bytes of it are quoted).
    public var sourcePort: UInt16?
    public var destinationPort: UInt16?
    /// The quoted TCP sequence number (when 8 bytes of TCP header are quoted).
    public var tcpSequenceNumber: UInt32?

    public init(network: NetworkHeader, sourcePort: UInt16? = nil, destinationPort: UInt16? = nil, tcpSequenceNumber: UInt32? = nil) {
        self.network = network
        self.sourcePort = sourcePort
        self.destinationPort = destinationPort
        self.tcpSequenceNumber = tcpSequenceNumber
    }
}

/// An ICMP (RFC 792) or ICMPv6 (RFC 4443) message.
///
/// ```
/// +--------+--------+-----------------+
/// |  Type  |  Code  |    Checksum     |
/// |       rest of header (4)          |
/// |  quoted IP header + ≥ 8 bytes ... |   (error messages)
/// +-----------------------------------+
/// ```
/// The quoted datagram is read leniently: its length fields describe the original packet, not the quote.
public struct ICMPMessage: ~Escapable {
    private enum Field {
        static let type = 0
        static let code = 1
        static let restOfHeader = 4
        static let headerLength = 8
    }

    public let bytes: Span<UInt8>
    public let version: UInt8

    @_lifetime(copy bytes)
    public init(validating bytes: Span<UInt8>, version: UInt8) throws(WireError) {
        guard bytes.count >= Field.headerLength else {
            throw WireError(version == 4 ? .icmp : .icmpv6, .truncated, at: 0)
        }
        self.bytes = bytes
        self.version = version
    }

    public var type: UInt8 { bytes.uint8(at: Field.type) }
    public var code: UInt8 { bytes.uint8(at: Field.code) }
    public var restOfHeader: UInt32 { bytes.uint32(at: Field.restOfHeader) }

    /// The summary, with the quoted header parsed for errors; `quoteTruncated` when the quote was cut short.
    public func info() -> (info: ICMPInfo, quoteTruncated: Bool) {
        var info = ICMPInfo(version: version, type: type, code: code, restOfHeader: restOfHeader, quoted: nil)
        guard info.isError else { return (info, false) }
        let quote = bytes.extracting(Field.headerLength...)
        info.quoted = Self.parseQuote(quote, version: version)
        return (info, info.quoted == nil || info.quoted?.sourcePort == nil && info.quoted?.network.fragment == nil)
    }

    private static func parseQuote(_ quote: Span<UInt8>, version: UInt8) -> QuotedHeader? {
        let network: NetworkHeader
        let transport: Span<UInt8>
        if version == 4 {
            guard let packet = try? IPv4Packet(validating: quote) else { return nil }
            network = packet.header
            transport = quote.extracting(packet.headerLength...)
        } else {
            guard let packet = try? IPv6Packet(validating: quote) else { return nil }
            // The quote is cut: walk what is there; a chain that runs past it leaves the transport unknown.
            let chain = try? packet.extensionChain(limit: quote.count)
            network = packet.header(chain: chain, totalLength: packet.totalLength)
            guard let chain else { return QuotedHeader(network: network) }
            transport = quote.extracting(min(chain.headerLength, quote.count)...)
        }
        var result = QuotedHeader(network: network)
        let isFirstPiece = network.fragment.map(\.isFirst) ?? true
        guard isFirstPiece, network.transportProtocol == .tcp || network.transportProtocol == .udp,
            transport.count >= 4
        else { return result }
        result.sourcePort = transport.uint16(at: 0)
        result.destinationPort = transport.uint16(at: 2)
        if network.transportProtocol == .tcp, transport.count >= 8 {
            result.tcpSequenceNumber = transport.uint32(at: 4)
        }
        return result
    }
}
