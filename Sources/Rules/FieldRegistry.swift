/// The fields that rules may read from a record: a name, a type, one line of documentation and a reader.
///
/// The engine is generic over the record; whoever owns the record type registers its documented fields.
/// Adding a name twice replaces the earlier entry (its position in `fields` is kept).
public struct FieldRegistry<Record>: Sendable {
    struct Entry: Sendable {
        var name: String
        var type: ValueType
        var documentation: String
        var read: @Sendable (Record) -> Value
    }

    private(set) var entries: [Entry] = []
    private var index: [String: Int] = [:]

    public init() {}

    public mutating func add(
        _ name: String, _ type: ValueType, _ documentation: String, _ read: @escaping @Sendable (Record) -> Value
    ) {
        let entry = Entry(name: name, type: type, documentation: documentation, read: read)
        if let i = index[name] {
            entries[i] = entry
        } else {
            index[name] = entries.count
            entries.append(entry)
        }
    }

    /// Every field in registration order (for documentation and `rules show`).
    public var fields: [(name: String, type: ValueType, documentation: String)] {
        entries.map { ($0.name, $0.type, $0.documentation) }
    }

    func entry(_ name: String) -> Entry? {
        index[name].map { entries[$0] }
    }

    /// The registered name closest to `name` (edit distance at most a third of its length, at least 2).
    func suggestion(for name: String) -> String? {
        nearest(name, among: entries.map(\.name))
    }
}

// MARK: - Suggestions

/// The candidate closest to `word` by Levenshtein distance, if close enough to be a plausible typo.
func nearest(_ word: String, among candidates: [String]) -> String? {
    let limit = max(2, word.count / 3)
    var best: (String, Int)?
    for candidate in candidates {
        let d = editDistance(word.lowercased(), candidate.lowercased())
        if d <= limit, d < (best?.1 ?? Int.max) { best = (candidate, d) }
    }
    return best?.0
}

func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a.unicodeScalars)
    let b = Array(b.unicodeScalars)
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var previous = Array(0...b.count)
    var current = previous
    for i in 1...a.count {
        current[0] = i
        for j in 1...b.count {
            current[j] = Swift.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
        }
        swap(&previous, &current)
    }
    return previous[b.count]
}
