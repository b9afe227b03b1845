import Foundation
import TestSupport
import Testing

/// `blockscope analyze` and `inspect` on the project's own capture, checked against the truth file the recording
/// script derived from tshark; and every error path a user can hit.
@Suite("blockscope analyze / inspect")
struct AnalyzeCommandTests {
    static let capture = "Captures/loopback-facetime-tls.pcap"

    struct Truth: Decodable {
        struct Endpoint: Decodable {
            var addr: String
            var port: Int
        }
        struct Flow: Decodable {
            var proto: String
            var client: Endpoint
            var server: Endpoint
            var frames_client_to_server: Int
            var frames_server_to_client: Int
            var tcp: TCP?
        }
        struct TCP: Decodable {
            var payload_bytes_client_to_server: Int
            var payload_bytes_server_to_client: Int
            var fin_client: Bool
            var fin_server: Bool
            var rst_client: Bool
            var rst_server: Bool
        }
        var frames: Int
        var flows: [Flow]
    }

    @Test func jsonFlowsMatchTheTruthFile() throws {
        let truthData = try Data(contentsOf: Lab.packageRoot.appendingPathComponent("Captures/loopback-facetime-tls.truth.json"))
        let truth = try JSONDecoder().decode(Truth.self, from: truthData)
        let result = try CLI.run(["analyze", "--json", Self.capture])
        #expect(result.status == 0, "\(result.standardError)")
        let objects = try CLI.objects(result.standardOutput)
        let flows = objects.filter { $0["type"] as? String == "flow" }
        let stats = try #require(objects.last)
        #expect(stats["type"] as? String == "stats")
        #expect(stats["packets"] as? Int == truth.frames)
        #expect(flows.count == truth.flows.count)
        for expected in truth.flows {
            let match = flows.first {
                $0["orig_p"] as? Int == expected.client.port && $0["resp_p"] as? Int == expected.server.port
            }
            let flow = try #require(match, "no flow \(expected.client.port) → \(expected.server.port)")
            #expect(flow["schema"] as? Int == 1)
            #expect(flow["proto"] as? String == expected.proto)
            #expect(flow["orig_h"] as? String == expected.client.addr)
            #expect(flow["resp_h"] as? String == expected.server.addr)
            #expect(flow["orig_pkts"] as? Int == expected.frames_client_to_server)
            #expect(flow["resp_pkts"] as? Int == expected.frames_server_to_client)
            // FINs both ways: `fin`; a RST: by its sender; otherwise the flow was still open at the end.
            let reason = expected.tcp.map { tcp in
                tcp.rst_server ? "rst-resp" : tcp.rst_client ? "rst-orig" : tcp.fin_client && tcp.fin_server ? "fin" : "capture-end"
            } ?? "capture-end"
            #expect(flow["end_reason"] as? String == reason)
            #expect((flow["community_id"] as? String)?.hasPrefix("1:") == true)
            if let tcp = expected.tcp {
                #expect(flow["orig_bytes"] as? Int == tcp.payload_bytes_client_to_server)
                #expect(flow["resp_bytes"] as? Int == tcp.payload_bytes_server_to_client)
            }
        }
        #expect(result.standardError.contains("packets/s"))
        #expect(result.standardError.contains("MB/s"))
        // The TLS flow's application fields (schema 1): the ClientHello's SNI and ALPN, its JA4, the version.
        let tls = try #require(flows.first { $0["resp_p"] as? Int == 8443 })
        #expect(tls["sni"] as? String == "facetime.apple.com")
        #expect(tls["alpn"] as? [String] == ["h2", "http/1.1"])
        #expect((tls["ja4"] as? String)?.hasPrefix("t13d") == true)
        #expect(tls["tls_version"] as? String == "TLS 1.3")
        #expect(tls["app"] as? [String] == ["tls"])
        let udp = try #require(flows.first { $0["proto"] as? String == "udp" })
        #expect(udp["sni"] is NSNull)
        #expect(udp["stun"] is NSNull)
    }

    @Test func textReportNamesFlowsAndCounts() throws {
        // Nothing to flag: the flows are counted, not listed, unless --all-flows.
        let result = try CLI.run(["analyze", Self.capture])
        #expect(result.status == 0)
        #expect(result.standardOutput.contains("No flow to flag among 3 flows (--all-flows lists them)."))
        #expect(!result.standardOutput.contains("127.0.0.1:40798"))
        #expect(result.standardOutput.contains("link types: ethernet 30"))
        #expect(result.standardOutput.contains("flows:      3"))
        let all = try CLI.run(["analyze", "--all-flows", Self.capture])
        #expect(all.status == 0)
        #expect(all.standardOutput.contains("127.0.0.1:40798"))
        #expect(all.standardOutput.contains("127.0.0.1:8443"))
        #expect(all.standardOutput.contains("→ completed: Completed normally"))
        #expect(all.standardOutput.contains("flows:      3"))
    }

    @Test func sameFileTwiceGivesTheSameFlows() throws {
        func flowLines() throws -> [String] {
            try CLI.run(["analyze", "--json", Self.capture]).lines.filter { $0.contains("\"type\":\"flow\"") }
        }
        #expect(try flowLines() == flowLines())
    }

    @Test func filterNarrowsTheFlows() throws {
        let result = try CLI.run(["analyze", "--json", "--filter", "udp", Self.capture])
        #expect(result.status == 0)
        let flows = try CLI.objects(result.standardOutput).filter { $0["type"] as? String == "flow" }
        #expect(flows.count == 1)
        #expect(flows.first?["proto"] as? String == "udp")
    }

    @Test func inspectPrintsOneLinePerPacket() throws {
        let result = try CLI.run(["inspect", Self.capture, "-c", "4"])
        #expect(result.status == 0)
        #expect(result.lines.count == 4)
        #expect(result.lines[0].contains("127.0.0.1:40798 > 127.0.0.1:8443 TCP [S]"))
        #expect(result.lines[0].contains("ttl=64"))
        #expect(result.lines[1].contains("TCP [S.]"))
        #expect(result.lines[3].contains("| TLS ClientHello sni=facetime.apple.com alpn=h2,http/1.1 ja4=t13d"))
        let all = try CLI.run(["inspect", Self.capture])
        #expect(all.lines.count == 30)
        #expect(all.lines.last?.contains("TCP [R.]") == true)
    }

    /// The lab's SNI-triggered RST injection: the record carries Zeek's view and the injection evidence.
    @Test func injectedResetEvidenceInTheRecord() throws {
        let result = try CLI.run(["analyze", "--json", "--quiet", "Captures/sni-rst-injection.pcap"])
        // Two FaceTime flows (by server name) blocked: an assessment concludes blocking (exit 3).
        #expect(result.status == 3)
        let flows = try CLI.objects(result.standardOutput).filter { $0["type"] as? String == "flow" }
        let injected = try #require(flows.first { $0["sni"] as? String == "facetime.apple.com" })
        #expect(injected["conn_state"] as? String == "RSTR")
        #expect(injected["history"] as? String == "ShADr")
        #expect(injected["end_reason"] as? String == "rst-resp")
        let verdict = try #require(injected["verdict"] as? [String: Any])
        #expect(verdict["id"] as? String == "tls-hello-rst")
        #expect(verdict["class"] as? String == "blocked")
        #expect(verdict["confidence"] as? String == "high")
        #expect((verdict["evidence"] as? [String])?.contains("resp_rst_ttl_outside = true") == true)
        let teardown = try #require(injected["teardown"] as? [String: Any])
        let request = try #require(teardown["first_request"] as? [String: Any])
        #expect(request["acked"] as? Bool == false)
        let responder = try #require(teardown["resp"] as? [String: Any])
        let reset = try #require(responder["first_rst"] as? [String: Any])
        #expect(reset["ttl"] as? Int == 64)
        #expect(reset["ttl_difference"] as? Int == 6)
        #expect(reset["ttl_outside_earlier"] as? Bool == true)
        // The text report says it in words.
        let text = try CLI.run(["analyze", "--quiet", "Captures/sni-rst-injection.pcap"])
        #expect(text.standardOutput.contains("RST from the responder, TTL 64 vs 58 before"))
        #expect(text.standardOutput.contains("→ BLOCKED tls-hello-rst (high confidence)"))
        // The bundled loopback capture has nothing to flag: exit 0.
        #expect(try CLI.run(["analyze", "--quiet", Self.capture]).status == 0)
    }

    // MARK: - Errors: a clear message and exit status 2, never a crash

    @Test func missingFile() throws {
        let result = try CLI.run(["analyze", "/nonexistent/capture.pcap"])
        #expect(result.status == 2)
        #expect(result.standardError.contains("blockscope: error: /nonexistent/capture.pcap: no such file"))
    }

    @Test func notACapture() throws {
        let path = Lab.temporaryPath(".pcap")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data("GET / HTTP/1.1\r\nHost: example\r\n\r\n".utf8).write(to: URL(fileURLWithPath: path))
        let result = try CLI.run(["analyze", path])
        #expect(result.status == 2)
        #expect(result.standardError.contains("not a pcap or pcapng file"))
        let empty = Lab.temporaryPath(".pcap")
        defer { try? FileManager.default.removeItem(atPath: empty) }
        FileManager.default.createFile(atPath: empty, contents: Data())
        let emptyResult = try CLI.run(["inspect", empty])
        #expect(emptyResult.status == 2)
        #expect(emptyResult.standardError.contains("empty"))
    }

    @Test func aBadFileAmongGoodOnesStopsBeforeReading() throws {
        let result = try CLI.run(["analyze", Self.capture, "/nonexistent.pcap"])
        #expect(result.status == 2)
        #expect(result.standardOutput.isEmpty)
    }

    @Test func badFilterShowsLibpcapsMessage() throws {
        let result = try CLI.run(["analyze", "--filter", "tcp port banana", Self.capture])
        #expect(result.status == 2)
        #expect(result.standardError.contains("bad BPF filter \"tcp port banana\""))
    }

    @Test func truncatedFileKeepsWhatWasReadAndWarns() throws {
        let original = try Data(contentsOf: Lab.packageRoot.appendingPathComponent(Self.capture))
        let path = Lab.temporaryPath(".pcap")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try original.prefix(original.count - 20).write(to: URL(fileURLWithPath: path))
        let result = try CLI.run(["analyze", "--json", path])
        #expect(result.status == 0)
        #expect(result.standardError.contains("truncated"))
        let stats = try #require(try CLI.objects(result.standardOutput).last)
        #expect(stats["packets"] as? Int == 29)
        #expect((stats["warnings"] as? [String])?.first?.contains("byte offset") == true)
    }

    @Test func usageErrors() throws {
        // Every usage error exits 2 (README), ArgumentParser's own (64) included.
        #expect(try CLI.run(["analyze"]).status == 2)
        #expect(try CLI.run(["inspect", Self.capture, "-c", "0"]).status == 2)
        let maxFlows = try CLI.run(["analyze", "--max-flows", "0", Self.capture])
        #expect(maxFlows.status == 2)
        #expect(maxFlows.standardError.contains("--max-flows must be at least 1"))
        #expect(try CLI.run(["analyz", Self.capture]).status == 2)
        let help = try CLI.run(["--help"])
        #expect(help.status == 0)
        #expect(help.standardOutput.contains("analyze"))
        #expect(help.standardOutput.contains("live"))
    }
}
