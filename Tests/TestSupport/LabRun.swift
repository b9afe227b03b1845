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
    public static func run(_ arguments: [String], timeout: TimeInterval) throws -> Result {
        let logs = Lab.temporaryPath("-lab-logs")
        try FileManager.default.createDirectory(atPath: logs, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: logs) }
        let outPath = logs + "/stdout"
        let errPath = logs + "/stderr"
        FileManager.default.createFile(atPath: outPath, contents: nil)
        FileManager.default.createFile(atPath: errPath, contents: nil)
        let output = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
        let error = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [script.path] + arguments
        process.currentDirectoryURL = Lab.packageRoot
        process.standardOutput = output
        process.standardError = error
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(timeout)
        var timedOut = false
        while process.isRunning {
            if Date() > deadline {
                timedOut = true
                kill(process.processIdentifier, SIGTERM)
                let hard = Date().addingTimeInterval(20)
                while process.isRunning, Date() < hard { usleep(50_000) }
                if process.isRunning { kill(process.processIdentifier, SIGKILL) }
                break
            }
            usleep(50_000)
        }
        process.waitUntilExit()
        try? output.close()
        try? error.close()
        return Result(
            status: process.terminationStatus,
            standardOutput: (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "",
            standardError: (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "", timedOut: timedOut)
    }

    /// A fresh empty directory in the temporary directory.
    public static func temporaryDirectory() throws -> String {
        let path = Lab.temporaryPath("-lab")
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// Lab namespaces (`bs-*`) that exist now.
    public static func namespaces() -> Set<String> {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: "/run/netns")) ?? []
        return Set(names.filter { $0.hasPrefix("bs-") })
    }
}
