internal import CArgon2
internal import CGMP
internal import CLibcrypto

/// The C libraries keyport runs with, for `keyport --version` and bug reports: what is loaded at
/// run time where the library can say (libcrypto, GMP), what it was built against where it cannot.
public enum LibraryVersions {
    /// libcrypto's own line at run time, e.g. `OpenSSL 3.0.17 1 Jul 2025`.
    public static var openSSL: String { String(cString: OpenSSL_version(Int32(OPENSSL_VERSION))) }

    /// GMP's version at run time (`gmp_version`), e.g. `6.2.1`.
    public static var gmp: String { String(cString: __gmp_version) }

    /// libargon2 has no version call and its pkg-config file is not kept current by distributions:
    /// the Argon2 algorithm version its header defines (`ARGON2_VERSION_NUMBER`, 0x13 = 1.3).
    public static var argon2: String {
        let number = Int(ARGON2_VERSION_NUMBER.rawValue)
        return "Argon2 version \(number >> 4).\(number & 0xf)"
    }

    /// One line per library: `libcrypto: OpenSSL 3.0.17 …`, `libargon2: …`, `GMP: …`.
    public static var lines: [String] {
        ["libcrypto: \(openSSL)", "libargon2: \(argon2) (ARGON2_VERSION_NUMBER 0x\(String(Int(ARGON2_VERSION_NUMBER.rawValue), radix: 16)))", "GMP: \(gmp)"]
    }
}
