import Testing
@testable import WireFormat

@Suite("STUN over TCP: framing (RFC 8489 §6.2.2, RFC 8656 §12.5, RFC 4571)")
struct STUNStreamFramerTests {
    typealias Frame = STUNStreamFramer.Frame

    /// Hand-built ChannelData with 5 bytes of data and 3 of padding, as TCP requires.
    static let paddedChannelData: [UInt8] = [0x40, 0x03, 0x00, 0x05, 1, 2, 3, 4, 5, 0, 0, 0]

    static func lengthPrefixed(_ frame: [UInt8]) -> [UInt8] { [UInt8(frame.count >> 8), UInt8(frame.count & 0xff)] + frame }

    static let stunStream = STUNFixture.tcpTURNSegments151And152 + paddedChannelData
    static let rfc4571Stream = STUNFixture.tcpRFC4571Segment3 + lengthPrefixed(STUNFixture.channelDataRTCP)
        + lengthPrefixed(STUNFixture.rtpAMR) + lengthPrefixed([])

    /// Feeds `chunks` in order, draining after each; returns the frames' message types (STUN), channel numbers
    /// (ChannelData) or kinds.
    static func frames(_ chunks: [[UInt8]], framing: STUNStreamFramer.Framing) throws -> [Frame] {
        var framer = STUNStreamFramer(framing: framing)
        var frames: [Frame] = []
        for chunk in chunks {
            try framer.append(chunk.span)
            while let frame = try framer.next() { frames.append(frame) }
        }
        #expect(framer.bufferedCount == 0)
        return frames
    }

    static func describe(_ frames: [Frame]) -> [String] {
        frames.map { frame in
            switch frame {
            case .stun(let info): "stun \(String(info.messageType, radix: 16)) \(info.length)"
            case .channelData(let info): "channel \(String(info.channelNumber, radix: 16)) \(info.dataLength)"
            case .other(let length, let kind): "other \(kind) \(length)"
            }
        }
    }

    @Test func stunMessagesBackToBack() throws {
        let frames = try Self.frames([Self.stunStream], framing: .stunMessages)
        #expect(Self.describe(frames) == ["stun 8 144", "stun 8 144", "stun 16 132", "channel 4003 5"])
        guard case .stun(let first) = frames[0] else { return }
        #expect(first.method == .createPermission)
        #expect(first.realm == "apps-host.com")
    }

    @Test func lengthPrefixedFrames() throws {
        let frames = try Self.frames([Self.rfc4571Stream], framing: .lengthPrefixed)
        #expect(Self.describe(frames) == ["stun 1 104", "channel 4001 48", "other rtpOrRTCP 44", "other unknown 0"])
    }

    /// Every split of the stream into two segments, and byte by byte: the same frames.
    @Test(arguments: [STUNStreamFramer.Framing.stunMessages, .lengthPrefixed])
    func everySplitPoint(_ framing: STUNStreamFramer.Framing) throws {
        let stream = framing == .stunMessages ? Self.stunStream : Self.rfc4571Stream
        let whole = try Self.frames([stream], framing: framing)
        for split in 0...stream.count {
            let frames = try Self.frames([Array(stream[..<split]), Array(stream[split...])], framing: framing)
            #expect(frames == whole, "split at \(split)")
        }
        let dripped = try Self.frames(stream.map { [$0] }, framing: framing)
        #expect(dripped == whole)
    }

    @Test func needMoreIsNotAnError() throws {
        var framer = STUNStreamFramer(framing: .stunMessages)
        let head = Array(STUNFixture.tcpTURNSegments151And152[..<143])
        try framer.append(head.span)
        #expect(try framer.next() == nil)
        #expect(framer.bufferedCount == 143)
        #expect(framer.consumed == 0)
    }

    @Test func notSTUNStopsTheFramer() throws {
        var framer = STUNStreamFramer(framing: .stunMessages)
        // A first byte of 0x80 and above is neither STUN (00) nor ChannelData (01). (Text such as "GET " starts
        // 0x47: it frames as ChannelData 0x4745; use the framer on flows whose first message was STUN.)
        let rtp = STUNFixture.rtpAMR
        try framer.append(rtp.span)
        #expect(throws: WireError(.stunFraming, .badValue, at: 0)) { try framer.next() }
        #expect(framer.failure == WireError(.stunFraming, .badValue, at: 0))
        let more = STUNFixture.iceBindingRequest
        #expect(throws: WireError(.stunFraming, .badValue, at: 0)) { try framer.append(more.span) }
        var odd = STUNStreamFramer(framing: .stunMessages)
        let badLength: [UInt8] = [0x00, 0x01, 0x00, 0x03]
        try odd.append(badLength.span)
        #expect(throws: WireError(.stunFraming, .badLength, at: 2)) { try odd.next() }
    }

    /// A bad message inside a good frame is reported and skipped; the stream goes on.
    @Test func badMessageIsSkipped() throws {
        var bytes = STUNFixture.iceBindingRequest
        bytes[4] = 0  // no magic cookie
        var framer = STUNStreamFramer(framing: .stunMessages)
        let stream = bytes + STUNFixture.iceBindingRequest
        try framer.append(stream.span)
        #expect(throws: WireError(.stun, .badValue, at: 4)) { try framer.next() }
        let next = try framer.next()
        guard case .stun(let info) = next else {
            Issue.record("expected a STUN message, got \(String(describing: next))")
            return
        }
        #expect(info.method == .binding)
    }

    @Test func bufferIsBounded() throws {
        var framer = STUNStreamFramer(framing: .lengthPrefixed, capacity: 64)
        let header: [UInt8] = [0xff, 0xff] + [UInt8](repeating: 0, count: 60)
        try framer.append(header.span)
        #expect(try framer.next() == nil)
        let more = [UInt8](repeating: 0, count: 3)
        #expect(throws: WireError(.stunFraming, .badLength, at: 62)) { try framer.append(more.span) }
    }
}
