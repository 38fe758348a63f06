// swift-tools-version: 6.2
import PackageDescription

let strictSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

/// Coverage-guided fuzz targets (docs/fuzzing.md), one product each, built one at a time by scripts/fuzz.sh with
/// `swift build --sanitize fuzzer --product <name> --scratch-path .build-fuzz`. Each holds only the
/// `LLVMFuzzerTestOneInput` function: under `--sanitize fuzzer` libFuzzer supplies `main`; a plain `swift build`
/// links them as executables that do nothing (SwiftPM compiles a one-file executable target as a library and gives
/// it an empty entry point), so they need no special casing here.
let fuzzTargets: [(name: String, dependencies: [Target.Dependency])] = [
    ("FuzzGooseParser", ["SkeinCore"]),
    ("FuzzCommandSplitter", ["SkeinCore", "SkeinSQL"]),
    ("FuzzConnectionString", ["SkeinConnection"]),
    ("FuzzProjectConfiguration", ["SkeinConfig"]),
    ("FuzzQueryFile", ["SkeinCodegen", "SkeinCore"]),
]

let package = Package(
    name: "skein",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "skein", targets: ["SkeinCLI"]),
        .library(name: "SkeinCore", targets: ["SkeinCore"]),
        .library(name: "SkeinConnection", targets: ["SkeinConnection"]),
        .library(name: "SkeinGovernance", targets: ["SkeinGovernance"]),
        .library(name: "SkeinSandbox", targets: ["SkeinSandbox"]),
        .library(name: "SkeinPostgres", targets: ["SkeinPostgres"]),
        .library(name: "SkeinFleet", targets: ["SkeinFleet"]),
        .library(name: "SkeinLint", targets: ["SkeinLint"]),
        .library(name: "SkeinVerify", targets: ["SkeinVerify"]),
        .library(name: "SkeinCodegen", targets: ["SkeinCodegen"]),
        .library(name: "SkeinTypes", targets: ["SkeinTypes"]),
        .plugin(name: "GenerateQueries", targets: ["GenerateQueries"]),
    ] + fuzzTargets.map { .executable(name: $0.name, targets: [$0.name]) },
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/swiftlang/swift-subprocess", from: "1.0.2"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-system", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
    ],
    targets: [
        .target(
            name: "SkeinCore",
            dependencies: [.product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strictSettings
        ),
        .target(
            name: "SkeinConnection",
            dependencies: ["SkeinCore"],
            swiftSettings: strictSettings
        ),
        .target(
            name: "SkeinGovernance",
            dependencies: ["SkeinCore"],
            swiftSettings: strictSettings
        ),
        .systemLibrary(
            name: "CPgQuery",
            providers: [.apt(["libpg-query-dev"]), .brew(["libpg_query"])]
        ),
        .target(
            name: "SkeinSQL",
            dependencies: ["CPgQuery"],
            swiftSettings: strictSettings
        ),
        // The Swift runtime's global-enqueue hook, set by the CLI to run Swift concurrency on NIO's event loop.
        .target(name: "CSkeinExecutor"),
        // libpq's header, and its functions loaded on first use (not linked: see Sources/CLibPQ/include/shim.h).
        .target(
            name: "CLibPQ",
            linkerSettings: [.linkedLibrary("dl", .when(platforms: [.linux]))]
        ),
        .target(
            name: "SkeinCodegen",
            dependencies: [
                "CLibPQ", "SkeinSQL", "SkeinCore", "SkeinConnection", .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            // The runtime `skein generate`'s code may import: codecs for PostgreSQL types PostgresNIO lacks.
            name: "SkeinTypes",
            dependencies: [
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "SkeinLint",
            dependencies: ["SkeinCore", "SkeinSQL"],
            swiftSettings: strictSettings
        ),
        .target(
            name: "SkeinPostgres",
            dependencies: [
                "SkeinCore", "SkeinConnection", "SkeinGovernance",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "SkeinFleet",
            dependencies: [
                "SkeinCore", "SkeinConnection", "SkeinGovernance", "SkeinPostgres",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "SkeinVerify",
            dependencies: [
                "SkeinCore", "SkeinPostgres",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "SkeinConfig",
            dependencies: ["SkeinCore", "SkeinGovernance", .product(name: "Yams", package: "Yams")],
            swiftSettings: strictSettings
        ),
        .target(
            name: "SkeinSandbox",
            dependencies: [
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "SystemPackage", package: "swift-system"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "SkeinInvocation",
            dependencies: ["SkeinCore", "SkeinConnection"],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "SkeinCLI",
            dependencies: [
                "SkeinCore",
                "SkeinConnection",
                "SkeinGovernance",
                "SkeinInvocation",
                "SkeinConfig",
                "SkeinLint",
                "SkeinSQL",
                "SkeinSandbox",
                "SkeinPostgres",
                "SkeinFleet",
                "SkeinVerify",
                "SkeinCodegen",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                "CSkeinExecutor",
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        .plugin(
            name: "GenerateQueries",
            capability: .command(
                intent: .custom(
                    verb: "generate-queries",
                    description: "Generate PostgresNIO code from sqlc-annotated queries (skein generate)"),
                permissions: [
                    .writeToPackageDirectory(reason: "skein generate writes the generated Swift files"),
                    .allowNetworkConnections(
                        scope: .all(),
                        reason:
                            "skein generate connects to the PostgreSQL that describes the queries: a throwaway local cluster, or the server of --dev-url"
                    ),
                ]
            )
        ),
        .target(
            name: "SkeinTestSupport",
            dependencies: [
                "SkeinSandbox",
                .product(name: "SystemPackage", package: "swift-system"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/SkeinTestSupport",
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "SkeinCoreTests",
            dependencies: ["SkeinCore"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "SkeinConnectionTests",
            dependencies: ["SkeinConnection"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "SkeinGovernanceTests",
            dependencies: ["SkeinGovernance", "SkeinCore"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "SkeinSQLTests",
            dependencies: ["SkeinSQL", "SkeinCore"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "SkeinLintTests",
            dependencies: ["SkeinLint", "SkeinCore", "SkeinSQL", "SkeinTestSupport"],
            exclude: ["Fixtures"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "SkeinTypesTests",
            dependencies: [
                "SkeinTypes", "SkeinTestSupport",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "SkeinPostgresTests",
            dependencies: [
                "SkeinPostgres", "SkeinCore", "SkeinConnection", "SkeinTestSupport",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "SkeinVerifyTests",
            dependencies: [
                "SkeinVerify", "SkeinPostgres", "SkeinCore", "SkeinTestSupport", "SkeinLint",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            exclude: ["Fixtures"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "SkeinCodegenTests",
            dependencies: ["SkeinCodegen", "SkeinTestSupport"],
            exclude: ["Fixtures"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "GeneratedCodeTests",
            dependencies: [
                "SkeinCodegen", "SkeinTestSupport", "SkeinTypes",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            exclude: ["Fixture"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "GeneratedPluginFormTests",
            dependencies: [
                "SkeinCodegen", "SkeinTestSupport", "SkeinTypes",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            exclude: ["Fixture"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "SkeinSandboxTests",
            dependencies: [
                "SkeinSandbox", "SkeinTestSupport",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "SkeinCLITests",
            dependencies: [
                "SkeinCLI", "SkeinInvocation", "SkeinCore", "SkeinConfig", "SkeinGovernance", "SkeinTestSupport",
                "SkeinSandbox", "SkeinFleet",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strictSettings
        ),
    ]
        + fuzzTargets.map {
            .executableTarget(
                name: $0.name, dependencies: $0.dependencies, path: "Sources/Fuzz/\($0.name)",
                swiftSettings: strictSettings)
        }
)
