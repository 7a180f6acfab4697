internal import CLibcrypto
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Lazy, explicit OpenSSL initialisation.
///
/// OpenSSL 3 initialises itself on the first EVP call and then also parses the system
/// `openssl.cnf` (about 2 M instructions, ~0.5 ms, measured with callgrind), which keyport does not
/// need: it asks for specific algorithms from the default provider. Every Crypto entry point that
/// can reach EVP, the decoders/encoders, BN or RAND calls `ensureInitialized()` first, so that the
/// first initialisation is this one. Commands that never touch those paths (`--version`, public-key
/// fingerprints, which use the low-level digests) never initialise OpenSSL at all.
///
/// Setting `OPENSSL_CONF` explicitly still loads that configuration, for sites that need a
/// provider configured there.
enum Libcrypto {
    private static let initialized: Bool = {
        let options = getenv("OPENSSL_CONF") == nil ? UInt64(OPENSSL_INIT_NO_LOAD_CONFIG) : UInt64(OPENSSL_INIT_LOAD_CONFIG)
        return OPENSSL_init_crypto(options, nil) == 1
    }()

    /// Initialises libcrypto once (thread-safe: Swift runs a static initialiser exactly once).
    @inline(__always)
    static func ensureInitialized() { _ = initialized }
}
