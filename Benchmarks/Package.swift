// swift-tools-version: 6.2
// Micro benchmarks (ordo-one/benchmark). A separate package so the benchmark plugin and its
// dependencies stay out of the root build, test and fuzz graphs. Run: `swift package benchmark`.
import Foundation
import PackageDescription

// A path dependency's identity is its directory's name (the checkout's name: "main", "wt-bench",
// "actionqueue-storage", ...), so derive it instead of hard-coding one.
let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().lastPathComponent

let package = Package(
    name: "aq-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(path: "../"),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .systemLibrary(name: "CZlib", path: "CZlib"),
        .executableTarget(
            name: "AQBenchmarks",
            dependencies: [
                .product(name: "AQLog", package: root),
                .product(name: "Benchmark", package: "benchmark"),
                "CZlib",
            ],
            path: "AQBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]),
    ]
)
