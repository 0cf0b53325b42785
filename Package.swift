// swift-tools-version:6.1
import PackageDescription

// The engine's hot loops (tokenising, stemming, inverting, decoding postings) live in classes
// whose stored properties Swift checks for exclusive access at run time, on every access: in
// release builds those checks were ~3.5% of indexing CPU (`swift_beginAccess`
// in the stem cache's lookup). Compile-time exclusivity checking stays on; tests build debug.
let engineSettings: [SwiftSetting] = [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]

// Dependencies point one way: executables → services → engine / wire → models.
let package = Package(
    name: "Tidende",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "tidende-ingest", targets: ["TidendeIngestMain"]),
        .executable(name: "tidende-query", targets: ["TidendeQueryMain"]),
        .executable(name: "tidende-engine-bench", targets: ["TidendeEngineBench"]),
        .executable(name: "tidende", targets: ["TidendeCLI"]),
        .library(name: "TidendeEngine", targets: ["TidendeEngine"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
    ],
    targets: [
        // MARK: Shared — what both services and clients agree on
        .target(name: "TidendeModels", path: "Shared/Models"),
        .target(
            name: "CTidendeZlib", path: "Shared/CZlib",
            linkerSettings: [.linkedLibrary("z")]
        ),
        .target(
            name: "CTidendeZstd", path: "Shared/CZstd",
            linkerSettings: [.linkedLibrary("zstd")]
        ),
        .target(name: "CTidendeMalloc", path: "Shared/CMalloc"),
        .target(
            name: "TidendeWire",
            dependencies: [
                "TidendeModels", "CTidendeZlib",
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            path: "Shared/Wire"
        ),
        .target(
            name: "TidendeServer",
            dependencies: [
                "TidendeModels", "TidendeWire",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Shared/Server"
        ),

        .target(
            name: "TidendeClient",
            dependencies: ["TidendeWire", .product(name: "NIOCore", package: "swift-nio")],
            path: "Shared/Client"
        ),

        // MARK: The search engine — no sockets
        .target(name: "TidendeAnalysis", path: "Services/Engine/Analysis", swiftSettings: engineSettings),
        .target(name: "TidendeQuerySyntax", path: "Services/Engine/QuerySyntax"),
        .target(
            name: "TidendeEngine",
            dependencies: ["TidendeAnalysis", "TidendeQuerySyntax", "TidendeModels", "CTidendeZlib", "CTidendeZstd", "CTidendeMalloc"],
            path: "Services/Engine/Core",
            swiftSettings: engineSettings
        ),

        // MARK: Services
        .target(
            name: "TidendeIngest",
            dependencies: [
                "TidendeModels", "TidendeWire", "TidendeServer",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            path: "Services/Ingest/Library"
        ),
        .executableTarget(
            name: "TidendeIngestMain",
            dependencies: [
                "TidendeIngest", "TidendeServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Services/Ingest/Main"
        ),

        .target(
            name: "TidendeQuery",
            dependencies: [
                "TidendeModels", "TidendeWire", "TidendeServer", "TidendeEngine", "TidendeAnalysis", "TidendeQuerySyntax",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Services/Query/Library"
        ),
        .executableTarget(
            name: "TidendeQueryMain",
            dependencies: [
                "TidendeQuery", "TidendeEngine", "TidendeServer", "TidendeWire",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Services/Query/Main"
        ),
        .executableTarget(
            name: "TidendeEngineBench",
            dependencies: ["TidendeEngine", "TidendeAnalysis", "TidendeQuerySyntax", "TidendeModels"],
            path: "Services/Engine/Bench"
        ),

        .executableTarget(
            name: "TidendeCLI",
            dependencies: [
                "TidendeClient", "TidendeModels", "TidendeWire",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Services/Client"
        ),

        // MARK: Tests mirror the targets
        // Seeded random numbers for every test target (no dependencies).
        .target(name: "TidendeTestRandom", path: "Tests/TestRandom"),
        // What the end-to-end tests share: a blocking line client, the real executables as processes.
        .target(
            name: "TidendeTestSupport",
            dependencies: ["TidendeTestRandom", "TidendeWire", "TidendeModels", .product(name: "NIOCore", package: "swift-nio")],
            path: "Tests/TestSupport"
        ),
        .testTarget(name: "ModelsTests", dependencies: ["TidendeModels", "TidendeTestRandom"]),
        .testTarget(
            name: "WireTests",
            dependencies: [
                "TidendeWire", "TidendeServer", "TidendeModels", "CTidendeZlib",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "IngestTests",
            dependencies: [
                "TidendeIngest", "TidendeWire", "TidendeModels", "CTidendeZlib", "TidendeTestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .testTarget(name: "AnalysisTests", dependencies: ["TidendeAnalysis"], resources: [.copy("Fixtures")]),
        .testTarget(name: "QuerySyntaxTests", dependencies: ["TidendeQuerySyntax", "TidendeTestRandom"]),
        .testTarget(
            name: "QueryTests",
            dependencies: [
                "TidendeQuery", "TidendeModels", "TidendeWire", "TidendeTestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        .testTarget(name: "EngineTests", dependencies: ["TidendeEngine", "TidendeAnalysis", "TidendeQuerySyntax", "TidendeModels", "TidendeTestRandom"]),
    ],
    swiftLanguageModes: [.v6]
)
