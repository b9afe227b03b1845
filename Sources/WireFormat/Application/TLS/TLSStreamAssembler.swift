/// Follows one direction of a TCP connection as a stream of TLS records (RFC 8446 §5.1): reassembles the
/// stream's beginning from segments in any order, with retransmitted overlaps, and reads records across segment
/// boundaries and handshake messages across records (a handshake message may span records; a record may hold
/// several messages). Sans-IO: the flow tracker owns one per direction and feeds it TCP payloads.
///
/// What it yields: the first ClientHello and the first ServerHello; cleartext alerts; the number of records by
/// content type. After ChangeCipherSpec or application data in this direction the records are opaque and only
/// counted: their bodies are skipped without being stored.
///
/// Bounded: bytes are stored only from the next unread record header up to `capacity` beyond it (32 KiB by
/// default: a post-quantum ClientHello is ~1.8 KB, a record at most 2^14 + 2048 + 5 bytes), in at most 64
/// separate ranges. Data past that gives `.capacityExceeded` and the assembler stops, freeing its buffers. A
/// stream whose first bytes fail `TLSRecordHeader.probe` is `.notTLS` at once, and later segments cost a
/// comparison.
///
/// Sequence numbers: the first `add` (or `setInitialSequence`, from a SYN's sequence number + 1) fixes the
/// stream's start; offsets are taken by 32-bit subtraction from the next unread byte, so wraparound is harmless
/// and data before the start (or already read) is ignored.
public struct TLSStreamAssembler: Hashable, Sendable {
    public enum Status: Hashable, Sendable {
        /// Reading; more bytes may follow ("need more bytes" is this state, never an error).
        case inProgress
        /// The first bytes are not a TLS record header.
        case notTLS
        /// The stream needed more than `capacity` bytes buffered (or too many holes); given up.
        case capacityExceeded
        /// A record header or a hello was malformed; given up. The offset is the byte in the stream (for a record
        /// header) or in the handshake message body.
        case malformed(WireError)
    }

    public static let defaultCapacity = 32 * 1024
    /// Cleartext alerts kept (later ones are only counted).
    public static let maximumAlerts = 16

    public let capacity: Int
    public private(set) var status: Status = .inProgress
    /// The first record header passed the content probe.
    public private(set) var isTLS = false
    public private(set) var clientHello: ClientHelloInfo?
    public private(set) var serverHello: ServerHelloInfo?
    /// Alerts read while this direction was in cleartext, in order.
    public private(set) var alerts: [TLSAlert] = []
    public private(set) var recordCounts = TLSRecordCounts()
    /// ChangeCipherSpec or application data was seen: later records are opaque.
    public private(set) var isEncrypted = false

    private var initialSequence: UInt32?
    /// Stream offset of the next unread record header (the buffer's start).
    private var nextRecord = 0
    private var window: ReassemblyBuffer
    /// Bytes of handshake records not yet forming whole messages.
    private var handshake: [UInt8] = []
    /// Whether handshake bodies are still wanted (until the first hello, in cleartext).
    private var wantsHandshake = true

    public init(capacity: Int = defaultCapacity) {
        self.capacity = capacity
        window = ReassemblyBuffer(capacity: capacity)
    }

    /// Fixes the stream's start (the SYN's sequence number + 1) before any data arrives.
    public mutating func setInitialSequence(_ sequence: UInt32) {
        guard initialSequence == nil else { return }
        initialSequence = sequence
    }

    /// Bytes held in buffers now.
    public var bufferedByteCount: Int { window.storage.count + handshake.count }

    /// Stream bytes consumed so far (record headers read and bodies read or skipped).
    public var streamOffset: Int { nextRecord }

    /// Overlapping retransmissions that carried different bytes than the first copy (kept).
    public var inconsistentOverlaps: Int { window.inconsistentOverlaps }

    /// Feeds one TCP payload with its sequence number.
    public mutating func add(sequence: UInt32, payload: Span<UInt8>) {
        guard status == .inProgress, !payload.isEmpty else { return }
        let start = initialSequence ?? sequence
        initialSequence = start
        let nextSequence = start &+ UInt32(truncatingIfNeeded: nextRecord)
        let offset = Int(Int32(bitPattern: sequence &- nextSequence))
        switch window.write(payload, at: offset) {
        case .stored: readRecords()
        case .overCapacity, .tooFragmented: giveUp(.capacityExceeded)
        }
    }

    // MARK: - Records

    private mutating func giveUp(_ status: Status) {
        self.status = status
        window.removeAll()
        handshake = []
    }

    /// What the bytes at the buffer's start hold. Reading is separate from acting on it, so that no span of the
    /// buffer is alive while the assembler changes.
    private enum RecordStep {
        case needMoreBytes
        case notTLS
        case malformed(WireError)
        /// A record whose body is not needed (or is present): its type and length, and the alert it holds.
        case record(TLSContentType, length: Int, alert: TLSAlert?, handshakeBody: Range<Int>?)
    }

    private func nextRecordStep() -> RecordStep {
        let available = window.contiguousCount
        let storage = window.storage.span.extracting(0..<available)
        if !isTLS {
            switch TLSRecordHeader.probe(storage) {
            case .noMatch: return .notTLS
            case .needMoreBytes: return .needMoreBytes
            case .matches: break
            }
        }
        guard available >= TLSRecordHeader.headerLength else { return .needMoreBytes }
        let header: TLSRecordHeader
        do throws(WireError) {
            header = try TLSRecordHeader(validating: storage)
        } catch {
            return .malformed(WireError(.tls, error.reason, at: nextRecord + error.offset))
        }
        let type = header.contentType
        guard type.isKnownTLS else { return .malformed(WireError(.tls, .badValue, at: nextRecord)) }
        guard header.legacyVersion >> 8 == 3 else { return .malformed(WireError(.tls, .badVersion, at: nextRecord + 1)) }
        let recordLength = header.recordLength
        let needsBody = !isEncrypted && (type == .alert || (type == .handshake && wantsHandshake))
        guard needsBody else { return .record(type, length: recordLength, alert: nil, handshakeBody: nil) }
        guard available >= recordLength else { return .needMoreBytes }
        let body = TLSRecordHeader.headerLength..<recordLength
        if type == .alert {
            return .record(type, length: recordLength, alert: try? TLSAlert(validating: storage.extracting(body)), handshakeBody: nil)
        }
        return .record(type, length: recordLength, alert: nil, handshakeBody: body)
    }

    private mutating func readRecords() {
        while status == .inProgress {
            switch nextRecordStep() {
            case .needMoreBytes:
                return
            case .notTLS:
                return giveUp(.notTLS)
            case .malformed(let error):
                return giveUp(.malformed(error))
            case .record(let type, let length, let alert, let handshakeBody):
                isTLS = true
                if let alert, alerts.count < Self.maximumAlerts { alerts.append(alert) }
                if let handshakeBody { handshake.append(contentsOf: window.storage[handshakeBody]) }
                recordCounts.count(type)
                if type == .changeCipherSpec || type == .applicationData { isEncrypted = true }
                nextRecord += length
                window.discardPrefix(length)
                if handshakeBody != nil { readHandshakeMessages() }
                if isEncrypted || !wantsHandshake { handshake = [] }
            }
        }
    }

    // MARK: - Handshake messages

    private enum MessageStep {
        case needMoreBytes
        case tooLarge
        case malformed(WireError)
        case message(length: Int, clientHello: ClientHelloInfo?, serverHello: ServerHelloInfo?)
    }

    private func nextMessageStep(at offset: Int) -> MessageStep {
        let messages = handshake.span.extracting(offset..<handshake.count)
        guard let header = try? TLSHandshakeHeader(validating: messages) else { return .needMoreBytes }
        guard header.messageLength <= capacity else { return .tooLarge }
        guard header.isComplete else { return .needMoreBytes }
        let body = messages.extracting(TLSHandshakeHeader.headerLength..<header.messageLength)
        do throws(WireError) {
            switch header.messageType {
            case .clientHello where clientHello == nil:
                return .message(length: header.messageLength, clientHello: try ClientHello(validating: body).info(), serverHello: nil)
            case .serverHello where serverHello == nil:
                return .message(length: header.messageLength, clientHello: nil, serverHello: try ServerHello(validating: body).info())
            default:
                return .message(length: header.messageLength, clientHello: nil, serverHello: nil)
            }
        } catch {
            return .malformed(error)
        }
    }

    private mutating func readHandshakeMessages() {
        var consumed = 0
        while wantsHandshake, status == .inProgress {
            switch nextMessageStep(at: consumed) {
            case .needMoreBytes:
                handshake.removeFirst(consumed)
                return
            case .tooLarge:
                return giveUp(.capacityExceeded)
            case .malformed(let error):
                return giveUp(.malformed(error))
            case .message(let length, let client, let server):
                consumed += length
                if let client { clientHello = client }
                if let server { serverHello = server }
                if client != nil || server != nil { wantsHandshake = false }
            }
        }
        if status == .inProgress, wantsHandshake { handshake.removeFirst(consumed) }
    }
}
