internal import CLibcrypto
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Keeps secrets held in memory out of core dumps. The `keyport` tool calls this first thing; a
/// library user decides for their own process.
public enum ProcessProtection {
    /// Sets the core file size limit to 0 (soft and hard, so a child cannot raise it again) and, on
    /// Linux, marks the process not dumpable, which also covers core pipes (`core_pattern = |...`)
    /// that ignore RLIMIT_CORE, and refuses ptrace attach from other processes of the same user.
    /// Returns false when either call failed; the tool carries on regardless.
    @discardableResult
    public static func disableCoreDumps() -> Bool {
        var limit = rlimit(rlim_cur: 0, rlim_max: 0)
        var ok = setrlimit(RLIMIT_CORE_VALUE, &limit) == 0
        #if os(Linux)
        ok = keyport_set_not_dumpable() == 0 && ok
        #endif
        return ok
    }

    /// Makes libcrypto wipe every block it frees (and every block it moves when growing one):
    /// OpenSSL's decoders, encoders and parameter exports keep temporary copies of key material
    /// that they free without clearing. Must run before libcrypto's first allocation, so first
    /// thing in a program; returns false when it came too late (or on a platform without
    /// `malloc_usable_size`), and then changes nothing.
    @discardableResult
    public static func wipeLibcryptoFrees() -> Bool {
        #if os(Linux)
        return keyport_wipe_crypto_heap() == 1
        #else
        return false
        #endif
    }

    #if os(Linux)
    private static let RLIMIT_CORE_VALUE = __rlimit_resource_t(RLIMIT_CORE.rawValue)
    #else
    private static let RLIMIT_CORE_VALUE = RLIMIT_CORE
    #endif

}
