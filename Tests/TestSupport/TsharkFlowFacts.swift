import Foundation

/// What tshark's per-frame dissection says about each flow, gathered over all its frames: tshark reports
/// reassembled fields (a ClientHello over several segments, a QUIC CRYPTO stream over several packets) on the
/// frame that completes them, so application fields are compared per flow, not per frame.
public struct TsharkFlowFacts: Equatable, CustomStringConvertible {
    public var serverNames: Set<String> = []
    public var alpn: Set<String> = []
    public var clientHellos = 0
    public var serverHellos = 0
    public var stunTypes: Set<String> = []
    public var stunChannelData = 0
    public var classicSTUNTypes: Set<String> = []
    public var quicVersions: Set<String> = []
    public var quicServerNames: Set<String> = []
    public var quicALPN: Set<String> = []
    public var quicClientHellos = 0
    public var dtlsServerNames: Set<String> = []
    public var dtlsClientHellos = 0
    public init() {}

    public var description: String {
        var parts: [String] = []
        if !serverNames.isEmpty { parts.append("sni=\(serverNames.sorted())") }
        if !alpn.isEmpty { parts.append("alpn=\(alpn.sorted())") }
        if clientHellos > 0 { parts.append("ch=\(clientHellos)") }
        if !stunTypes.isEmpty { parts.append("stun=\(stunTypes.sorted())") }
        if !classicSTUNTypes.isEmpty { parts.append("classic=\(classicSTUNTypes.sorted())") }
        if !quicVersions.isEmpty { parts.append("quic=\(quicVersions.sorted())") }
        if !quicServerNames.isEmpty { parts.append("quic-sni=\(quicServerNames.sorted())") }
        if !dtlsServerNames.isEmpty { parts.append("dtls-sni=\(dtlsServerNames.sorted())") }
        return parts.joined(separator: " ")
    }

    /// The symmetric key of a row's outermost flow: `proto lower upper` with `address:port` endpoints.
    public static func flowKey(_ row: TsharkTable.Row) -> String? {
        let version = row.outerIPVersion
        guard let version else { return nil }
        let prefix = version == 4 ? "ip" : "ipv6"
        guard let source = row.first("\(prefix).src"), let destination = row.first("\(prefix).dst") else { return nil }
        let proto: String
        let ports: (String, String)
        if let s = row.first("tcp.srcport"), let d = row.first("tcp.dstport") {
            proto = "tcp"
            ports = (s, d)
        } else if let s = row.first("udp.srcport"), let d = row.first("udp.dstport") {
            proto = "udp"
            ports = (s, d)
        } else {
            return nil
        }
        let a = "\(source):\(ports.0)"
        let b = "\(destination):\(ports.1)"
        return a <= b ? "\(proto) \(a) \(b)" : "\(proto) \(b) \(a)"
    }

    /// Facts per flow key for one capture.
    public static func gather(_ table: TsharkTable) -> [String: TsharkFlowFacts] {
        var flows: [String: TsharkFlowFacts] = [:]
        for index in 0..<table.count {
            let row = table.row(index)
            guard let key = flowKey(row) else { continue }
            var facts = flows[key] ?? TsharkFlowFacts()
            let protocols = row.value("frame.protocols") ?? ""
            let layers = protocols.split(separator: ":")
            let isQUIC = layers.contains("quic")
            let handshakeTypes = row.all("tls.handshake.type")
            let names = row.all("tls.handshake.extensions_server_name").map(String.init)
            // Tunnelled packets: tshark's application fields describe the inner flow, which Blockscope does not
            // decapsulate yet; leave them out rather than pin them on the outer flow.
            if layers.filter({ $0 == "ip" || $0 == "ipv6" }).count > 1 {
                flows[key] = facts
                continue
            }
            if isQUIC {
                facts.quicServerNames.formUnion(names)
                if handshakeTypes.contains("1") {
                    facts.quicClientHellos += 1
                    facts.quicALPN.formUnion(row.all("tls.handshake.extensions_alpn_str").map(String.init))
                }
            } else {
                facts.serverNames.formUnion(names)
            }
            if handshakeTypes.contains("1"), !isQUIC {
                facts.clientHellos += handshakeTypes.filter { $0 == "1" }.count
                // ALPN as offered by the client: only ClientHello rows (a TLS 1.2 ServerHello carries one too).
                if !handshakeTypes.contains("2") {
                    facts.alpn.formUnion(row.all("tls.handshake.extensions_alpn_str").map(String.init))
                }
            }
            if handshakeTypes.contains("2") { facts.serverHellos += 1 }
            facts.stunTypes.formUnion(row.all("stun.type").map(String.init))
            facts.stunChannelData += row.all("stun.channel").count
            facts.classicSTUNTypes.formUnion(row.all("classicstun.type").map(String.init))
            facts.quicVersions.formUnion(row.all("quic.version").map(String.init))
            facts.dtlsServerNames.formUnion(row.all("dtls.handshake.extensions_server_name").map(String.init))
            facts.dtlsClientHellos += row.all("dtls.handshake.type").filter { $0 == "1" }.count
            flows[key] = facts
        }
        return flows
    }
}
