import Foundation
import PacketCapture
import TestSupport
import WireFormat

/// The frames of a capture, read through the project's own capture layer (`PcapHandle`), kept in memory for the
/// decryption tests that walk a file twice.
struct CaptureFile {
    struct Frame {
        var number: Int
        var linkType: LinkType
        var bytes: [UInt8]
        var originalLength: Int
    }

    var frames: [Frame] = []

    init(path: String) throws {
        let handle = try PcapHandle.openOffline(path: path)
        defer { handle.close() }
        var frames: [Frame] = []
        try handle.forEachFrame { info, bytes in
            frames.append(Frame(
                number: info.number, linkType: info.linkType, bytes: (0..<bytes.count).map { bytes[$0] },
                originalLength: info.originalLength))
        }
        self.frames = frames
    }
}

/// tshark's per-frame values for a capture (`<file>.tshark.tsv`), by frame number.
struct TsharkRows {
    let table: TsharkTable

    init(path: String) throws { table = try TsharkTable(path: path) }

    var rowCount: Int { table.count }

    /// The `;`-separated values of `column` in the row of frame `number` (1-based).
    func values(_ column: String, frame number: Int) -> [String] {
        guard number >= 1, number <= table.count else { return [] }
        return table.row(number - 1).all(column).map(String.init)
    }
}
