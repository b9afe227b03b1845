import QUICInitial
import Testing

@Suite("CRYPTO stream reassembly")
struct CryptoStreamReassemblerTests {
    static let hello = RFCVector.clientHello

    @Test func inOrderSingleFrame() {
        var stream = CryptoStreamReassembler()
        #expect(stream.clientHello() == nil)
        stream.insert(offset: 0, data: Self.hello)
        #expect(stream.contiguousLength == Self.hello.count)
        #expect(stream.firstHandshakeMessageType == 1)
        #expect(stream.firstHandshakeMessageLength == Self.hello.count)
        #expect(stream.clientHello() == Self.hello)
        #expect(!stream.overflowed && !stream.inconsistentOverlap && !stream.tooFragmented)
    }

    /// Split at every point into two frames, delivered in both orders: the same ClientHello, and nothing before
    /// the last byte has arrived.
    @Test func everySplitPointBothOrders() {
        for split in 1..<Self.hello.count {
            let head = Array(Self.hello[..<split])
            let tail = Array(Self.hello[split...])
            var forward = CryptoStreamReassembler()
            forward.insert(offset: 0, data: head)
            #expect(forward.clientHello() == nil)
            forward.insert(offset: UInt64(split), data: tail)
            #expect(forward.clientHello() == Self.hello, "split at \(split)")

            var backward = CryptoStreamReassembler()
            backward.insert(offset: UInt64(split), data: tail)
            #expect(backward.contiguousLength == 0)
            #expect(backward.clientHello() == nil)
            backward.insert(offset: 0, data: head)
            #expect(backward.clientHello() == Self.hello, "split at \(split), reversed")
        }
    }

    /// Fed one byte at a time, forwards and backwards.
    @Test func byteByByte() {
        var forward = CryptoStreamReassembler()
        var backward = CryptoStreamReassembler()
        for index in Self.hello.indices {
            #expect(forward.clientHello() == nil)
            forward.insert(offset: UInt64(index), data: [Self.hello[index]])
            let reversed = Self.hello.count - 1 - index
            backward.insert(offset: UInt64(reversed), data: [Self.hello[reversed]])
        }
        #expect(forward.clientHello() == Self.hello)
        #expect(backward.clientHello() == Self.hello)
    }

    /// Overlapping frames (as in retransmissions, or Chrome's split ClientHellos): the first copy wins; equal
    /// bytes are fine, different bytes are flagged.
    @Test func overlaps() {
        var stream = CryptoStreamReassembler()
        stream.insert(offset: 100, data: Array(Self.hello[100..<200]))
        stream.insert(offset: 50, data: Array(Self.hello[50..<150]))
        stream.insert(offset: 0, data: Array(Self.hello[0..<60]))
        stream.insert(offset: 190, data: Array(Self.hello[190...]))
        #expect(stream.clientHello() == Self.hello)
        #expect(!stream.inconsistentOverlap)

        var forged = Array(Self.hello[10..<20])
        forged[3] ^= 0xff
        stream.insert(offset: 10, data: forged)
        #expect(stream.inconsistentOverlap)
        #expect(stream.clientHello() == Self.hello)
    }

    @Test func boundedCapacityAndRanges() {
        var small = CryptoStreamReassembler(capacity: 64)
        small.insert(offset: 0, data: Self.hello)
        #expect(small.overflowed)
        #expect(small.contiguousLength == 64)
        #expect(small.firstHandshakeMessageExceedsCapacity)
        #expect(small.clientHello() == nil)

        var far = CryptoStreamReassembler()
        far.insert(offset: 1 << 61, data: [1, 2, 3])
        #expect(far.overflowed)
        #expect(far.receivedCount == 0)

        var scattered = CryptoStreamReassembler()
        for index in 0..<(CryptoStreamReassembler.maximumRanges + 4) {
            scattered.insert(offset: UInt64(index * 10 + 5), data: [1])
        }
        #expect(scattered.tooFragmented)
        #expect(scattered.receivedCount == CryptoStreamReassembler.maximumRanges)
        // A frame that fills gaps still merges.
        scattered.insert(offset: 0, data: Array(repeating: 1, count: 400))
        #expect(scattered.contiguousLength == 400)
    }

    /// A first message that is not a ClientHello (the server's ServerHello): `clientHello()` stays nil.
    @Test func notAClientHello() {
        var stream = CryptoStreamReassembler()
        stream.insert(offset: 0, data: [2, 0, 0, 2, 0xaa, 0xbb])
        #expect(stream.firstHandshakeMessage() == [2, 0, 0, 2, 0xaa, 0xbb])
        #expect(stream.clientHello() == nil)
    }
}
