/// TCP control bits (RFC 9293 §3.1, RFC 3168 for ECE/CWR, RFC 3540 for the historic NS bit, now AE): the 12 low
/// bits of the offset/flags word, reserved bits included, as tshark's `tcp.flags` prints them.
public struct TCPFlags: OptionSet, Hashable, Sendable {
    public var rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    public static let fin = TCPFlags(rawValue: 0x001)
    public static let syn = TCPFlags(rawValue: 0x002)
    public static let rst = TCPFlags(rawValue: 0x004)
    public static let psh = TCPFlags(rawValue: 0x008)
    public static let ack = TCPFlags(rawValue: 0x010)
    public static let urg = TCPFlags(rawValue: 0x020)
    public static let ece = TCPFlags(rawValue: 0x040)
    public static let cwr = TCPFlags(rawValue: 0x080)
    public static let ns = TCPFlags(rawValue: 0x100)
    /// The three bits still reserved (RFC 9293): set only by odd stacks, scanners and forgers.
    public static let reserved = TCPFlags(rawValue: 0xe00)

    /// tcpdump-style letters: `S`, `F`, `R`, `P`, `.` for ACK, `U`, `E`, `W`.
    public var letters: String {
        var s = ""
        if contains(.syn) { s += "S" }
        if contains(.fin) { s += "F" }
        if contains(.rst) { s += "R" }
        if contains(.psh) { s += "P" }
        if contains(.urg) { s += "U" }
        if contains(.ece) { s += "E" }
        if contains(.cwr) { s += "W" }
        if contains(.ack) { s += "." }
        return s.isEmpty ? "none" : s
    }
}

/// What Blockscope keeps of a TCP header, options included.
public struct TCPHeader: Hashable, Sendable {
    public init(sourcePort: UInt16, destinationPort: UInt16, sequenceNumber: UInt32, acknowledgmentNumber: UInt32, flags: TCPFlags, window: UInt16, urgentPointer: UInt16, headerLength: Int, options: TCPOptions) {
        self.sourcePort = sourcePort
        self.destinationPort = destinationPort
        self.sequenceNumber = sequenceNumber
        self.acknowledgmentNumber = acknowledgmentNumber
        self.flags = flags
        self.window = window
        self.urgentPointer = urgentPointer
        self.headerLength = headerLength
        self.options = options
    }

    public var sourcePort: UInt16
    public var destinationPort: UInt16
    public var sequenceNumber: UInt32
    public var acknowledgmentNumber: UInt32
    public var flags: TCPFlags
    /// The window field as sent (unscaled).
    public var window: UInt16
    public var urgentPointer: UInt16
    public var headerLength: Int
    public var options: TCPOptions
}

/// The TCP options Blockscope reads (RFC 9293 §3.2, RFC 7323, RFC 2018).
public struct TCPOptions: Hashable, Sendable {
    public var maximumSegmentSize: UInt16?
    public var windowScale: UInt8?
    public var sackPermitted = false
    /// Number of SACK blocks in this segment (0 when none).
    public var sackBlocks: UInt8 = 0
    public var timestampValue: UInt32?
    public var timestampEcho: UInt32?
    public init() {}
}

/// A TCP segment (RFC 9293 §3.1).
///
/// ```
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |          Source Port          |       Destination Port        |
/// |                        Sequence Number                        |
/// |                    Acknowledgment Number                      |
/// |  Data |       |C|E|U|A|P|R|S|F|                               |
/// | Offset| Rsrvd |W|C|R|C|S|S|Y|I|            Window             |
/// |           Checksum            |         Urgent Pointer        |
/// |                    Options (data offset > 5)                  |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ```
/// `init(validating:)` checks the data offset against the fixed header and the buffer. Options are walked once
/// (bounded by the header length); an impossible option length stops the walk with an anomaly. When the capture's
/// snaplen cut the frame inside the options (`-s 68` and the like), the fixed header is still read and the
/// options only as far as they were captured.
public struct TCPSegment: ~Escapable {
    private enum Field {
        static let sourcePort = 0
        static let destinationPort = 2
        static let sequenceNumber = 4
        static let acknowledgmentNumber = 8
        static let offsetAndFlags = 12
        static let window = 14
        static let checksum = 16
        static let urgentPointer = 18
        static let minimumHeaderLength = 20
    }

    private enum OptionKind {
        static let endOfList: UInt8 = 0
        static let noOperation: UInt8 = 1
        static let maximumSegmentSize: UInt8 = 2
        static let windowScale: UInt8 = 3
        static let sackPermitted: UInt8 = 4
        static let sack: UInt8 = 5
        static let timestamps: UInt8 = 8
    }

    public let bytes: Span<UInt8>
    /// The header length the data offset declares.
    public let headerLength: Int
    /// How much of the header is present (less than `headerLength` only when the options were cut by snaplen).
    public let capturedHeaderLength: Int

    @_lifetime(copy bytes)
    public init(validating bytes: Span<UInt8>, optionsMayBeCut: Bool = false) throws(WireError) {
        guard bytes.count >= Field.minimumHeaderLength else { throw WireError(.tcp, .truncated, at: 0) }
        let dataOffset = Int(bytes.uint8(at: Field.offsetAndFlags) >> 4) * 4
        guard dataOffset >= Field.minimumHeaderLength else {
            throw WireError(.tcp, .badHeaderLength, at: Field.offsetAndFlags)
        }
        guard dataOffset <= bytes.count || optionsMayBeCut else {
            throw WireError(.tcp, .truncated, at: Field.minimumHeaderLength)
        }
        self.bytes = bytes
        headerLength = dataOffset
        capturedHeaderLength = min(dataOffset, bytes.count)
    }

    public var sourcePort: UInt16 { bytes.uint16(at: Field.sourcePort) }
    public var destinationPort: UInt16 { bytes.uint16(at: Field.destinationPort) }
    public var sequenceNumber: UInt32 { bytes.uint32(at: Field.sequenceNumber) }
    public var acknowledgmentNumber: UInt32 { bytes.uint32(at: Field.acknowledgmentNumber) }
    public var flags: TCPFlags { TCPFlags(rawValue: bytes.uint16(at: Field.offsetAndFlags) & 0x0fff) }
    public var window: UInt16 { bytes.uint16(at: Field.window) }
    public var checksum: UInt16 { bytes.uint16(at: Field.checksum) }
    public var urgentPointer: UInt16 { bytes.uint16(at: Field.urgentPointer) }

    /// Walks the options; `valid` is false when an option length was impossible.
    public func parseOptions() -> (options: TCPOptions, valid: Bool) {
        var options = TCPOptions()
        var offset = Field.minimumHeaderLength
        let cut = capturedHeaderLength < headerLength
        let headerLength = capturedHeaderLength
        while offset < headerLength {
            let kind = bytes.uint8(at: offset)
            if kind == OptionKind.endOfList { break }
            if kind == OptionKind.noOperation {
                offset += 1
                continue
            }
            guard headerLength - offset >= 2 else { return (options, cut) }
            let length = Int(bytes.uint8(at: offset + 1))
            guard length >= 2 else { return (options, false) }
            guard headerLength - offset >= length else { return (options, cut) }
            switch (kind, length) {
            case (OptionKind.maximumSegmentSize, 4):
                options.maximumSegmentSize = bytes.uint16(at: offset + 2)
            case (OptionKind.windowScale, 3):
                options.windowScale = bytes.uint8(at: offset + 2)
            case (OptionKind.sackPermitted, 2):
                options.sackPermitted = true
            case (OptionKind.sack, _) where (length - 2) % 8 == 0:
                options.sackBlocks = UInt8((length - 2) / 8)
            case (OptionKind.timestamps, 10):
                options.timestampValue = bytes.uint32(at: offset + 2)
                options.timestampEcho = bytes.uint32(at: offset + 6)
            case (OptionKind.maximumSegmentSize, _), (OptionKind.windowScale, _), (OptionKind.sackPermitted, _),
                 (OptionKind.sack, _), (OptionKind.timestamps, _):
                return (options, false)
            default:
                break  // unknown options are skipped by their length
            }
            offset += length
        }
        return (options, true)
    }
}
