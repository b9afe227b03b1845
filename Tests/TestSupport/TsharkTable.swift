import Foundation

/// A `.tshark.tsv` file: a header row of field names, one row per frame, values joined with `;`.
public struct TsharkTable {
    public let columns: [String: Int]
    public let lines: [Substring]

    public init(path: String) throws {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: true)
        guard !lines.isEmpty else { throw CocoaError(.fileReadCorruptFile) }
        let header = lines.removeFirst().split(separator: "\t", omittingEmptySubsequences: false)
        columns = Dictionary(header.enumerated().map { (String($1), $0) }, uniquingKeysWith: { first, _ in first })
        self.lines = lines
    }

    public var count: Int { lines.count }
    public func row(_ index: Int) -> Row { Row(columns: columns, values: lines[index].split(separator: "\t", omittingEmptySubsequences: false)) }

    public struct Row {
        public let columns: [String: Int]
        public let values: [Substring]

        public func value(_ name: String) -> Substring? {
            guard let index = columns[name], index < values.count, !values[index].isEmpty else { return nil }
            return values[index]
        }

        /// The outermost value of a field (tunnels and ICMP quotes give several, outer first).
        public func first(_ name: String) -> String? {
            value(name).map { String($0.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false)[0]) }
        }

        /// Every value of a field (several for tunnels, ICMP quotes, several PDUs in one frame).
        public func all(_ name: String) -> [Substring] {
            value(name).map { $0.split(separator: ";", omittingEmptySubsequences: true) } ?? []
        }

        /// 4 or 6 for the outermost IP layer in `frame.protocols`, nil when tshark decoded no IP address (it
        /// lists `ip` even for a header it rejects, e.g. a bad version, but then prints no field of it).
        public var outerIPVersion: Int? {
            guard let protocols = value("frame.protocols") else { return nil }
            for layer in protocols.split(separator: ":") {
                if layer == "ip" { return value("ip.src") == nil ? nil : 4 }
                if layer == "ipv6" { return value("ipv6.src") == nil ? nil : 6 }
            }
            return nil
        }
    }
}
