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

    @Test func durationAndCountStopTheCapture() throws {
        let start = Date()
        let result = try CLI.run(["live", "-i", "lo", "--quiet", "--filter", "udp and dst port 9", "--duration", "0.5"], timeout: 20)
        #expect(result.status == 0)
        #expect(Date().timeIntervalSince(start) < 15)
        #expect(result.standardOutput.contains("0 packets"))
    }
}
