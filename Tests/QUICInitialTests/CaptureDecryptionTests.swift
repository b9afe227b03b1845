import Foundation
import QUICInitial
import TestSupport
import Testing
import WireFormat

/// Client Initials of the shared captures: every ClientHello that tshark 4.0 decrypted from QUIC must decrypt
/// and reassemble here, in the same frame (including ClientHellos split over several Initial packets and
/// datagrams); and the Illustrated QUIC capture's Initial equals its published ground truth byte for byte.
@Suite("QUIC Initials of the shared captures", .enabled(if: Lab.sharedCapturesEnabled, Lab.sharedCapturesComment))
struct CaptureDecryptionTests {
    /// Versions whose Initial salt Blockscope does not know: Google's T051 (its own salt and framing).
    static let unsupportedVersions: Set<UInt32> = [0x5430_3531]

    struct Tally {
        var files = 0
        var tsharkClientHellos = 0
        var matched = 0
        var unsupported = 0
        var decryptedPackets = 0
        var splitClientHellos = 0
        var largestClientHello = 0
        var serverPackets = 0
        var serverHellos = 0
        var failures: [String] = []
    }

    /// Per client flow and original DCID: the crypto stream so far and how many Initial packets fed it.
    struct Stream {
        var reassembler = CryptoStreamReassembler()
        var packets = 0
        var clientHellos = 0
        var completedAt: Int?
    }

    @Test func everyClientHelloTsharkDecryptedDecryptsHere() throws {
        try #require(Lab.sharedCapturesAvailable, "../shared/captures is missing")
        var tally = Tally()
        for entry in try Lab.corpusEntries() {
            let path = Lab.sharedCaptures.appendingPathComponent(entry).path
            let rows = try TsharkRows(path: path + ".tshark.tsv")
            guard (1...max(1, rows.rowCount)).contains(where: { !rows.values("quic.version", frame: $0).isEmpty })
            else { continue }
            try check(file: entry, path: path, rows: rows, tally: &tally)
        }
        print("QUIC Initial decryption over the shared captures: \(tally.files) files with QUIC, "
            + "\(tally.tsharkClientHellos) ClientHellos decrypted by tshark, \(tally.matched) decrypted and reassembled "
            + "here in the same frame, \(tally.unsupported) of unsupported versions (T051); \(tally.decryptedPackets) "
            + "client Initial packets decrypted; \(tally.splitClientHellos) ClientHellos spanned several Initial packets; "
            + "largest ClientHello \(tally.largestClientHello) bytes; \(tally.serverPackets) server Initial packets "
            + "decrypted with the client's keys, \(tally.serverHellos) ServerHellos complete in the frame where tshark "
            + "shows them")
        for failure in tally.failures { Issue.record(Comment(rawValue: failure)) }
        #expect(tally.matched + tally.unsupported == tally.tsharkClientHellos)
    }

    private func check(file: String, path: String, rows: TsharkRows, tally: inout Tally) throws {
        tally.files += 1
        let capture = try CaptureFile(path: path)
        if capture.frames.count != rows.rowCount {
            tally.failures.append("\(file): \(capture.frames.count) frames read, tshark has \(rows.rowCount)")
        }
        let dissector = Dissector()
        var summary = PacketSummary()
        var streams: [String: Stream] = [:]
        var decryptors: [String: InitialDecryptor] = [:]
        for frame in capture.frames {
            let theirs = rows.values("frame.protocols", frame: frame.number).contains { $0.contains("quic") }
                && rows.values("tls.handshake.type", frame: frame.number).contains("1")
            if theirs { tally.tsharkClientHellos += 1 }
            let bytes = frame.bytes
            dissector.dissect(bytes.span, linkType: frame.linkType, timestamp: .zero, wireLength: frame.originalLength,
                              into: &summary)
            guard let udp = summary.udp, let network = summary.network else {
                if theirs { tally.failures.append("\(file) frame \(frame.number): no UDP datagram") }
                continue
            }
            let flow = "\(network.source):\(udp.sourcePort)>\(network.destination):\(udp.destinationPort)"
            let payload: [UInt8] = dissector.withPayload(of: summary, in: bytes.span) { span in
                var copy: [UInt8] = []
                for index in 0..<span.count { copy.append(span[index]) }
                return copy
            }
            // Initial keys come from the DCID of the client's first Initial (after a Retry: of the Initial that
            // answers it) and stay for the connection, also once the client switches to the server's chosen
            // connection ID: keep the flow's decryptor, and derive a new one from a packet's own DCID when the
            // flow's keys do not open it.
            let reverse = "\(network.destination):\(udp.destinationPort)>\(network.source):\(udp.sourcePort)"
            var packets: [DecryptedInitial] = []
            var firstError: InitialDecryptionError?
            if let decryptor = decryptors[flow], let opened = try? decryptor.decryptDatagram(payload.span, from: .client),
               !opened.isEmpty {
                packets = opened
            } else {
                do {
                    let first = try InitialDecryptor.decryptClientInitial(payload.span)
                    let decryptor = try InitialDecryptor(
                        version: first.version, originalDestinationConnectionID: first.destinationConnectionID.bytes)
                    packets = try decryptor.decryptDatagram(payload.span, from: .client)
                    decryptors[flow] = decryptor
                } catch {
                    firstError = error
                }
            }
            // The server's Initials, with the keys of the client's flow.
            if packets.isEmpty, let decryptor = decryptors[reverse],
               let opened = try? decryptor.decryptDatagram(payload.span, from: .server) {
                for packet in opened {
                    tally.serverPackets += 1
                    let key = reverse + "|server|" + decryptor.secrets.initialSecret.description
                    var stream = streams[key, default: Stream()]
                    stream.reassembler.insert(packet.frames)
                    if stream.completedAt == nil, stream.reassembler.firstHandshakeMessageType == 2,
                       stream.reassembler.firstHandshakeMessage() != nil {
                        stream.completedAt = frame.number
                        if rows.values("tls.handshake.type", frame: frame.number).contains("2") { tally.serverHellos += 1 }
                    }
                    streams[key] = stream
                }
            }
            var completedHere = false
            for packet in packets {
                tally.decryptedPackets += 1
                let key = flow + "|" + (decryptors[flow]?.secrets.initialSecret.description ?? "")
                var stream = streams[key, default: Stream()]
                stream.packets += 1
                stream.reassembler.insert(packet.frames)
                // A new complete ClientHello (the first, or the second after a HelloRetryRequest), or the first
                // flight retransmitted (tshark shows the ClientHello again).
                let hellos = stream.reassembler.handshakeMessages().filter { $0.first == 1 }
                if hellos.count > stream.clientHellos {
                    stream.clientHellos = hellos.count
                    completedHere = true
                    tally.largestClientHello = max(tally.largestClientHello, hellos.map(\.count).max() ?? 0)
                    if stream.packets > 1, hellos.count == 1 { tally.splitClientHellos += 1 }
                } else if !hellos.isEmpty, packet.frames.cryptoData.contains(where: { $0.offset == 0 }) {
                    completedHere = true
                }
                streams[key] = stream
            }
            guard theirs else { continue }
            if completedHere {
                tally.matched += 1
            } else if payload.count >= 5,
                      Self.unsupportedVersions.contains(UInt32(payload[1]) << 24 | UInt32(payload[2]) << 16
                                                        | UInt32(payload[3]) << 8 | UInt32(payload[4])) {
                tally.unsupported += 1
            } else {
                tally.failures.append("\(file) frame \(frame.number): tshark decrypted a ClientHello, here: "
                    + (firstError.map { "\($0)" } ?? "decrypted \(packets.count) packets, ClientHello incomplete"))
            }
        }
    }

    /// The Illustrated QUIC Connection (quic.xargs.org), frame 1: the header-protection-removed packet
    /// (`pkt_unprot01_cinit0.bin`: unprotected header, payload still encrypted), the decrypted payload
    /// (`pkt_payload01_cinit0.bin`, the CRYPTO frame before the PADDING) and the ClientHello
    /// (`crypto_clienthello.bin`, SNI example.ulfheim.net).
    @Test func illustratedQUICGroundTruth() throws {
        try #require(Lab.sharedCapturesAvailable, "../shared/captures is missing")
        let folder = Lab.sharedCaptures.appendingPathComponent("illustrated-quic")
        let truth = folder.appendingPathComponent("capture.pcap.gt/illustrated-quic")
        let unprotected = [UInt8](try Data(contentsOf: truth.appendingPathComponent("pkt_unprot01_cinit0.bin")))
        let payloadTruth = [UInt8](try Data(contentsOf: truth.appendingPathComponent("pkt_payload01_cinit0.bin")))
        let helloTruth = [UInt8](try Data(contentsOf: truth.appendingPathComponent("crypto_clienthello.bin")))

        let capture = try CaptureFile(path: folder.appendingPathComponent("capture.pcap").path)
        let frame = try #require(capture.frames.first)
        let dissector = Dissector()
        var summary = PacketSummary()
        let bytes = frame.bytes
        dissector.dissect(bytes.span, linkType: frame.linkType, timestamp: .zero, wireLength: frame.originalLength,
                          into: &summary)
        let datagram: [UInt8] = dissector.withPayload(of: summary, in: bytes.span) { span in
            (0..<span.count).map { span[$0] }
        }
        #expect(datagram.count == unprotected.count)
        let decrypted = try InitialDecryptor.decryptClientInitial(datagram.span)
        #expect(decrypted.header == Array(unprotected.prefix(decrypted.header.count)))
        #expect(Array(datagram[decrypted.header.count...]) == Array(unprotected[decrypted.header.count...]))
        #expect(Array(decrypted.plaintext.prefix(payloadTruth.count)) == payloadTruth)
        #expect(decrypted.plaintext.dropFirst(payloadTruth.count).allSatisfy { $0 == 0 })
        var stream = CryptoStreamReassembler()
        stream.insert(decrypted.frames)
        #expect(stream.clientHello() == helloTruth)
    }
}
