/// What Blockscope keeps of a TURN ChannelData message.
public struct ChannelDataInfo: Hashable, Sendable {
    public var channelNumber: UInt16
    /// The length field: application data bytes, padding excluded.
    public var dataLength: Int

    public init(channelNumber: UInt16, dataLength: Int) {
        self.channelNumber = channelNumber
        self.dataLength = dataLength
    }
}

/// A TURN ChannelData message (RFC 8656 §12.4).
///
/// ```
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |         Channel Number        |            Length             |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                       Application Data                        |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ```
/// Channel numbers are 0x4000–0x4FFF (RFC 8656 §12; first byte 64–79 as RFC 7983 §7 demultiplexes). RFC 5766
/// allowed 0x4000–0x7FFF; `allowingLegacyRange` accepts those too (RFC 9443 gives 80–127 to QUIC, so only where
/// no QUIC shares the port). Over TCP the message is padded to a multiple of 4 (§12.5) and the padding must be
/// there; over UDP padding is optional and the datagram may hold more than the length says.
public struct ChannelDataMessage: ~Escapable {
    private enum Field {
        static let channelNumber = 0
        static let length = 2
        static let headerLength = 4
    }

    public static let headerLength = Field.headerLength
    public static let channelNumbers: ClosedRange<UInt16> = 0x4000...0x4fff
    public static let legacyChannelNumbers: ClosedRange<UInt16> = 0x4000...0x7fff

    public let bytes: Span<UInt8>
    /// Header, data and (over TCP) padding: where the next message on a stream begins.
    public let frameLength: Int

    @_lifetime(copy bytes)
    public init(validating bytes: Span<UInt8>, overTCP: Bool = false, allowingLegacyRange: Bool = false) throws(WireError) {
        guard bytes.count >= Field.headerLength else { throw WireError(.turnChannel, .truncated, at: 0) }
        let channel = bytes.uint16(at: Field.channelNumber)
        let range = allowingLegacyRange ? Self.legacyChannelNumbers : Self.channelNumbers
        guard range.contains(channel) else { throw WireError(.turnChannel, .badValue, at: Field.channelNumber) }
        let length = Int(bytes.uint16(at: Field.length))
        let frame = Field.headerLength + (overTCP ? (length + 3) & ~3 : length)
        guard bytes.count >= frame else { throw WireError(.turnChannel, .truncated, at: Field.headerLength) }
        self.bytes = bytes
        frameLength = frame
    }

    public var channelNumber: UInt16 { bytes.uint16(at: Field.channelNumber) }
    public var dataLength: Int { Int(bytes.uint16(at: Field.length)) }
    /// Bytes after the data (padding, or what else the datagram holds).
    public var trailingLength: Int { bytes.count - Field.headerLength - dataLength }
    public var info: ChannelDataInfo { ChannelDataInfo(channelNumber: channelNumber, dataLength: dataLength) }

    /// The application data (RFC 8656 §12.4), without padding.
    public var data: Span<UInt8> {
        @_lifetime(copy self)
        get { bytes.extracting(Field.headerLength..<(Field.headerLength + dataLength)) }
    }
}
