// swift-tools-version: 6.0
// KeyportNIOSSH: key files read by keyport, as the keys apple/swift-nio-ssh uses.
//
// A package of its own beside keyport's, so that users of the plain Keyport library never build
// swift-nio-ssh, swift-nio and swift-crypto. In your own package:
//   .package(url: "https://github.com/OWNER/keyport", from: "0.2.0")   // then, as here:
//   .product(name: "KeyportNIOSSH", package: ...) — or copy this directory next to your sources.
//
// CI builds it with `swift build --package-path Integrations/KeyportNIOSSH --scratch-path .build-nio`
// (scripts/dev test) and runs its tests against a real sshd.
import PackageDescription

let package = Package(
    name: "KeyportNIOSSH",
    platforms: [.macOS(.v13), .iOS(.v16)],
    products: [
        .library(name: "KeyportNIOSSH", targets: ["KeyportNIOSSH"]),
        .executable(name: "NIOSSHExec", targets: ["NIOSSHExec"]),
    ],
    dependencies: [
        .package(name: "keyport", path: "../.."),
        .package(url: "https://github.com/apple/swift-nio-ssh", from: "0.15.1"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.0"),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
    ],
    targets: [
        .target(
            name: "KeyportNIOSSH",
            dependencies: [
                .product(name: "Keyport", package: "keyport"),
                .product(name: "NIOSSH", package: "swift-nio-ssh"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // The example client: ssh-like exec over swift-nio-ssh with a key file and a known_hosts file.
        .executableTarget(
            name: "NIOSSHExec",
            dependencies: [
                "KeyportNIOSSH",
                .product(name: "Keyport", package: "keyport"),
                .product(name: "NIOSSH", package: "swift-nio-ssh"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            path: "Examples/NIOSSHExec"
        ),
        .testTarget(
            name: "KeyportNIOSSHTests",
            dependencies: [
                "KeyportNIOSSH",
                .product(name: "Keyport", package: "keyport"),
                .product(name: "NIOSSH", package: "swift-nio-ssh"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            exclude: ["make-keys.sh"]
        ),
    ]
)
