/// Follows one direction of a DTLS association (RFC 6347, RFC 9147), fed whole UDP datagrams: counts records,
/// reads cleartext alerts, and reassembles the first ClientHello and ServerHello from handshake fragments
/// (message_seq, fragment_offset, fragment_length; RFC 6347 §4.2.2) arriving in any order, duplicated or
/// overlapping. Datagrams that do not start like DTLS (STUN, RTP on the same 5-tuple, RFC 7983) are counted and
/// skipped, not errors. Bounded: one message at a time, at most `capacity` bytes.
public struct DTLSHandshakeAssembler: Hashable, Sendable {
    public typealias Status = TLSStreamAssembler.Status

    public static let defaultCapacity = 16 * 1024
    /// Records walked per datagram (a datagram carries a handful).
    public static let maximumRecordsPerDatagram = 32

    public let capacity: Int
    public private(set) var status: Status = .inProgress
    public private(set) var clientHello: ClientHelloInfo?
    public private(set) var serverHello: ServerHelloInfo?
    public private(set) var alerts: [TLSAlert] = []
    public private(set) var recordCounts = TLSRecordCounts()
    /// Datagrams seen that did not start with a DTLS record (or a DTLS 1.3 unified header).
    public private(set) var otherDatagrams = 0
    /// Records whose header or handshake fragment was malformed (skipped with the rest of their datagram).
    public private(set) var malformedRecords = 0
    /// A record of epoch > 0 or a unified header was seen: this direction is encrypted.
    public private(set) var isEncrypted = false

    /// The message being reassembled: type, message_seq, body length.
    private var message: (type: TLSHandshakeType, sequence: UInt16, length: Int)?
    private var buffer: ReassemblyBuffer

    public init(capacity: Int = defaultCapacity) {
        self.capacity = capacity
        buffer = ReassemblyBuffer(capacity: capacity)
    }

    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.status == rhs.status && lhs.clientHello == rhs.clientHello && lhs.serverHello == rhs.serverHello
            && lhs.alerts == rhs.alerts && lhs.recordCounts == rhs.recordCounts
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(clientHello)
        hasher.combine(serverHello)
        hasher.combine(recordCounts)
    }

    /// Feeds one UDP payload.
    public mutating func add(datagram: Span<UInt8>) {
        guard status == .inProgress else { return }
        var offset = 0
        var records = 0
        if !DTLSRecordHeader.looksLikeDTLS(datagram) && !(isDTLS && DTLSCiphertextHeader.looksLikeUnifiedHeader(datagram)) {
            otherDatagrams += 1
            return
        }
        while offset < datagram.count, records < Self.maximumRecordsPerDatagram, status == .inProgress {
            records += 1
            let rest = datagram.extracting(offset...)
            if DTLSCiphertextHeader.looksLikeUnifiedHeader(rest) {
                recordCounts.unifiedCiphertext += 1
                isEncrypted = true
                guard let header = try? DTLSCiphertextHeader(validating: rest), let length = header.recordLength else { return }
                offset += length
                continue
            }
            guard let header = try? DTLSRecordHeader(validating: rest) else {
                malformedRecords += 1
                return
            }
            let type = header.contentType
            recordCounts.count(type)
            if header.epoch > 0 { isEncrypted = true }
            let body = rest.extracting(DTLSRecordHeader.headerLength..<header.recordLength)
            if header.epoch == 0 {
                if type == .alert, alerts.count < TLSStreamAssembler.maximumAlerts, let alert = try? TLSAlert(validating: body) {
                    alerts.append(alert)
                } else if type == .handshake {
                    readFragments(body)
                }
            }
            offset += header.recordLength
        }
    }

    /// Whether a plaintext DTLS record has been seen (then a unified header is trusted).
    public var isDTLS: Bool { recordCounts.total > 0 }

    private mutating func readFragments(_ body: Span<UInt8>) {
        var offset = 0
        while offset < body.count, status == .inProgress {
            let rest = body.extracting(offset...)
            guard let header = try? DTLSHandshakeHeader(validating: rest) else {
                malformedRecords += 1
                return
            }
            let type = header.messageType
            let wanted = (type == .clientHello && clientHello == nil) || (type == .serverHello && serverHello == nil)
            if wanted {
                add(fragment: rest.extracting(DTLSHandshakeHeader.headerLength..<header.fragmentRecordLength),
                    type: type, sequence: header.messageSequence, length: header.length, at: header.fragmentOffset)
            }
            offset += header.fragmentRecordLength
        }
    }

    private mutating func add(fragment: Span<UInt8>, type: TLSHandshakeType, sequence: UInt16, length: Int, at offset: Int) {
        if let current = message, current.type != type || current.sequence != sequence || current.length != length {
            // Keep the first message unless the peer moved on to a later one of the same type (a retransmitted
            // ClientHello with a cookie after HelloVerifyRequest).
            guard current.type == type, sequence > current.sequence else { return }
            message = nil
            buffer.removeAll()
        }
        guard length <= capacity else { return giveUp(.capacityExceeded) }
        message = (type, sequence, length)
        switch buffer.write(fragment, at: offset) {
        case .stored: break
        case .overCapacity, .tooFragmented: return giveUp(.capacityExceeded)
        }
        guard buffer.contiguousCount >= length else { return }
        let parsed = parseMessage(type: type, length: length)
        message = nil
        buffer.removeAll()
        switch parsed {
        case .client(let info): clientHello = info
        case .server(let info): serverHello = info
        case .malformed(let error): giveUp(.malformed(error))
        }
    }

    private enum Parsed {
        case client(ClientHelloInfo)
        case server(ServerHelloInfo)
        case malformed(WireError)
    }

    private func parseMessage(type: TLSHandshakeType, length: Int) -> Parsed {
        let body = buffer.storage.span.extracting(0..<length)
        do throws(WireError) {
            if type == .clientHello { return .client(try ClientHello(validating: body, isDTLS: true).info()) }
            return .server(try ServerHello(validating: body, isDTLS: true).info())
        } catch {
            return .malformed(error)
        }
    }

    private mutating func giveUp(_ status: Status) {
        self.status = status
        message = nil
        buffer.removeAll()
    }
}
