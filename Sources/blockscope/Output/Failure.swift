import ArgumentParser
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import PacketCapture

/// Every error the CLI reports, mapped to a message and an exit code in one place.
enum Failure: Error, CustomStringConvertible {
    case capture(CaptureError)
    case usage(String)

    var description: String {
        switch self {
        case .capture(let error): error.description
        case .usage(let message): message
        }
    }

    /// 2: the input or the command line was wrong (missing file, not a capture, bad filter, no permission).
    var exitCode: ExitCode { ExitCode(2) }

    /// Prints `blockscope: error: ...` on standard error and exits with the error's code.
    static func exit(_ error: any Error) -> ExitCode {
        let failure: Failure
        switch error {
        case let error as Failure: failure = error
        case let error as CaptureError: failure = .capture(error)
        default: failure = .usage(String(describing: error))
        }
        Terminal.standardError.write("blockscope: error: \(failure.description)\n")
        return failure.exitCode
    }
}

/// Standard output and error without Foundation's buffering surprises; text is written as UTF-8.
struct Terminal {
    let handle: FileHandle
    static let standardOutput = Terminal(handle: .standardOutput)
    static let standardError = Terminal(handle: .standardError)

    func write(_ text: String) { handle.write(Data(text.utf8)) }

    static var standardErrorIsTerminal: Bool { isatty(STDERR_FILENO) != 0 }
    static var standardOutputIsTerminal: Bool { isatty(STDOUT_FILENO) != 0 }
}

/// Buffered standard output for line-per-packet or line-per-flow output.
final class OutputBuffer {
    private var buffer: [UInt8] = []
    private let limit = 1 << 16
    /// A line's buffer, kept between lines (`takeSpare`, `giveSpare`).
    private var spare: [UInt8] = []

    init() { buffer.reserveCapacity(limit + 1024) }

    func write(_ text: String) {
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= limit { flush() }
    }

    func write(bytes: [UInt8]) {
        buffer.append(contentsOf: bytes)
        if buffer.count >= limit { flush() }
    }

    /// An empty buffer with room for a line (what `giveSpare` kept, else a new one): lines are built in it and
    /// handed back, so that writing one line per flow allocates nothing once the first has been written.
    func takeSpare() -> [UInt8] {
        var taken: [UInt8] = []
        swap(&taken, &spare)
        if taken.capacity < 1024 { taken.reserveCapacity(4096) }
        return taken
    }

    /// Keeps `bytes` (emptied by the caller) for the next `takeSpare`.
    func giveSpare(_ bytes: [UInt8]) { spare = bytes }

    func flush() {
        guard !buffer.isEmpty else { return }
        buffer.withUnsafeBytes { raw in
            guard let base = raw.baseAddress else { return }
            var offset = 0
            while offset < raw.count {
                let written = Glibc.write(STDOUT_FILENO, base + offset, raw.count - offset)
                if written <= 0 { break }  // EPIPE (e.g. `| head`): nothing more to say
                offset += written
            }
        }
        buffer.removeAll(keepingCapacity: true)
    }

    deinit { flush() }
}
