import Foundation
import Testing

/// An allowlist of understood disagreements with tshark: `capture<TAB>field<TAB>at most N<TAB>reason` per line.
public struct Allowlist {
    public var entries: [String: Int] = [:]

    /// Reads `path` (relative to the package root).
    public static func load(_ path: String) throws -> Allowlist {
        let url = Lab.packageRoot.appendingPathComponent(path)
        let text = try String(contentsOf: url, encoding: .utf8)
        var list = Allowlist()
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if line.isEmpty || line.hasPrefix("#") { continue }
            let parts = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard parts.count == 4, let count = Int(parts[2]), !parts[3].isEmpty else {
                throw AllowlistError(message: "\(path) line \(number + 1): expected file, field, count, reason")
            }
            list.entries["\(parts[0])\t\(parts[1])"] = count
        }
        return list
    }

    /// Records an issue for every observed key not listed (`unlisted` names what it is), every count that differs
    /// from the listed one, and every listed key not observed (stale), naming `path`.
    public func check(
        _ observed: [String: Int], path: String, unlisted: String, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        for (key, count) in observed.sorted(by: { $0.key < $1.key }) {
            guard let expected = entries[key] else {
                Issue.record("\(unlisted): \(key): \(count) flows", sourceLocation: sourceLocation)
                continue
            }
            #expect(count == expected, "\(key): \(count) flows, listed \(expected)", sourceLocation: sourceLocation)
        }
        for key in entries.keys.sorted() where observed[key] == nil {
            Issue.record("stale line in \(path): \(key)", sourceLocation: sourceLocation)
        }
    }

    public struct AllowlistError: Error, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }
}

