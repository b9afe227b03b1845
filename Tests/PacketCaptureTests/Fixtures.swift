import Foundation
import PacketCapture
import WireFormat

/// Byte builders for hand-made capture files, and a reader that collects what a handle delivers (tests only:
/// the bytes are copied here so that they can be compared after the callback).
enum Fixtures {
    struct Frame: Equatable {
        var info: FrameInfo
        var bytes: [UInt8]
    }

    static func readAll(_ path: String, filter: String? = nil) throws(CaptureError) -> ([Frame], CaptureSummary) {
        let handle = try PcapHandle.openOffline(path: path)
        if let filter { try handle.setFilter(filter) }
        var frames: [Frame] = []
        let summary = try handle.forEachFrame { info, span in
            var bytes: [UInt8] = []
            bytes.reserveCapacity(span.count)
            for index in span.indices { bytes.append(span[index]) }
            frames.append(Frame(info: info, bytes: bytes))
        }
        return (frames, summary)
    }

    static func write(_ bytes: [UInt8], to path: String) {
        FileManager.default.createFile(atPath: path, contents: Data(bytes))
    }

    static func contents(_ path: String) -> [UInt8] {
        FileManager.default.contents(atPath: path).map { Array($0) } ?? []
    }

    // MARK: - Little builders

    static func le16(_ value: UInt16) -> [UInt8] { withUnsafeBytes(of: value.littleEndian, Array.init) }
    static func le32(_ value: UInt32) -> [UInt8] { withUnsafeBytes(of: value.littleEndian, Array.init) }
    static func be16(_ value: UInt16) -> [UInt8] { withUnsafeBytes(of: value.bigEndian, Array.init) }
    static func be32(_ value: UInt32) -> [UInt8] { withUnsafeBytes(of: value.bigEndian, Array.init) }

    /// Classic pcap file header, little-endian, microseconds, v2.4.
    static func pcapHeader(snaplen: UInt32 = 65535, linkType: UInt32 = 1) -> [UInt8] {
        le32(0xA1B2_C3D4) + le16(2) + le16(4) + le32(0) + le32(0) + le32(snaplen) + le32(linkType)
    }

    static func pcapRecord(seconds: UInt32, microseconds: UInt32, captured: UInt32, original: UInt32, data: [UInt8]) -> [UInt8] {
        le32(seconds) + le32(microseconds) + le32(captured) + le32(original) + data
    }

    /// A pcapng block in the given byte order: type, total length, body padded to 4, total length.
    static func block(_ type: UInt32, _ body: [UInt8], bigEndian: Bool = false) -> [UInt8] {
        let padded = body + [UInt8](repeating: 0, count: (4 - body.count % 4) % 4)
        let length = UInt32(padded.count + 12)
        let u32 = bigEndian ? be32 : le32
        return u32(type) + u32(length) + padded + u32(length)
    }

    static func sectionHeader(bigEndian: Bool = false) -> [UInt8] {
        let u32 = bigEndian ? be32 : le32
        let u16 = bigEndian ? be16 : le16
        // magic, version 1.0, section length -1 (unknown)
        return block(0x0A0D_0D0A, u32(0x1A2B_3C4D) + u16(1) + u16(0) + [UInt8](repeating: 0xFF, count: 8), bigEndian: bigEndian)
    }

    /// IDB with optional `if_tsresol` (9) and `if_tsoffset` (14) options.
    static func interface(linkType: UInt16, snaplen: UInt32 = 0, tsresol: UInt8? = nil, tsoffset: Int64? = nil,
                          bigEndian: Bool = false) -> [UInt8] {
        let u32 = bigEndian ? be32 : le32
        let u16 = bigEndian ? be16 : le16
        var body = u16(linkType) + u16(0) + u32(snaplen)
        if let tsresol { body += u16(9) + u16(1) + [tsresol, 0, 0, 0] }
        if let tsoffset {
            let raw = UInt64(bitPattern: tsoffset)
            body += u16(14) + u16(8) + u32(UInt32(truncatingIfNeeded: bigEndian ? raw >> 32 : raw))
                + u32(UInt32(truncatingIfNeeded: bigEndian ? raw : raw >> 32))
        }
        if tsresol != nil || tsoffset != nil { body += u16(0) + u16(0) }
        return block(1, body, bigEndian: bigEndian)
    }

    static func enhancedPacket(interface: UInt32, units: UInt64, data: [UInt8], original: UInt32? = nil,
                               bigEndian: Bool = false) -> [UInt8] {
        let u32 = bigEndian ? be32 : le32
        let body = u32(interface) + u32(UInt32(units >> 32)) + u32(UInt32(truncatingIfNeeded: units))
            + u32(UInt32(data.count)) + u32(original ?? UInt32(data.count)) + data
        return block(6, body, bigEndian: bigEndian)
    }

    static func simplePacket(data: [UInt8], original: UInt32? = nil, bigEndian: Bool = false) -> [UInt8] {
        let u32 = bigEndian ? be32 : le32
        return block(3, u32(original ?? UInt32(data.count)) + data, bigEndian: bigEndian)
    }

    /// Ethernet + IPv4 + UDP (checksums zero) from 127.0.0.1 to 127.0.0.1, for filter tests.
    static func udpFrame(destinationPort: UInt16, payload: [UInt8]) -> [UInt8] {
        let ethernet: [UInt8] = [0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 2, 0x08, 0x00]
        let udpLength = UInt16(8 + payload.count)
        let ipv4: [UInt8] = [0x45, 0] + be16(20 + udpLength) + [0, 1, 0, 0, 64, 17, 0, 0, 127, 0, 0, 1, 127, 0, 0, 1]
        let udp = be16(40000) + be16(destinationPort) + be16(udpLength) + be16(0)
        return ethernet + ipv4 + udp + payload
    }
}
