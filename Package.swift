// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "keyport",
    products: [
        .library(name: "Keyport", targets: ["Keyport"]),
        .executable(name: "keyport", targets: ["KeyportCLI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        // C libraries enter through these system-library targets; only Sources/Keyport/Crypto imports them.
        .systemLibrary(name: "CLibcrypto", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CArgon2", pkgConfig: "libargon2", providers: [.apt(["libargon2-dev"])]),
        .systemLibrary(name: "CGMP", providers: [.apt(["libgmp-dev"])]),
        // Signal handlers (async-signal-safe C) that remove temporary key files and restore the
        // terminal, and O_TMPFILE; used by Sources/Keyport/IO and the tool's passphrase prompt.
        // Also the few loops that need vector instructions Swift cannot name (base64.c).
        .target(name: "CKeyportSys"),
        .target(name: "Keyport", dependencies: ["CLibcrypto", "CArgon2", "CGMP", "CKeyportSys"]),
        .executableTarget(
            name: "KeyportCLI",
            dependencies: ["Keyport", "CKeyportSys", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        // Regressions/ holds fuzzer-found inputs as plain files, read by path (like Fixtures/).
        .testTarget(name: "KeyportTests", dependencies: ["Keyport", "KeyportCLI"], exclude: ["Regressions"]),
    ]
)
