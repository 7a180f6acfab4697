internal import CLibcrypto
import Synchronization
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

/// libcrypto's one-time set-up, started on another thread so that it overlaps what the caller does
/// meanwhile (the command-line tool: parsing its command line, about 13 M instructions through
/// ArgumentParser's reflection). The set-up is what the first cipher and digest requests pay
/// otherwise, one after the other on the main thread: initialisation, the default provider, the
/// method tables of its ciphers and digests (`ossl_method_construct`; 9 M instructions on the first
/// fetches, measured with callgrind).
///
/// ```swift
/// let warmUp = LibcryptoWarmUp.start()
/// let options = parse(arguments)   // meanwhile
/// warmUp.wait()                    // before the process exits
/// ```
///
/// The set-up must be over before the process exits: libcrypto's clean-up at exit must not run
/// while it is still under way (it frees the method store the warm-up thread is filling, and the
/// process dies of SIGSEGV instead of exiting with its code). `wait()` joins it; a caller that may
/// end the process from deeper down (the CLI's `exit` after a failed write to standard output)
/// calls `waitForAll()` first. libcrypto may be used meanwhile (the CLI's quick `convert` path
/// reads and unlocks the key beside it): initialisation runs once, other threads wait for it, and
/// fetches are thread-safe. A plain thread, not Dispatch: Dispatch opens descriptors when it
/// starts, and with standard output closed (`>&-`) one of them would take descriptor 1, turning
/// the "bad file descriptor" of a write to standard output into a write to Dispatch's.
public final class LibcryptoWarmUp: @unchecked Sendable {
    private var thread: pthread_t?

    /// Warm-up threads not joined yet. Each is joined exactly once, by whoever takes it from here
    /// under the lock (`wait()` or `waitForAll()`, perhaps on different threads).
    private static let running = Mutex<[pthread_t]>([])

    private init() {}

    /// Starts the set-up on another thread (or does nothing when no thread can be made: the first
    /// use then pays for it, as before).
    public static func start() -> LibcryptoWarmUp {
        let warmUp = LibcryptoWarmUp()
        var thread = pthread_t()
        if pthread_create(&thread, nil, { _ in
            Libcrypto.ensureInitialized()
            // Fetched and released: the provider keeps what it built in its method store.
            EVP_CIPHER_free(EVP_CIPHER_fetch(nil, "AES-256-CTR", nil))
            EVP_MD_free(EVP_MD_fetch(nil, "SHA2-256", nil))
            return nil
        }, nil) == 0 {
            warmUp.thread = thread
            running.withLock { $0.append(thread) }
        }
        return warmUp
    }

    /// Returns when every warm-up started so far is done: for a path that ends the process.
    public static func waitForAll() {
        let threads = running.withLock { running in
            defer { running.removeAll() }
            return running
        }
        for thread in threads { pthread_join(thread, nil) }
    }

    /// Returns when the set-up is done (at once the second time).
    public func wait() {
        guard let thread else { return }
        self.thread = nil
        let mine = Self.running.withLock { running in
            running.firstIndex { pthread_equal($0, thread) != 0 }.map { running.remove(at: $0) } != nil
        }
        // Not there: `waitForAll()` took it and joins it (the process is ending).
        if mine { pthread_join(thread, nil) }
    }
}
