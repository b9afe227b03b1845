import Testing
@testable import WireFormat

/// `TLSStreamAssembler`: segments in order, byte by byte, out of order, overlapping; records and messages split
/// and combined; garbage; the cap.
@Suite("TLS stream reassembly")
struct TLSStreamAssemblerTests {
    static let isn: UInt32 = 0xffff_ff00  // wraps within the first ClientHello
    static let hello = TLSFixture.chromeClientHello
    static let expected: ClientHelloInfo = {
        let body = Array(hello[9...])
        return (try? ClientHello(validating: body.span).info()) ?? ClientHelloInfo(legacyVersion: 0)
    }()

    /// Feeds `stream` cut into `segments` (offset ranges), in the given order.
    static func feed(_ stream: [UInt8], _ segments: [Range<Int>], assembler: inout TLSStreamAssembler) {
        for range in segments {
            let payload = Array(stream[range])
            assembler.add(sequence: isn &+ UInt32(range.lowerBound), payload: payload.span)
        }
    }

    static func cut(_ count: Int, size: Int) -> [Range<Int>] {
        stride(from: 0, to: count, by: size).map { $0..<min($0 + size, count) }
    }

    @Test func wholeRecordInOneSegment() {
        var assembler = TLSStreamAssembler()
        Self.feed(Self.hello, [0..<Self.hello.count], assembler: &assembler)
        #expect(assembler.status == .inProgress)
        #expect(assembler.isTLS)
        #expect(assembler.clientHello == Self.expected)
        #expect(assembler.clientHello?.serverName == "clientservices.googleapis.com")
        #expect(assembler.recordCounts.handshake == 1)
        #expect(assembler.bufferedByteCount == 0)
    }

    @Test(arguments: Array(1..<TLSFixture.chromeClientHello.count))
    func splitAtEveryPoint(_ split: Int) {
        var assembler = TLSStreamAssembler()
        Self.feed(Self.hello, [0..<split, split..<Self.hello.count], assembler: &assembler)
        #expect(assembler.clientHello == Self.expected, "split at \(split)")
        #expect(assembler.status == .inProgress)
    }

    @Test func byteByByte() {
        var assembler = TLSStreamAssembler()
        for offset in 0..<Self.hello.count {
            #expect(assembler.clientHello == nil)
            #expect(assembler.status == .inProgress)
            Self.feed(Self.hello, [offset..<(offset + 1)], assembler: &assembler)
        }
        #expect(assembler.clientHello == Self.expected)
    }

    @Test func reverseOrder() {
        var assembler = TLSStreamAssembler()
        assembler.setInitialSequence(Self.isn)
        Self.feed(Self.hello, Self.cut(Self.hello.count, size: 100).reversed(), assembler: &assembler)
        #expect(assembler.clientHello == Self.expected)
    }

    @Test(arguments: [1, 7, 42, 1234])
    func randomPermutations(_ seed: UInt64) {
        var generator = SplitMix64(seed: seed)
        for size in [13, 64, 200] {
            var assembler = TLSStreamAssembler()
            assembler.setInitialSequence(Self.isn)
            Self.feed(Self.hello, Self.cut(Self.hello.count, size: size).shuffled(using: &generator), assembler: &assembler)
            #expect(assembler.clientHello == Self.expected, "seed \(seed), size \(size)")
        }
    }

    /// More than 64 separate holes is given up on (a bound on the bookkeeping, not on bytes).
    @Test func tooManyHoles() {
        var assembler = TLSStreamAssembler()
        assembler.setInitialSequence(Self.isn)
        Self.feed(Self.hello, stride(from: 1, to: 140, by: 2).map { $0..<($0 + 1) }, assembler: &assembler)
        #expect(assembler.status == .capacityExceeded)
    }

    @Test func retransmittedOverlaps() {
        var assembler = TLSStreamAssembler()
        Self.feed(Self.hello, [0..<100, 50..<150, 0..<200, 120..<400, 300..<Self.hello.count, 0..<Self.hello.count],
                  assembler: &assembler)
        #expect(assembler.clientHello == Self.expected)
        #expect(assembler.inconsistentOverlaps == 0)
        #expect(assembler.recordCounts.handshake == 1)
    }

    @Test func inconsistentOverlapKeepsFirstCopy() {
        var assembler = TLSStreamAssembler()
        assembler.setInitialSequence(Self.isn)
        Self.feed(Self.hello, [100..<200], assembler: &assembler)
        var forged = Self.hello
        forged[150] ^= 0xff
        Self.feed(forged, [0..<Self.hello.count], assembler: &assembler)
        #expect(assembler.clientHello == Self.expected)
        #expect(assembler.inconsistentOverlaps == 1)
    }

    /// The ClientHello message split across two handshake records (RFC 8446 §5.1).
    static func twoRecords(_ record: [UInt8], at split: Int) -> [UInt8] {
        let message = Array(record[5...])
        let first = Array(message[0..<split])
        let second = Array(message[split...])
        return [0x16, 0x03, 0x01, UInt8(first.count >> 8), UInt8(first.count & 0xff)] + first
            + [0x16, 0x03, 0x01, UInt8(second.count >> 8), UInt8(second.count & 0xff)] + second
    }

    @Test(arguments: [1, 3, 4, 5, 100, 511])
    func messageAcrossTwoRecords(_ split: Int) {
        let stream = Self.twoRecords(Self.hello, at: split)
        var assembler = TLSStreamAssembler()
        Self.feed(stream, Self.cut(stream.count, size: 97), assembler: &assembler)
        #expect(assembler.clientHello == Self.expected)
        #expect(assembler.recordCounts.handshake == 2)
    }

    @Test func severalRecordsInOneSegment() {
        // ServerHello, then a CCS, then an application data record, then an encrypted alert-looking record.
        let changeCipherSpec: [UInt8] = [0x14, 0x03, 0x03, 0x00, 0x01, 0x01]
        let applicationData: [UInt8] = [0x17, 0x03, 0x03, 0x00, 0x04, 1, 2, 3, 4]
        let encryptedAlert: [UInt8] = [0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28]
        let stream = TLSFixture.illustratedServerHello + changeCipherSpec + applicationData + encryptedAlert
        var assembler = TLSStreamAssembler()
        Self.feed(stream, [0..<stream.count], assembler: &assembler)
        #expect(assembler.serverHello?.selectedVersion == 0x0304)
        #expect(assembler.serverHello?.cipherSuite == 0x1302)
        #expect(assembler.isEncrypted)
        #expect(assembler.alerts.isEmpty)  // after CCS alerts are opaque
        var counts = TLSRecordCounts()
        counts.handshake = 1
        counts.changeCipherSpec = 1
        counts.applicationData = 1
        counts.alert = 1
        #expect(assembler.recordCounts == counts)
    }

    @Test func cleartextAlert() {
        let alert: [UInt8] = [0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x46]
        var assembler = TLSStreamAssembler()
        Self.feed(alert, [0..<3, 3..<alert.count], assembler: &assembler)
        #expect(assembler.alerts == [TLSAlert(level: .fatal, description: .protocolVersion)])
    }

    @Test func notTLSStopsAtOnce() {
        let http = Array("GET / HTTP/1.1\r\nHost: example.com\r\n\r\n".utf8)
        var assembler = TLSStreamAssembler()
        Self.feed(http, [0..<http.count], assembler: &assembler)
        #expect(assembler.status == .notTLS)
        #expect(assembler.bufferedByteCount == 0)
        Self.feed(Self.hello, [0..<Self.hello.count], assembler: &assembler)
        #expect(assembler.clientHello == nil)
        // One byte is enough when it is wrong.
        var single = TLSStreamAssembler()
        Self.feed(http, [0..<1], assembler: &single)
        #expect(single.status == .notTLS)
    }

    @Test func garbageAfterTheHello() {
        let stream = Self.hello + Array("garbage!".utf8)
        var assembler = TLSStreamAssembler()
        Self.feed(stream, [0..<stream.count], assembler: &assembler)
        #expect(assembler.clientHello == Self.expected)
        // "ga" is no content type, "rb" no length: the record header at the hello's end is malformed.
        guard case .malformed(let error) = assembler.status else {
            Issue.record("expected malformed, got \(assembler.status)")
            return
        }
        #expect(error.offset >= Self.hello.count)
    }

    @Test func malformedHelloIsNotNeedMore() {
        var stream = Self.hello
        stream[9 + 34] = 40  // session ID length 40
        var assembler = TLSStreamAssembler()
        Self.feed(stream, [0..<stream.count], assembler: &assembler)
        #expect(assembler.status == .malformed(WireError(.tls, .badLength, at: 34)))
    }

    @Test func incompleteIsNeedMore() {
        var assembler = TLSStreamAssembler()
        Self.feed(Self.hello, [0..<(Self.hello.count - 1)], assembler: &assembler)
        #expect(assembler.status == .inProgress)
        #expect(assembler.clientHello == nil)
    }

    @Test func capacity() {
        // A segment far ahead of the stream's start, past the cap.
        var assembler = TLSStreamAssembler(capacity: 1024)
        assembler.setInitialSequence(Self.isn)
        let payload: [UInt8] = Array(repeating: 0x16, count: 100)
        assembler.add(sequence: Self.isn &+ 2000, payload: payload.span)
        #expect(assembler.status == .capacityExceeded)
        #expect(assembler.bufferedByteCount == 0)
        // A handshake message longer than the cap.
        var small = TLSStreamAssembler(capacity: 256)
        Self.feed(Self.hello, Self.cut(Self.hello.count, size: 200), assembler: &small)
        #expect(small.status == .capacityExceeded)
    }

    /// After encryption record bodies are skipped, not stored: a long encrypted stream keeps the buffer small.
    @Test func encryptedRecordsAreCountedNotStored() {
        var stream = TLSFixture.illustratedServerHello + [0x14, 0x03, 0x03, 0x00, 0x01, 0x01]
        for _ in 0..<20 { stream += [0x17, 0x03, 0x03, 0x40, 0x00] + Array(repeating: 0xab, count: 0x4000) }
        var assembler = TLSStreamAssembler()
        var maximumBuffered = 0
        for range in Self.cut(stream.count, size: 1448) {
            Self.feed(stream, [range], assembler: &assembler)
            maximumBuffered = max(maximumBuffered, assembler.bufferedByteCount)
        }
        #expect(assembler.status == .inProgress)
        #expect(assembler.recordCounts.applicationData == 20)
        #expect(maximumBuffered <= 1448)
        #expect(assembler.streamOffset == stream.count)
    }

    /// The per-packet cost on non-TLS payloads: the probe decides from the first byte or few.
    @Test func probeCostOnNonTLSPayloads() {
        let payloads: [[UInt8]] = [
            Array("GET / HTTP/1.1\r\n".utf8), Array("SSH-2.0-OpenSSH_9.6\r\n".utf8), [0x00, 0x01, 0x00, 0x50],
            [0x80, 0x60, 0x12, 0x34], [0x16, 0xfe, 0xfd, 0x00, 0x00], [0x17, 0x03, 0x07, 0, 1],
        ]
        for payload in payloads {
            let looksLikeTLS = TLSRecordHeader.looksLikeTLS(payload.span)
            #expect(!looksLikeTLS)
            // The same answer from the first five bytes alone.
            let prefix = Array(payload.prefix(5))
            let prefixProbe = TLSRecordHeader.probe(prefix.span)
            #expect(prefixProbe == .noMatch)
        }
        let start = ContinuousClock.now
        var matches = 0
        let http = Array("GET / HTTP/1.1\r\nHost: example.com\r\n\r\n".utf8)
        for _ in 0..<1_000_000 where TLSRecordHeader.looksLikeTLS(http.span) { matches += 1 }
        print("TLS probe on a non-TLS payload: \(start.duration(to: .now) / 1_000_000) per call (debug build)")
        #expect(matches == 0)
    }
}

/// A small deterministic generator for shuffles (SplitMix64).
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}
