import Foundation
import Testing

/// Where the shared lab resources are and whether tests that need them (or root) must run.
///
/// A test that needs `../shared/captures` or root is disabled with a message when they are missing, unless
/// `BLOCKSCOPE_CI=1` or `BLOCKSCOPE_REQUIRE_LAB=1` is set: then it runs and fails, so CI can never pass by skipping.
enum Lab {
    /// `Tests/PacketCaptureTests/Lab.swift` → the package root, three levels up.
    static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// `../shared/captures` next to the package root.
    static let sharedCaptures: URL = packageRoot.deletingLastPathComponent()
        .appendingPathComponent("shared/captures", isDirectory: true)

    static var sharedCapturesAvailable: Bool {
        FileManager.default.fileExists(atPath: sharedCaptures.appendingPathComponent("corpus.json").path)
    }

    static var required: Bool {
        let environment = ProcessInfo.processInfo.environment
        return environment["BLOCKSCOPE_CI"] == "1" || environment["BLOCKSCOPE_REQUIRE_LAB"] == "1"
    }

    static var isRoot: Bool { getuid() == 0 }

    /// Runs when the shared captures exist, or when they are required (and then fails inside the test).
    static var sharedCapturesEnabled: Bool { sharedCapturesAvailable || required }
    static let sharedCapturesComment: Comment =
        "shared captures not found at ../shared/captures (set BLOCKSCOPE_REQUIRE_LAB=1 to make this a failure)"

    static var rootEnabled: Bool { isRoot || required }
    static let rootComment: Comment = "live capture tests need root (set BLOCKSCOPE_REQUIRE_LAB=1 to make this a failure)"

    /// A fresh path in the temporary directory.
    static func temporaryPath(_ suffix: String) -> String {
        FileManager.default.temporaryDirectory
            .appendingPathComponent("blockscope-capture-\(UUID().uuidString)\(suffix)").path
    }
}
