import Foundation
import PacketCapture
import TestSupport
import Testing
import WireFormat

/// Strings from the wire reach the JSON output escaped (RFC 8259): a server name with a quote, a backslash and
/// control characters, put into a real ClientHello in place of `facetime.apple.com` (same length), comes back
/// from a JSON parser exactly as it was on the wire.
@Suite("JSON output: escaping what the wire says")
struct JSONEscapingTests {
    @Test func hostileServerNameRoundTrips() throws {
        let source = try PcapHandle.openOffline(path: Lab.packageRoot.appendingPathComponent("Captures/loopback-facetime-tls.pcap").path)
        defer { source.close() }
        let path = Lab.temporaryPath(".pcap")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let writer = try PcapWriter(path: path, linkType: .ethernet)
        let original = Array("facetime.apple.com".utf8)
        let hostile: [UInt8] = Array("fa\"e\\ti\u{1}e\n\u{7f}pple.é".utf8)
        try #require(hostile.count == original.count)
        var replaced = 0
        var failure: (any Error)?
        try source.forEachFrame { frame, bytes in
            var copy: [UInt8] = []
            for index in bytes.indices { copy.append(bytes[index]) }
            if let at = Self.find(original, in: copy) {
                copy.replaceSubrange(at..<(at + original.count), with: hostile)
                replaced += 1
            }
            do { try writer.write(timestamp: frame.timestamp, originalLength: copy.count, bytes: copy) } catch { failure = error }
        }
        try writer.close()
        if let failure { throw failure }
        #expect(replaced == 1)
        let run = try CLI.run(["analyze", "--json", "--quiet", path])
        let objects = try CLI.objects(run.standardOutput)
        let snis = objects.compactMap { $0["sni"] as? String }
        #expect(snis == [String(decoding: hostile, as: UTF8.self)])
        // The raw line escapes what JSON requires and nothing is lost.
        #expect(run.standardOutput.contains(#""sni":"fa\"e\\ti\u0001e\n"#))
    }

    static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for start in 0...(haystack.count - needle.count) where haystack[start..<(start + needle.count)].elementsEqual(needle) {
            return start
        }
        return nil
    }
}
