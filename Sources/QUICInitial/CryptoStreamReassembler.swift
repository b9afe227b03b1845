import WireFormat

/// Reassembles the Initial crypto stream (RFC 9000 §19.6, §7.5) from CRYPTO frames that arrive in any order,
/// over several Initial packets and datagrams, with overlaps; bounded in memory and work.
///
/// Bytes are kept up to `capacity` (16 KiB by default: a ClientHello with post-quantum key shares is 1.2–2 KB,
/// far below). Data beyond the capacity is dropped (`overflowed`). Where frames overlap, the first copy is kept;
/// different bytes in an overlap set `inconsistentOverlap` (as with IP fragments, an evasion or injection signal).
/// At most `maximumRanges` disjoint ranges are held; a frame that would add another is dropped (`tooFragmented`).
///
/// The stream's contiguous prefix (`contiguousBytes`) is what TLS reads; `firstHandshakeMessage()` returns the
/// whole first TLS handshake message (RFC 8446 §4: type, 24-bit length, body) once every byte of it is here, and
/// `clientHello()` the same when that message is a ClientHello (type 1); `handshakeMessages()` all the complete
/// messages of the prefix (a second ClientHello follows a HelloRetryRequest).
public struct CryptoStreamReassembler: Hashable, Sendable {
    public static let defaultCapacity = 16 * 1024
    public static let maximumRanges = 32

    private enum HandshakeHeader {
        static let length = 4
        static let clientHello: UInt8 = 1
    }

    public var capacity: Int { buffer.capacity }
    /// The stream's bytes and received ranges: WireFormat's reassembly buffer, shared with TLS and DTLS.
    private var buffer: ReassemblyBuffer
    /// Some data lay past `capacity` and was cut.
    public private(set) var overflowed = false
    /// An overlapping frame carried different bytes than the first copy (which is kept).
    public private(set) var inconsistentOverlap = false
    /// A frame would have opened one gap too many and was refused.
    public private(set) var tooFragmented = false

    public init(capacity: Int = defaultCapacity) {
        buffer = ReassemblyBuffer(capacity: max(0, capacity), maximumRanges: Self.maximumRanges)
    }

    /// Bytes available from the start of the stream without a gap.
    public var contiguousLength: Int { buffer.contiguousCount }

    public var contiguousBytes: ArraySlice<UInt8> { buffer.storage[0..<contiguousLength] }

    /// Bytes received in all (distinct stream positions).
    public var receivedCount: Int { buffer.covered.reduce(0) { $0 + $1.count } }

    private var storage: [UInt8] { buffer.storage }

    /// Adds one CRYPTO frame's data at its stream `offset`. Data past `capacity` is cut (and `overflowed` set);
    /// a frame that would open one gap too many is refused (`tooFragmented`); overlapping bytes keep their first
    /// copy (`inconsistentOverlap` when they differ).
    public mutating func insert(offset: UInt64, data: [UInt8]) {
        guard !data.isEmpty else { return }
        guard offset < UInt64(capacity) else {
            overflowed = true
            return
        }
        let start = Int(offset)
        let available = capacity - start
        if data.count > available { overflowed = true }
        let kept = data.count > available ? Array(data[0..<available]) : data
        let overlapsBefore = buffer.inconsistentOverlaps
        switch buffer.write(kept.span, at: start) {
        case .stored: break
        case .overCapacity: overflowed = true
        case .tooFragmented: tooFragmented = true
        }
        if buffer.inconsistentOverlaps > overlapsBefore { inconsistentOverlap = true }
    }

    /// Adds every CRYPTO frame of `frames`.
    public mutating func insert(_ frames: InitialFrames) {
        for (offset, data) in frames.cryptoData { insert(offset: offset, data: data) }
    }

    /// The first handshake message's type, once its first byte has arrived.
    public var firstHandshakeMessageType: UInt8? { contiguousLength >= 1 ? storage[0] : nil }

    /// The first handshake message's declared total length (4-byte header + body), once the header has arrived.
    public var firstHandshakeMessageLength: Int? {
        guard contiguousLength >= HandshakeHeader.length else { return nil }
        let body = Int(storage[1]) << 16 | Int(storage[2]) << 8 | Int(storage[3])
        return HandshakeHeader.length + body
    }

    /// The first handshake message does not fit in `capacity`: it will never be complete here.
    public var firstHandshakeMessageExceedsCapacity: Bool {
        guard let length = firstHandshakeMessageLength else { return false }
        return length > capacity
    }

    /// The whole first handshake message (header included), nil until all of it has arrived.
    public func firstHandshakeMessage() -> [UInt8]? {
        guard let length = firstHandshakeMessageLength, length <= contiguousLength else { return nil }
        return Array(storage[0..<length])
    }

    /// The whole ClientHello (header included) when the first handshake message is one and has fully arrived.
    public func clientHello() -> [UInt8]? {
        guard firstHandshakeMessageType == HandshakeHeader.clientHello else { return nil }
        return firstHandshakeMessage()
    }

    /// Every complete handshake message of the contiguous prefix, in order, at most `limit` of them. After a
    /// HelloRetryRequest (RFC 8446 §4.1.4) the client's second ClientHello follows its first in the same stream.
    public func handshakeMessages(limit: Int = 8) -> [[UInt8]] {
        var messages: [[UInt8]] = []
        var offset = 0
        let end = contiguousLength
        while messages.count < limit, end - offset >= HandshakeHeader.length {
            let body = Int(storage[offset + 1]) << 16 | Int(storage[offset + 2]) << 8 | Int(storage[offset + 3])
            guard end - offset - HandshakeHeader.length >= body else { break }
            let next = offset + HandshakeHeader.length + body
            messages.append(Array(storage[offset..<next]))
            offset = next
        }
        return messages
    }
}
