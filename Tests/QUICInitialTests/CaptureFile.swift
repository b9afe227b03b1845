import Foundation
import WireFormat

/// The frames of a pcap or pcapng file, read whole into memory: just enough for the corpus tests of this target.
///
/// QUICInitialTests does not depend on PacketCapture (whose `PcapHandle` is the real reader); until the lead adds
/// that dependency, this reads the two formats' packet records (pcap: both byte orders, µs or ns; pcapng: SHB
/// byte order, IDB link types, EPB/SPB/obsolete PB, custom blocks counted as frames the way Wireshark numbers
/// them). Malformed files throw.
struct CaptureFile {
    struct Frame {
        var number: Int
        var linkType: LinkType
        var bytes: [UInt8]
        var originalLength: Int
    }

    struct Malformed: Error, CustomStringConvertible {
        var description: String
    }

    var frames: [Frame] = []

    init(path: String) throws {
        let data = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        guard data.count >= 4 else { throw Malformed(description: "\(path): too short") }
        let magic = Self.read32(data, 0, bigEndian: true)
        if magic == 0x0a0d_0d0a {
            try readPcapng(data)
        } else {
            try readPcap(data, magic: magic)
        }
    }

    private mutating func readPcap(_ data: [UInt8], magic: UInt32) throws {
        let bigEndian: Bool
        switch magic {
        case 0xa1b2_c3d4, 0xa1b2_3c4d: bigEndian = true
        case 0xd4c3_b2a1, 0x4d3c_b2a1: bigEndian = false
        default: throw Malformed(description: "not a capture file")
        }
        guard data.count >= 24 else { throw Malformed(description: "short pcap header") }
        let linkType = LinkType(rawValue: Self.read32(data, 20, bigEndian: bigEndian) & 0x0fff_ffff)
        var offset = 24
        while data.count - offset >= 16 {
            let captured = Int(Self.read32(data, offset + 8, bigEndian: bigEndian))
            let original = Int(Self.read32(data, offset + 12, bigEndian: bigEndian))
            guard data.count - offset - 16 >= captured else { break }
            frames.append(Frame(number: frames.count + 1, linkType: linkType,
                                bytes: Array(data[(offset + 16)..<(offset + 16 + captured)]), originalLength: original))
            offset += 16 + captured
        }
    }

    private mutating func readPcapng(_ data: [UInt8]) throws {
        var offset = 0
        var bigEndian = false
        var interfaces: [LinkType] = []
        while data.count - offset >= 12 {
            let type = Self.read32(data, offset, bigEndian: bigEndian)
            if type == 0x0a0d_0d0a {
                bigEndian = Self.read32(data, offset + 8, bigEndian: true) == 0x1a2b_3c4d
                interfaces = []
            }
            let length = Int(Self.read32(data, offset + 4, bigEndian: bigEndian))
            guard length >= 12, length % 4 == 0, data.count - offset >= length else {
                throw Malformed(description: "bad pcapng block length at \(offset)")
            }
            let body = offset + 8
            switch type {
            case 1:  // Interface Description Block
                interfaces.append(LinkType(rawValue: UInt32(Self.read16(data, body, bigEndian: bigEndian))))
            case 6, 2:  // Enhanced Packet Block, obsolete Packet Block
                let interface = type == 6 ? Int(Self.read32(data, body, bigEndian: bigEndian))
                    : Int(Self.read16(data, body, bigEndian: bigEndian))
                let captured = Int(Self.read32(data, body + 12, bigEndian: bigEndian))
                let original = Int(Self.read32(data, body + 16, bigEndian: bigEndian))
                guard interface < interfaces.count, captured <= length - 32 else {
                    throw Malformed(description: "bad packet block at \(offset)")
                }
                frames.append(Frame(number: frames.count + 1, linkType: interfaces[interface],
                                    bytes: Array(data[(body + 20)..<(body + 20 + captured)]), originalLength: original))
            case 3:  // Simple Packet Block
                let original = Int(Self.read32(data, body, bigEndian: bigEndian))
                let captured = min(original, length - 16)
                guard let linkType = interfaces.first else { throw Malformed(description: "SPB before IDB") }
                frames.append(Frame(number: frames.count + 1, linkType: linkType,
                                    bytes: Array(data[(body + 4)..<(body + 4 + captured)]), originalLength: original))
            case 0x0000_0bad, 0x4000_0bad:  // Custom blocks: Wireshark numbers them as frames.
                frames.append(Frame(number: frames.count + 1, linkType: LinkType(rawValue: 0xffff_ffff), bytes: [],
                                    originalLength: 0))
            default:
                break
            }
            offset += length
        }
    }

    private static func read16(_ data: [UInt8], _ offset: Int, bigEndian: Bool) -> UInt16 {
        let a = UInt16(data[offset]), b = UInt16(data[offset + 1])
        return bigEndian ? a << 8 | b : b << 8 | a
    }

    private static func read32(_ data: [UInt8], _ offset: Int, bigEndian: Bool) -> UInt32 {
        let value = (0..<4).reduce(UInt32(0)) { $0 << 8 | UInt32(data[offset + (bigEndian ? $1 : 3 - $1)]) }
        return value
    }
}

/// Rows of a `.tshark.tsv` file by column name (`../shared/captures/README.md` lists the columns).
struct TsharkRows {
    var header: [String]
    var rows: [[String]]

    init(path: String) throws {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: true)
        header = lines.first.map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) } ?? []
        rows = lines.dropFirst().map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
    }

    /// The `;`-separated values of `column` in the row of frame `number` (1-based).
    func values(_ column: String, frame number: Int) -> [String] {
        guard let index = header.firstIndex(of: column), number >= 1, number <= rows.count,
              index < rows[number - 1].count, !rows[number - 1][index].isEmpty
        else { return [] }
        return rows[number - 1][index].split(separator: ";").map(String.init)
    }
}
