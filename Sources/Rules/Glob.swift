/// A name pattern: `*` matches any run of characters (dots included), `?` exactly one byte; ASCII letters match
/// case-insensitively (DNS names, RFC 4343). `*.ess.apple.com` matches `a.b.ess.apple.com`, not `ess.apple.com`.
struct Glob: Sendable {
    private let pattern: [UInt8]

    init(_ text: String) {
        pattern = text.utf8.map(lowered)
    }

    func matches(_ name: String) -> Bool {
        if let result = name.utf8.withContiguousStorageIfAvailable({ matches(bytes: $0) }) { return result }
        return matches(bytes: Array(name.utf8))
    }

    /// Iterative matching with one backtrack point (the last `*`): linear in practice, never exponential.
    private func matches(bytes: some RandomAccessCollection<UInt8>) -> Bool {
        let text = bytes
        var p = 0
        var t = text.startIndex
        var star: Int?
        var resume = text.startIndex
        while t != text.endIndex {
            if p < pattern.count, pattern[p] == UInt8(ascii: "*") {
                star = p
                p += 1
                resume = t
            } else if p < pattern.count, pattern[p] == UInt8(ascii: "?") || pattern[p] == lowered(text[t]) {
                p += 1
                t = text.index(after: t)
            } else if let s = star {
                p = s + 1
                resume = text.index(after: resume)
                t = resume
            } else {
                return false
            }
        }
        while p < pattern.count, pattern[p] == UInt8(ascii: "*") { p += 1 }
        return p == pattern.count
    }
}

@inline(__always) private func lowered(_ c: UInt8) -> UInt8 {
    c >= 0x41 && c <= 0x5A ? c | 0x20 : c
}
