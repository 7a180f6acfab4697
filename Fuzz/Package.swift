// swift-tools-version: 6.0
// libFuzzer harnesses for keyport's decoders. Build and run them with Fuzz/run (see README).
import PackageDescription

let harnesses = ["FuzzDetect", "FuzzPublicLines", "FuzzAuthorizedKeys", "FuzzRFC4716", "FuzzWire", "FuzzOpenSSHPrivate", "FuzzPPK", "FuzzPEM"]

let package = Package(
    name: "keyport-fuzz",
    dependencies: [.package(name: "keyport", path: "..")],
    targets: [
        .target(name: "FuzzSupport", dependencies: [.product(name: "Keyport", package: "keyport")]),
    ] + harnesses.map { name in
        // Each harness's main hands its test function to runFuzzer (LLVMFuzzerRunDriver).
        .executableTarget(name: name, dependencies: ["FuzzSupport", .product(name: "Keyport", package: "keyport")])
    }
)
