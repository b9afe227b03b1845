import Foundation
import PacketCapture
import TestSupport
import Testing
import WireFormat

/// STUN over UDP against tshark 4.0's dissection of the shared captures: where tshark reports `stun.type`, the
/// strict datagram parser must find a message of that type; where tshark reports nothing STUN-like, it must not
/// claim STUN. tshark's `classicstun.type` and `stun.channel` are compared too, and every disagreement is printed
/// with its frame. Known, explained disagreements are listed in `expectedDisagreements`.
@Suite("STUN conformance with tshark", .enabled(if: Lab.sharedCapturesEnabled, Lab.sharedCapturesComment))
struct STUNConformanceTests {
    struct Tally {
        var datagrams = 0
        var tunnelled = 0
        var tsharkSTUN = 0
        var agreedSTUN = 0
        var tsharkClassic = 0
        var agreedClassic = 0
        var tsharkChannel = 0
        var agreedChannel = 0
        var tsharkNone = 0
        var agreedNone = 0
        /// "file frame: what" for every disagreement.
        var disagreements: [String: [String]] = [:]
    }

    /// (file, kind of disagreement) → how many frames, with the reason. Anything else fails the test.
    static let whatsApp0800 = "WhatsApp's 0x0800 messages (method 0x200, in the range RFC 7983 reserves): magic cookie, "
        + "exact datagram length, last attribute unpadded; tshark 4.0's heuristic refuses unknown methods"

    static let expectedDisagreements: [String: (Int, String)] = [
        "ndpi/zoom.pcap\tclassic-missed": (18, "Zoom's own messages on a STUN-shaped header: attribute 0x0101 is not RFC 3489"),
        "ndpi/teams.pcap\tclassic-missed": (6, "MS-TURN (type 0x0115, MAGIC-COOKIE attribute 0x000f): Microsoft's pre-RFC 5389 TURN, not RFC 3489"),
        "ndpi/teams.pcap\tchannel-missed": (2, "MS-TURN multiplexed data, channel 0xFF10, outside every ChannelData range"),
        "ndpi/teams.pcap\tstun-missed": (18, "MS-TURN messages with unpadded attributes: length field not a multiple of 4 (RFC 8489 §5 MUST)"),
        // WhatsApp's Allocate requests end with an unpadded 0x4000 attribute; a whole datagram with the magic
        // cookie and an exact length is accepted with that last attribute unpadded, so they now agree with tshark.
        // WhatsApp's own 0x0800 messages, shaped the same way, are then recognised too; tshark refuses the method.
        "ndpi/wa_voice.pcap\tstun-claimed": (5, whatsApp0800),
        "ndpi/whatsapp_voice_and_message.pcap\tstun-claimed": (8, whatsApp0800),
        "peafowl/whatsapp.pcap\tstun-claimed": (5, whatsApp0800),
        "ndpi/stun_wa_call.pcapng\tstun-claimed": (88, "WhatsApp's 0x0801/0x0802 (method 0x201, in the range RFC 7983 reserves): "
            + "magic cookie, exact length, valid attribute walk; tshark 4.0's heuristic refuses unknown methods"),
    ]

    @Test func udpSTUNAgreesWithTshark() throws {
        try #require(Lab.sharedCapturesAvailable, "../shared/captures is missing")
        var tally = Tally()
        for entry in try Lab.corpusEntries() {
            try compare(file: entry, tally: &tally)
        }
        func line(_ name: String, _ agreed: Int, _ total: Int) -> String {
            "  \(name.padding(toLength: 34, withPad: " ", startingAt: 0)) \(agreed)/\(total)"
        }
        print("STUN conformance: \(tally.datagrams) UDP datagrams compared, \(tally.tunnelled) tunnelled skipped")
        print(line("stun.type: same type found", tally.agreedSTUN, tally.tsharkSTUN))
        print(line("classicstun.type: same type found", tally.agreedClassic, tally.tsharkClassic))
        print(line("stun.channel: same channel found", tally.agreedChannel, tally.tsharkChannel))
        print(line("not STUN for tshark: not claimed", tally.agreedNone, tally.tsharkNone))
        for (key, frames) in tally.disagreements.sorted(by: { $0.key < $1.key }) {
            print("  disagreement \(key.replacingOccurrences(of: "\t", with: " ")): \(frames.count) frames, e.g. \(frames.prefix(3))")
            if let (count, reason) = Self.expectedDisagreements[key] {
                print("    expected: \(reason)")
                #expect(frames.count == count, "\(key): \(frames.count) frames, expected \(count)")
            } else {
                Issue.record("unexpected disagreement with tshark: \(key), \(frames.prefix(5))")
            }
        }
        for key in Self.expectedDisagreements.keys where tally.disagreements[key] == nil {
            Issue.record("expected disagreement no longer happens (remove it): \(key)")
        }
        #expect(tally.tsharkSTUN >= 700)
    }

    private func compare(file: String, tally: inout Tally) throws {
        let path = Lab.sharedCaptures.appendingPathComponent(file).path
        let rows = try TsharkTable(path: path + ".tshark.tsv")
        let handle = try PcapHandle.openOffline(path: path)
        defer { handle.close() }
        let dissector = Dissector()
        var summary = PacketSummary()
        _ = try handle.forEachFrame { frame, bytes in
            dissector.dissect(
                bytes, linkType: frame.linkType, timestamp: frame.timestamp, wireLength: frame.originalLength,
                into: &summary)
            guard summary.outcome == .ok, summary.udp != nil, frame.number <= rows.count else { return }
            let row = rows.row(frame.number - 1)
            // tshark's fields describe the inner packet of a tunnel; ours, the outer datagram.
            if summary.tunnel != nil {
                tally.tunnelled += 1
                return
            }
            tally.datagrams += 1
            let (ours, rejection, channel) = dissector.withPayload(of: summary, in: bytes) {
                payload -> (STUNInfo?, WireError?, UInt16?) in
                var channel: UInt16?
                if UDPDemux.classify(payload) == .turnChannel {
                    channel = (try? ChannelDataMessage(validating: payload))?.channelNumber
                }
                do throws(WireError) {
                    return (try STUNMessage(validatingDatagram: payload).info(), nil, channel)
                } catch {
                    return (nil, error, channel)
                }
            }
            func disagree(_ kind: String, _ what: String) {
                tally.disagreements["\(file)\t\(kind)", default: []].append("\(frame.number): \(what)")
            }
            let ourType = ours.map { "0x" + String(format: "%04x", $0.messageType) }
            let theirSTUN = row.first("stun.type")
            let theirClassic = row.first("classicstun.type")
            let theirChannel = row.first("stun.channel")
            if let theirSTUN {
                tally.tsharkSTUN += 1
                if ourType == theirSTUN, ours?.isClassic == false {
                    tally.agreedSTUN += 1
                } else {
                    disagree("stun-missed", "tshark \(theirSTUN), ours \(ourType ?? rejection.map(String.init(describing:)) ?? "none")")
                }
            }
            if let theirClassic {
                tally.tsharkClassic += 1
                if ourType == theirClassic, ours?.isClassic == true {
                    tally.agreedClassic += 1
                } else {
                    disagree("classic-missed", "tshark \(theirClassic), ours \(ourType ?? rejection.map(String.init(describing:)) ?? "none")")
                }
            }
            if let theirChannel {
                tally.tsharkChannel += 1
                if channel.map({ "0x" + String(format: "%04x", $0) }) == theirChannel {
                    tally.agreedChannel += 1
                } else {
                    disagree("channel-missed", "tshark \(theirChannel)")
                }
            }
            if theirSTUN == nil, theirClassic == nil {
                tally.tsharkNone += 1
                if let ourType {
                    disagree("stun-claimed", "ours \(ourType), tshark \(row.first("frame.protocols") ?? "")")
                } else {
                    tally.agreedNone += 1
                }
            }
        }
    }
}
