import QUICInitial
import Testing
import WireFormat

@Suite("QUIC Initial frames")
struct InitialFramesTests {
    /// Hand-built: PING; ACK_ECN (largest 5, delay 0x10, 1 more range, first range 2, gap 0, length 1, ECN counts
    /// 1/2/3); CRYPTO at offset 300 (2-byte varint) with 3 bytes; CONNECTION_CLOSE 0x1c (PROTOCOL_VIOLATION 0x0a,
    /// frame type 0x06, reason "no"); 3 bytes of PADDING.
    static let mixed: [UInt8] =
        [0x01]
        + [0x03, 0x05, 0x10, 0x01, 0x02, 0x00, 0x01, 0x01, 0x02, 0x03]
        + [0x06, 0x41, 0x2c, 0x03, 0xaa, 0xbb, 0xcc]
        + [0x1c, 0x0a, 0x06, 0x02, 0x6e, 0x6f]
        + [0x00, 0x00, 0x00]

    static let mixedFrames: [InitialFrame] = [
        .ping,
        .ack(largestAcknowledged: 5, ackDelay: 0x10, additionalRanges: 1, ecn: true),
        .crypto(offset: 300, data: [0xaa, 0xbb, 0xcc]),
        .connectionClose(errorCode: 0x0a, frameType: 0x06, reason: Array("no".utf8)),
        .padding(count: 3),
    ]

    @Test func everyAllowedFrameType() {
        let bytes = Self.mixed
        let frames = InitialFrames(parsing: bytes.span)
        #expect(frames.problem == nil)
        #expect(frames.frames == Self.mixedFrames)
        #expect(frames.cryptoData.map(\.offset) == [300])
        #expect(frames == InitialFrames(parsing: bytes.span))  // decoding twice
    }

    /// Cut anywhere, the frames before the cut are kept and the cut frame is reported as truncated — except
    /// cuts that end exactly at a frame boundary or inside the PADDING run, which are complete parses.
    @Test func truncatedAtEveryLength() {
        let bytes = Self.mixed
        let boundaries: Set<Int> = [0, 1, 11, 18, 24, 25, 26, 27]
        for length in 0..<bytes.count {
            let prefix = Array(bytes[0..<length])
            let frames = InitialFrames(parsing: prefix.span)
            if boundaries.contains(length) {
                #expect(frames.problem == nil, "cut at \(length)")
            } else if case .truncated(let offset)? = frames.problem {
                #expect(offset < length, "cut at \(length)")
                #expect(Array(Self.mixedFrames.prefix(frames.frames.count)) == frames.frames)
            } else {
                Issue.record("cut at \(length): \(String(describing: frames.problem))")
            }
        }
    }

    /// Types an Initial may not carry (STREAM 0x08, NEW_TOKEN 0x07, HANDSHAKE_DONE 0x1e, application CLOSE 0x1d,
    /// an unknown 2-byte type) stop the parse with `forbiddenFrame`; what came before is kept.
    @Test(arguments: [[0x08, 0x00], [0x07, 0x00], [0x1e], [0x1d, 0x00, 0x00], [0x40, 0x21]] as [[UInt8]])
    func forbiddenFramesStop(_ frame: [UInt8]) {
        let bytes: [UInt8] = [0x01] + frame + [0x01]
        let frames = InitialFrames(parsing: bytes.span)
        #expect(frames.frames == [.ping])
        guard case .forbiddenFrame(let type, let offset)? = frames.problem else {
            Issue.record("expected a forbidden frame, got \(String(describing: frames.problem))")
            return
        }
        #expect(offset == 1)
        #expect(type == (frame[0] == 0x40 ? 0x21 : UInt64(frame[0])))
    }

    /// Impossible lengths: CRYPTO data longer than the packet, an ACK range count of 2^62-1, a CRYPTO frame
    /// ending past 2^62-1.
    @Test func impossibleLengths() {
        let longCrypto: [UInt8] = [0x06, 0x00, 0x80, 0x00, 0x10, 0x00, 0xaa]
        #expect(InitialFrames(parsing: longCrypto.span).problem == .truncated(offset: 0))
        let hugeRangeCount: [UInt8] = [0x02, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00]
        #expect(InitialFrames(parsing: hugeRangeCount.span).problem == .truncated(offset: 0))
        let pastStreamEnd: [UInt8] = [0x06, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0xaa]
        #expect(InitialFrames(parsing: pastStreamEnd.span).problem == .badValue(offset: 0))
        let longReason: [UInt8] = [0x1c, 0x00, 0x00, 0x05, 0x61]
        #expect(InitialFrames(parsing: longReason.span).problem == .truncated(offset: 0))
    }

    @Test func emptyPlaintextHasNoFrames() {
        let empty: [UInt8] = []
        let frames = InitialFrames(parsing: empty.span)
        #expect(frames.frames.isEmpty)
        #expect(frames.problem == nil)
    }
}
