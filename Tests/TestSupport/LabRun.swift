import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Runs `Captures/lab/lab.sh` (the DPI lab: network namespaces, real stacks, a netfilter middlebox) from tests.
///
/// The lab needs root and its tools (`lab.sh check`). Tests that run it are enabled when both are there, or when
/// `BLOCKSCOPE_CI=1` / `BLOCKSCOPE_REQUIRE_LAB=1` is set: then a missing tool or a non-root run fails.
public enum LabRun {
    public static let script: URL = Lab.packageRoot.appendingPathComponent("Captures/lab/lab.sh")

    public struct Result: Sendable {
        public var status: Int32
        public var standardOutput: String
        public var standardError: String
        /// Whether the run was stopped (SIGTERM, then SIGKILL) for taking longer than allowed.
        public var timedOut: Bool
    }

    /// Root and every lab tool present (`lab.sh check` exits 0).
    public static let available: Bool = {
        guard Lab.isRoot, let result = try? run(["check"], timeout: 30) else { return false }
        return result.status == 0
    }()

    public static var enabled: Bool { available || Lab.required }
    public static let comment: Comment =
        "the DPI lab needs root and its tools (Captures/lab/lab.sh check; set BLOCKSCOPE_REQUIRE_LAB=1 to make this a failure)"

    /// The scenario names, in the order `lab.sh record all` runs them; `BLOCKSCOPE_LAB_SCENARIOS=a,b` keeps only
    /// those (to re-run a few while working on them).
    public static var scenarios: [String] {
        guard let result = try? run(["list"], timeout: 30), result.status == 0 else { return [] }
        let all = result.standardOutput.split(separator: "\n").map(String.init)
        guard let only = ProcessInfo.processInfo.environment["BLOCKSCOPE_LAB_SCENARIOS"], !only.isEmpty else { return all }
        let wanted = Set(only.split(separator: ",").map(String.init))
        return all.filter { wanted.contains($0) }
    }

    /// Runs `lab.sh ARGUMENTS` to completion. Its output goes to temporary files (no pipe can fill up). Past
    /// `timeout` seconds it gets SIGTERM, on which it removes its namespaces and kills its processes by PID, then
    /// SIGKILL 20 s later. When the test process itself is interrupted (SIGINT to the process group), lab.sh gets
    /// the same signal and cleans up the same way.
    ///
    /// Spawned with posix_spawn, an empty signal mask and default signal dispositions: a child inherits the
    /// blocked signals of the thread that starts it, and test threads block most of them, so under Foundation's
    /// `Process` tcpdump, `timeout` and `blockscope live` in the lab never saw their SIGINT/SIGALRM.
    public static func run(_ arguments: [String], timeout: TimeInterval) throws -> Result {
        let logs = Lab.temporaryPath("-lab-logs")
        try FileManager.default.createDirectory(atPath: logs, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: logs) }
        let outPath = logs + "/stdout"
        let errPath = logs + "/stderr"

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigmask(&attributes, &none)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in Int32(1)..<32 where signal != SIGKILL && signal != SIGSTOP { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)

        let argv: [UnsafeMutablePointer<CChar>?] = (["/bin/bash", script.path] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, "/bin/bash", &actions, &attributes, argv, environ)
        guard spawned == 0 else { throw POSIXError(POSIXErrorCode(rawValue: spawned) ?? .EINVAL) }

        var status: Int32 = 0
        func reaped() -> Bool { waitpid(pid, &status, WNOHANG) == pid }
        let deadline = Date().addingTimeInterval(timeout)
        var timedOut = false
        var done = reaped()
        while !done {
            if Date() > deadline {
                timedOut = true
                kill(pid, SIGTERM)
                let hard = Date().addingTimeInterval(20)
                while !done, Date() < hard {
                    usleep(50_000)
                    done = reaped()
                }
                if !done {
                    kill(pid, SIGKILL)
                    waitpid(pid, &status, 0)
                    done = true
                }
                break
            }
            usleep(50_000)
            done = reaped()
        }
        // Exit status, or 128 + the signal that ended it (as the shell reports it).
        let exitStatus = status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return Result(
            status: exitStatus,
            standardOutput: (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "",
            standardError: (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "", timedOut: timedOut)
    }

    /// A fresh empty directory in the temporary directory.
    public static func temporaryDirectory() throws -> String {
        let path = Lab.temporaryPath("-lab")
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// What one lab run left behind, from the line it logs first (`pid P, namespaces bs-{c,m,s}-P, temporary
    /// directory D`): its namespaces, its temporary directory, and any process whose command line names that
    /// directory (every server, client and tcpdump of the run does). Other people's lab runs are not counted.
    public static func leftovers(ofRunLogged log: String) -> [String] {
        guard let line = log.split(separator: "\n").first(where: { $0.contains("temporary directory /tmp/bs-lab.") }),
            let pidField = line.split(separator: ",").first?.split(separator: " ").last,
            let temporary = line.split(separator: " ").last.map(String.init)
        else { return ["the run did not log its pid and temporary directory"] }
        var left: [String] = []
        let namespaces = (try? FileManager.default.contentsOfDirectory(atPath: "/run/netns")) ?? []
        left += namespaces.filter { $0 == "bs-c-\(pidField)" || $0 == "bs-m-\(pidField)" || $0 == "bs-s-\(pidField)" }
        if FileManager.default.fileExists(atPath: temporary) { left.append(temporary) }
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] where Int(entry) != nil {
            guard let raw = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline") else { continue }
            let commandLine = String(decoding: raw.map { $0 == 0 ? 32 : $0 }, as: UTF8.self)
            if commandLine.contains(temporary) { left.append("process \(entry): \(commandLine.prefix(120))") }
        }
        return left
    }
}
