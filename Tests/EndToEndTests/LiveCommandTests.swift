import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `blockscope live` on the loopback interface, as root: it captures, drops root to `nobody` once the capture
/// is open, and on SIGINT/SIGTERM stops cleanly and reports what it saw. Traffic goes to 127.0.0.1 only.
@Suite("blockscope live", .serialized, .enabled(if: Lab.rootEnabled, Lab.rootComment))
struct LiveCommandTests {
    /// The real uid of `pid` from /proc, or nil when it has exited.
    static func uid(of pid: Int32) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix("Uid:") }) else { return nil }
        return line.split(whereSeparator: { $0 == " " || $0 == "\t" }).dropFirst().first.flatMap { Int($0) }
    }

    /// Sends `count` UDP datagrams from an ephemeral port to 127.0.0.1:`port`.
    static func sendUDP(to port: UInt16, count: Int) {
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { return }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
        for index in 0..<count {
            let payload = Array("blockscope-live-\(index)".utf8)
            _ = withUnsafePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    sendto(fd, payload, payload.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
        }
    }

    /// Sends `count` datagrams from an ephemeral port to a socket bound on 127.0.0.1:`port`, which echoes each back.
    static func echoUDP(port: UInt16, count: Int) {
        let server = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        let client = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        guard server >= 0, client >= 0 else { return }
        defer {
            close(server)
            close(client)
        }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
        let length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(server, $0, length) } }
        guard bound == 0 else { return }
        var buffer = [UInt8](repeating: 0, count: 256)
        for index in 0..<count {
            let payload = Array("blockscope-echo-\(index)".utf8)
            _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { sendto(client, payload, payload.count, 0, $0, length) } }
            var peer = sockaddr_in()
            var peerLength = length
            let received = withUnsafeMutablePointer(to: &peer) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { recvfrom(server, &buffer, buffer.count, 0, $0, &peerLength) }
            }
            guard received > 0 else { return }
            _ = withUnsafePointer(to: &peer) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { sendto(server, buffer, received, 0, $0, peerLength) } }
        }
    }

    /// Waits until `pid` runs as `nobody`: the capture is open.
    static func waitUntilListening(_ running: CLI.Running) -> Bool {
        guard let nobody = getpwnam("nobody")?.pointee.pw_uid else { return false }
        for _ in 0..<500 where running.process.isRunning {
            if uid(of: running.process.processIdentifier) == Int(nobody) { return true }
            usleep(10_000)
        }
        return false
    }

    /// On SIGINT/SIGTERM the text report gives the flows as they ended, then the assessment, then the counts.
    @Test(arguments: [SIGINT, SIGTERM])
    func theAssessmentIsPrintedWhenTheCaptureStops(_ signal: Int32) throws {
        let port = UInt16.random(in: 42000...48000)
        let services = Lab.temporaryPath(".yaml")
        defer { try? FileManager.default.removeItem(atPath: services) }
        try """
            services:
              - name: Loopback echo
                match:
                  - addresses: [127.0.0.1]
                    udp: [\(port)]
            """.write(toFile: services, atomically: true, encoding: .utf8)
        chmod(services, 0o644)
        let running = try CLI.start([
            "live", "-i", "lo", "--quiet", "--all-flows", "--services", services, "--filter", "udp and port \(port)",
        ])
        let pid = running.process.processIdentifier
        defer { if running.process.isRunning { kill(pid, SIGKILL) } }
        #expect(Self.waitUntilListening(running), "the live process never became nobody")
        Self.echoUDP(port: port, count: 5)
        usleep(300_000)
        kill(pid, signal)
        let result = running.finish()
        #expect(result.status == 0, "\(result.standardError)")
        let text = result.standardOutput
        let flows = try #require(text.range(of: "Flows:"), "\(text)")
        let assessment = try #require(text.range(of: "Assessment (per service, and per address where something failed):"))
        let counts = try #require(text.range(of: "verdicts:   benign/completed 1"))
        #expect(flows.upperBound < assessment.lowerBound)
        #expect(assessment.upperBound < counts.lowerBound)
        #expect(text.contains("127.0.0.1:\(port)"))
        #expect(text.contains("  Loopback echo: no sign of blocking (low) — 1 of 1 flows worked"), "\(text)")
    }

    @Test(arguments: [SIGINT, SIGTERM])
    func capturesDropsRootAndStopsCleanly(_ signal: Int32) throws {
        #expect(getuid() == 0, "live capture tests need root")
        guard let nobody = getpwnam("nobody")?.pointee.pw_uid else {
            Issue.record("no user nobody on this machine")
            return
        }
        let port = UInt16.random(in: 42000...48000)
        let running = try CLI.start(["live", "-i", "lo", "--json", "--quiet", "--filter", "udp and dst port \(port)"])
        let pid = running.process.processIdentifier
        defer { if running.process.isRunning { kill(pid, SIGKILL) } }
        // Root is dropped only once the capture is open: the uid changing is the sign it is listening.
        var dropped = false
        for _ in 0..<500 where running.process.isRunning {
            if Self.uid(of: pid) == Int(nobody) {
                dropped = true
                break
            }
            usleep(10_000)
        }
        #expect(dropped, "the live process never became nobody")
        Self.sendUDP(to: port, count: 5)
        usleep(300_000)
        kill(pid, signal)
        let result = running.finish()
        #expect(result.status == 0, "\(result.standardError)")
        let objects = try CLI.objects(result.standardOutput)
        let flow = try #require(objects.first { $0["type"] as? String == "flow" }, "\(result.standardOutput)")
        #expect(flow["resp_p"] as? Int == Int(port))
        #expect(flow["resp_h"] as? String == "127.0.0.1")
        #expect(flow["orig_pkts"] as? Int == 5)
        let stats = try #require(objects.last)
        #expect(stats["type"] as? String == "stats")
        #expect(stats["kernel_drops"] as? Int == 0)
        // Nothing answered and nothing failed: no service, no failing address, so no assessment object.
        #expect(!objects.contains { $0["type"] as? String == "assessment" })
    }

    @Test func unknownInterfaceAndBadFilterAreClearErrors() throws {
        let missing = try CLI.run(["live", "-i", "blockscope-no-such-if0", "--duration", "1"])
        #expect(missing.status == 2)
        #expect(missing.standardError.contains("no such interface"), "\(missing.standardError)")
        let badFilter = try CLI.run(["live", "-i", "lo", "--filter", "udp port banana", "--duration", "1"])
        #expect(badFilter.status == 2)
        #expect(badFilter.standardError.contains("bad BPF filter"))
        let badUser = try CLI.run(["live", "-i", "lo", "--user", "blockscope-no-such-user", "--duration", "1"])
        #expect(badUser.status == 2)
        #expect(badUser.standardError.contains("no such user"))
    }

    /// As root, the test can still see what an unprivileged user gets: the binary run as nobody via setpriv.
    @Test func withoutPrivilegesTheErrorSaysWhatIsNeeded() throws {
        let setpriv = "/usr/bin/setpriv"
        try #require(FileManager.default.isExecutableFile(atPath: setpriv), "setpriv (util-linux) is needed")
        // A copy nobody can execute, wherever the build directory is.
        let directory = Lab.temporaryPath("-bin")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let copy = directory + "/blockscope"
        try FileManager.default.copyItem(atPath: CLI.binary.path, toPath: copy)
        chmod(directory, 0o755)
        chmod(copy, 0o755)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: setpriv)
        process.arguments = ["--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all", copy,
                             "live", "-i", "lo", "--duration", "1"]
        process.currentDirectoryURL = URL(fileURLWithPath: "/")
        let error = Pipe()
        process.standardError = error
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let text = String(decoding: error.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 2)
        #expect(text.contains("live capture needs root or CAP_NET_RAW"), "\(text)")
    }

    /// Runs `arguments` to completion; returns its status (for `ip` and the traffic generator).
    static func system(_ arguments: [String]) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// `live --export-pcap DIR`: packets are spooled (the spool and the new directory handed to nobody before
    /// root is dropped), and on SIGINT the flagged flow's packets land in DIR/<verdict>.pcap and the spool is gone.
    /// Silence from loopback is never called blocking, so the test makes a network namespace of its own with
    /// documentation addresses on its loopback (192.0.2.7 the client, 198.51.100.7 the server) and runs both the
    /// capture and the traffic inside it.
    @Test func exportsFlaggedFlowsWhenStopped() throws {
        guard let nobody = getpwnam("nobody")?.pointee.pw_uid else {
            Issue.record("no user nobody on this machine")
            return
        }
        let namespace = "bs-export-\(getpid())"
        try #require(try Self.system(["ip", "netns", "add", namespace]) == 0, "ip netns add (iproute2) is needed")
        defer { _ = try? Self.system(["ip", "netns", "delete", namespace]) }
        for command in [
            ["ip", "-n", namespace, "link", "set", "lo", "up"],
            ["ip", "-n", namespace, "addr", "add", "192.0.2.7/32", "dev", "lo"],
            ["ip", "-n", namespace, "addr", "add", "198.51.100.7/32", "dev", "lo"],
        ] {
            try #require(try Self.system(command) == 0, "\(command.joined(separator: " "))")
        }
        let parent = Lab.temporaryPath("-live-export")
        try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
        chmod(parent, 0o755)
        defer { try? FileManager.default.removeItem(atPath: parent) }
        let directory = parent + "/evidence"
        let running = try CLI.start(
            ["live", "-i", "lo", "--json", "--filter", "udp and host 198.51.100.7", "--export-pcap", directory],
            prefix: ["ip", "netns", "exec", namespace])
        let pid = running.process.processIdentifier
        defer { if running.process.isRunning { kill(pid, SIGKILL) } }
        for _ in 0..<500 where running.process.isRunning && Self.uid(of: pid) != Int(nobody) { usleep(10_000) }
        #expect(Self.uid(of: pid) == Int(nobody))
        let spool = directory + "/.blockscope-live-\(pid).pcap"
        #expect(FileManager.default.fileExists(atPath: spool), "the spool is open while capturing")
        // A control the server answers (an echo on port 7000), then five datagrams over 3.6 s into silence (a
        // listener on port 7001 that never answers): udp-unanswered, with the same host answering alongside.
        let traffic = """
            import socket, time
            echo = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); echo.bind(("198.51.100.7", 7000))
            sink = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); sink.bind(("198.51.100.7", 7001))
            control = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); control.bind(("192.0.2.7", 0))
            control.sendto(b"ping", ("198.51.100.7", 7000)); data, peer = echo.recvfrom(64); echo.sendto(data, peer)
            control.recvfrom(64)
            client = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); client.bind(("192.0.2.7", 0))
            for index in range(5):
                if index: time.sleep(0.9)
                client.sendto(b"blockscope-export-%d" % index, ("198.51.100.7", 7001))
            time.sleep(0.2)
            """
        #expect(try Self.system(["ip", "netns", "exec", namespace, "python3", "-c", traffic]) == 0)
        kill(pid, SIGINT)
        let result = running.finish()
        // One flow called blocked, and one flow never concludes blocking: flagged without a conclusion (4).
        #expect(result.status == 4, "a flow was called blocked: \(result.standardError)")
        let verdicts = try CLI.objects(result.standardOutput).compactMap { ($0["verdict"] as? [String: Any])?["id"] as? String }
        #expect(verdicts.sorted() == ["completed", "udp-unanswered"])
        #expect(!FileManager.default.fileExists(atPath: spool), "the spool is removed at the end")
        let exported = directory + "/udp-unanswered.pcap"
        #expect(result.standardError.contains("exported 5 packets of 1 udp-unanswered flow(s) to \(exported)"), "\(result.standardError)")
        let owner = try FileManager.default.attributesOfItem(atPath: directory)[.ownerAccountID] as? Int
        #expect(owner == Int(nobody), "the directory live created belongs to the user it became")
        let again = try CLI.run(["analyze", "--json", "--quiet", exported])
        let flows = try CLI.objects(again.standardOutput).filter { $0["type"] as? String == "flow" }
        #expect(flows.count == 1)
        #expect(flows.first?["orig_pkts"] as? Int == 5)
        // Alone, without its control, the flow is no longer called blocked: the export keeps the evidence, and
        // the verdict says what the evidence alone supports.
        #expect((flows.first?["verdict"] as? [String: Any])?["id"] as? String == "udp-unanswered")
        #expect((flows.first?["verdict"] as? [String: Any])?["class"] as? String == "inconclusive")
    }

    /// An existing directory the unprivileged user cannot write is refused before anything is captured.
    @Test func exportDirectoryNobodyCannotWriteIsRefused() throws {
        let directory = Lab.temporaryPath("-live-export-root")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        chmod(directory, 0o755)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let result = try CLI.run(["live", "-i", "lo", "--duration", "1", "--export-pcap", directory], timeout: 20)
        #expect(result.status == 2)
        #expect(result.standardError.contains("\(directory): not writable by the user live mode becomes"), "\(result.standardError)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory).isEmpty, "no spool left behind")
    }

    /// Rule and services files are read before root is dropped: a file only root can read still works.
    @Test func filesOnlyRootCanReadAreReadBeforePrivilegesAreDropped() throws {
        let directory = Lab.temporaryPath("-root-only")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        chmod(directory, 0o700)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let rules = directory + "/rules.yaml"
        try Data("- id: my-rule\n  title: T\n  class: benign\n  confidence: low\n  when: \"false\"\n".utf8)
            .write(to: URL(fileURLWithPath: rules))
        chmod(rules, 0o600)
        let services = directory + "/services.yaml"
        try Data("- name: Mine\n  match:\n    - sni: [mine.example]\n".utf8).write(to: URL(fileURLWithPath: services))
        chmod(services, 0o600)
        let result = try CLI.run(
            ["live", "-i", "lo", "--quiet", "--filter", "udp and dst port 9", "--duration", "0.5", "--rules", rules,
             "--services", services], timeout: 20)
        #expect(result.status == 0, "\(result.standardError)")
        // And a broken rules file fails before any capture, with its place.
        try Data("- id: Bad\n".utf8).write(to: URL(fileURLWithPath: rules))
        let broken = try CLI.run(["live", "-i", "lo", "--duration", "0.5", "--rules", rules], timeout: 20)
        #expect(broken.status == 2)
        #expect(broken.standardError.contains("\(rules):1:7:"), "\(broken.standardError)")
    }

    @Test func durationAndCountStopTheCapture() throws {
        let start = Date()
        let result = try CLI.run(["live", "-i", "lo", "--quiet", "--filter", "udp and dst port 9", "--duration", "0.5"], timeout: 20)
        #expect(result.status == 0)
        #expect(Date().timeIntervalSince(start) < 15)
        #expect(result.standardOutput.contains("0 packets"))
    }
}
