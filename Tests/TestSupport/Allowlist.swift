import Foundation

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

    public struct AllowlistError: Error, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }
}

