import Foundation
import PacketCapture
import WireFormat

/// Real frames from the project's captures (`Captures/`), loaded once.
struct Frame {
    var linkType: LinkType
    var timestamp: Timestamp
    var bytes: [UInt8]
}

enum Fixtures {
    static let captures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../../Captures").standardizedFileURL.path

    /// Every frame of `Captures/NAME` (a benchmark without its input stops with a clear message).
    static func frames(_ name: String) -> [Frame] {
        do {
            let handle = try PcapHandle.openOffline(path: captures + "/" + name)
            defer { handle.close() }
            var result: [Frame] = []
            try handle.forEachFrame { info, bytes in
                result.append(Frame(linkType: info.linkType, timestamp: info.timestamp, bytes: (0..<bytes.count).map { bytes[$0] }))
            }
            return result
        } catch {
            fatalError("benchmark input \(captures)/\(name): \(error)")
        }
    }

    /// The frames of `name` whose dissection `accept`s.
    static func frames(_ name: String, where accept: (PacketSummary) -> Bool) -> [Frame] {
        let dissector = Dissector()
        var summary = PacketSummary()
        return frames(name).filter { frame in
            dissector.dissect(frame.bytes.span, linkType: frame.linkType, timestamp: frame.timestamp, wireLength: frame.bytes.count, into: &summary)
            return summary.outcome == .ok && accept(summary)
        }
    }

    /// Transport payloads of the frames of `name` that `accept` picks.
    static func payloads(_ name: String, where accept: (PacketSummary) -> Bool) -> [[UInt8]] {
        let dissector = Dissector()
        var summary = PacketSummary()
        return frames(name).compactMap { frame in
            dissector.dissect(frame.bytes.span, linkType: frame.linkType, timestamp: frame.timestamp, wireLength: frame.bytes.count, into: &summary)
            guard summary.outcome == .ok, accept(summary) else { return nil }
            let bytes = dissector.withPayload(of: summary, in: frame.bytes.span) { span in (0..<span.count).map { span[$0] } }
            return bytes.isEmpty ? nil : bytes
        }
    }

    /// The captures of the project, all of them (the pipeline and rule benchmarks run over real flows).
    static let allCaptures = [
        "benign-normal.pcap", "call-media-cutoff.pcap", "facetime-setup-blocked.pcap", "loopback-facetime-tls.pcap",
        "lossy-completed.pcap", "port-closed.pcap", "quic-drop.pcap", "server-silent.pcap", "sni-rst-injection.pcap",
        "sni-silent-drop.pcap", "sni-throttle-128k.pcap", "stun-drop-cookie.pcap", "syn-drop-address.pcap",
        "tcp-freeze-16k.pcap", "tcp-freeze-32k.pcap",
    ]

    /// `count` distinct TCP SYNs (source address and port varied) made from the first SYN of benign-normal.pcap,
    /// each with the checksum fields left as captured (the dissector does not verify them).
    static func synFlood(_ count: Int) -> [Frame] {
        guard let syn = frames("benign-normal.pcap", where: { summary in
            summary.network?.version == 4 && summary.tcp.map { $0.flags == .syn } ?? false
        }).first else { fatalError("no IPv4 SYN in benign-normal.pcap") }
        return (0..<count).map { index in
            var frame = syn
            // Ethernet (14) + IPv4 (20): source address bytes 26...29, TCP source port 34...35.
            frame.bytes[28] = UInt8(truncatingIfNeeded: index >> 16)
            frame.bytes[29] = UInt8(truncatingIfNeeded: index >> 8)
            frame.bytes[34] = UInt8(truncatingIfNeeded: index >> 8 | 0x80)
            frame.bytes[35] = UInt8(truncatingIfNeeded: index)
            return frame
        }
    }
}
