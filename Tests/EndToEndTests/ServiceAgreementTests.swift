import Blockscope
import FlowTracking
import Foundation
import PacketCapture
import Rules
import TestSupport
import Testing

/// The service catalogue against an independent reference: nDPI's own expected output for its test captures
/// (`../shared/captures/ndpi/*.gt/ndpi-default.*.out`, one line per flow with nDPI's protocol). For every flow that
/// nDPI or Blockscope puts in one of the catalogue's application services, the two must agree, or the
/// (capture, nDPI → Blockscope) pair must be listed with its reason in `Tests/service-ndpi-allowlist.tsv`.
/// Hosting and CDN labels (Cloudflare, Hetzner, ... by address) name the network, not the application, so they
/// are counted apart, and so are DNS queries (nDPI names them by the name asked for).
@Suite("Service catalogue vs nDPI", .enabled(if: Lab.sharedCapturesEnabled, Lab.sharedCapturesComment))
struct ServiceAgreementTests {
    /// nDPI protocol names → catalogue service names.
    static let ndpiNames: [String: String] = [
        "WhatsApp": "WhatsApp", "WhatsAppCall": "WhatsApp", "WhatsAppFiles": "WhatsApp", "Telegram": "Telegram",
        "TelegramVoip": "Telegram", "Signal": "Signal", "SignalVoip": "Signal", "YouTube": "YouTube",
        "YouTubeUpload": "YouTube", "Twitter": "X", "Discord": "Discord", "FaceTime": "FaceTime", "ApplePush": "FaceTime",
        "Cloudflare": "Cloudflare",
    ]
    static let networkRoles: Set<String> = ["hosting", "cdn"]

    struct FlowKey: Hashable {
        var proto: String
        var ends: Set<String>
    }

    /// `\t1\tTCP 10.8.0.1:42241 <-> 173.192.222.189:5222 [proto: 142/WhatsApp]...` → key and nDPI's names.
    static func ndpiFlows(_ text: String) -> [FlowKey: String] {
        var flows: [FlowKey: String] = [:]
        for line in text.split(separator: "\n") where line.hasPrefix("\t") {
            let tokens = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard tokens.count >= 5, tokens[1] == "TCP" || tokens[1] == "UDP", tokens[3] == "<->",
                let start = line.range(of: "[proto: "), let end = line[start.upperBound...].firstIndex(of: "]")
            else { continue }
            let names = line[start.upperBound..<end].split(separator: "/", maxSplits: 1).last.map(String.init) ?? ""
            flows[FlowKey(proto: tokens[1].lowercased(), ends: [endpoint(tokens[2]), endpoint(tokens[4])])] = names
        }
        return flows
    }

    /// `[2001:db8::1]:443` or `10.0.0.1:443` → `2001:db8::1|443`.
    static func endpoint(_ text: Substring) -> String {
        guard let colon = text.lastIndex(of: ":") else { return String(text) }
        let host = text[..<colon].trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        return host + "|" + text[text.index(after: colon)...]
    }

    static func service(ndpi names: String) -> String? {
        for part in names.split(separator: ".").reversed() {
            if let service = ndpiNames[String(part)] { return service }
        }
        return nil
    }

    @Test func catalogueAgreesWithNDPI() throws {
        try #require(Lab.sharedCapturesAvailable, "../shared/captures is missing")
        let allowed = try Allowlist.load("Tests/service-ndpi-allowlist.tsv")
        let classifier = try Classifier()
        let folder = Lab.sharedCaptures.appendingPathComponent("ndpi")
        var disagreements: [String: Int] = [:]
        var agreed = 0
        var compared = 0
        var networkLabels = 0
        for file in try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted() where file.hasSuffix(".gt") {
            let capture = String(file.dropLast(3))
            let expected = folder.appendingPathComponent(file).appendingPathComponent("ndpi-default.\(capture).out")
            guard let text = try? String(contentsOf: expected, encoding: .utf8) else { continue }
            let reference = Self.ndpiFlows(text)
            let handle = try PcapHandle.openOffline(path: folder.appendingPathComponent(capture).path)
            defer { handle.close() }
            let analyzer = Analyzer()
            try handle.forEachFrame { frame, bytes in
                analyzer.process(bytes, linkType: frame.linkType, timestamp: frame.timestamp, wireLength: frame.originalLength)
            }
            for flow in analyzer.finish() {
                let proto = flow.key.transportProtocol.name
                let key = FlowKey(proto: proto, ends: [
                    "\(flow.originator.address)|\(flow.originator.port)", "\(flow.responder.address)|\(flow.responder.port)",
                ])
                // nDPI names a DNS query by the name asked for; the catalogue names traffic to the service itself.
                guard let names = reference[key], !names.hasPrefix("DNS") else { continue }
                let theirs = Self.service(ndpi: names)
                var match = classifier.service(for: flow)
                if let m = match, let role = m.role, Self.networkRoles.contains(role), theirs != m.name {
                    networkLabels += 1
                    match = nil
                }
                let ours = match?.name
                guard theirs != nil || ours != nil else { continue }
                compared += 1
                if theirs == ours {
                    agreed += 1
                } else {
                    disagreements["ndpi/\(capture)\t\(names) → \(ours ?? "none")", default: 0] += 1
                }
            }
        }
        print("services vs nDPI: \(agreed) of \(compared) flows agree; \(networkLabels) hosting/CDN labels counted apart; "
            + "\(disagreements.values.reduce(0, +)) flows in \(disagreements.count) listed disagreements")
        #expect(compared > 100)
        allowed.check(disagreements, path: "Tests/service-ndpi-allowlist.tsv", unlisted: "unlisted disagreement with nDPI")
    }
}
