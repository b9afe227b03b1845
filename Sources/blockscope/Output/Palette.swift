import Rules

#if canImport(Glibc)
import Glibc
#endif

/// ANSI colours for the text report: on when standard output is a terminal (`--color auto`) and `NO_COLOR` is not
/// set (https://no-color.org), or always / never as asked.
struct Palette {
    let enabled: Bool

    enum Choice: String, CaseIterable {
        case auto, always, never
    }

    init(enabled: Bool) { self.enabled = enabled }

    init(_ choice: Choice, environment: [String: String], isTerminal: Bool) {
        switch choice {
        case .always: enabled = true
        case .never: enabled = false
        case .auto: enabled = isTerminal && (environment["NO_COLOR"] ?? "").isEmpty && environment["TERM"] != "dumb"
        }
    }

    private func paint(_ text: String, _ code: String) -> String { enabled ? "\u{1b}[\(code)m\(text)\u{1b}[0m" : text }

    func bold(_ text: String) -> String { paint(text, "1") }
    func dim(_ text: String) -> String { paint(text, "2") }

    /// Red for blocked, magenta for throttled, yellow for inconclusive, green for benign.
    func verdictClass(_ text: String, _ verdictClass: VerdictClass) -> String {
        switch verdictClass {
        case .blocked: paint(text, "1;31")
        case .throttled: paint(text, "1;35")
        case .inconclusive: paint(text, "33")
        case .benign: paint(text, "32")
        }
    }
}
