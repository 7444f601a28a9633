// swift-tools-version: 6.2
import PackageDescription

let strict: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableExperimentalFeature("Lifetimes"),
]

let package = Package(
    name: "actionqueue-storage",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "AQLog", targets: ["AQLog"]),
        .library(name: "ActionQueue", targets: ["ActionQueue"]),
        // A log as a swift-service-lifecycle `Service`: its own product, so AQLog alone does not
        // bring in swift-service-lifecycle (and swift-async-algorithms behind it).
        .library(name: "AQLogServiceLifecycle", targets: ["AQLogServiceLifecycle"]),
        .executable(name: "aq-wal", targets: ["aq-wal"]),
        .executable(name: "aq-bench", targets: ["aq-bench"]),
        .library(name: "AQLogSimulation", targets: ["AQLogSimulation"]),
        .executable(name: "aq-crash-writer", targets: ["aq-crash-writer"]),
        .executable(name: "aq-fuzz", targets: ["aq-fuzz"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-system", from: "1.8.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.1"),
        // `swift package generate-documentation` (scripts/check-docs.sh); adds nothing to the products.
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
    ],
    targets: [
        // C shims: thin wrappers over liburing and ISA-L, and the read loops' frame checks
        // (CCRC's FrameRun.c), the one hot path written in C.
        .target(name: "CURing", path: "CShims/CURing", linkerSettings: [.linkedLibrary("uring")]),
        .target(name: "CCRC", path: "CShims/CCRC", linkerSettings: [.linkedLibrary("isal"), .linkedLibrary("z")]),
        // aq-bench's raw baseline loops (liburing and plain pwrite + fdatasync).
        .target(name: "CBaseline", path: "CShims/CBaseline", linkerSettings: [.linkedLibrary("uring"), .linkedLibrary("isal")]),

        .target(
            name: "AQLog",
            dependencies: [
                "CURing", "CCRC",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "SystemPackage", package: "swift-system"),
            ],
            swiftSettings: strict),
        .target(
            name: "AQLogServiceLifecycle",
            dependencies: ["AQLog", .product(name: "ServiceLifecycle", package: "swift-service-lifecycle")],
            swiftSettings: strict),
        .target(name: "ActionQueue", dependencies: ["AQLog", .product(name: "Logging", package: "swift-log")], swiftSettings: strict),
        .executableTarget(
            name: "aq-wal",
            dependencies: ["AQLog", "ActionQueue", .product(name: "ArgumentParser", package: "swift-argument-parser"),
                           .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict),
        .executableTarget(
            name: "aq-bench",
            dependencies: [
                "AQLog", "ActionQueue", "CURing", "CCRC", "CBaseline",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ],
            swiftSettings: strict),

        // Fault-injecting simulated storage (test support; not in the production path).
        .target(
            name: "AQLogSimulation",
            dependencies: ["AQLog", .product(name: "SystemPackage", package: "swift-system")],
            swiftSettings: strict),
        // Helper for the SIGKILL crash tests: appends deterministic records, prints acknowledged sequences.
        .executableTarget(name: "aq-crash-writer", dependencies: ["AQLog"], swiftSettings: strict),
        // libFuzzer harness over the segment scanner (build with --sanitize=fuzzer -Xswiftc -DFUZZING; see scripts/fuzz.sh).
        .executableTarget(name: "aq-fuzz", dependencies: ["AQLog", "AQLogSimulation"], swiftSettings: strict),

        .target(name: "AQTestSupport", path: "Tests/AQTestSupport", swiftSettings: strict),
        .testTarget(
            name: "AQLogSimulationTests",
            dependencies: [
                "AQLogSimulation", "AQLog",
                .product(name: "SystemPackage", package: "swift-system"),
                .product(name: "PropertyBased", package: "swift-property-based"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        .testTarget(
            name: "AQLogTests",
            dependencies: ["AQLog", "AQLogSimulation", "CCRC", "AQTestSupport",
                           .product(name: "PropertyBased", package: "swift-property-based"),
                           .product(name: "MetricsTestKit", package: "swift-metrics"),
                           .product(name: "SystemPackage", package: "swift-system")],
            swiftSettings: strict),
        // A client that imports AQLog alone, with member import visibility (SE-0444) on: what
        // AQLog's public API needs (`Errno` for `IOFailure.errno`) must come with it.
        .testTarget(
            name: "AQLogClientTests",
            dependencies: ["AQLog"],
            swiftSettings: strict + [.enableUpcomingFeature("MemberImportVisibility")]),
        .testTarget(
            name: "AQLogServiceLifecycleTests",
            dependencies: ["AQLogServiceLifecycle", "AQLog", "AQTestSupport",
                           .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                           .product(name: "ServiceLifecycleTestKit", package: "swift-service-lifecycle"),
                           .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict),
        .testTarget(
            name: "ActionQueueTests",
            dependencies: ["ActionQueue", "AQLog", "AQLogSimulation", "AQTestSupport", .product(name: "PropertyBased", package: "swift-property-based"),
                           .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict),
        .testTarget(
            name: "AQBenchTests",
            dependencies: ["aq-bench"],
            swiftSettings: strict),
        .testTarget(
            name: "AQWalTests",
            dependencies: ["AQLog", "ActionQueue", "AQTestSupport", "aq-wal"],
            swiftSettings: strict),
    ]
)
