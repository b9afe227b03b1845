import WireFormat

/// A pure-Swift pcapng block reader over a mapped file.
///
/// Used instead of libpcap for pcapng because libpcap 1.10 refuses files whose interfaces differ in link type or
/// snapshot length ("an interface has a type 0 different from the type of the first interface") and does not
/// report the interface id. Follows draft-ietf-opsawg-pcapng: Section Header Blocks in either byte order (each
/// section has its own interfaces), Interface Description Blocks with `if_tsresol` and `if_tsoffset`, Enhanced,
/// Simple and obsolete Packet Blocks; every other block is skipped (Custom Blocks are counted). Every length is
/// checked against the block and the file before use; a block running past the end of the file is a truncation.
struct PcapngReader {
    /// One packet record: where its bytes are and what is known about it.
    struct Packet {
        var dataOffset: Int
        var capturedLength: Int
        var originalLength: Int
        var timestamp: Timestamp?
        var linkType: LinkType
        var interfaceIndex: Int
    }

    enum Step {
        case packet(Packet)
        case customBlock
        case end
        case warning(CaptureError)
    }

    private struct Interface {
        var linkType: LinkType
        var snaplen: UInt32
        /// `if_tsresol`: the high bit selects a power of two, the rest is the (negative) exponent.
        var resolution: UInt8 = 6
        var offsetSeconds: Int64 = 0
    }

    private enum BlockType {
        static let sectionHeader: UInt32 = 0x0A0D_0D0A
        static let interfaceDescription: UInt32 = 0x0000_0001
        static let obsoletePacket: UInt32 = 0x0000_0002
        static let simplePacket: UInt32 = 0x0000_0003
        static let enhancedPacket: UInt32 = 0x0000_0006
        static let custom: UInt32 = 0x0000_0BAD
        static let customNoCopy: UInt32 = 0x4000_0BAD
    }

    private enum Option {
        static let endOfOptions: UInt16 = 0
        static let timestampResolution: UInt16 = 9
        static let timestampOffset: UInt16 = 14
    }

    static let byteOrderMagic: UInt32 = 0x1A2B_3C4D
    /// Block header (type, total length) plus the trailing total length.
    private static let blockOverhead = 12

    let file: MappedFile
    private(set) var offset = 0
    private var bigEndian = false
    private var inSection = false
    private var interfaces: [Interface] = []

    init(file: MappedFile) { self.file = file }

    // MARK: - Reading

    /// The next packet record, skipping other blocks. After `.end` or `.warning` it keeps returning `.end`.
    mutating func next() -> Step {
        while true {
            let start = offset
            guard start < file.count else { return .end }
            guard file.count - start >= 8 else { return finish(.truncated(path: file.path, offset: start)) }
            let rawType = u32(at: start)
            if rawType == BlockType.sectionHeader {
                // The byte order of a section is only known from its header's magic.
                guard file.count - start >= 12 else { return finish(.truncated(path: file.path, offset: start)) }
                let magic = UInt32(littleEndian: loadUInt32(at: start + 8))
                if magic == Self.byteOrderMagic {
                    bigEndian = false
                } else if magic == Self.byteOrderMagic.byteSwapped {
                    bigEndian = true
                } else {
                    return finish(malformed(start, "section header with a bad byte-order magic"))
                }
            } else if !inSection {
                return finish(malformed(start, "block before the first section header"))
            }
            let type = u32(at: start)
            let length = Int(u32(at: start + 4))
            guard length >= Self.blockOverhead, length % 4 == 0 else {
                return finish(malformed(start, "block length \(length) is not a multiple of 4 of at least 12"))
            }
            guard length <= file.count - start else { return finish(.truncated(path: file.path, offset: start)) }
            guard Int(u32(at: start + length - 4)) == length else {
                return finish(malformed(start, "trailing block length differs from the leading one"))
            }
            let body = start + 8
            let bodyLength = length - Self.blockOverhead
            offset = start + length

            switch type {
            case BlockType.sectionHeader:
                guard bodyLength >= 16 else { return finish(malformed(start, "section header block too short")) }
                let major = u16(at: body + 4)
                guard major == 1 else { return finish(malformed(start, "unsupported pcapng version \(major)")) }
                inSection = true
                interfaces.removeAll(keepingCapacity: true)
            case BlockType.interfaceDescription:
                guard bodyLength >= 8 else { return finish(malformed(start, "interface description block too short")) }
                var interface = Interface(
                    linkType: Self.linkType(fromFile: u16(at: body)), snaplen: u32(at: body + 4))
                readInterfaceOptions(from: body + 8, to: body + bodyLength, into: &interface)
                interfaces.append(interface)
            case BlockType.enhancedPacket, BlockType.obsoletePacket:
                // The same layout, but the obsolete Packet Block has a 16-bit interface id (and drop count).
                guard bodyLength >= 20 else { return finish(malformed(start, "packet block too short")) }
                let id = type == BlockType.enhancedPacket ? Int(u32(at: body)) : Int(u16(at: body))
                let captured = Int(u32(at: body + 12))
                guard id < interfaces.count else { return finish(malformed(start, "packet for undeclared interface \(id)")) }
                guard captured <= bodyLength - 20 else {
                    return finish(malformed(start, "captured length \(captured) exceeds its block"))
                }
                let time = timestamp(high: u32(at: body + 4), low: u32(at: body + 8), interface: interfaces[id])
                return .packet(Packet(
                    dataOffset: body + 20, capturedLength: captured, originalLength: Int(u32(at: body + 16)),
                    timestamp: time, linkType: interfaces[id].linkType, interfaceIndex: id))
            case BlockType.simplePacket:
                guard bodyLength >= 4 else { return finish(malformed(start, "simple packet block too short")) }
                guard let interface = interfaces.first else {
                    return finish(malformed(start, "simple packet block without an interface"))
                }
                let original = Int(u32(at: body))
                var captured = min(original, bodyLength - 4)
                if interface.snaplen > 0 { captured = min(captured, Int(interface.snaplen)) }
                return .packet(Packet(
                    dataOffset: body + 4, capturedLength: captured, originalLength: original, timestamp: nil,
                    linkType: interface.linkType, interfaceIndex: 0))
            case BlockType.custom, BlockType.customNoCopy:
                return .customBlock
            default:
                continue  // statistics, name resolution, decryption secrets, journal, unknown: not packets
            }
        }
    }

    private mutating func finish(_ warning: CaptureError) -> Step {
        offset = file.count
        return .warning(warning)
    }

    private func malformed(_ at: Int, _ reason: String) -> CaptureError {
        .malformedRecord(path: file.path, offset: at, reason: reason)
    }

    /// Options are (code, length, value padded to 4); a malformed option list ends option parsing, keeping the
    /// defaults, like Wireshark does rather than dropping the interface.
    private func readInterfaceOptions(from start: Int, to end: Int, into interface: inout Interface) {
        var position = start
        while end - position >= 4 {
            let code = u16(at: position)
            let length = Int(u16(at: position + 2))
            let value = position + 4
            guard code != Option.endOfOptions, length <= end - value else { return }
            switch code {
            case Option.timestampResolution where length >= 1:
                interface.resolution = loadByte(at: value)
            case Option.timestampOffset where length >= 8:
                interface.offsetSeconds = Int64(bitPattern: u64(at: value))
            default:
                break
            }
            position = value + (length + 3) / 4 * 4
        }
    }

    // MARK: - Time

    private func timestamp(high: UInt32, low: UInt32, interface: Interface) -> Timestamp {
        let units = UInt64(high) << 32 | UInt64(low)
        let nanoseconds = Self.nanoseconds(units: units, resolution: interface.resolution)
        return Timestamp(nanoseconds: Int64(truncatingIfNeeded: nanoseconds) &+ interface.offsetSeconds &* 1_000_000_000)
    }

    /// Converts a count of `if_tsresol` units to nanoseconds (wrapping, never trapping, on absurd values).
    static func nanoseconds(units: UInt64, resolution: UInt8) -> UInt64 {
        let exponent = Int(resolution & 0x7F)
        if resolution & 0x80 == 0 {
            if exponent <= 9 { return units &* power10(9 - exponent) }
            let divisor = exponent - 9 > 19 ? 0 : power10(exponent - 9)
            return divisor == 0 ? 0 : units / divisor
        }
        // 2^-exponent seconds per unit: units * 10^9 >> exponent, in 128 bits.
        let (high, low) = units.multipliedFullWidth(by: 1_000_000_000)
        if exponent == 0 { return low }
        if exponent >= 64 { return exponent >= 128 ? 0 : high >> UInt64(exponent - 64) }
        return (low >> UInt64(exponent)) | (high << UInt64(64 - exponent))
    }

    private static func power10(_ exponent: Int) -> UInt64 {
        var value: UInt64 = 1
        for _ in 0..<exponent { value &*= 10 }
        return value
    }

    /// libpcap's LINKTYPE_ → DLT_ mapping where they differ, so pcap and pcapng report the same values.
    static func linkType(fromFile value: UInt16) -> LinkType {
        switch value {
        case 100: LinkType(rawValue: 11)  // ATM_RFC1483
        case 101: .dltRaw
        default: LinkType(rawValue: UInt32(value))
        }
    }

    // MARK: - Bytes (callers have checked the range against the file)

    private func loadByte(at position: Int) -> UInt8 {
        guard let base = file.base, position >= 0, position < file.count else { return 0 }
        return base.load(fromByteOffset: position, as: UInt8.self)
    }

    private func loadUInt32(at position: Int) -> UInt32 {
        guard let base = file.base, position >= 0, file.count - position >= 4 else { return 0 }
        return base.loadUnaligned(fromByteOffset: position, as: UInt32.self)
    }

    private func u16(at position: Int) -> UInt16 {
        guard let base = file.base, position >= 0, file.count - position >= 2 else { return 0 }
        let raw = base.loadUnaligned(fromByteOffset: position, as: UInt16.self)
        return bigEndian ? UInt16(bigEndian: raw) : UInt16(littleEndian: raw)
    }

    private func u32(at position: Int) -> UInt32 {
        let raw = loadUInt32(at: position)
        return bigEndian ? UInt32(bigEndian: raw) : UInt32(littleEndian: raw)
    }

    private func u64(at position: Int) -> UInt64 {
        guard let base = file.base, position >= 0, file.count - position >= 8 else { return 0 }
        let raw = base.loadUnaligned(fromByteOffset: position, as: UInt64.self)
        return bigEndian ? UInt64(bigEndian: raw) : UInt64(littleEndian: raw)
    }
}
