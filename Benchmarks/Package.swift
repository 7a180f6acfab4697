// swift-tools-version: 6.0
// The keyport benchmark harness: its own package, so that `swift build` at the repository root
// neither builds it nor resolves its dependency. Run from this directory:
//
//     swift run -c release KeyportBenchmarks                 # every benchmark
//     swift run -c release KeyportBenchmarks --filter base64  # a subset (regular expression)
import PackageDescription

let package = Package(
    name: "KeyportBenchmarks",
    dependencies: [
        .package(name: "keyport", path: ".."),
        .package(url: "https://github.com/google/swift-benchmark", from: "0.1.2"),
    ],
    targets: [
        .executableTarget(
            name: "KeyportBenchmarks",
            dependencies: [
                .product(name: "Keyport", package: "keyport"),
                .product(name: "Benchmark", package: "swift-benchmark"),
            ]
        ),
    ]
)
