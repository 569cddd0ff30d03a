// swift-tools-version:6.2
import PackageDescription

let package = Package(
    name: "Tributary",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "tributary", targets: ["tributary"])
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/adam-fowler/compress-nio", from: "1.5.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
    ],
    targets: [
        .systemLibrary(
            name: "CCurl", path: "Sources/CCurl", pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(
            name: "CLibXML2", path: "Sources/CLibXML2", pkgConfig: "libxml-2.0",
            providers: [.apt(["libxml2-dev"])]),
        .target(name: "TributaryCore"),
        .target(name: "XMLSupport", dependencies: ["CLibXML2", "TributaryCore"]),
        .target(name: "FeedParse", dependencies: ["TributaryCore", "XMLSupport"]),
        .target(
            name: "FeedFetch",
            dependencies: ["CCurl", "TributaryCore", .product(name: "Logging", package: "swift-log")]),
        .target(
            name: "ArticleStore",
            dependencies: [
                "TributaryCore", .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
            ]),
        .target(name: "FeedGen", dependencies: ["TributaryCore", "XMLSupport"]),
        .target(name: "TributaryConfig", dependencies: ["TributaryCore", "Yams"]),
        .target(
            name: "Aggregator",
            dependencies: [
                "TributaryCore", "TributaryConfig", "FeedFetch", "FeedParse", "ArticleStore", "FeedGen",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ]),
        .target(
            name: "TributaryServer",
            dependencies: [
                "Aggregator", "TributaryConfig", "TributaryCore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]),
        .executableTarget(
            name: "tributary",
            dependencies: [
                "Aggregator", "TributaryServer", "TributaryConfig", "FeedParse", "FeedFetch", "ArticleStore",
                "TributaryCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]),
        .executableTarget(
            name: "tributary-bench",
            dependencies: ["FeedParse", "XMLSupport", "TributaryCore"],
            path: "Benchmarks/tributary-bench"),
        .executableTarget(
            name: "tributary-store-bench",
            dependencies: ["ArticleStore", "FeedParse", "TributaryCore"],
            path: "Benchmarks/tributary-store-bench"),
        .target(
            name: "TributaryTestSupport",
            dependencies: [
                "TributaryCore", .product(name: "Logging", package: "swift-log"),
                .product(name: "Hummingbird", package: "hummingbird"),
            ],
            path: "Tests/TributaryTestSupport"),
        .testTarget(
            name: "TributaryTests",
            dependencies: [
                "TributaryTestSupport", "TributaryCore", "XMLSupport", "FeedParse", "FeedFetch", "ArticleStore",
                "FeedGen", "TributaryConfig", "Aggregator", "TributaryServer",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            path: "Tests/TributaryTests"),
    ],
    swiftLanguageModes: [.v6]
)
