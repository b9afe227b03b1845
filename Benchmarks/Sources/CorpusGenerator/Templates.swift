import PacketCapture
import WireFormat

/// Payloads taken from the project's own real captures (`Captures/`): the corpus carries real protocol bytes.
struct Templates {
    /// A TLS record holding a real ClientHello (SNI rewritten per flow by `ClientHelloRewriter`).
    var clientHello: [UInt8]
    /// The server's first flight (ServerHello, ChangeCipherSpec, encrypted handshake records).
    var serverFlight: [UInt8]
    /// A real QUIC v1 client Initial datagram (decryptable, with a ClientHello inside).
    var quicInitial: [UInt8]
    /// A STUN Binding request and its success response (with FINGERPRINT).
    var stunRequest: [UInt8]
    var stunResponse: [UInt8]
    /// An RTP packet (header and media) of the lab call.
    var rtp: [UInt8]

    enum LoadError: Error, CustomStringConvertible {
        case missing(String, in: String)
        var description: String {
            switch self {
            case .missing(let what, let file): "no \(what) found in \(file)"
            }
        }
    }

    /// Reads the templates from the capture folder.
    init(captures: String) throws {
        let benign = try Self.payloads(captures + "/benign-normal.pcap")
        guard let hello = benign.first(where: { $0.tcp && $0.destinationPort == 443 && $0.bytes.first == 0x16 }) else {
            throw LoadError.missing("ClientHello", in: "benign-normal.pcap")
        }
        guard let flight = benign.first(where: { $0.tcp && $0.sourcePort == 443 && $0.bytes.first == 0x16 }) else {
            throw LoadError.missing("ServerHello", in: "benign-normal.pcap")
        }
        clientHello = hello.bytes
        serverFlight = flight.bytes
        let quic = try Self.payloads(captures + "/quic-drop.pcap")
        guard let initial = quic.first(where: { !$0.tcp && $0.bytes.count >= 1200 && $0.bytes[0] & 0xf0 == 0xc0 }) else {
            throw LoadError.missing("QUIC Initial", in: "quic-drop.pcap")
        }
        quicInitial = initial.bytes
        let call = try Self.payloads(captures + "/call-media-cutoff.pcap")
        let stun = call.filter { !$0.tcp && $0.bytes.count >= 20 && $0.bytes[4...7] == [0x21, 0x12, 0xa4, 0x42] }
        guard let request = stun.first(where: { $0.bytes[0] == 0x00 && $0.bytes[1] == 0x01 }),
            let response = stun.first(where: { $0.bytes[0] == 0x01 && $0.bytes[1] == 0x01 })
        else { throw LoadError.missing("STUN Binding request and response", in: "call-media-cutoff.pcap") }
        stunRequest = request.bytes
        stunResponse = response.bytes
        guard let media = call.first(where: { !$0.tcp && $0.bytes.count > 100 && $0.bytes[0] == 0x80 }) else {
            throw LoadError.missing("RTP packet", in: "call-media-cutoff.pcap")
        }
        rtp = media.bytes
    }

    struct Payload {
        var tcp: Bool
        var sourcePort: UInt16
        var destinationPort: UInt16
        var bytes: [UInt8]
    }

    /// Every non-empty TCP/UDP payload of a capture, in order.
    static func payloads(_ path: String) throws -> [Payload] {
        let handle = try PcapHandle.openOffline(path: path)
        defer { handle.close() }
        let dissector = Dissector()
        var summary = PacketSummary()
        var result: [Payload] = []
        try handle.forEachFrame { frame, bytes in
            dissector.dissect(
                bytes, linkType: frame.linkType, timestamp: frame.timestamp, wireLength: frame.originalLength,
                into: &summary)
            guard summary.outcome == .ok, let source = summary.sourcePort, let destination = summary.destinationPort
            else { return }
            let payload = dissector.withPayload(of: summary, in: bytes) { span in (0..<span.count).map { span[$0] } }
            guard !payload.isEmpty else { return }
            result.append(Payload(tcp: summary.tcp != nil, sourcePort: source, destinationPort: destination, bytes: payload))
        }
        return result
    }
}
