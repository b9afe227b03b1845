// libFuzzer entry point for the WireFormat dissector. Compiled into the WireFormat module by Fuzz/build.sh
// (only the public API is used, so it would work as a separate module too).
//
// Input format
//   byte 0: selector. Low 7 bits pick the link type from `fuzzLinkTypes` (modulo its count).
//           Bit 7 clear: single-frame mode. The rest of the input is one frame; it is dissected whole, then again
//           (a duplicate: fragment overlap), then as a few prefixes (snaplen-truncated copies).
//           Bit 7 set: multi-frame mode. The rest is a sequence of records
//              [d: UInt8][length: UInt16 big-endian][length bytes of frame]
//           d & 0x7f = time step in units of 0.5 s (so reassembly timeouts of 30 s are reachable),
//           d & 0x80 = frame was cut by snaplen (wireLength = captured + 100).
//           A short final record takes whatever bytes are left.
//   The whole input is also parsed as IPAddress text (see checkAddressText).
//
// Checks (any failure traps, so libFuzzer reports a crash):
//   - no trap / ASan error in dissect or withPayload (Span bounds checks stay on at -O);
//   - every payload byte handed to withPayload is read; the payload span never exceeds payload.capturedLength;
//   - for an OK TCP/UDP/ICMP packet, withPayload hands exactly payload.capturedLength bytes;
//   - IPAddress: parse(description) == address, for parsed text, for addresses built from input bytes and for
//     the source/destination addresses (and ICMP-quoted addresses) of every dissected packet.

/// Link types the selector byte chooses from: every supported one plus one unsupported (147, USER0).
let fuzzLinkTypes: [LinkType] = [
    .ethernet, .null, .loop, .raw, .dltRaw, .ipv4, .ipv6, .linuxSLL, .linuxSLL2, .ppp, .pppHDLC,
    .dltRawOpenBSD, LinkType(rawValue: 147),
]

/// One dissector for the whole run, so that fragment reassembly state carries across inputs. Smaller limits than
/// the defaults so eviction is exercised too.
nonisolated(unsafe) let fuzzDissector = Dissector(
    reassemblyLimits: .init(maximumDatagrams: 64, maximumBytes: 1 << 20, timeoutNanoseconds: 30_000_000_000))
/// Packet clock, advancing across inputs.
nonisolated(unsafe) var fuzzClock: Int64 = 1_700_000_000_000_000_000
/// Keeps the reads from being optimised away.
nonisolated(unsafe) var fuzzSink: UInt64 = 0

@inline(never)
func fuzzFail(_ message: String) -> Never {
    fatalError("DissectorFuzzer: \(message)")
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size >= 1 else { return 0 }
    let buffer = UnsafeBufferPointer(start: data, count: size)
    let input = buffer.span
    let selector = input[0]
    let linkType = fuzzLinkTypes[Int(selector & 0x7f) % fuzzLinkTypes.count]
    let body = input.extracting(1...)

    if selector & 0x80 == 0 {
        let count = body.count
        // Whole frame, the same frame again later (duplicate fragment / overlap), then snaplen-cut prefixes.
        dissectOne(body, linkType: linkType, step: 1_000_000, wireLength: count)
        dissectOne(body, linkType: linkType, step: 1_000_000, wireLength: count)
        for prefix in [count - 1, count * 3 / 4, count / 2, min(count, 40)] where prefix >= 0 && prefix < count {
            dissectOne(body.extracting(0..<prefix), linkType: linkType, step: 1_000, wireLength: count)
        }
    } else {
        var position = 0
        while position < body.count {
            let d = body[position]
            position += 1
            var length = body.count - position
            if length >= 2 {
                length = min(Int(body[position]) << 8 | Int(body[position + 1]), length - 2)
                position += 2
            }
            let frame = body.extracting(position..<(position + length))
            position += length
            let step = Int64(d & 0x7f) * 500_000_000 + 1_000
            dissectOne(frame, linkType: linkType, step: step, wireLength: length + (d & 0x80 != 0 ? 100 : 0))
        }
    }

    checkAddressText(buffer)
    checkAddressBytes(input)
    return 0
}

@inline(never)
func dissectOne(_ frame: Span<UInt8>, linkType: LinkType, step: Int64, wireLength: Int) {
    fuzzClock &+= step
    var summary = PacketSummary()
    fuzzDissector.dissect(
        frame, linkType: linkType, timestamp: Timestamp(nanoseconds: fuzzClock), wireLength: wireLength,
        into: &summary)
    var acc = touch(summary)
    let seen = fuzzDissector.withPayload(of: summary, in: frame) { payload -> Int in
        for i in payload.indices { acc = acc &* 31 &+ UInt64(payload[i]) }
        exerciseApplication(payload, summary: summary)
        return payload.count
    }
    if seen > summary.payload.capturedLength {
        fuzzFail("withPayload gave \(seen) bytes, more than payload.capturedLength \(summary.payload.capturedLength)")
    }
    if case .ok = summary.outcome {
        switch summary.transport {
        case .tcp, .udp, .icmp:
            if seen != summary.payload.capturedLength {
                fuzzFail(
                    "withPayload gave \(seen) bytes but payload.capturedLength is \(summary.payload.capturedLength)"
                        + " (offset \(summary.payload.offset), reassembled \(summary.payload.inReassembledDatagram),"
                        + " frame \(frame.count) bytes)")
            }
        default: break
        }
    }
    fuzzSink &+= acc
}

/// Reads every field of the summary (cheaply: no String(describing:)).
@inline(never)
func touch(_ s: PacketSummary) -> UInt64 {
    var h = UInt64(bitPattern: s.timestamp.nanoseconds)
    func mix(_ v: UInt64) { h = (h ^ v) &* 0x100_0000_01b3 }
    mix(UInt64(s.linkType.rawValue))
    mix(UInt64(bitPattern: Int64(s.wireLength)))
    mix(UInt64(bitPattern: Int64(s.capturedLength)))
    switch s.outcome {
    case .ok: mix(1)
    case .malformed(let error):
        mix(UInt64(error.layer.rawValue.utf8.count))
        mix(UInt64(error.reason.rawValue.utf8.count))
        mix(UInt64(bitPattern: Int64(error.offset)))
    case .skipped(let reason):
        switch reason {
        case .unsupportedLinkType(let t): mix(UInt64(t.rawValue))
        case .notIP(let t): mix(UInt64(t.rawValue))
        case .unknownLinkProtocol(let v): mix(UInt64(v))
        case .fragmentHeld: mix(7)
        }
    }
    mix(s.etherType.map { UInt64($0.rawValue) } ?? 0x1_0000)
    mix(UInt64(bitPattern: Int64(s.vlanCount)))
    mix(UInt64(s.outerVLAN) << 16 | UInt64(s.innerVLAN))
    if let network = s.network { mix(touch(network)) }
    switch s.transport {
    case .none: mix(2)
    case .tcp(let t):
        mix(UInt64(t.sourcePort) << 16 | UInt64(t.destinationPort))
        mix(UInt64(t.sequenceNumber) << 32 | UInt64(t.acknowledgmentNumber))
        mix(UInt64(t.flags.rawValue) << 32 | UInt64(t.window) << 16 | UInt64(t.urgentPointer))
        mix(UInt64(bitPattern: Int64(t.headerLength)))
        let o = t.options
        mix(UInt64(o.maximumSegmentSize ?? 0) << 8 | UInt64(o.windowScale ?? 0))
        mix(UInt64(o.sackPermitted ? 1 : 0) << 8 | UInt64(o.sackBlocks))
        mix(UInt64(o.timestampValue ?? 0) << 32 | UInt64(o.timestampEcho ?? 0))
    case .udp(let u):
        mix(UInt64(u.sourcePort) << 32 | UInt64(u.destinationPort) << 16 | UInt64(u.length))
    case .icmp(let i):
        mix(UInt64(i.version) << 48 | UInt64(i.type) << 40 | UInt64(i.code) << 32 | UInt64(i.restOfHeader))
        mix(i.isError ? 1 : 0)
        if let q = i.quoted {
            mix(touch(q.network))
            mix(UInt64(q.sourcePort ?? 0) << 16 | UInt64(q.destinationPort ?? 0))
            mix(UInt64(q.tcpSequenceNumber ?? 0))
        }
    case .fragment: mix(3)
    case .other(let p): mix(UInt64(p.rawValue))
    }
    mix(s.payload.inReassembledDatagram ? 1 : 0)
    mix(UInt64(bitPattern: Int64(s.payload.offset)))
    mix(UInt64(bitPattern: Int64(s.payload.length)))
    mix(UInt64(bitPattern: Int64(s.payload.capturedLength)))
    mix(UInt64(s.tunnel?.rawValue.utf8.count ?? 0))
    mix(UInt64(s.anomalies.rawValue))
    mix(UInt64(s.sourcePort ?? 0) << 16 | UInt64(s.destinationPort ?? 0))
    mix(UInt64(s.protocolName.utf8.count))
    return h
}

@inline(never)
func touch(_ n: NetworkHeader) -> UInt64 {
    checkRoundTrip(n.source)
    checkRoundTrip(n.destination)
    var h = UInt64(n.version)
    func mix(_ v: UInt64) { h = (h ^ v) &* 0x100_0000_01b3 }
    mix(n.source.high); mix(n.source.low); mix(n.source.isIPv6 ? 1 : 0)
    mix(n.destination.high); mix(n.destination.low); mix(n.destination.isIPv6 ? 1 : 0)
    mix(UInt64(n.timeToLive) << 40 | UInt64(n.identification) << 8 | UInt64(n.transportProtocol.rawValue))
    mix(UInt64(n.trafficClass) << 32 | UInt64(n.flowLabel))
    mix(UInt64(bitPattern: Int64(n.headerLength)))
    mix(UInt64(bitPattern: Int64(n.totalLength)))
    mix(n.dontFragment ? 1 : 0)
    if let f = n.fragment {
        mix(UInt64(bitPattern: Int64(f.offset)))
        mix(f.moreFragments ? 1 : 0)
        mix(f.isFirst ? 1 : 0)
    }
    return h
}

/// `IPAddress(address.description) == address`, else trap.
@inline(never)
func checkRoundTrip(_ address: IPAddress) {
    let text = address.description
    guard let parsed = IPAddress(text) else {
        fuzzFail("IPAddress description \"\(text)\" does not parse (high \(address.high), low \(address.low), v6 \(address.isIPv6))")
    }
    if parsed != address {
        fuzzFail(
            "IPAddress round trip: \"\(text)\" parses to high \(parsed.high) low \(parsed.low) v6 \(parsed.isIPv6),"
                + " expected high \(address.high) low \(address.low) v6 \(address.isIPv6)")
    }
}

/// The whole input as text (invalid UTF-8 repaired), and every line of it, parsed as an address.
@inline(never)
func checkAddressText(_ buffer: UnsafeBufferPointer<UInt8>) {
    guard buffer.count <= 256 else { return }
    let text = String(decoding: buffer, as: UTF8.self)
    if let address = IPAddress(text) { checkRoundTrip(address) }
    let tail = text.dropFirst()
    if let address = IPAddress(tail) { checkRoundTrip(address) }
    for line in text.split(separator: "\n", maxSplits: 8) {
        if let address = IPAddress(line) { checkRoundTrip(address) }
    }
}

/// Addresses built straight from input bytes (every IPv6 shape the description code distinguishes is reachable).
@inline(never)
func checkAddressBytes(_ input: Span<UInt8>) {
    guard input.count >= 5 else { return }
    var v4: UInt32 = 0
    for i in 1..<5 { v4 = v4 << 8 | UInt32(input[i]) }
    checkRoundTrip(IPAddress(ipv4: v4))
    guard input.count >= 17 else { return }
    // Sparse: each group is zero unless its byte pair has the top bit of the first byte set, so zero runs,
    // mapped IPv4 and the like come up often.
    var groups = [UInt16](repeating: 0, count: 8)
    for g in 0..<8 {
        let a = input[1 + 2 * g], b = input[2 + 2 * g]
        groups[g] = UInt16(a) << 8 | UInt16(b)
    }
    var high: UInt64 = 0, low: UInt64 = 0
    for g in 0..<4 { high = high << 16 | UInt64(groups[g]) }
    for g in 4..<8 { low = low << 16 | UInt64(groups[g]) }
    checkRoundTrip(IPAddress(ipv6High: high, low: low))
    var sparseHigh: UInt64 = 0, sparseLow: UInt64 = 0
    for g in 0..<4 { sparseHigh = sparseHigh << 16 | UInt64(groups[g] & 0x8000 != 0 ? groups[g] : 0) }
    for g in 4..<8 { sparseLow = sparseLow << 16 | UInt64(groups[g] & 0x8000 != 0 ? groups[g] : 0) }
    checkRoundTrip(IPAddress(ipv6High: sparseHigh, low: sparseLow))
    // Mapped / compatible shapes.
    checkRoundTrip(IPAddress(ipv6High: 0, low: 0xffff_0000_0000 | UInt64(v4)))
    checkRoundTrip(IPAddress(ipv6High: 0, low: UInt64(v4)))
    checkRoundTrip(IPAddress(ipv6High: 0, low: 0xffff << 32 | UInt64(groups[7])))
}


// MARK: - Application parsers

/// Per-direction stream state carried across inputs, as a flow tracker would (bounded by the parsers' caps).
nonisolated(unsafe) var fuzzTLSStream = TLSStreamAssembler()
nonisolated(unsafe) var fuzzDTLS = DTLSHandshakeAssembler()
nonisolated(unsafe) var fuzzSTUNStream = STUNStreamFramer(framing: .stunMessages, capacity: 1 << 16)
nonisolated(unsafe) var fuzzRFC4571Stream = STUNStreamFramer(framing: .lengthPrefixed, capacity: 1 << 16)
nonisolated(unsafe) var fuzzCrypto = CryptoStreamReassembler()
nonisolated(unsafe) var fuzzStreamInputs = 0

/// Every application parser over the transport payload: each must answer (parse, refuse, need more) without
/// trapping; summaries are built and read, so their decoding is exercised too.
@inline(never)
func exerciseApplication(_ payload: Span<UInt8>, summary: PacketSummary) {
    var acc: UInt64 = 0
    _ = UDPDemux.classify(payload)
    if let message = try? STUNMessage(validatingDatagram: payload) {
        let info = message.info()
        acc &+= UInt64(info.attributeTypes.count) &+ UInt64(info.username?.utf8.count ?? 0)
        _ = message.fingerprintValid
        // The flow tracker's allocation-free walk and its SOFTWARE/REALM decoding.
        message.forEachAttributeType { acc &+= UInt64($0) }
        acc &+= UInt64(message.textAttribute(STUNAttributeType.software.rawValue)?.utf8.count ?? 0)
        acc &+= UInt64(message.textAttribute(STUNAttributeType.realm.rawValue)?.utf8.count ?? 0)
    }
    if let message = try? STUNMessage(validating: payload) { acc &+= UInt64(message.attributeCount) }
    if let channel = try? ChannelDataMessage(validating: payload, overTCP: summary.tcp != nil, allowingLegacyRange: true) {
        acc &+= UInt64(channel.dataLength)
    }
    if let rtp = try? RTPPacket(validating: payload) { acc &+= UInt64(rtp.header.ssrc) }
    if let rtcp = try? RTCPPacket(validating: payload) { acc &+= UInt64(rtcp.header.packetCount) }
    _ = QUICLongHeader.looksLikeQUIC(payload)
    var walker = QUICPacketWalker(payload)
    while let range = try? walker.next() {
        if let header = try? QUICLongHeader(validating: payload.extracting(range)) {
            acc &+= UInt64(header.info(coalescedPackets: walker.count).tokenLength)
        }
    }
    // QUIC Initial plaintext (as if decrypted): frames, then CRYPTO reassembly across inputs.
    let frames = InitialFrames(parsing: payload)
    fuzzCrypto.insert(frames)
    if let hello = fuzzCrypto.clientHello(), hello.count > 4 {
        let body = Array(hello[4...])
        if let parsed = try? ClientHello(validating: body.span) {
            acc &+= UInt64(JA4.fingerprint(parsed.info(), transport: .quic).utf8.count)
        }
    }
    // A payload taken as a handshake message body: the ClientHello/ServerHello views directly, TLS and DTLS.
    for dtls in [false, true] {
        if let hello = try? ClientHello(validating: payload, isDTLS: dtls) {
            let info = hello.info()
            acc &+= UInt64(JA4.fingerprint(info, transport: dtls ? .dtls : .tcp).utf8.count)
            acc &+= UInt64(JA4.rawFingerprint(info, transport: .tcp).utf8.count)
        }
        if let hello = try? ServerHello(validating: payload, isDTLS: dtls) { acc &+= UInt64(hello.info().cipherSuite) }
    }
    _ = TLSRecordHeader.looksLikeTLS(payload)
    _ = DTLSRecordHeader.looksLikeDTLS(payload)
    // Streams: the assemblers and framers see a run of payloads, then start over (bounded state).
    fuzzStreamInputs += 1
    if fuzzStreamInputs % 64 == 0 {
        fuzzTLSStream = TLSStreamAssembler()
        fuzzDTLS = DTLSHandshakeAssembler()
        fuzzSTUNStream = STUNStreamFramer(framing: .stunMessages, capacity: 1 << 16)
        fuzzRFC4571Stream = STUNStreamFramer(framing: .lengthPrefixed, capacity: 1 << 16)
        fuzzCrypto = CryptoStreamReassembler()
    }
    fuzzTLSStream.add(sequence: summary.tcp?.sequenceNumber ?? UInt32(truncatingIfNeeded: fuzzStreamInputs * 97), payload: payload)
    if let hello = fuzzTLSStream.clientHello { acc &+= UInt64(hello.cipherSuites.count) }
    fuzzDTLS.add(datagram: payload)
    for index in 0..<2 {
        var framer = index == 0 ? fuzzSTUNStream : fuzzRFC4571Stream
        if (try? framer.append(payload)) != nil {
            var frames = 0
            while frames < 64, let frame = try? framer.next() {
                frames += 1
                if case .stun(let info) = frame { acc &+= UInt64(info.length) }
            }
        }
        if index == 0 { fuzzSTUNStream = framer } else { fuzzRFC4571Stream = framer }
    }
    fuzzSink &+= acc
}
