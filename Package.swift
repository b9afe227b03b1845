// swift-tools-version: 6.1
// Blockscope — is this traffic being blocked or throttled by the network, and how?
// Benchmark and fuzz dependencies stay out of this manifest (see Benchmarks/ and Fuzz/).
import PackageDescription

/// `~Escapable` views over `Span<UInt8>` need the experimental Lifetimes feature; it is confined to `WireFormat`.
let lifetimes: [SwiftSetting] = [.enableExperimentalFeature("Lifetimes")]

let package = Package(
    name: "Blockscope",
    platforms: [.macOS("26.0")],
    products: [
        .executable(name: "blockscope", targets: ["blockscope"]),
        .library(name: "WireFormat", targets: ["WireFormat"]),
        .library(name: "PacketCapture", targets: ["PacketCapture"]),
        // For Benchmarks/ (a package of its own that depends on this one by path).
        .library(name: "QUICInitial", targets: ["QUICInitial"]),
        .library(name: "FlowTracking", targets: ["FlowTracking"]),
        .library(name: "Rules", targets: ["Rules"]),
        .library(name: "Blockscope", targets: ["Blockscope"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.0.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CPcap",
            pkgConfig: "libpcap",
            providers: [.apt(["libpcap-dev"]), .brew(["libpcap"])]
        ),
        .target(name: "WireFormat", swiftSettings: lifetimes),
        .target(name: "PacketCapture", dependencies: ["CPcap", "WireFormat"], swiftSettings: lifetimes),
        // QUIC Initial decryption (RFC 9001 §5, RFC 9369): key derivation, header protection, CRYPTO reassembly.
        .target(
            name: "QUICInitial",
            dependencies: [
                "WireFormat", .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
            ],
            swiftSettings: lifetimes
        ),
        .target(
            name: "FlowTracking",
            dependencies: ["WireFormat", "QUICInitial", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: lifetimes
        ),
        // The rule language (expressions over flow-record fields), rule files (YAML) and the engine.
        .target(name: "Rules", dependencies: ["WireFormat", "Yams"]),
        .target(
            name: "Blockscope", dependencies: ["WireFormat", "FlowTracking", "QUICInitial", "Rules"], swiftSettings: lifetimes
        ),
        .executableTarget(
            name: "blockscope",
            dependencies: [
                "PacketCapture", "Blockscope", "WireFormat", "FlowTracking",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: lifetimes
        ),
        // Where the shared captures are, and whether tests that need them, root or lab tools may skip.
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "WireFormatTests", dependencies: ["WireFormat", "PacketCapture", "TestSupport"]),
        .testTarget(name: "PacketCaptureTests", dependencies: ["PacketCapture", "WireFormat", "TestSupport", "CPcap"]),
        .testTarget(name: "FlowTrackingTests", dependencies: ["FlowTracking", "WireFormat", "TestSupport"]),
        .testTarget(name: "RulesTests", dependencies: ["Rules", "WireFormat", "TestSupport"]),
        .testTarget(
            name: "QUICInitialTests",
            dependencies: [
                "QUICInitial", "WireFormat", "PacketCapture", "TestSupport", .product(name: "Crypto", package: "swift-crypto"),
            ]),
        .testTarget(
            name: "EndToEndTests",
            // The CLI is a dependency so that `swift test` builds the binary these tests run.
            dependencies: [
                "Blockscope", "PacketCapture", "WireFormat", "FlowTracking", "QUICInitial", "TestSupport", "blockscope",
            ]
        ),
    ]
)
