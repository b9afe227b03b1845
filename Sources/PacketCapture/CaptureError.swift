/// Everything that can go wrong opening or reading a capture. `truncated` and `malformedRecord` are warnings:
/// `forEachFrame` reports them in `CaptureSummary.warning` after delivering every frame before the problem.
public enum CaptureError: Error, Sendable, Hashable {
    case fileNotFound(path: String)
    case unreadable(path: String, reason: String)
    /// The file does not start with a pcap or pcapng magic number; `firstBytes` holds up to 16 of its bytes.
    case notACaptureFile(path: String, firstBytes: [UInt8])
    /// The file ends inside the record (or header) that starts at `offset`. A warning.
    case truncated(path: String, offset: Int)
    /// The record at `offset` is impossible (a length beyond any limit, an unknown interface...). A warning.
    case malformedRecord(path: String, offset: Int, reason: String)
    case unknownInterface(String)
    case permissionDenied(interface: String, detail: String)
    case badFilter(filter: String, message: String)
    case unknownUser(String)
    case privilegeDropFailed(String)
    case writeFailed(path: String, reason: String)
    /// Any other libpcap failure: what was being done and libpcap's text.
    case libpcap(operation: String, message: String)

    /// Whether reading can go on to report what came before: truncation and malformed records.
    public var isWarning: Bool {
        switch self {
        case .truncated, .malformedRecord: true
        default: false
        }
    }
}

extension CaptureError: CustomStringConvertible {
    public var description: String {
        switch self {
        case .fileNotFound(let path):
            return "\(path): no such file"
        case .unreadable(let path, let reason):
            return "\(path): cannot read: \(reason)"
        case .notACaptureFile(let path, let bytes):
            if bytes.isEmpty { return "\(path): not a capture file: the file is empty" }
            return "\(path): not a pcap or pcapng file: it starts with \(Self.describe(bytes))"
        case .truncated(let path, let offset):
            return "\(path): warning: file is truncated; the record at byte offset \(offset) is cut off "
                + "(everything before it was read)"
        case .malformedRecord(let path, let offset, let reason):
            return "\(path): warning: malformed record at byte offset \(offset): \(reason) "
                + "(everything before it was read)"
        case .unknownInterface(let name):
            return "no such interface: \(name)"
        case .permissionDenied(let interface, let detail):
            let suffix = detail.isEmpty ? "" : " (\(detail))"
            return "permission denied capturing on \(interface): live capture needs root or CAP_NET_RAW\(suffix)"
        case .badFilter(let filter, let message):
            return "bad BPF filter \"\(filter)\": \(message)"
        case .unknownUser(let name):
            return "cannot drop privileges: no such user: \(name)"
        case .privilegeDropFailed(let reason):
            return "cannot drop privileges: \(reason)"
        case .writeFailed(let path, let reason):
            return "\(path): cannot write: \(reason)"
        case .libpcap(let operation, let message):
            return "libpcap: \(operation): \(message)"
        }
    }

    /// Hex of the bytes, plus their printable ASCII rendering when most of them are text.
    static func describe(_ bytes: [UInt8]) -> String {
        let hex = bytes.map { byte in
            let digits = String(byte, radix: 16)
            return digits.count == 1 ? "0" + digits : digits
        }.joined(separator: " ")
        let printable = bytes.filter { (0x20...0x7E).contains($0) || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }
        if printable.count * 4 >= bytes.count * 3 {
            let text = String(decoding: bytes.map { (0x20...0x7E).contains($0) ? $0 : UInt8(ascii: ".") }, as: UTF8.self)
            return "\(hex) (text: \"\(text)\")"
        }
        return hex
    }
}
