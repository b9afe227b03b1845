import QUICInitial
import WireFormat

/// The per-flow state of the application probes: TLS stream assemblers per direction, the QUIC Initial decryptor
/// and CRYPTO reassembler, the DTLS handshake assembler, STUN-over-TCP framing. Every buffer is bounded and is
/// dropped as soon as its job is done (the ClientHello found, the stream found not to be TLS, ...), so a
/// long-lived flow costs nothing here after its first packets.
/// What the probes learn goes to the flow's `ApplicationFacts`, passed in: the facts are stored in the flow, so that
/// reading them (rules, reports) borrows them instead of copying.
struct ApplicationTracker: Sendable {
    /// The stream probes' buffers (TLS, STUN over TCP, DTLS), on the heap while one of them is in use: they take
    /// over a kilobyte, most flows need them only for their first packets, and the flow table moves whole flows.
    private var buffers = ProbeBuffers()
    /// Whether a probe holds stream buffers now (the heap box exists).
    var hasStreamBuffers: Bool { buffers.isAllocated }
    private var tcpStarted = (originator: false, responder: false)
    /// Where each side's stream starts (after its SYN), kept here until its first payload needs an assembler: a flow
    /// that never carries data (a SYN flood, a blocked handshake) allocates nothing.
    private var streamStart: (originator: UInt32?, responder: UInt32?) = (nil, nil)

    /// Set once a datagram of the flow passed the QUIC probe; from then on every datagram is QUIC.
    private var isQUIC = false
    private var quicDecryptor: InitialDecryptor?
    private var quicCrypto: CryptoStreamReassembler?
    private var quicClientHelloDone = false
    /// Client datagrams offered to Initial decryption so far; after `quicDecryptionAttempts` without a whole
    /// ClientHello (an unknown version's salt, a capture that starts mid-connection) the flow stops trying.
    private var quicAttempts = 0
    static let quicDecryptionAttempts = 16

    /// The flow's originator and responder turned out to be the other way round.
    mutating func swapDirections() {
        tcpStarted = (tcpStarted.responder, tcpStarted.originator)
        streamStart = (streamStart.responder, streamStart.originator)
        guard buffers.isAllocated else { return }
        buffers.modify { streams in
            swap(&streams.tlsFromOriginator, &streams.tlsFromResponder)
            swap(&streams.stunFromOriginator, &streams.stunFromResponder)
        }
    }

    /// Streams beyond this many bytes per direction are no longer offered to the TLS assembler.
    static let tcpProbeLimit = 64 * 1024

    // MARK: - TCP

    /// `fromOriginator` tells the direction; events for `inspect` go to `events` when it is non-nil.
    mutating func addTCP(
        _ header: TCPHeader, payload: Span<UInt8>, fromOriginator: Bool, facts: inout ApplicationFacts,
        events: inout [ApplicationEvent]?
    ) {
        let started = fromOriginator ? tcpStarted.originator : tcpStarted.responder
        // Every stream probe of this flow is done (or this side never had one): nothing to look at.
        if started, !buffers.isAllocated { return }
        if header.flags.contains(.syn) {
            // The stream starts after the SYN's sequence number (the first SYN's: a retransmission repeats it). Once
            // the side has sent data, its assembler already knows where its stream starts.
            if !started {
                if fromOriginator {
                    if streamStart.originator == nil { streamStart.originator = header.sequenceNumber &+ 1 }
                } else {
                    if streamStart.responder == nil { streamStart.responder = header.sequenceNumber &+ 1 }
                }
            }
            return
        }
        guard !payload.isEmpty else { return }
        if fromOriginator { tcpStarted.originator = true } else { tcpStarted.responder = true }
        let start = fromOriginator ? streamStart.originator : streamStart.responder
        buffers.modify { streams in
            if fromOriginator ? streams.stunFromOriginator != nil : streams.stunFromResponder != nil {
                streams.addSTUNStream(header, payload, fromOriginator: fromOriginator, facts: &facts, events: &events)
                return
            }
            if fromOriginator {
                if !started { streams.tlsFromOriginator = TLSStreamAssembler(startingAt: start) }
                var assembler: TLSStreamAssembler? = nil
                swap(&assembler, &streams.tlsFromOriginator)  // moved out: unique while mutated
                streams.feed(&assembler, header, payload, fromOriginator: true, facts: &facts, events: &events)
                swap(&assembler, &streams.tlsFromOriginator)
            } else {
                if !started { streams.tlsFromResponder = TLSStreamAssembler(startingAt: start) }
                var assembler: TLSStreamAssembler? = nil
                swap(&assembler, &streams.tlsFromResponder)
                streams.feed(&assembler, header, payload, fromOriginator: false, facts: &facts, events: &events)
                swap(&assembler, &streams.tlsFromResponder)
            }
        }
    }

    /// The framing of a TCP stream that starts with a STUN message (magic cookie at offset 4) or with an
    /// RFC 4571 length prefix followed by one (cookie at offset 6).
    static func stunFraming(_ payload: Span<UInt8>) -> STUNStreamFramer.Framing? {
        func cookie(at offset: Int) -> Bool {
            payload.count >= offset + 4 && payload[offset] == 0x21 && payload[offset + 1] == 0x12
                && payload[offset + 2] == 0xa4 && payload[offset + 3] == 0x42
        }
        if payload.count >= 1, payload[0] & 0xc0 == 0, cookie(at: 4) { return .stunMessages }
        if payload.count >= 3, payload[2] & 0xc0 == 0, cookie(at: 6) { return .lengthPrefixed }
        return nil
    }

    // MARK: - UDP

    mutating func addUDP(
        payload: Span<UInt8>, fromOriginator: Bool, facts: inout ApplicationFacts, events: inout [ApplicationEvent]?
    ) {
        // A QUIC flow's short-header packets start 0x40–0x7f, which the demultiplexer alone would call ChannelData.
        if isQUIC {
            addQUIC(payload, fromOriginator: fromOriginator, facts: &facts, events: &events)
            return
        }
        switch UDPDemux.classify(payload) {
        case .stun:
            addSTUN(payload, facts: &facts, events: &events)
        case .turnChannel:
            facts.stun.channelData += 1
            events?.append(.channelData)
        case .dtls:
            addDTLS(payload, fromOriginator: fromOriginator, facts: &facts, events: &events)
        case .quic:
            // Content first: a long header with a plausible version and sane connection IDs (a DNS message whose
            // first byte has the top bits set is not QUIC).
            guard QUICLongHeader.looksLikeQUIC(payload) else { return }
            isQUIC = true
            addQUIC(payload, fromOriginator: fromOriginator, facts: &facts, events: &events)
        case .rtpOrRTCP:
            if fromOriginator { facts.rtpPacketsFromOriginator += 1 } else { facts.rtpPacketsFromResponder += 1 }
            events?.append(.rtp)
        case .zrtp, .unknown:
            // Classic (RFC 3489) STUN has no magic cookie: only a strict parse may claim it.
            addSTUN(payload, facts: &facts, events: &events)
        }
    }

    private mutating func addSTUN(_ payload: Span<UInt8>, facts: inout ApplicationFacts, events: inout [ApplicationEvent]?) {
        guard let message = try? STUNMessage(validatingDatagram: payload) else { return }
        facts.stun.record(
            type: message.messageType, messageClass: message.messageClass, method: message.method,
            transaction: message.transactionID, classic: message.isClassic)
        // Attribute types without allocation; SOFTWARE and REALM decoded once per flow, when first present.
        var software = false
        var realm = false
        message.forEachAttributeType { type in
            facts.stun.record(attributeType: type)
            if type == STUNAttributeType.software.rawValue { software = true }
            if type == STUNAttributeType.realm.rawValue { realm = true }
        }
        if software, facts.stun.software == nil { facts.stun.software = message.textAttribute(STUNAttributeType.software.rawValue) }
        if realm, facts.stun.realm == nil { facts.stun.realm = message.textAttribute(STUNAttributeType.realm.rawValue) }
        if events != nil { events?.append(.stun(message.info())) }
    }

    private mutating func addDTLS(
        _ payload: Span<UInt8>, fromOriginator: Bool, facts: inout ApplicationFacts, events: inout [ApplicationEvent]?
    ) {
        facts.dtlsRecords += 1
        guard facts.clientHello == nil || facts.serverHello == nil else { return }
        buffers.modify { streams in
            var assembler: DTLSHandshakeAssembler? = nil
            swap(&assembler, &streams.dtls)
            var handshake = assembler ?? DTLSHandshakeAssembler()
            assembler = nil
            handshake.add(datagram: payload)
            if facts.clientHello == nil, let hello = handshake.clientHello {
                facts.clientHello = hello
                facts.clientHelloTransport = .dtls
                events?.append(.clientHello(hello, transport: .dtls, ja4: facts.ja4 ?? ""))
            }
            if facts.serverHello == nil, let hello = handshake.serverHello {
                facts.serverHello = hello
                events?.append(.serverHello(hello))
            }
            if handshake.status == .inProgress { streams.dtls = handshake }
        }
    }

    private mutating func addQUIC(
        _ payload: Span<UInt8>, fromOriginator: Bool, facts: inout ApplicationFacts, events: inout [ApplicationEvent]?
    ) {
        var walker = QUICPacketWalker(payload)
        var first: QUICPacketInfo?
        while let range = try? walker.next() {
            let packet = payload.extracting(range)
            guard let header = try? QUICLongHeader(validating: packet) else { break }
            let version = header.version
            if facts.quicVersions.count < 4, !facts.quicVersions.contains(version) { facts.quicVersions.append(version) }
            if fromOriginator {
                facts.quicLongHeaderPacketsFromOriginator += 1
                if header.packetType == .initial, facts.quicLongHeaderPacketsFromResponder == 0,
                    facts.quicShortHeaderPackets == 0
                {
                    facts.quicInitialsBeforeReply += 1
                }
            } else {
                facts.quicLongHeaderPacketsFromResponder += 1
            }
            if first == nil, events != nil { first = header.info(coalescedPackets: 1) }
        }
        // Zero bytes after the long-header packets are datagram padding, not a short-header packet: a short
        // header has its fixed bit set (RFC 9000 §17.3; greasing it, RFC 9287, is negotiated later).
        if let offset = walker.shortHeaderOffset, offset < payload.count, payload[offset] & 0x40 != 0 {
            facts.quicShortHeaderPackets += 1
        }
        if let first { events?.append(.quic(first)) }
        guard fromOriginator, !quicClientHelloDone else { return }
        decryptClientInitials(payload, facts: &facts, events: &events)
    }

    /// Decrypts the client's Initials (keys from the first Initial's DCID) until its ClientHello is whole.
    private mutating func decryptClientInitials(
        _ payload: Span<UInt8>, facts: inout ApplicationFacts, events: inout [ApplicationEvent]?
    ) {
        quicAttempts += 1
        if quicAttempts > Self.quicDecryptionAttempts {
            quicClientHelloDone = true
            quicDecryptor = nil
            quicCrypto = nil
            return
        }
        let packets: [DecryptedInitial]?
        if let decryptor = quicDecryptor {
            packets = try? decryptor.decryptDatagram(payload, from: .client)
        } else {
            // Keys from the first Initial's DCID, derived once; its packet is decrypted once too.
            guard let first = try? InitialDecryptor.decryptFirstClientDatagram(payload) else { return }
            quicDecryptor = first.decryptor
            quicCrypto = CryptoStreamReassembler()
            packets = first.packets
        }
        guard var crypto = quicCrypto else { return }
        quicCrypto = nil
        if let packets {
            facts.quicInitialsDecrypted += packets.count
            for packet in packets { crypto.insert(packet.frames) }
        }
        if let bytes = crypto.clientHello() {
            quicClientHelloDone = true
            quicDecryptor = nil
            let body = Array(bytes.dropFirst(4))
            if let hello = try? ClientHello(validating: body.span).info(), facts.clientHello == nil {
                facts.clientHello = hello
                facts.clientHelloTransport = .quic
                events?.append(.clientHello(hello, transport: .quic, ja4: facts.ja4 ?? ""))
            }
            return
        }
        if crypto.firstHandshakeMessageExceedsCapacity {
            quicClientHelloDone = true
            quicDecryptor = nil
            return
        }
        quicCrypto = crypto
    }
}

/// What one packet revealed at the application layer, for `inspect`. Built only when asked for.
public enum ApplicationEvent: Sendable {
    case clientHello(ClientHelloInfo, transport: JA4.Transport, ja4: String)
    case serverHello(ServerHelloInfo)
    case alert(TLSAlert)
    case stun(STUNInfo)
    case channelData
    case quic(QUICPacketInfo)
    case rtp
}

// MARK: - Stream buffers

/// The buffers of the stream probes: TLS stream assemblers per direction, STUN-over-TCP framers, the DTLS handshake
/// assembler. Dropped one by one as their jobs end.
struct StreamBuffers: Sendable {
    var tlsFromOriginator: TLSStreamAssembler?
    var tlsFromResponder: TLSStreamAssembler?
    /// STUN over TCP/TLS (RFC 8489 §6.2.2) or ICE-TCP framing (RFC 4571), per direction, in sequence order.
    var stunFromOriginator: STUNStream?
    var stunFromResponder: STUNStream?
    var dtls: DTLSHandshakeAssembler?

    struct STUNStream: Sendable {
        var framer: STUNStreamFramer
        var nextSequence: UInt32
    }

    var isEmpty: Bool {
        tlsFromOriginator == nil && tlsFromResponder == nil && stunFromOriginator == nil && stunFromResponder == nil
            && dtls == nil
    }

    mutating func feed(
        _ slot: inout TLSStreamAssembler?, _ header: TCPHeader, _ payload: Span<UInt8>, fromOriginator: Bool,
        facts: inout ApplicationFacts, events: inout [ApplicationEvent]?
    ) {
        guard var assembler = slot else { return }
        slot = nil
        let hadHello = fromOriginator ? assembler.clientHello != nil : assembler.serverHello != nil
        let alertsBefore = assembler.alerts.count
        let recordsBefore = assembler.recordCounts.total
        assembler.add(sequence: header.sequenceNumber, payload: payload)
        if fromOriginator {
            facts.tlsRecordsFromOriginator += assembler.recordCounts.total - recordsBefore
        } else {
            facts.tlsRecordsFromResponder += assembler.recordCounts.total - recordsBefore
        }
        if !hadHello, fromOriginator, let hello = assembler.clientHello, facts.clientHello == nil {
            facts.clientHello = hello
            facts.clientHelloTransport = .tcp
            events?.append(.clientHello(hello, transport: .tcp, ja4: facts.ja4 ?? ""))
        }
        if !hadHello, !fromOriginator, let hello = assembler.serverHello, facts.serverHello == nil {
            facts.serverHello = hello
            events?.append(.serverHello(hello))
        }
        for alert in assembler.alerts.dropFirst(alertsBefore) {
            if facts.alerts.count < ApplicationFacts.maximumAlerts { facts.alerts.append(alert) }
            events?.append(.alert(alert))
        }
        // Not TLS from its first bytes: maybe STUN over TCP.
        if case .notTLS = assembler.status, assembler.streamOffset == 0, let framing = ApplicationTracker.stunFraming(payload) {
            let stream = STUNStream(framer: STUNStreamFramer(framing: framing, capacity: 1 << 16), nextSequence: header.sequenceNumber)
            if fromOriginator { stunFromOriginator = stream } else { stunFromResponder = stream }
            addSTUNStream(header, payload, fromOriginator: fromOriginator, facts: &facts, events: &events)
            return
        }
        // Keep the assembler only while it can still tell something: not TLS, given up, or past the
        // handshake (encrypted records) ends its job.
        // The client side's job ends with its ClientHello; the server side's with the cleartext handshake (its
        // alerts matter until then).
        if fromOriginator, assembler.clientHello != nil { return }
        switch assembler.status {
        case .inProgress where assembler.streamOffset < ApplicationTracker.tcpProbeLimit && !assembler.isEncrypted:
            slot = assembler
        default:
            break
        }
    }

    mutating func addSTUNStream(
        _ header: TCPHeader, _ payload: Span<UInt8>, fromOriginator: Bool, facts: inout ApplicationFacts,
        events: inout [ApplicationEvent]?
    ) {
        guard var stream = fromOriginator ? stunFromOriginator : stunFromResponder else { return }
        // In order only: retransmissions and segments after a gap are skipped (the framer needs a contiguous stream).
        guard header.sequenceNumber == stream.nextSequence else { return }
        stream.nextSequence = header.sequenceNumber &+ UInt32(truncatingIfNeeded: payload.count)
        var failed = false
        do throws(WireError) {
            try stream.framer.append(payload)
            while let frame = try stream.framer.next() {
                switch frame {
                case .stun(let info):
                    facts.stun.record(
                        type: info.messageType, messageClass: info.messageClass, method: info.method,
                        transaction: info.transactionID, classic: info.isClassic)
                    for type in info.attributeTypes { facts.stun.record(attributeType: type) }
                    if facts.stun.software == nil { facts.stun.software = info.software }
                    if facts.stun.realm == nil { facts.stun.realm = info.realm }
                    events?.append(.stun(info))
                case .channelData:
                    facts.stun.channelData += 1
                    events?.append(.channelData)
                case .other:
                    break
                }
            }
        } catch {
            failed = true
        }
        if fromOriginator { stunFromOriginator = failed ? nil : stream } else { stunFromResponder = failed ? nil : stream }
    }
}

extension TLSStreamAssembler {
    /// An assembler for a stream that starts at `sequence` when its SYN was seen (nil: at its first segment).
    init(startingAt sequence: UInt32?) {
        self.init()
        if let sequence { setInitialSequence(sequence) }
    }
}

/// `StreamBuffers` behind one reference, copied on write (a flow copied out of the table keeps its own), allocated
/// when a probe first needs one and freed when the last one is dropped.
struct ProbeBuffers: Sendable {
    /// Owned by one flow at a time: copied before it is changed while shared (`modify`), so no two threads ever
    /// change the same storage.
    private final class Storage: @unchecked Sendable {
        var streams: StreamBuffers
        init(_ streams: StreamBuffers) { self.streams = streams }
    }

    private var storage: Storage?

    var isAllocated: Bool { storage != nil }

    /// Changes the buffers in place (allocating them first, or copying them when this flow shares them); frees them
    /// when none is left.
    mutating func modify<Result>(_ body: (inout StreamBuffers) -> Result) -> Result {
        let unique: Storage
        if isKnownUniquelyReferenced(&storage), let existing = storage {
            unique = existing
        } else {
            unique = Storage(storage?.streams ?? StreamBuffers())
            storage = unique
        }
        let (result, isEmpty) = Self.apply(body, to: &unique.streams)
        if isEmpty { storage = nil }
        return result
    }

    /// `body`, then whether the buffers are all gone, read in place (reading `isEmpty` off the storage copied them).
    private static func apply<Result>(_ body: (inout StreamBuffers) -> Result, to streams: inout StreamBuffers)
        -> (Result, isEmpty: Bool)
    {
        let result = body(&streams)
        return (result, streams.isEmpty)
    }
}
