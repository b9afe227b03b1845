import Blockscope
import Rules
import TestSupport
import Testing
import WireFormat

/// The assessment's rules of evidence over synthetic verdict streams (the verdicts are given; what is tested is how
/// they add up): one flow never concludes, `likely` needs attempts over time plus a control, truncated flows are
/// ignored, mixed outcomes give a ratio, and FaceTime's call-setup pattern with its benign twin.
@Suite("Assessment across flows")
struct AssessmentTests {
    static let base: Int64 = 1_764_000_000 * 1_000_000_000

    /// A flow starting `at` seconds into the capture, lasting `lasting` seconds.
    static func flow(
        at seconds: Double, lasting: Double = 5, _ proto: String = "tcp", to address: String = "198.51.100.2",
        port: UInt16 = 443, name: String? = nil, service: String? = nil, verdict: String, _ verdictClass: VerdictClass,
        responderPayload: Int = 0
    ) -> AssessedFlow {
        let start = Timestamp(nanoseconds: base + Int64(seconds * 1e9))
        return AssessedFlow(
            start: start, end: Timestamp(nanoseconds: start.nanoseconds + Int64(lasting * 1e9)), transport: proto,
            destination: IPAddress(address)!, destinationPort: port, name: name, service: service, verdictID: verdict,
            verdictClass: verdictClass, verdictTitle: "title of \(verdict)", originatorPackets: 4,
            responderPackets: responderPayload > 0 ? 4 : 0, responderPayloadBytes: responderPayload)
    }

    static func assess(_ flows: [AssessedFlow], parameters: AssessmentParameters? = nil) throws -> [AssessmentResult] {
        var assessment = Assessment(parameters: try parameters ?? AssessmentParameters.builtIn())
        for flow in flows { assessment.add(flow) }
        return assessment.results()
    }

    static func only(_ results: [AssessmentResult], _ label: String) throws -> AssessmentResult {
        let matching = results.filter { $0.label == label }
        #expect(matching.count == 1, "\(results.map(\.label))")
        return try #require(matching.first)
    }

    // MARK: - One flow

    @Test func oneBlockedFlowNeverConcludesBlocking() throws {
        let results = try Self.assess([
            Self.flow(at: 0, name: "facetime.apple.com", verdict: "tls-hello-rst", .blocked),
            Self.flow(at: 1, to: "203.0.113.2", name: "www.example.com", verdict: "completed", .benign, responderPayload: 900),
        ])
        // Only the failing address is assessed; the working one is a control, not a group.
        #expect(results.count == 1)
        let result = try Self.only(results, "198.51.100.2")
        #expect(result.scope == .destination)
        #expect(result.conclusion == "inconclusive")
        #expect(result.level == .low)
        #expect(!result.isBlocking)
        let said = result.evidence.joined(separator: "\n")
        #expect(said.contains("one flow looked like tls-hello-rst"), "\(said)")
        #expect(said.contains("tcp to 198.51.100.2:443 (facetime.apple.com)"))
        #expect(said.contains("one flow never concludes blocking"))
        #expect(result.controls.map(\.kind) == [.otherDestination])
    }

    // MARK: - Levels

    /// Three attempts over 2.5 minutes, with a different name working on the same address: `likely`.
    @Test func threeAttemptsOverTimeWithAControlIsLikely() throws {
        var flows = [0.0, 70, 150].map {
            Self.flow(at: $0, name: "facetime.apple.com", verdict: "tls-hello-timeout", .blocked)
        }
        flows.append(Self.flow(at: 80, name: "www.example.com", verdict: "completed", .benign, responderPayload: 5000))
        let result = try Self.only(try Self.assess(flows), "198.51.100.2")
        #expect(result.conclusion == "tls-hello-timeout")
        #expect(result.conclusionClass == .blocked)
        #expect(result.level == .likely)
        #expect(result.isBlocking)
        #expect(result.controls.first?.kind == .sameDestination)
        #expect(result.controls.first?.example == "tcp/443 www.example.com at 198.51.100.2")
        #expect(result.flows.map(\.id) == ["completed", "tls-hello-timeout"])
        #expect(result.flows.map(\.count) == [1, 3])
        #expect(result.summary.hasPrefix("198.51.100.2: title of tls-hello-timeout (likely) — 3 of 4 flows blocked or throttled, in 3 attempts over 2 min 35 s; a control worked (same-destination)"), "\(result.summary)")
        #expect(result.firstTimestamp.nanoseconds == Self.base)
        #expect(result.lastTimestamp.nanoseconds == Self.base + 155_000_000_000)
    }

    @Test func withoutAControlItIsOnlySuspected() throws {
        let flows = [0.0, 70, 150].map { Self.flow(at: $0, name: "facetime.apple.com", verdict: "tls-hello-timeout", .blocked) }
        let result = try Self.only(try Self.assess(flows), "198.51.100.2")
        #expect(result.conclusion == "tls-hello-timeout")
        #expect(result.level == .suspected)
        #expect(result.controls.isEmpty)
        #expect(result.evidence.contains { $0.hasPrefix("no control worked") })
    }

    @Test func attemptsTooCloseInTimeAreOnlySuspected() throws {
        // Three flows in one burst (one attempt), control present: not spread over time.
        var flows = [0.0, 1, 2].map { Self.flow(at: $0, name: "facetime.apple.com", verdict: "tls-hello-timeout", .blocked) }
        flows.append(Self.flow(at: 1, name: "www.example.com", verdict: "completed", .benign, responderPayload: 5000))
        let result = try Self.only(try Self.assess(flows), "198.51.100.2")
        #expect(result.level == .suspected)
        #expect(result.evidence.contains { $0.hasPrefix("1 attempt (distinct 10 s windows with a flow starting) over 7 s") }, "\(result.evidence)")
        // Three attempts, but within two minutes: still suspected.
        var short = [0.0, 30, 60].map { Self.flow(at: $0, name: "facetime.apple.com", verdict: "tls-hello-timeout", .blocked) }
        short.append(Self.flow(at: 1, name: "www.example.com", verdict: "completed", .benign, responderPayload: 5000))
        #expect(try Self.only(try Self.assess(short), "198.51.100.2").level == .suspected)
    }

    @Test func theThresholdsAreData() throws {
        let parameters = try AssessmentParameters.load(
            yaml: "assessment:\n  likely_attempts: 2\n  likely_span: 30s\n", file: "mine.yaml")
        #expect(parameters.likelyAttempts == 2)
        #expect(parameters.likelySpan == 30)
        #expect(parameters.minimumFlows == 2)
        var flows = [0.0, 40].map { Self.flow(at: $0, name: "facetime.apple.com", verdict: "tls-hello-timeout", .blocked) }
        flows.append(Self.flow(at: 1, name: "www.example.com", verdict: "completed", .benign, responderPayload: 5000))
        #expect(try Self.only(try Self.assess(flows, parameters: parameters), "198.51.100.2").level == .likely)
        #expect(try Self.only(try Self.assess(flows), "198.51.100.2").level == .suspected)
        // Bad files: positioned errors, and min_flows can never be 1.
        #expect(throws: RuleError(file: "f", line: 1, column: 12, message: "'min_flows' must be a whole number ≥ 2")) {
            _ = try AssessmentParameters.load(yaml: "min_flows: 1", file: "f")
        } 
        #expect(throws: RuleError(file: "f", line: 2, column: 16, message: "'likely_span' must be a duration, not a number (write a unit: 10s, 2min)")) {
            _ = try AssessmentParameters.load(yaml: "assessment:\n  likely_span: 120", file: "f")
        }
        #expect(throws: RuleError(file: "f", line: 1, column: 1, message: "unknown parameter 'min_flow' (expected one of: attempt_gap, examples, likely_attempts, likely_span, max_destinations, min_flows)")) {
            _ = try AssessmentParameters.load(yaml: "min_flow: 3", file: "f")
        }
    }

    /// docs/OUTPUT.md shows the thresholds; they must be the built-in ones.
    @Test func theDocumentedThresholdsAreTheBuiltInOnes() throws {
        let text = try String(contentsOf: Lab.packageRoot.appendingPathComponent("docs/OUTPUT.md"), encoding: .utf8)
        let start = try #require(text.range(of: "```yaml\nassessment:\n"))
        let end = try #require(text.range(of: "```", range: start.upperBound..<text.endIndex))
        let block = String(text[text.index(start.lowerBound, offsetBy: 8)..<end.lowerBound])
        let documented = try AssessmentParameters.load(yaml: block, file: "docs/OUTPUT.md")
        #expect(documented == (try AssessmentParameters.builtIn()))
        #expect(documented.likelySpan == 120)
        #expect(documented.attemptGap == 10)
    }

    // MARK: - What never counts

    @Test func truncatedFlowsAreNeverEvidence() throws {
        // Three "blocked" verdicts the rules could not have given with the start missing are still ignored when the
        // id says the capture cut them.
        var flows = [0.0, 70, 150].map { Self.flow(at: $0, verdict: "capture-truncated", .inconclusive) }
        flows.append(Self.flow(at: 10, name: "facetime.apple.com", verdict: "tls-hello-timeout", .blocked))
        let result = try Self.only(try Self.assess(flows), "198.51.100.2")
        #expect(result.conclusion == "inconclusive")
        #expect(result.flows.map(\.id) == ["capture-truncated", "tls-hello-timeout"])
        #expect(result.evidence.contains("3 flows cut by the capture or judged by no rule: not counted as evidence"))
        // Truncated flows alone make no group at all.
        #expect(try Self.assess([Self.flow(at: 0, verdict: "capture-truncated", .inconclusive)]).isEmpty)
    }

    @Test func inconclusiveFailuresDoNotConcludeBlocking() throws {
        let flows = [0.0, 70, 150].map { Self.flow(at: $0, "udp", port: 3478, verdict: "stun-unanswered", .inconclusive) }
        let result = try Self.only(try Self.assess(flows), "198.51.100.2")
        #expect(result.conclusion == "inconclusive")
        #expect(result.evidence.contains { $0.hasPrefix("3 flows failed without the marks of blocking (stun-unanswered 3)") })
    }

    /// A refused port or a client that gave up is benign for the flow, but no success: not a control, not "not blocked".
    @Test func benignFlowsWithoutDataAreNeitherControlsNorSuccesses() throws {
        let flows = [
            Self.flow(at: 0, name: "facetime.apple.com", verdict: "tls-hello-rst", .blocked),
            Self.flow(at: 1, to: "203.0.113.2", port: 8443, verdict: "tcp-refused", .benign),
            Self.flow(at: 2, to: "203.0.113.3", name: "www.example.com", service: "Example", verdict: "client-abort", .benign),
        ]
        let results = try Self.assess(flows)
        #expect(try Self.only(results, "198.51.100.2").controls.isEmpty)
        let silent = try Self.only(results, "Example")
        #expect(silent.conclusion == "inconclusive")
        #expect(silent.evidence.contains("1 flow neither failed nor got data back (refused, silent server, client abort): not evidence either way"))
    }

    /// ClientHellos acknowledged and never answered while another name answers on the same address: the server is up
    /// and answers others, so the silence is `tls-hello-muted`; without that control it is only a silent server.
    @Test func mutedRepliesNeedAnotherNameAnsweringOnTheSameAddress() throws {
        var flows = [0.0, 70, 150].map { Self.flow(at: $0, lasting: 12, name: "facetime.apple.com", verdict: "server-silent", .benign) }
        let silentOnly = try Self.only(try Self.assess(flows), "198.51.100.2")
        #expect(silentOnly.conclusion == "inconclusive")
        #expect(silentOnly.evidence.contains("no other name worked on the same address: a silent server looks the same as a muted reply"))
        flows.append(Self.flow(at: 75, name: "www.example.com", verdict: "completed", .benign, responderPayload: 20_000))
        let muted = try Self.only(try Self.assess(flows), "198.51.100.2")
        #expect(muted.conclusion == "tls-hello-muted")
        #expect(muted.conclusionClass == .blocked)
        #expect(muted.level == .likely)
        #expect(muted.controls.map(\.kind) == [.sameDestination])
        // Another address answering is not enough: the silent server may be down for everyone.
        var elsewhere = Array(flows.dropLast())
        elsewhere.append(Self.flow(at: 75, to: "203.0.113.9", name: "www.example.com", verdict: "completed", .benign, responderPayload: 20_000))
        #expect(try Self.only(try Self.assess(elsewhere), "198.51.100.2").conclusion == "inconclusive")
    }

    // MARK: - Mixed outcomes

    @Test func mixedOutcomesReportTheRatio() throws {
        var flows: [AssessedFlow] = []
        for index in 0..<10 {
            let blocked = index % 5 < 2  // 4 of 10 blocked
            flows.append(Self.flow(
                at: Double(index) * 20, name: "youtube.com", service: "YouTube",
                verdict: blocked ? "tcp-freeze" : "completed", blocked ? .blocked : .benign, responderPayload: 40_000))
        }
        flows.append(Self.flow(at: 5, to: "203.0.113.9", name: "www.example.com", verdict: "completed", .benign, responderPayload: 900))
        let result = try Self.only(try Self.assess(flows), "YouTube")
        #expect(result.scope == .service)
        #expect(result.conclusion == "tcp-freeze")
        #expect(result.level == .likely)
        #expect(result.evidence.contains { $0.hasPrefix("4 of 10 flows with the same trigger failed (40 %), 6 worked") }, "\(result.evidence)")
        #expect(result.controls.map(\.kind) == [.otherDestination])
        // A service where every flow worked: not blocked.
        let clean = (0..<3).map { Self.flow(at: Double($0), name: "www.example.com", service: "Example", verdict: "completed", .benign, responderPayload: 10) }
        let fine = try Self.only(try Self.assess(clean), "Example")
        #expect(fine.conclusion == "not-blocked")
        #expect(fine.level == .likely)
        #expect(fine.conclusionClass == .benign)
    }

    // MARK: - FaceTime

    static func faceTimeCall(at start: Double, pushWorks: Bool = true, relayClass: VerdictClass = .blocked) -> [AssessedFlow] {
        [
            Self.flow(at: start, "udp", port: 3478, service: "FaceTime", verdict: "stun-unanswered", relayClass),
            Self.flow(at: start + 1, "udp", port: 16393, service: "FaceTime", verdict: "udp-unanswered", relayClass),
        ]
    }

    @Test func faceTimeSetupBlocked() throws {
        var flows = [Self.flow(at: 0, lasting: 200, port: 5223, name: "init.ess.apple.com", service: "FaceTime",
                               verdict: "completed", .benign, responderPayload: 3000)]
        for start in [5.0, 70, 140] { flows += Self.faceTimeCall(at: start) }
        flows.append(Self.flow(at: 6, "udp", to: "203.0.113.2", port: 3478, verdict: "completed", .benign, responderPayload: 100))
        let result = try Self.only(try Self.assess(flows), "FaceTime")
        #expect(result.conclusion == "facetime-setup-blocked")
        #expect(result.conclusionClass == .blocked)
        #expect(result.level == .likely)
        #expect(result.summary == "FaceTime: call setup blocked at the network level (likely) — 6 of 6 relay/media flows unanswered in 3 attempts while the push connection worked and a control worked (other-destination)")
        // The push connection on the same address is part of the pattern, not a control.
        #expect(result.controls.map(\.kind) == [.otherDestination])
        #expect(result.evidence.contains("6 of 6 relay/media flows (UDP to 198.51.100.2 ports 3478, 16393) got nothing back"))
        // One call attempt: suspected.
        var one = [Self.flow(at: 0, lasting: 12, port: 5223, name: "init.ess.apple.com", service: "FaceTime", verdict: "completed", .benign, responderPayload: 3000)]
        one += Self.faceTimeCall(at: 2, relayClass: .inconclusive)
        let suspected = try Self.only(try Self.assess(one), "FaceTime")
        #expect(suspected.conclusion == "facetime-setup-blocked")
        #expect(suspected.level == .suspected)
        #expect(suspected.controls.isEmpty)
    }

    /// The benign twin: the push connection fails too (and no host answered anything): nothing says the network
    /// singled out the call setup.
    @Test func faceTimeWithThePushConnectionFailingIsNotSetupBlocked() throws {
        var flows = [Self.flow(at: 0, lasting: 12, port: 5223, name: "init.ess.apple.com", service: "FaceTime",
                               verdict: "tcp-syn-timeout", .inconclusive)]
        for start in [5.0, 70, 140] { flows += Self.faceTimeCall(at: start, relayClass: .inconclusive) }
        let result = try Self.only(try Self.assess(flows), "FaceTime")
        #expect(result.conclusion == "inconclusive")
        #expect(result.evidence.contains("the push connection failed too (1 flow)"))
    }

    // MARK: - Bounded memory

    @Test func manyWorkingFlowsMakeNoGroups() throws {
        var assessment = Assessment(parameters: try AssessmentParameters.builtIn())
        for index in 0..<20_000 {
            let address = "198.51.\(100 + index / 65_536).\(index / 256 % 256)"
            assessment.add(Self.flow(at: Double(index) / 100, to: address, verdict: "completed", .benign, responderPayload: 10))
        }
        #expect(assessment.results().isEmpty)
        #expect(assessment.flowCount == 20_000)
    }
}
