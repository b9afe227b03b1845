/// Cuts a TCP (or TLS) byte stream carrying STUN into messages: sans-IO, fed payload chunks in stream order.
///
/// Two framings:
/// - `.stunMessages`, RFC 8489 §6.2.2 and RFC 8656 §12.5: STUN messages and ChannelData messages back to back,
///   each delimited by its own header (STUN: 20 + length; ChannelData: 4 + length padded to 4, as §12.5 requires
///   over TCP). The first two bits tell them apart (00 STUN, 01 ChannelData); anything else means the stream is
///   not STUN, and the framer stops for good (`failure`).
/// - `.lengthPrefixed`, RFC 4571 §2 (ICE-TCP, RFC 6544): every frame preceded by a 16-bit length; a frame holds
///   what a UDP datagram would (STUN, ChannelData, RTP, RTCP, DTLS...).
///
/// The buffer is bounded (`capacity`); a message split across segments waits there until complete, and
/// several messages in one segment come out one `next()` at a time. Only the bytes of incomplete frames are
/// kept. Fed byte by byte or all at once, it yields the same frames.
public struct STUNStreamFramer: Sendable {
    public enum Framing: Hashable, Sendable {
        case stunMessages
        case lengthPrefixed
    }

    /// One complete frame, summarised.
    public enum Frame: Hashable, Sendable {
        case stun(STUNInfo)
        case channelData(ChannelDataInfo)
        /// A length-prefixed frame that is not STUN or ChannelData: its length and what its first byte says.
        case other(length: Int, kind: UDPPayloadKind)
    }

    private enum Field {
        static let lengthPrefix = 2
        /// Enough of either header to know the frame's length.
        static let minimumHeader = 4
    }

    public let framing: Framing
    /// Most bytes buffered at once (a few of the largest frames, 20 + 65532 bytes).
    public let capacity: Int
    private var buffer: [UInt8] = []
    private var start = 0
    /// Stream bytes consumed as whole frames.
    public private(set) var consumed = 0
    /// Set when the stream cannot be framed any more (bad header, or the buffer would overflow).
    public private(set) var failure: WireError?

    public init(framing: Framing, capacity: Int = 1 << 18) {
        self.framing = framing
        self.capacity = capacity
    }

    /// Bytes received and not yet returned as frames.
    public var bufferedCount: Int { buffer.count - start }

    /// Adds the next chunk of the stream. Throws (and stops) if the unconsumed bytes would exceed `capacity`:
    /// call `next()` until it returns nil after every chunk.
    public mutating func append(_ chunk: Span<UInt8>) throws(WireError) {
        if let failure { throw failure }
        guard capacity - bufferedCount >= chunk.count else {
            let error = WireError(.stunFraming, .badLength, at: consumed + bufferedCount)
            failure = error
            throw error
        }
        if start > 0 {
            buffer.removeFirst(start)
            start = 0
        }
        buffer.reserveCapacity(buffer.count + chunk.count)
        for index in chunk.indices { buffer.append(chunk[index]) }
    }

    /// Calls `body` with the next complete frame (for RFC 4571, without its length prefix) and consumes it; nil
    /// when more bytes are needed. A framing error stops the framer; an error thrown by `body` consumes the
    /// frame and is rethrown, and the next frame can still be read.
    public mutating func nextFrame<R>(_ body: (Span<UInt8>) throws(WireError) -> R) throws(WireError) -> R? {
        if let failure { throw failure }
        guard let (skip, length) = try frameLength() else { return nil }
        let frameStart = start
        start += skip + length
        consumed += skip + length
        return try body(buffer.span.extracting((frameStart + skip)..<(frameStart + skip + length)))
    }

    /// The next complete frame, summarised; nil when more bytes are needed.
    public mutating func next() throws(WireError) -> Frame? {
        let framing = self.framing
        return try nextFrame { (frame: Span<UInt8>) throws(WireError) -> Frame in
            switch framing {
            case .stunMessages:
                if frame.uint8(at: 0) & 0xc0 == 0 { return .stun(try STUNMessage(validating: frame).info()) }
                return .channelData(try ChannelDataMessage(validating: frame, overTCP: true, allowingLegacyRange: true).info)
            case .lengthPrefixed:
                let kind = UDPDemux.classify(frame)
                switch kind {
                case .stun: return .stun(try STUNMessage(validatingDatagram: frame).info())
                case .turnChannel: return .channelData(try ChannelDataMessage(validating: frame).info)
                default: return .other(length: frame.count, kind: kind)
                }
            }
        }
    }

    /// (prefix bytes to skip, frame length) of the frame at `start`, nil if its header is not all here yet.
    private mutating func frameLength() throws(WireError) -> (Int, Int)? {
        let available = buffer.count - start
        switch framing {
        case .lengthPrefixed:
            guard available >= Field.lengthPrefix else { return nil }
            let length = Int(buffer[start]) << 8 | Int(buffer[start + 1])
            return available - Field.lengthPrefix >= length ? (Field.lengthPrefix, length) : nil
        case .stunMessages:
            guard available >= Field.minimumHeader else { return nil }
            let length = Int(buffer[start + 2]) << 8 | Int(buffer[start + 3])
            let frame: Int
            switch buffer[start] >> 6 {
            case 0b00:
                guard length % 4 == 0 else { return try fail(WireError(.stunFraming, .badLength, at: consumed + 2)) }
                frame = STUNMessage.headerLength + length
            case 0b01:
                frame = ChannelDataMessage.headerLength + ((length + 3) & ~3)
            default:
                return try fail(WireError(.stunFraming, .badValue, at: consumed))
            }
            return available >= frame ? (0, frame) : nil
        }
    }

    private mutating func fail(_ error: WireError) throws(WireError) -> (Int, Int)? {
        failure = error
        throw error
    }
}
