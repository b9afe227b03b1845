import Blockscope
import FlowTracking
import Foundation
import PacketCapture
import TestSupport
import Testing
import WireFormat

/// Per-flow agreement of the application parsers with tshark over the shared captures: SNI, ALPN and ClientHello
/// presence (TLS over TCP), STUN message types, QUIC versions, QUIC SNI and ALPN, DTLS SNI. Per flow, because
/// tshark shows reassembled fields on the frame that completes them. Every disagreement is fixed or listed with
/// its reason in `Tests/tshark-flow-allowlist.tsv`.
@Suite("Application parsers per flow vs tshark", .enabled(if: Lab.sharedCapturesEnabled, Lab.sharedCapturesComment))
struct TsharkFlowConformanceTests {
    enum Field: String, CaseIterable {
        case clientHello = "client-hello", sni, alpn, stunTypes = "stun-types", quicVersions = "quic-versions"
        case quicClientHello = "quic-client-hello", quicSNI = "quic-sni", quicALPN = "quic-alpn", dtlsSNI = "dtls-sni"
        case dtlsClientHello = "dtls-client-hello"
    }

    static func key(_ flow: Flow) -> String {
        let a = "\(flow.originator.address):\(flow.originator.port)"
        let b = "\(flow.responder.address):\(flow.responder.port)"
        let proto = flow.key.transportProtocol.name
        return a <= b ? "\(proto) \(a) \(b)" : "\(proto) \(b) \(a)"
    }

    @Test func applicationFieldsAgreePerFlow() throws {
        try #require(Lab.sharedCapturesAvailable, "../shared/captures is missing")
        let allowlist = try Allowlist.load("Tests/tshark-flow-allowlist.tsv")
        var compared: [Field: Int] = [:]
        var agreed: [Field: Int] = [:]
        var disagreements: [String: [String]] = [:]
        var flowsCompared = 0
        for file in try Lab.corpusEntries() {
            let path = Lab.sharedCaptures.appendingPathComponent(file).path
            let theirs = TsharkFlowFacts.gather(try TsharkTable(path: path + ".tshark.tsv"))
            let handle = try PcapHandle.openOffline(path: path)
            defer { handle.close() }
            let analyzer = Analyzer()
            try handle.forEachFrame { frame, bytes in
                analyzer.process(bytes, linkType: frame.linkType, timestamp: frame.timestamp, wireLength: frame.originalLength)
            }
            for flow in analyzer.finish() where flow.key.transportProtocol == .tcp || flow.key.transportProtocol == .udp {
                let key = Self.key(flow)
                let tshark = theirs[key] ?? TsharkFlowFacts()
                let ours = flow.applicationFacts
                flowsCompared += 1
                func check(_ field: Field, _ mine: Set<String>, _ other: Set<String>) {
                    guard !mine.isEmpty || !other.isEmpty else { return }
                    compared[field, default: 0] += 1
                    if mine == other {
                        agreed[field, default: 0] += 1
                    } else {
                        disagreements["\(file)\t\(field.rawValue)", default: []].append("\(key): ours \(mine.sorted()) tshark \(other.sorted())")
                    }
                }
                let hello = ours.clientHello
                let tcpHello = ours.clientHelloTransport == .tcp ? hello : nil
                let quicHello = ours.clientHelloTransport == .quic ? hello : nil
                let dtlsHello = ours.clientHelloTransport == .dtls ? hello : nil
                check(.clientHello, tcpHello == nil ? [] : ["yes"], tshark.clientHellos > 0 && flow.key.transportProtocol == .tcp ? ["yes"] : [])
                check(.sni, Set([tcpHello?.serverName].compactMap { $0 }), flow.key.transportProtocol == .tcp ? tshark.serverNames : [])
                check(.alpn, Set(tcpHello?.alpn ?? []), flow.key.transportProtocol == .tcp ? tshark.alpn : [])
                check(.stunTypes, Set(ours.stun.messageTypes.map { Self.hex($0, digits: 4) }), tshark.stunTypes.union(tshark.classicSTUNTypes))
                check(.quicVersions, Set(ours.quicVersions.map(\.hex)), tshark.quicVersions)
                check(.quicClientHello, quicHello == nil ? [] : ["yes"], tshark.quicClientHellos > 0 ? ["yes"] : [])
                check(.quicSNI, Set([quicHello?.serverName].compactMap { $0 }), tshark.quicServerNames)
                check(.quicALPN, Set(quicHello?.alpn ?? []), tshark.quicALPN)
                check(.dtlsSNI, Set([dtlsHello?.serverName].compactMap { $0 }), tshark.dtlsServerNames)
                check(.dtlsClientHello, dtlsHello == nil ? [] : ["yes"], tshark.dtlsClientHellos > 0 ? ["yes"] : [])
            }
        }
        print("application parsers vs tshark, per flow: \(flowsCompared) TCP/UDP flows")
        for field in Field.allCases {
            let total = compared[field, default: 0]
            let same = agreed[field, default: 0]
            print("  \(field.rawValue.padding(toLength: 18, withPad: " ", startingAt: 0)) \(same)/\(total) flows agree")
        }
        print("  disagreements: \(disagreements.count) (capture, field) pairs, "
            + "\(disagreements.keys.filter { allowlist.entries[$0] != nil }.count) allowlisted")
        for (key, flows) in disagreements.sorted(by: { $0.key < $1.key }) {
            guard let allowed = allowlist.entries[key] else {
                Issue.record("not in Tests/tshark-flow-allowlist.tsv: \(key) (\(flows.count) flows): \(flows.prefix(3))")
                continue
            }
            #expect(flows.count <= allowed, "\(key): \(flows.count) flows disagree, the allowlist says at most \(allowed): \(flows.prefix(3))")
        }
        for key in allowlist.entries.keys where disagreements[key] == nil {
            Issue.record("stale entry in Tests/tshark-flow-allowlist.tsv (it agrees now; remove it): \(key)")
        }
    }

    static func hex(_ value: UInt16, digits: Int) -> String {
        let text = String(value, radix: 16)
        return "0x" + String(repeating: "0", count: max(0, digits - text.count)) + text
    }
}
