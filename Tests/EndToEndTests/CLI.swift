import Foundation
import TestSupport

/// Runs the `blockscope` binary that `swift test` built next to the test bundle.
enum CLI {
    struct Result {
        var status: Int32
        var standardOutput: String
        var standardError: String
        var lines: [String] { standardOutput.split(separator: "\n").map(String.init) }
    }

    static var binary: URL {
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for directory in [beside, beside.deletingLastPathComponent(), Lab.packageRoot.appendingPathComponent(".build/debug")] {
            let candidate = directory.appendingPathComponent("blockscope")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        return Lab.packageRoot.appendingPathComponent(".build/debug/blockscope")
    }

    /// Runs to completion (bounded: killed after `timeout` seconds) and captures both outputs.
    static func run(_ arguments: [String], timeout: TimeInterval = 60) throws -> Result {
        let process = try start(arguments)
        let deadline = Date().addingTimeInterval(timeout)
        while process.process.isRunning, Date() < deadline { usleep(10_000) }
        if process.process.isRunning { process.process.terminate() }
        return process.finish()
    }

    /// Sendable by hand: the two drain tasks write their own buffer once, and `finish` reads only after
    /// `group.wait()`, which orders those writes before the reads.
    final class Running: @unchecked Sendable {
        let process: Process
        private let output: Pipe
        private let error: Pipe
        private var outputData = Data()
        private var errorData = Data()
        private let group = DispatchGroup()

        init(process: Process, output: Pipe, error: Pipe) {
            self.process = process
            self.output = output
            self.error = error
            // Drain both pipes while the process runs, so a large output cannot block it.
            group.enter()
            DispatchQueue.global().async { [self] in
                outputData = output.fileHandleForReading.readDataToEndOfFile()
                group.leave()
            }
            group.enter()
            DispatchQueue.global().async { [self] in
                errorData = error.fileHandleForReading.readDataToEndOfFile()
                group.leave()
            }
        }

        func finish() -> Result {
            process.waitUntilExit()
            group.wait()
            return Result(
                status: process.terminationStatus, standardOutput: String(decoding: outputData, as: UTF8.self),
                standardError: String(decoding: errorData, as: UTF8.self))
        }
    }

    /// Starts the binary; with `prefix` (e.g. `ip netns exec NS`), through that command, which execs it.
    static func start(_ arguments: [String], prefix: [String] = []) throws -> Running {
        let process = Process()
        if prefix.isEmpty {
            process.executableURL = binary
            process.arguments = arguments
        } else {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = prefix + [binary.path] + arguments
        }
        process.currentDirectoryURL = Lab.packageRoot
        let output = Pipe()
        let error = Pipe()
        process.standardOutput = output
        process.standardError = error
        process.standardInput = FileHandle.nullDevice
        try process.run()
        return Running(process: process, output: output, error: error)
    }

    /// Parses JSON lines into dictionaries.
    static func objects(_ text: String) throws -> [[String: Any]] {
        try text.split(separator: "\n").map { line in
            guard let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
                throw CocoaError(.coderReadCorrupt)
            }
            return object
        }
    }
}
