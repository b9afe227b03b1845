import Blockscope
import FlowTracking
import Foundation
import PacketCapture
import TestSupport
import Testing
import WireFormat

/// The project's own captures (`Captures/*.pcap`, recorded from real stacks — openssl, curl, coturn, aioquic — by
/// `Captures/lab/lab.sh` and `Captures/record-loopback.sh`) against their truth files, which the recording scripts
/// derived with tshark: every flow is found with its direction, its packets per direction, its SNI, and the STUN,
/// RTP and QUIC packets the scenario sent. (Verdicts come with the rules issue.)
@Suite("Project captures vs their truth files")
struct LabCaptureTests {
    struct Truth: Decodable {
        struct Endpoint: Decodable { var addr: String; var port: Int }
        struct Measured: Decodable {
            var frames_client_to_server: Int?
            var frames_server_to_client: Int?
            var kinds_client_to_server: [String: Int]?
            var kinds_server_to_client: [String: Int]?
            var sni: String?
        }
        struct Flow: Decodable {
            var label: String?
            var proto: String
            var client: Endpoint
            var server: Endpoint
            var sni: String?
            var frames_client_to_server: Int?
            var frames_server_to_client: Int?
            var measured: Measured?
        }
        var frames: Int
        var flows: [Flow]
    }

    static var captures: [String] {
        let folder = Lab.packageRoot.appendingPathComponent("Captures")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.filter { $0.hasSuffix(".truth.json") }.map { String($0.dropLast(".truth.json".count)) }.sorted()
    }

    @Test func thereAreCaptures() { #expect(Self.captures.count >= 10) }

    @Test(arguments: captures)
    func flowsMatchTheTruthFile(_ name: String) throws {
        let folder = Lab.packageRoot.appendingPathComponent("Captures")
        let truth = try JSONDecoder().decode(
            Truth.self, from: Data(contentsOf: folder.appendingPathComponent("\(name).truth.json")))
        let handle = try PcapHandle.openOffline(path: folder.appendingPathComponent("\(name).pcap").path)
        defer { handle.close() }
        let analyzer = Analyzer()
        let result = try handle.forEachFrame { frame, bytes in
            analyzer.process(bytes, linkType: frame.linkType, timestamp: frame.timestamp, wireLength: frame.originalLength)
        }
        #expect(result.warning == nil)
        #expect(analyzer.statistics.packets == truth.frames)
        #expect(analyzer.statistics.malformed.isEmpty, "\(analyzer.statistics.malformedCounts)")
        let flows = analyzer.finish()
        for expected in truth.flows {
            let label = "\(name) \(expected.label ?? "") \(expected.client.addr):\(expected.client.port)"
            let match = flows.first {
                $0.key.transportProtocol.name == expected.proto
                    && $0.originator.address == IPAddress(expected.client.addr) && Int($0.originator.port) == expected.client.port
                    && $0.responder.address == IPAddress(expected.server.addr) && Int($0.responder.port) == expected.server.port
            }
            let flow = try #require(match, "\(label): no flow from the client to the server")
            let measured = expected.measured
            if let sent = measured?.frames_client_to_server ?? expected.frames_client_to_server {
                #expect(flow.orig.packets == sent, "\(label): client packets")
            }
            if let received = measured?.frames_server_to_client ?? expected.frames_server_to_client {
                #expect(flow.resp.packets == received, "\(label): server packets")
            }
            let facts = flow.applicationFacts
            if let sni = measured?.sni ?? expected.sni {
                #expect(facts.clientHello?.serverName == sni, "\(label): SNI")
            }
            let toServer = measured?.kinds_client_to_server ?? [:]
            let toClient = measured?.kinds_server_to_client ?? [:]
            #expect(facts.stun.requests == toServer["stun-request", default: 0], "\(label): STUN requests")
            #expect(facts.stun.successResponses == toClient["stun-success", default: 0], "\(label): STUN responses")
            #expect(facts.rtpPacketsFromOriginator == toServer["rtp", default: 0], "\(label): RTP sent")
            #expect(facts.rtpPacketsFromResponder == toClient["rtp", default: 0], "\(label): RTP received")
            if toServer["quic-initial", default: 0] > 0 {
                #expect(facts.quicVersions == [.v1], "\(label): QUIC version")
                if toClient.isEmpty {
                    #expect(facts.quicInitialsBeforeReply == toServer["quic-initial"], "\(label): Initials without a reply")
                }
                #expect(facts.clientHelloTransport == .quic, "\(label): the QUIC ClientHello was not decrypted")
                #expect(facts.clientHello?.serverName != nil, "\(label): QUIC SNI")
            }
        }
    }
}
