import Foundation
import Testing

/// Where the shared lab resources are and whether tests that need them (or root) must run.
///
/// A test that needs `../shared/captures` or root is disabled with a message when they are missing, unless
/// `BLOCKSCOPE_CI=1` or `BLOCKSCOPE_REQUIRE_LAB=1` is set: then it runs and fails, so CI can never pass by skipping.
public enum Lab {
    /// `Tests/TestSupport/Lab.swift` → the package root, three levels up.
    public static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// `../shared/captures` next to the package root.
    public static let sharedCaptures: URL = packageRoot.deletingLastPathComponent()
        .appendingPathComponent("shared/captures", isDirectory: true)

    public static var sharedCapturesAvailable: Bool {
        FileManager.default.fileExists(atPath: sharedCaptures.appendingPathComponent("corpus.json").path)
    }

    public static var required: Bool {
        let environment = ProcessInfo.processInfo.environment
        return environment["BLOCKSCOPE_CI"] == "1" || environment["BLOCKSCOPE_REQUIRE_LAB"] == "1"
    }

    public static var isRoot: Bool { getuid() == 0 }

    /// Runs when the shared captures exist, or when they are required (and then fails inside the test).
    public static var sharedCapturesEnabled: Bool { sharedCapturesAvailable || required }
    public static let sharedCapturesComment: Comment =
        "shared captures not found at ../shared/captures (set BLOCKSCOPE_REQUIRE_LAB=1 to make this a failure)"

    public static var rootEnabled: Bool { isRoot || required }
    public static let rootComment: Comment = "live capture tests need root (set BLOCKSCOPE_REQUIRE_LAB=1 to make this a failure)"

    /// A fresh path in the temporary directory.
    public static func temporaryPath(_ suffix: String) -> String {
        FileManager.default.temporaryDirectory
            .appendingPathComponent("blockscope-capture-\(UUID().uuidString)\(suffix)").path
    }

    /// The capture files listed in `../shared/captures/corpus.json`, relative to that folder.
    public static func corpusEntries() throws -> [String] {
        struct Entry: Decodable { var file: String }
        let data = try Data(contentsOf: sharedCaptures.appendingPathComponent("corpus.json"))
        return try JSONDecoder().decode([Entry].self, from: data).map(\.file)
    }
}
