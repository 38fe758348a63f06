// swift-tools-version:6.0
// An app that depends on Skein by path, migrates its database at start-up (MigrationService) and serves queries
// that `skein generate` wrote (Sources/App/Generated). docs/app.md walks through it.
import Foundation
import PackageDescription

// SwiftPM names a path dependency after its folder, so the `package:` of Skein's products is the folder's name
// (`skein` in a clone named skein). Read from the path itself, this manifest works wherever Skein is checked out.
let skeinPath = "../.."
let skein = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(skeinPath)
    .standardizedFileURL.lastPathComponent

let package = Package(
    name: "app",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(path: skeinPath),
        // From a release instead: .package(url: "https://github.com/…/skein", from: "0.1.0"), package: "skein".
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
    ],
    targets: [
        .executableTarget(
            name: "App",
            dependencies: [
                .product(name: "SkeinCore", package: skein),
                .product(name: "SkeinPostgres", package: skein),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            // The migrations ship inside the executable's bundle, copied as they are (not processed).
            resources: [.copy("migrations")],
            swiftSettings: [.enableUpcomingFeature("ExistentialAny")]
        )
    ]
)
