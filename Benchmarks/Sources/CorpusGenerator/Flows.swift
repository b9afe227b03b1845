/// The frames of one flow, in order; the scheduler interleaves flows and gives the frames their times.
struct FlowScripts {
    typealias Endpoint = FrameBuilder.Endpoint
    let templates: Templates
    let rewriter: ClientHelloRewriter
    var random: SeededGenerator

    enum Kind: CaseIterable {
        /// A TLS connection: handshake, server data, FIN or client RST.
        case tls
        /// A forged RST from the server's address right after the ClientHello (SNI-based injection).
        case tlsResetInjected
        /// The ClientHello and its retransmissions get no answer (SNI-based silent drop).
        case tlsSilentDrop
        /// SYNs with no answer (address blocking).
        case synDropped
        /// A QUIC connection: client Initial, server long-header flight, short-header data both ways.
        case quic
        /// Client Initials retransmitted with no answer (QUIC blocking).
        case quicDropped
        /// A call: STUN Binding transactions, then RTP both ways; some calls lose one direction.
        case call
    }

    /// Picks a kind: mostly TLS, then QUIC, calls and about 8% blocking-like flows.
    mutating func kind() -> Kind {
        switch Int.random(in: 0..<100, using: &random) {
        case 0..<60: .tls
        case 60..<63: .tlsResetInjected
        case 63..<66: .tlsSilentDrop
        case 66..<68: .synDropped
        case 68..<88: .quic
        case 88..<93: .quicDropped
        default: .call
        }
    }

    /// Unique client endpoints from the flow number; IPv6 for about a quarter of flows.
    func endpoints(flow number: Int, ipv6: Bool, serverPort: UInt16) -> (Endpoint, Endpoint) {
        let host = UInt8(1 + number % 250)
        let port = UInt16(32768 + (number / 500) % 28000)
        let serverHost = UInt8(1 + (number / 7) % 200)
        if ipv6 {
            let client = Endpoint(address: [0x20, 0x01, 0x0d, 0xb8, 0, 1] + [UInt8](repeating: 0, count: 8) + [UInt8(number / 250 % 256), host], port: port)
            let server = Endpoint(address: [0x20, 0x01, 0x0d, 0xb8, 0, 2] + [UInt8](repeating: 0, count: 9) + [serverHost], port: serverPort)
            return (client, server)
        }
        let clientNet: [UInt8] = number / 250 % 2 == 0 ? [192, 0, 2] : [198, 51, 100]
        return (Endpoint(address: clientNet + [host], port: port), Endpoint(address: [203, 0, 113, serverHost], port: serverPort))
    }

    static let names = [
        "www.example.com", "cdn.example.net", "video.example.org", "api.example.com", "facetime.example.net",
        "static.example.org", "mail.example.com", "chat.example.net", "updates.example.org", "a.b.example.com",
    ]

    /// A server name of varying length, drawn from the documentation domains.
    mutating func serverName() -> String {
        let base = Self.names[Int.random(in: 0..<Self.names.count, using: &random)]
        let label = Int.random(in: 0..<4, using: &random)
        return label == 0 ? base : "edge\(Int.random(in: 1...99_999, using: &random)).\(base)"
    }

    mutating func frames(flow number: Int) -> [[UInt8]] {
        let kind = kind()
        let ipv6 = Int.random(in: 0..<4, using: &random) == 0
        switch kind {
        case .tls, .tlsResetInjected, .tlsSilentDrop, .synDropped:
            let (client, server) = endpoints(flow: number, ipv6: ipv6, serverPort: 443)
            return tcp(kind, client: client, server: server)
        case .quic, .quicDropped:
            let (client, server) = endpoints(flow: number, ipv6: ipv6, serverPort: 443)
            return quic(dropped: kind == .quicDropped, client: client, server: server)
        case .call:
            let port = UInt16(3478 + Int.random(in: 0..<2, using: &random) * 12522)  // 3478 or 16000
            let (client, server) = endpoints(flow: number, ipv6: ipv6, serverPort: port)
            return call(client: client, server: server)
        }
    }

    private mutating func tcp(_ kind: Kind, client: Endpoint, server: Endpoint) -> [[UInt8]] {
        var frames: [[UInt8]] = []
        var c = UInt32.random(in: 0...UInt32.max, using: &random)
        var s = UInt32.random(in: 0...UInt32.max, using: &random)
        func toServer(_ flags: FrameBuilder.TCPFlags, _ payload: ArraySlice<UInt8> = []) -> [UInt8] {
            defer { c &+= UInt32(payload.count) + (flags.isDisjoint(with: [.syn, .fin]) ? 0 : 1) }
            return FrameBuilder.tcp(from: client, to: server, sequence: c, acknowledgment: s, flags: flags, payload: payload)
        }
        func toClient(_ flags: FrameBuilder.TCPFlags, _ payload: ArraySlice<UInt8> = [], ttl: UInt8 = 56) -> [UInt8] {
            defer { s &+= UInt32(payload.count) + (flags.isDisjoint(with: [.syn, .fin]) ? 0 : 1) }
            return FrameBuilder.tcp(from: server, to: client, sequence: s, acknowledgment: c, flags: flags, ttl: ttl, payload: payload)
        }
        if kind == .synDropped {
            for _ in 0..<3 {
                frames.append(FrameBuilder.tcp(from: client, to: server, sequence: c, acknowledgment: 0, flags: .syn))
            }
            return frames
        }
        frames.append(toServer(.syn))
        frames.append(toClient([.syn, .ack]))
        frames.append(toServer(.ack))
        let hello = rewriter.record(serverName: serverName())
        switch kind {
        case .tlsResetInjected:
            frames.append(toServer([.psh, .ack], hello[...]))
            // The forged reset: the server's address, another TTL, no window.
            frames.append(FrameBuilder.tcp(from: server, to: client, sequence: s, acknowledgment: c, flags: .rst, window: 0, ttl: 110))
            return frames
        case .tlsSilentDrop:
            let sequence = c
            for _ in 0..<4 {
                frames.append(FrameBuilder.tcp(from: client, to: server, sequence: sequence, acknowledgment: s, flags: [.psh, .ack], payload: hello[...]))
            }
            c = sequence &+ UInt32(hello.count)
            frames.append(toServer([.rst, .ack]))
            return frames
        default:
            break
        }
        frames.append(toServer([.psh, .ack], hello[...]))
        frames.append(toClient(.ack))
        frames.append(toClient([.psh, .ack], templates.serverFlight[...]))
        frames.append(toServer(.ack))
        let request = Int.random(in: 80...600, using: &random)
        frames.append(toServer([.psh, .ack], ([0x17, 0x03, 0x03, UInt8(request >> 8), UInt8(request & 0xff)] + random.bytes(request))[...]))
        let segments = random.geometric(mean: 3)
        for index in 0..<segments {
            // Full segments: 1448 bytes over IPv4, 1428 over IPv6 (1514- and 1502-byte frames, within the MTU).
            let size = client.address.count == 4 ? 1448 : 1428
            var record: [UInt8] = [0x17, 0x03, 0x03, UInt8((size - 5) >> 8), UInt8((size - 5) & 0xff)]
            record += random.bytes(size - record.count)
            frames.append(toClient(index == segments - 1 ? [.psh, .ack] : .ack, record[...]))
            if index % 2 == 1 || index == segments - 1 { frames.append(toServer(.ack)) }
        }
        if Int.random(in: 0..<5, using: &random) == 0 {
            frames.append(toServer([.rst, .ack]))
        } else {
            frames.append(toServer([.fin, .ack]))
            frames.append(toClient([.fin, .ack]))
            frames.append(toServer(.ack))
        }
        return frames
    }

    private mutating func quic(dropped: Bool, client: Endpoint, server: Endpoint) -> [[UInt8]] {
        let initial = templates.quicInitial[...]
        if dropped {
            return (0..<Int.random(in: 3...6, using: &random)).map { _ in
                FrameBuilder.udp(from: client, to: server, payload: initial)
            }
        }
        var frames = [FrameBuilder.udp(from: client, to: server, payload: initial)]
        // The server's Handshake flight: a version 1 long header to the client's source connection id.
        let dcidLength = Int(templates.quicInitial[5])
        let scid = Array(templates.quicInitial[(6 + dcidLength + 1)...].prefix(Int(templates.quicInitial[6 + dcidLength])))
        var flight: [UInt8] = [0xe0, 0, 0, 0, 1, UInt8(scid.count)] + scid + [8] + random.bytes(8)
        let length = 1200 - flight.count - 2
        flight += [0x40 | UInt8(length >> 8), UInt8(length & 0xff)] + random.bytes(length)
        frames.append(FrameBuilder.udp(from: server, to: client, payload: flight[...]))
        for _ in 0..<random.geometric(mean: 5) {
            let fromServer = Int.random(in: 0..<3, using: &random) != 0
            var short: [UInt8] = [0x40 | UInt8.random(in: 0...0x3f, using: &random)]
            short += fromServer ? scid : random.bytes(8)
            short += random.bytes(fromServer ? 1200 : Int.random(in: 40...200, using: &random))
            frames.append(fromServer ? FrameBuilder.udp(from: server, to: client, payload: short[...])
                : FrameBuilder.udp(from: client, to: server, payload: short[...]))
        }
        return frames
    }

    private mutating func call(client: Endpoint, server: Endpoint) -> [[UInt8]] {
        var frames: [[UInt8]] = []
        for _ in 0..<Int.random(in: 1...2, using: &random) {
            let transaction = random.bytes(12)
            frames.append(FrameBuilder.udp(from: client, to: server, payload: Self.stun(templates.stunRequest, transaction)[...]))
            frames.append(FrameBuilder.udp(from: server, to: client, payload: Self.stun(templates.stunResponse, transaction)[...]))
        }
        let ssrc = (UInt32.random(in: 0...UInt32.max, using: &random), UInt32.random(in: 0...UInt32.max, using: &random))
        var sequence: (UInt16, UInt16) = (0, 0)
        let cutoff = Int.random(in: 0..<6, using: &random) == 0
        let packets = 16 + random.geometric(mean: 24)
        for index in 0..<packets {
            var rtp = templates.rtp
            let fromServer = index % 2 == 1
            if fromServer, cutoff, index > packets / 2 { continue }
            let ssrcValue = fromServer ? ssrc.1 : ssrc.0
            let seq = fromServer ? sequence.1 : sequence.0
            FrameBuilder.put16(&rtp, 2, seq)
            FrameBuilder.put32(&rtp, 4, UInt32(seq) &* 960)
            FrameBuilder.put32(&rtp, 8, ssrcValue)
            if fromServer { sequence.1 &+= 1 } else { sequence.0 &+= 1 }
            frames.append(fromServer ? FrameBuilder.udp(from: server, to: client, payload: rtp[...])
                : FrameBuilder.udp(from: client, to: server, payload: rtp[...]))
        }
        return frames
    }

    /// A STUN message with a new transaction id and its FINGERPRINT recomputed (RFC 8489 §14.7).
    static func stun(_ template: [UInt8], _ transaction: [UInt8]) -> [UInt8] {
        var message = template
        message.replaceSubrange(8..<20, with: transaction)
        var offset = 20
        while offset + 4 <= message.count {
            let type = Int(message[offset]) << 8 | Int(message[offset + 1])
            let length = Int(message[offset + 2]) << 8 | Int(message[offset + 3])
            if type == 0x8028, offset + 8 <= message.count {
                let value = CRC32.checksum(message[..<offset]) ^ 0x5354_554e
                FrameBuilder.put32(&message, offset + 4, value)
            }
            offset += 4 + (length + 3) & ~3
        }
        return message
    }
}

/// CRC-32 (ISO-HDLC), for STUN's FINGERPRINT.
enum CRC32 {
    static let table: [UInt32] = (0..<256).map { index in
        var value = UInt32(index)
        for _ in 0..<8 { value = value & 1 == 1 ? 0xEDB8_8320 ^ (value >> 1) : value >> 1 }
        return value
    }

    static func checksum(_ bytes: ArraySlice<UInt8>) -> UInt32 {
        var crc: UInt32 = 0xffff_ffff
        for byte in bytes { crc = table[Int((crc ^ UInt32(byte)) & 0xff)] ^ (crc >> 8) }
        return ~crc
    }
}
