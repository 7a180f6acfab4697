// swift-tools-version: 6.0
// An example client of the Keyport library, built by CI against the library in this repository.
// In your own package, depend on keyport by URL instead:
//   .package(url: "https://github.com/OWNER/keyport", from: "0.1.0")
import PackageDescription

let package = Package(
    name: "FingerprintDirectory",
    dependencies: [
        .package(name: "keyport", path: "../.."),
    ],
    targets: [
        .executableTarget(
            name: "FingerprintDirectory",
            dependencies: [.product(name: "Keyport", package: "keyport")]
        ),
    ]
)
