internal import CLibcrypto

// OpenSSL BIGNUMs, owned. The BIGNUM pointer never leaves this file except inside a closure
// (`withUnsafePointer`), as swift-crypto's ArbitraryPrecisionInteger does: a local's lifetime may
// end at its last use, which for a `.pointer` read is before the C call that takes it, so a
// pointer handed out bare would need `withExtendedLifetime` at every call site. Every libcrypto
// return code is checked; a failure (out of memory, a zero modulus) throws and never yields a wrong
// number.

/// An owned OpenSSL BIGNUM. Secret values use BN_secure_new and are cleared on free.
final class BigNum {
    fileprivate let pointer: OpaquePointer
    private let secret: Bool

    init(secret: Bool = false) throws {
        Libcrypto.ensureInitialized()
        guard let made = secret ? BN_secure_new() : BN_new() else { throw KeyportError.crypto(opensslErrors("BN_new")) }
        self.secret = secret
        pointer = made
    }

    convenience init(_ magnitude: [UInt8], secret: Bool = false) throws {
        try self.init(secret: secret)
        guard BN_bin2bn(magnitude, Int32(magnitude.count), pointer) != nil else { throw KeyportError.crypto(opensslErrors("BN_bin2bn")) }
    }

    convenience init(_ value: SecureBytes) throws {
        try self.init(secret: true)
        let loaded = value.withUnsafeBytes { BN_bin2bn($0.baseAddress?.assumingMemoryBound(to: UInt8.self), Int32($0.count), pointer) }
        guard loaded != nil else { throw KeyportError.crypto(opensslErrors("BN_bin2bn")) }
    }

    /// A BIGNUM that libcrypto fills through a `BIGNUM **` out-parameter which it writes into in
    /// place when it points at a BIGNUM already (EVP_PKEY_get_bn_param: OSSL_PARAM_get_BN →
    /// BN_native2bn(…, *bn)), so a secret lands in this secure BIGNUM and nowhere else. Nil when
    /// `fill` fails, or allocates a BIGNUM of its own instead (cleared and freed here).
    static func filled(secret: Bool, by fill: (inout OpaquePointer?) -> Int32) throws -> BigNum? {
        let result = try BigNum(secret: secret)
        var out: OpaquePointer? = result.pointer
        let ok = fill(&out) == 1
        if let out, out != result.pointer { BN_clear_free(out) }
        return ok && out == result.pointer ? result : nil
    }

    deinit { if secret { BN_clear_free(pointer) } else { BN_free(pointer) } }

    /// Calls `body` with the BIGNUM, which stays alive for the call; do not let the pointer escape
    /// (unless the receiver of it also keeps this object, as `ParamBuilder` does).
    func withUnsafePointer<R>(_ body: (OpaquePointer) throws -> R) rethrows -> R {
        try body(pointer)
    }

    /// Big-endian magnitude without leading zeros.
    var bytes: [UInt8] {
        var out = [UInt8](repeating: 0, count: byteCount)
        _ = BN_bn2bin(pointer, &out) // writes exactly byteCount bytes; cannot fail
        return out
    }

    /// Big-endian, left-padded to `length` bytes; throws when the value needs more.
    func bytes(padded length: Int) throws -> [UInt8] {
        var out = [UInt8](repeating: 0, count: length)
        guard BN_bn2binpad(pointer, &out, Int32(length)) == Int32(length) else {
            throw KeyportError.crypto("a \(bitCount)-bit value does not fit in \(length) bytes")
        }
        return out
    }

    /// The magnitude, written straight into wiped-on-free storage (no array copy to wipe).
    var secureBytes: SecureBytes {
        let count = byteCount
        return SecureBytes(unsafeUninitializedCapacity: count) { buffer in
            guard count > 0, let base = buffer.baseAddress else { return 0 }
            return Int(BN_bn2bin(pointer, base.assumingMemoryBound(to: UInt8.self)))
        }
    }

    private var byteCount: Int { Int((BN_num_bits(pointer) + 7) / 8) }
    var bitCount: Int { Int(BN_num_bits(pointer)) }
    var isZero: Bool { BN_is_zero(pointer) == 1 }
    var isOne: Bool { BN_is_one(pointer) == 1 }

    // Operands are parameters, which the caller keeps alive for the whole call.
    static func == (a: BigNum, b: BigNum) -> Bool { BN_cmp(a.pointer, b.pointer) == 0 }
    static func < (a: BigNum, b: BigNum) -> Bool { BN_cmp(a.pointer, b.pointer) < 0 }
    static func > (a: BigNum, b: BigNum) -> Bool { b < a }
}

/// BIGNUM arithmetic, the one helper for it: a BN_CTX (secure heap) for one computation, and every
/// operation checked, so a failure inside libcrypto (out of memory, a zero modulus) is an error and
/// never a wrong number. Operands are `BigNum`s, not raw pointers, so each stays alive for the
/// whole C call. Results are secret (cleared when freed): most of them are private-key values.
final class BigNumContext {
    private let pointer: OpaquePointer

    init() throws {
        Libcrypto.ensureInitialized()
        guard let context = BN_CTX_secure_new() else { throw KeyportError.crypto(opensslErrors("BN_CTX_secure_new")) }
        pointer = context
    }
    deinit { BN_CTX_free(pointer) }

    /// a · b
    func mul(_ a: BigNum, _ b: BigNum) throws -> BigNum {
        try result("BN_mul") { BN_mul($0, a.pointer, b.pointer, pointer) }
    }
    /// a − b
    func sub(_ a: BigNum, _ b: BigNum) throws -> BigNum {
        try result("BN_sub") { BN_sub($0, a.pointer, b.pointer) }
    }
    /// ⌊a / b⌋
    func div(_ a: BigNum, _ b: BigNum) throws -> BigNum {
        try result("BN_div") { BN_div($0, nil, a.pointer, b.pointer, pointer) }
    }
    /// a mod m
    func mod(_ a: BigNum, _ m: BigNum) throws -> BigNum {
        try result("BN_div") { BN_div(nil, $0, a.pointer, m.pointer, pointer) }
    }
    /// a · b mod m
    func modMul(_ a: BigNum, _ b: BigNum, _ m: BigNum) throws -> BigNum {
        try result("BN_mod_mul") { BN_mod_mul($0, a.pointer, b.pointer, m.pointer, pointer) }
    }
    /// a^e mod m
    func modExp(_ a: BigNum, _ e: BigNum, _ m: BigNum) throws -> BigNum {
        try result("BN_mod_exp") { BN_mod_exp($0, a.pointer, e.pointer, m.pointer, pointer) }
    }
    /// gcd(a, b)
    func gcd(_ a: BigNum, _ b: BigNum) throws -> BigNum {
        try result("BN_gcd") { BN_gcd($0, a.pointer, b.pointer, pointer) }
    }
    /// a − 1
    func minusOne(_ a: BigNum) throws -> BigNum {
        try result("BN_sub_word") { BN_copy($0, a.pointer) == nil ? 0 : BN_sub_word($0, 1) }
    }
    /// 2^exponent
    func powerOfTwo(_ exponent: Int) throws -> BigNum {
        guard exponent >= 0 else { throw KeyportError.crypto("BN_set_bit: negative exponent") }
        return try result("BN_set_bit") { BN_set_bit($0, Int32(exponent)) }
    }
    /// a⁻¹ mod m; nil when there is none (gcd(a, m) ≠ 1), which is an answer, not a failure.
    func modInverse(_ a: BigNum, _ m: BigNum) throws -> BigNum? {
        let r = try BigNum(secret: true)
        guard BN_mod_inverse(r.pointer, a.pointer, m.pointer, pointer) != nil else {
            ERR_clear_error()
            return nil
        }
        return r
    }

    /// A random probable prime of `bits` bits (BN_generate_prime_ex2, top two bits set), in a secret
    /// BIGNUM. Nil when the search stopped: `callback` (a BN_GENCB) asked it to, or libcrypto
    /// failed; the caller, which knows whether it asked, reads the error queue.
    func generatePrime(bits: Int, callback: OpaquePointer?) throws -> BigNum? {
        let prime = try BigNum(secret: true)
        return BN_generate_prime_ex2(prime.pointer, Int32(bits), 0, nil, nil, callback, pointer) == 1 ? prime : nil
    }

    /// BN_check_prime (trial division, then Miller-Rabin with the FIPS 186-5 round count): true or
    /// false, nil when stopped by `callback` or failed, as for `generatePrime`.
    func isProbablePrime(_ a: BigNum, callback: OpaquePointer? = nil) -> Bool? {
        switch BN_check_prime(a.pointer, pointer, callback) {
        case 1: return true
        case 0: return false
        default: return nil
        }
    }

    /// Runs `body` with the BN_CTX, for libcrypto calls this type has no method for (EC point
    /// arithmetic); the context stays alive for the call.
    func withContext<T>(_ body: (OpaquePointer) throws -> T) rethrows -> T {
        try body(pointer)
    }

    /// Marks values for libcrypto's constant-time code paths (secret primes and exponents).
    static func setConstantTime(_ values: BigNum...) {
        for v in values { BN_set_flags(v.pointer, BN_FLG_CONSTTIME) }
    }

    private func result(_ name: String, _ operation: (OpaquePointer) -> Int32) throws -> BigNum {
        let r = try BigNum(secret: true)
        guard operation(r.pointer) == 1 else { throw KeyportError.crypto(opensslErrors(name)) }
        return r
    }
}
