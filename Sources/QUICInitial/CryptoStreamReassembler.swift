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

    public let capacity: Int
    /// Bytes at offsets 0..<storage.count; those not yet received are zero.
    private var storage: [UInt8] = []
    /// Received byte ranges, sorted, disjoint and not adjacent.
    private var received: [Range<Int>] = []
    /// Some CRYPTO data lay beyond `capacity` and was dropped.
    public private(set) var overflowed = false
    /// An overlapping frame carried bytes different from the first copy.
    public private(set) var inconsistentOverlap = false
    /// A frame was dropped because it would have made more than `maximumRanges` disjoint ranges.
    public private(set) var tooFragmented = false

    public init(capacity: Int = defaultCapacity) {
        self.capacity = max(0, capacity)
    }

    /// Bytes received from offset 0 without a gap.
    public var contiguousLength: Int {
        guard let first = received.first, first.lowerBound == 0 else { return 0 }
        return first.upperBound
    }

    public var contiguousBytes: ArraySlice<UInt8> { storage[0..<contiguousLength] }

    /// Bytes received in total (the sum of the disjoint ranges).
    public var receivedCount: Int { received.reduce(0) { $0 + $1.count } }

    /// Adds the CRYPTO data `data` found at stream offset `offset`.
    public mutating func insert(offset: UInt64, data: [UInt8]) {
        guard !data.isEmpty else { return }
        guard offset < UInt64(capacity) else {
            overflowed = true
            return
        }
        let start = Int(offset)
        let available = capacity - start
        if data.count > available { overflowed = true }
        let end = start + min(data.count, available)
        let new = start..<end
        // Would this make one range too many? It merges when it overlaps or touches an existing range.
        let touches = received.contains { $0.lowerBound <= new.upperBound && new.lowerBound <= $0.upperBound }
        guard touches || received.count < Self.maximumRanges else {
            tooFragmented = true
            return
        }
        if storage.count < end { storage.append(contentsOf: repeatElement(0, count: end - storage.count)) }
        // Write the gaps, compare the overlaps.
        var cursor = start
        for range in received where range.upperBound > start && range.lowerBound < end {
            let overlap = max(range.lowerBound, start)..<min(range.upperBound, end)
            write(data, streamRange: cursor..<max(cursor, overlap.lowerBound), from: start)
            for position in overlap where storage[position] != data[position - start] {
                inconsistentOverlap = true
                break
            }
            cursor = max(cursor, overlap.upperBound)
        }
        write(data, streamRange: cursor..<end, from: start)
        merge(new)
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

    // MARK: - Ranges

    private mutating func write(_ data: [UInt8], streamRange: Range<Int>, from start: Int) {
        for position in streamRange { storage[position] = data[position - start] }
    }

    /// Inserts `new` into `received`, merging overlapping and adjacent ranges.
    private mutating func merge(_ new: Range<Int>) {
        var merged = new
        var result: [Range<Int>] = []
        result.reserveCapacity(received.count + 1)
        var placed = false
        for range in received {
            if range.upperBound < merged.lowerBound {
                result.append(range)
            } else if merged.upperBound < range.lowerBound {
                if !placed {
                    result.append(merged)
                    placed = true
                }
                result.append(range)
            } else {
                merged = min(range.lowerBound, merged.lowerBound)..<max(range.upperBound, merged.upperBound)
            }
        }
        if !placed { result.append(merged) }
        received = result
    }
}
