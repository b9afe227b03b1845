// swift-tools-version: 6.1
// Blockscope's benchmarks and corpus generator: a package of its own so that `swift test` in the project never
// builds ordo-one/benchmark (see README.md here).
import PackageDescription

let package = Package(
    name: "BlockscopeBenchmarks",
    platforms: [.macOS("26.0")],
    dependencies: [
        .package(name: "Blockscope", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.0", traits: ["MallocInterposer"]),
    ],
    targets: [
        // Writes a deterministic ~2M-packet pcap with real protocol bytes from ../Captures.
        .executableTarget(
            name: "corpus-generator",
            dependencies: [
                .product(name: "PacketCapture", package: "Blockscope"),
                .product(name: "WireFormat", package: "Blockscope"),
            ],
            path: "Sources/CorpusGenerator"
        ),
        // `swift package benchmark`: dissection per protocol, reassembly, QUIC decryption, flow table, rules, pipeline.
        .executableTarget(
            name: "BlockscopeBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "Blockscope", package: "Blockscope"),
                .product(name: "FlowTracking", package: "Blockscope"),
                .product(name: "PacketCapture", package: "Blockscope"),
                .product(name: "QUICInitial", package: "Blockscope"),
                .product(name: "WireFormat", package: "Blockscope"),
            ],
            path: "Benchmarks/BlockscopeBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ]
)
