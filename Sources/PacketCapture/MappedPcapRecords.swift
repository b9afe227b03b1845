import WireFormat

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The records of a classic pcap file (format 2.4, 16-byte record headers) read straight from the mapped file:
/// no copy into a buffer and no stdio per record, so reading a capture costs less than libpcap's own loop.
///
/// Only what libpcap reads plainly is read here. A record that libpcap treats specially — captured length above
/// the snapshot length or above 256 KiB (libpcap cuts or refuses it), a header or data cut short by the end of the
/// file — is handed back (`.handOver`): the caller seeks libpcap to `offset` and lets it read from there, so warnings
/// and edge cases stay exactly libpcap's. Files of other versions or of the modified (24-byte header) format are
/// read by libpcap from the start (`init` returns nil).
struct MappedPcapRecords {
    let file: MappedFile
    private let swapped: Bool
    private let nanosecondTimestamps: Bool
    private let snapshot: Int
    /// Offset of the next record.
    private(set) var offset = 24

    static let headerLength = 16
    /// libpcap's `MAXIMUM_SNAPLEN`: larger records are its business (some link types allow more, or it refuses).
    static let plainMaximum = 262_144

    init?(file: MappedFile, snapshot: Int) {
        guard let base = file.base, file.count >= 24 else { return nil }
        let bytes = UnsafeRawBufferPointer(start: base, count: 24)
        let magic = UInt32(bytes[0]) << 24 | UInt32(bytes[1]) << 16 | UInt32(bytes[2]) << 8 | UInt32(bytes[3])
        switch magic {
        case 0xA1B2_C3D4: (swapped, nanosecondTimestamps) = (false, false)
        case 0xD4C3_B2A1: (swapped, nanosecondTimestamps) = (true, false)
        case 0xA1B2_3C4D: (swapped, nanosecondTimestamps) = (false, true)
        case 0x4D3C_B2A1: (swapped, nanosecondTimestamps) = (true, true)
        default: return nil  // the modified format, or not a pcap file: libpcap's
        }
        self.file = file
        self.snapshot = snapshot
        _ = madvise(UnsafeMutableRawPointer(mutating: base), file.count, MADV_SEQUENTIAL)
        // Version 2.4 only: older versions may have captured and original lengths swapped (libpcap fixes them).
        guard Self.read16(bytes, 4, swapped) == 2, Self.read16(bytes, 6, swapped) == 4 else { return nil }
    }

    enum Next {
        case record(timestamp: Timestamp, capturedLength: Int, originalLength: Int, dataOffset: Int)
        case end
        /// libpcap takes over at `offset`.
        case handOver
    }

    /// The next record, advancing past it.
    mutating func next() -> Next {
        guard let base = file.base else { return .end }
        // Frames are lent for one callback only, so everything before this record is done with.
        file.releaseConsumed(upTo: offset)
        let remaining = file.count - offset
        if remaining == 0 { return .end }
        guard remaining >= Self.headerLength else { return .handOver }
        let header = UnsafeRawBufferPointer(start: base + offset, count: Self.headerLength)
        let seconds = Int32(bitPattern: Self.read32(header, 0, swapped))
        let fraction = Int32(bitPattern: Self.read32(header, 4, swapped))
        let captured = Int(Self.read32(header, 8, swapped))
        let original = Int(Self.read32(header, 12, swapped))
        guard captured <= snapshot, captured <= Self.plainMaximum, remaining - Self.headerLength >= captured else {
            return .handOver
        }
        let dataOffset = offset + Self.headerLength
        offset = dataOffset + captured
        // As libpcap gives them with nanosecond precision requested: 32-bit signed fields, microseconds × 1000.
        let nanoseconds = nanosecondTimestamps ? Int64(fraction) : Int64(fraction) &* 1000
        return .record(
            timestamp: Timestamp(seconds: Int64(seconds), nanoseconds: nanoseconds), capturedLength: captured,
            originalLength: original, dataOffset: dataOffset)
    }

    private static func read16(_ bytes: UnsafeRawBufferPointer, _ at: Int, _ swapped: Bool) -> UInt16 {
        let value = UInt16(bytes[at]) << 8 | UInt16(bytes[at + 1])
        return swapped ? value.byteSwapped : value
    }

    private static func read32(_ bytes: UnsafeRawBufferPointer, _ at: Int, _ swapped: Bool) -> UInt32 {
        let value = UInt32(bytes[at]) << 24 | UInt32(bytes[at + 1]) << 16 | UInt32(bytes[at + 2]) << 8 | UInt32(bytes[at + 3])
        return swapped ? value.byteSwapped : value
    }
}
