// swift-tools-version: 6.2
// Micro benchmarks (ordo-one/benchmark). A separate package so the benchmark plugin and its
// dependencies stay out of the root build, test and fuzz graphs. Run: `swift package benchmark`.
import PackageDescription

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
                .product(name: "AQLog", package: "wt-bench"),
                .product(name: "Benchmark", package: "benchmark"),
                "CZlib",
            ],
            path: "AQBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]),
    ]
)
