import WireFormat

/// A frame of an Initial packet's plaintext (RFC 9000 §19; §12.4 Table 3 lists what Initial packets may carry).
public enum InitialFrame: Hashable, Sendable {
    /// A run of PADDING frames (type 0x00), counted together.
    case padding(count: Int)
    /// PING (0x01).
    case ping
    /// ACK (0x02) or ACK with ECN counts (0x03), §19.3: the largest acknowledged packet, the encoded ACK Delay
    /// and the number of ACK Ranges after the first.
    case ack(largestAcknowledged: UInt64, ackDelay: UInt64, additionalRanges: Int, ecn: Bool)
    /// CRYPTO (0x06), §19.6: handshake bytes at `offset` of the crypto stream.
    case crypto(offset: UInt64, data: [UInt8])
    /// CONNECTION_CLOSE of the transport (0x1c), §19.19.
    case connectionClose(errorCode: UInt64, frameType: UInt64, reason: [UInt8])
}

/// The frames of an Initial packet's plaintext, parsed in order until the end or the first problem.
///
/// Only PADDING, PING, ACK, CRYPTO and CONNECTION_CLOSE (0x1c) are allowed in Initial packets (RFC 9000 §12.4,
/// §17.2.2); any other type is a PROTOCOL_VIOLATION and ends the parse (`problem`), as does a frame cut short or
/// a CRYPTO frame whose offset + length exceeds 2^62 - 1 (§19.6). Every frame consumes at least one byte and every
/// length is checked against the buffer before it is used, so the parse is bounded by the plaintext's length.
public struct InitialFrames: Hashable, Sendable {
    public enum Problem: Hashable, Sendable {
        /// The frame starting at `offset` runs past the end of the plaintext.
        case truncated(offset: Int)
        /// A frame type an Initial packet may not carry (including unknown types).
        case forbiddenFrame(type: UInt64, offset: Int)
        /// CRYPTO data that would end beyond 2^62 - 1 (FRAME_ENCODING_ERROR / CRYPTO_BUFFER_EXCEEDED).
        case badValue(offset: Int)
    }

    private enum FrameType {
        static let padding: UInt64 = 0x00
        static let ping: UInt64 = 0x01
        static let ack: UInt64 = 0x02
        static let ackECN: UInt64 = 0x03
        static let crypto: UInt64 = 0x06
        static let connectionClose: UInt64 = 0x1c
    }

    public var frames: [InitialFrame] = []
    /// Why parsing stopped before the end, nil when every byte was a valid frame.
    public var problem: Problem?

    public init(frames: [InitialFrame], problem: Problem?) {
        self.frames = frames
        self.problem = problem
    }

    public init(parsing plaintext: Span<UInt8>) {
        var offset = 0
        while offset < plaintext.count {
            let start = offset
            guard let type = QUICVarint.read(plaintext, at: offset) else {
                problem = .truncated(offset: start)
                return
            }
            offset += type.length
            switch type.value {
            case FrameType.padding:
                var count = 1
                while offset < plaintext.count, plaintext[offset] == 0 {
                    offset += 1
                    count += 1
                }
                frames.append(.padding(count: count))
            case FrameType.ping:
                frames.append(.ping)
            case FrameType.ack, FrameType.ackECN:
                guard let frame = Self.ack(plaintext, at: &offset, ecn: type.value == FrameType.ackECN) else {
                    problem = .truncated(offset: start)
                    return
                }
                frames.append(frame)
            case FrameType.crypto:
                guard let cryptoOffset = QUICVarint.read(plaintext, at: offset),
                      let length = QUICVarint.read(plaintext, at: offset + cryptoOffset.length)
                else {
                    problem = .truncated(offset: start)
                    return
                }
                let dataStart = offset + cryptoOffset.length + length.length
                guard length.value <= UInt64(plaintext.count - dataStart) else {
                    problem = .truncated(offset: start)
                    return
                }
                guard cryptoOffset.value <= QUICVarint.maximum - length.value else {
                    problem = .badValue(offset: start)
                    return
                }
                let dataEnd = dataStart + Int(length.value)
                frames.append(.crypto(offset: cryptoOffset.value, data: Self.copy(plaintext, dataStart..<dataEnd)))
                offset = dataEnd
            case FrameType.connectionClose:
                guard let errorCode = QUICVarint.read(plaintext, at: offset),
                      let frameType = QUICVarint.read(plaintext, at: offset + errorCode.length),
                      let reasonLength = QUICVarint.read(plaintext, at: offset + errorCode.length + frameType.length)
                else {
                    problem = .truncated(offset: start)
                    return
                }
                let reasonStart = offset + errorCode.length + frameType.length + reasonLength.length
                guard reasonLength.value <= UInt64(plaintext.count - reasonStart) else {
                    problem = .truncated(offset: start)
                    return
                }
                let reasonEnd = reasonStart + Int(reasonLength.value)
                frames.append(.connectionClose(
                    errorCode: errorCode.value, frameType: frameType.value,
                    reason: Self.copy(plaintext, reasonStart..<reasonEnd)))
                offset = reasonEnd
            default:
                problem = .forbiddenFrame(type: type.value, offset: start)
                return
            }
        }
    }

    /// The CRYPTO frames' (offset, data), in packet order.
    public var cryptoData: [(offset: UInt64, data: [UInt8])] {
        frames.compactMap { frame in
            if case .crypto(let offset, let data) = frame { return (offset, data) }
            return nil
        }
    }

    /// ACK frame body after the type (§19.3): Largest Acknowledged, ACK Delay, ACK Range Count, First ACK
    /// Range, then Range Count × (Gap, ACK Range Length), then three ECN counts for type 0x03. Nil when cut.
    private static func ack(_ bytes: Span<UInt8>, at offset: inout Int, ecn: Bool) -> InitialFrame? {
        var cursor = offset
        func next() -> UInt64? {
            guard let field = QUICVarint.read(bytes, at: cursor) else { return nil }
            cursor += field.length
            return field.value
        }
        guard let largest = next(), let delay = next(), let rangeCount = next(), next() != nil else { return nil }
        // Each range is at least two bytes, so a count larger than the bytes left is cut short: stop early
        // instead of looping up to 2^62 times.
        guard rangeCount <= UInt64(bytes.count - cursor) / 2 else { return nil }
        for _ in 0..<rangeCount {
            guard next() != nil, next() != nil else { return nil }
        }
        if ecn {
            guard next() != nil, next() != nil, next() != nil else { return nil }
        }
        offset = cursor
        return .ack(largestAcknowledged: largest, ackDelay: delay, additionalRanges: Int(rangeCount), ecn: ecn)
    }

    private static func copy(_ bytes: Span<UInt8>, _ range: Range<Int>) -> [UInt8] {
        var result: [UInt8] = []
        result.reserveCapacity(range.count)
        for index in range { result.append(bytes[index]) }
        return result
    }
}
