import Foundation
import TestSupport
import Testing

/// Real output validates against docs/output.schema.json (JSON Schema 2020-12, checked with Python's `jsonschema`,
/// which `.ci/run` installs): every record of the project's captures and of a varied set of the shared ones.
@Suite("JSON output vs its schema")
struct OutputSchemaTests {
    static var validatorAvailable: Bool {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", "import jsonschema"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return false }
        process.waitUntilExit()
        return process.terminationStatus == 0
    }

    static let validator = """
        import json, sys, jsonschema
        schema = json.load(open(sys.argv[1]))
        jsonschema.Draft202012Validator.check_schema(schema)
        validator = jsonschema.Draft202012Validator(schema)
        lines = bad = 0
        for line in open(sys.argv[2]):
            lines += 1
            for error in validator.iter_errors(json.loads(line)):
                bad += 1
                print(f"line {lines}: {error.message} at {list(error.path)}")
                break
        print(f"{lines} records, {bad} invalid")
        sys.exit(1 if bad or not lines else 0)
        """

    func validate(_ lines: String) throws -> (Int32, String) {
        let records = Lab.temporaryPath(".jsonl")
        try lines.write(toFile: records, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: records) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", Self.validator, Lab.packageRoot.appendingPathComponent("docs/output.schema.json").path, records]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, text)
    }

    @Test func realOutputValidates() throws {
        guard Self.validatorAvailable else {
            if Lab.required { Issue.record("python3 with jsonschema is needed (pip install jsonschema)") }
            return
        }
        var inputs = try FileManager.default.contentsOfDirectory(atPath: Lab.packageRoot.appendingPathComponent("Captures").path)
            .filter { $0.hasSuffix(".pcap") }.sorted().map { "Captures/\($0)" }
        if Lab.sharedCapturesAvailable {
            inputs += [
                "tripwire/tripwire-1597963966.pcap", "tripwire/airtel_example.pcap", "ndpi/stun.pcap", "ndpi/quic.pcap",
                "zeek/quic/chromium-115.0.5790.110-google-de-fragmented.pcap", "arkime/wireshark-dtls0.pcap",
                "zeek/tunnels/Teredo.pcap", "peafowl/ip_fragmentation/correct_1.pcap", "arkime/v6-http.pcap",
                "tcpdump/LINKTYPE_USER2_PKTAP.pcap",
            ].map { Lab.sharedCaptures.appendingPathComponent($0).path }
        }
        var lines = ""
        for input in inputs {
            let result = try CLI.run(["analyze", "--json", "--quiet", input])
            #expect([0, 3, 4].contains(result.status), "\(input): \(result.standardError)")
            lines += result.standardOutput
        }
        let (status, report) = try validate(lines)
        print("output schema: \(report.split(separator: "\n").last ?? "")")
        #expect(status == 0, "\(report)")
    }

    @Test func theValidatorRejectsABrokenRecord() throws {
        guard Self.validatorAvailable else {
            if Lab.required { Issue.record("python3 with jsonschema is needed (pip install jsonschema)") }
            return
        }
        let good = try CLI.run(["analyze", "--json", "--quiet", "Captures/loopback-facetime-tls.pcap"]).lines
        let flow = try #require(good.first)
        #expect(try validate(flow + "\n").0 == 0)
        // Without its verdict, or with an unknown end reason, a flow record is invalid.
        #expect(try validate(flow.replacing(/,"verdict":\{.*\}\}$/, with: "}") + "\n").0 != 0)
        #expect(try validate(flow.replacingOccurrences(of: "\"end_reason\":\"fin\"", with: "\"end_reason\":\"gone\"") + "\n").0 != 0)
        // An assessment: valid as written; a blocking conclusion at level low, a scope without its key, or a field the
        // schema does not list are not.
        let lines = try CLI.run([
            "analyze", "--json", "--quiet", "--services", "Captures/lab/lab-services.yaml", "Captures/facetime-setup-blocked.pcap",
        ]).lines
        let assessment = try #require(lines.first { $0.contains("\"type\":\"assessment\"") })
        #expect(assessment.contains("\"class\":\"blocked\",\"confidence\":\"likely\""))
        #expect(try validate(assessment + "\n").0 == 0)
        #expect(try validate(assessment.replacingOccurrences(of: "\"confidence\":\"likely\"", with: "\"confidence\":\"low\"") + "\n").0 != 0)
        #expect(try validate(assessment.replacingOccurrences(of: "\"scope\":\"service\"", with: "\"scope\":\"destination\"") + "\n").0 != 0)
        #expect(try validate(assessment.replacingOccurrences(of: "\"summary\":", with: "\"note\":1,\"summary\":") + "\n").0 != 0)
    }
}
