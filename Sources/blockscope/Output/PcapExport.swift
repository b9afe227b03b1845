import Blockscope
import FlowTracking
import Foundation
import PacketCapture
import WireFormat

/// `--export-pcap DIR`: the packets of the flows called blocked or throttled, one pcap file per verdict id
/// (`DIR/tls-hello-rst.pcap`, ...), written with libpcap's dumper, so that the evidence can be opened in Wireshark
/// and published.
///
/// A verdict is known only when a flow ends, so the packets are taken in a second pass over the same input: the
/// flagged flows are noted (key and time span) during the analysis, then the input is read again with the same
/// filter and every packet of a noted flow, within its time span, goes to its verdict's file. The first pass costs
/// nothing extra; the second dissects only to the transport layer. Fragments held for reassembly are written with
/// the packet that completes their datagram only (the earlier fragments are not exported).
final class PcapExport {
    struct Span {
        var first: Timestamp
        var last: Timestamp
        var verdict: String
    }

    /// What was written: per file, the packets and flows in it.
    struct Written {
        var path: String
        var verdict: String
        var packets: Int
        var flows: Int
    }

    let directory: String
    /// Whether this run created the directory (live mode then hands it to the unprivileged user).
    let created: Bool
    private var flagged: [FlowKey: [Span]] = [:]
    private var flowsPerVerdict: [String: Int] = [:]
    private(set) var flows = 0

    /// Creates `directory` (and its parents) when missing; fails when it cannot be written.
    init(directory: String) throws {
        self.directory = directory
        var isDirectory: ObjCBool = false
        created = !FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory)
        if !created {
            guard isDirectory.boolValue else { throw Failure.usage("\(directory): --export-pcap needs a directory, this is a file") }
        } else {
            do {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            } catch {
                throw Failure.usage("\(directory): cannot create the export directory: \(error.localizedDescription)")
            }
        }
        guard FileManager.default.isWritableFile(atPath: directory) else {
            throw Failure.usage("\(directory): the export directory is not writable")
        }
    }

    /// Notes a finished flow: it is exported when its verdict is blocked or throttled.
    func note(_ flow: Flow, _ verdict: Verdict) {
        guard verdict.isBlockingOrThrottling else { return }
        flagged[flow.key, default: []].append(Span(first: flow.firstSeen, last: flow.lastSeen, verdict: verdict.id))
        flowsPerVerdict[verdict.id, default: 0] += 1
        flows += 1
    }

    /// The second pass: reads `handles` (opened on the same input, in the same order, with the same filter) and
    /// writes the packets of the noted flows. Returns the files written, by verdict.
    func write(_ handles: [PcapHandle]) throws -> [Written] {
        guard !flagged.isEmpty else { return [] }
        let dissector = Dissector()
        var summary = PacketSummary()
        var writers: [String: (writer: PcapWriter, verdict: String, packets: Int)] = [:]
        var failure: (any Error)?
        for handle in handles {
            try handle.forEachFrame { frame, bytes in
                guard failure == nil else { return }
                dissector.dissect(
                    bytes, linkType: frame.linkType, timestamp: frame.timestamp, wireLength: frame.originalLength, into: &summary)
                guard case .ok = summary.outcome, let key = FlowKey(summary), let spans = flagged[key],
                    let span = spans.first(where: { $0.first <= frame.timestamp && frame.timestamp <= $0.last })
                else { return }
                // One file per verdict; a second link type in the input gets a file of its own (a pcap has one).
                let name = writers[span.verdict]?.writer.linkType == frame.linkType || writers[span.verdict] == nil
                    ? span.verdict : "\(span.verdict).linktype-\(frame.linkType.rawValue)"
                do {
                    if writers[name] == nil {
                        let path = (directory as NSString).appendingPathComponent(name + ".pcap")
                        writers[name] = (try PcapWriter(path: path, linkType: frame.linkType), span.verdict, 0)
                    }
                    try writers[name]?.writer.write(timestamp: frame.timestamp, originalLength: frame.originalLength, bytes: bytes)
                    writers[name]?.packets += 1
                } catch {
                    failure = error
                    handle.breakLoop()
                }
            }
        }
        var written: [Written] = []
        for (_, entry) in writers.sorted(by: { $0.key < $1.key }) {
            try entry.writer.close()
            written.append(Written(path: entry.writer.path, verdict: entry.verdict, packets: entry.packets,
                                   flows: flowsPerVerdict[entry.verdict] ?? 0))
        }
        if let failure { throw failure }
        return written
    }

    /// `blockscope: exported 12 packets of 2 flows to DIR/tls-hello-rst.pcap` per file, on standard error.
    static func describe(_ written: [Written], flows: Int, directory: String) -> String {
        guard !written.isEmpty else {
            return "blockscope: nothing to export to \(directory): no flow was called blocked or throttled\n"
        }
        return written.map { "blockscope: exported \($0.packets) packets of \($0.flows) \($0.verdict) flow(s) to \($0.path)\n" }
            .joined()
    }

    // MARK: - Live

    /// Live mode keeps every packet in a spool file in the export directory until the capture stops, then takes
    /// the flagged flows' packets from it (the second pass) and deletes it.
    var spoolPath: String { (directory as NSString).appendingPathComponent(".blockscope-live-\(getpid()).pcap") }

    /// Opens the spool (as root, before privileges are dropped) and hands it and a directory this run created to
    /// `user`, who must be able to write the per-verdict files at the end.
    func openSpool(linkType: LinkType, snaplen: Int, handingTo user: (uid: uid_t, gid: gid_t)?) throws -> PcapWriter {
        if let user, !created, !Self.writable(directory, by: user) {
            throw Failure.usage(
                "\(directory): not writable by the user live mode becomes (uid \(user.uid)); choose a directory it can "
                    + "write, or a new one (created for it)")
        }
        let spool = try PcapWriter(path: spoolPath, linkType: linkType, snaplen: snaplen)
        if let user {
            var paths = [spoolPath]
            if created { paths.append(directory) }
            for path in paths where chown(path, user.uid, user.gid) != 0 {
                throw Failure.usage("\(path): cannot hand it to the unprivileged user: \(String(cString: strerror(errno)))")
            }
        }
        return spool
    }

    /// Whether `user` may create files in `path`, from its owner, group and mode (ACLs and supplementary groups
    /// aside: the check after privileges are dropped catches those).
    static func writable(_ path: String, by user: (uid: uid_t, gid: gid_t)) -> Bool {
        var info = stat()
        guard stat(path, &info) == 0 else { return false }
        let mode = info.st_mode
        if info.st_uid == user.uid { return mode & 0o300 == 0o300 }
        if info.st_gid == user.gid { return mode & 0o030 == 0o030 }
        return mode & 0o003 == 0o003
    }
}
