/// Walks the QUIC packets coalesced in one UDP datagram (RFC 9000 §12.2), at most `maximumPackets` of them.
///
/// Each call to `next()` validates the next long-header packet (`QUICLongHeader(validating:)`) and returns its
/// byte range in the datagram. The walk ends at the end of the datagram, at a short-header packet (which takes
/// the rest of the datagram and whose length is unknown, RFC 9000 §17.3; its offset is `shortHeaderOffset`), after
/// a packet that fills the rest of the datagram (Retry, Version Negotiation, unknown version), or after
/// `maximumPackets` (`hitLimit`). A malformed packet throws; the packets before it were valid.
///
/// Zero bytes after the last packet (padding some stacks add to the datagram instead of the packet) look like a
/// short header with a clear fixed bit; `shortHeaderOffset` is set for them too and the caller decides.
public struct QUICPacketWalker: ~Escapable {
    /// No legitimate datagram coalesces more than a handful of packets (Initial, 0-RTT, Handshake, 1-RTT).
    public static let maximumPackets = 8

    public let datagram: Span<UInt8>
    /// Where the next packet starts.
    public private(set) var offset = 0
    /// Long-header packets returned so far.
    public private(set) var count = 0
    /// Offset of the short-header packet that ended the walk, if any.
    public private(set) var shortHeaderOffset: Int?
    /// The walk stopped at `maximumPackets` with bytes left.
    public private(set) var hitLimit = false
    private var finished = false

    @_lifetime(copy datagram)
    public init(_ datagram: Span<UInt8>) {
        self.datagram = datagram
    }

    /// The byte range of the next long-header packet, or nil when the walk is over.
    public mutating func next() throws(WireError) -> Range<Int>? {
        guard !finished, offset < datagram.count else {
            finished = true
            return nil
        }
        guard count < Self.maximumPackets else {
            hitLimit = true
            finished = true
            return nil
        }
        if datagram[offset] & 0x80 == 0 {
            shortHeaderOffset = offset
            finished = true
            return nil
        }
        let length: Int
        do throws(WireError) {
            let header = try QUICLongHeader(validating: datagram.extracting(offset...))
            length = header.packetLength
        } catch {
            finished = true
            throw WireError(error.layer, error.reason, at: error.offset + offset)
        }
        let range = offset..<(offset + length)
        offset += length
        count += 1
        return range
    }
}
