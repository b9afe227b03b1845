import Testing
@testable import WireFormat

@Suite("TURN ChannelData (RFC 8656 §12.4)")
struct STUNChannelDataTests {
    @Test func accessors() throws {
        let bytes = STUNFixture.channelDataRTCP
        let message = try ChannelDataMessage(validating: bytes.span)
        let (channel, length, frame, trailing, info) =
            (message.channelNumber, message.dataLength, message.frameLength, message.trailingLength, message.info)
        let first = message.data[0]
        #expect(channel == 0x4001)
        #expect(length == 48)
        #expect(frame == 52)
        #expect(trailing == 0)
        #expect(info == ChannelDataInfo(channelNumber: 0x4001, dataLength: 48))
        #expect(first == 0x81)
    }

    @Test(arguments: [false, true])
    func truncatedAtEveryLength(_ overTCP: Bool) {
        let bytes = STUNFixture.channelDataSTUN
        for length in 0..<bytes.count {
            let prefix = Array(bytes[..<length])
            do {
                _ = try ChannelDataMessage(validating: prefix.span, overTCP: overTCP)
                Issue.record("cut at \(length) accepted")
            } catch {
                #expect(error.reason == .truncated, "cut at \(length): \(error)")
            }
        }
    }

    @Test func channelRangesAndPadding() throws {
        var bytes: [UInt8] = [0x40, 0x00, 0x00, 0x03, 0xaa, 0xbb, 0xcc]
        // Over UDP padding is optional; over TCP it must be there.
        #expect(throws: Never.self) { try ChannelDataMessage(validating: bytes.span) }
        #expect(throws: WireError(.turnChannel, .truncated, at: 4)) { try ChannelDataMessage(validating: bytes.span, overTCP: true) }
        bytes.append(0)
        let padded = try ChannelDataMessage(validating: bytes.span, overTCP: true)
        let (frame, trailing) = (padded.frameLength, padded.trailingLength)
        #expect(frame == 8)
        #expect(trailing == 1)
        for channel: UInt16 in [0x0000, 0x3fff, 0x5000, 0x7fff, 0x8000, 0xffff] {
            let header: [UInt8] = [UInt8(channel >> 8), UInt8(channel & 0xff), 0, 0]
            #expect(throws: WireError(.turnChannel, .badValue, at: 0)) { try ChannelDataMessage(validating: header.span) }
            let legacy = (0x4000...0x7fff).contains(channel)
            let accepted = (try? ChannelDataMessage(validating: header.span, allowingLegacyRange: true)) != nil
            #expect(accepted == legacy)
        }
        // Length beyond the datagram.
        let long: [UInt8] = [0x4f, 0xff, 0x01, 0x00, 1, 2, 3]
        #expect(throws: WireError(.turnChannel, .truncated, at: 4)) { try ChannelDataMessage(validating: long.span) }
    }

    @Test func decodingTwiceGivesTheSameResult() throws {
        let bytes = STUNFixture.channelDataSTUN
        let first = try ChannelDataMessage(validating: bytes.span).info
        let second = try ChannelDataMessage(validating: bytes.span).info
        #expect(first == second)
        #expect(first == ChannelDataInfo(channelNumber: 0x4003, dataLength: 96))
    }
}
