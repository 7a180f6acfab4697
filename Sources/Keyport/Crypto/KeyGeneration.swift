// New key pairs from libcrypto's CSPRNG.
//
// RSA (FIPS 186-5 / SP 800-56B rules as OpenSSL applies them): e = 65537, n of exactly BITS bits,
// p and q probable primes of half the size found by BN_generate_prime_ex2 (which sets the top two
// bits of each candidate, so p·q always has the full BITS bits), gcd(p−1, e) = 1,
// |p − q| > 2^(BITS/2 − 100), d = e⁻¹ mod lcm(p−1, q−1) with d > 2^(BITS/2), iqmp = q⁻¹ mod p with
// p > q (the order OpenSSH and PuTTY write). Anything that fails a check is thrown away and redone.
//
// Speed: a 1024-bit prime takes tens of milliseconds and the time is random. The primes are searched
// on every core at once and the first two found become p and q, so the wait is for the first two
// primes of several parallel searches rather than for two searches one after the other. The search
// that loses is stopped through the BN_GENCB callback.
//
// ECDSA, Ed25519, Ed448 and DSA come straight from EVP_PKEY keygen into an `EVPKey`, which reads
// them back into the model types as it reads every decoded key (`EVPKey.privateKey()`).

internal import CKeyportSys
internal import CLibcrypto
import Dispatch
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Makes new key pairs from libcrypto's CSPRNG: RSA (e = 65537, primes searched on every core and
/// checked as SP 800-56B asks), ECDSA P-256/384/521, Ed25519, Ed448 and DSA.
public enum KeyGenerator {
    /// The RSA sizes the generator accepts (policy, such as refusing < 2048, is the caller's).
    public static let rsaBitRange = 1024...16384

    /// The bits a family gets when none are asked for: what ssh-keygen picks.
    public static func defaultBits(for algorithm: KeyAlgorithm) -> Int? {
        switch algorithm {
        case .rsa: return 2048
        case .dsa: return 1024
        default: return algorithm.fixedBits
        }
    }

    /// Generates a key. `bits` is the RSA modulus size (default 2048); for the other algorithms it
    /// may be nil or must equal their fixed size (DSA: 1024, as ssh-keygen).
    public static func generate(algorithm: KeyAlgorithm, bits: Int?) throws -> PrivateKey {
        switch algorithm {
        case .rsa:
            let size = bits ?? 2048
            guard rsaBitRange.contains(size) else {
                throw KeyportError.unsupported("RSA keys must have \(rsaBitRange.lowerBound) to \(rsaBitRange.upperBound) bits, not \(size)", reason: .keyShape)
            }
            return try generateRSA(bits: size)
        case .ecdsaP256, .ecdsaP384, .ecdsaP521:
            try expectFixedBits(algorithm, bits)
            return try generateEC(algorithm)
        case .ed25519, .ed448:
            try expectFixedBits(algorithm, bits)
            return try generateEdDSA(algorithm)
        case .dsa:
            guard bits == nil || bits == 1024 else { throw KeyportError.unsupported("DSA keys are 1024 bits (as ssh-keygen makes them), not \(bits ?? 0)", reason: .keyShape) }
            return try generateDSA()
        case .skECDSAP256, .skEd25519:
            throw KeyportError.unsupported("security-key (\(algorithm.family)) keys are made on the authenticator; use ssh-keygen -t \(algorithm.family)", reason: .keyType)
        }
    }

    static func expectFixedBits(_ algorithm: KeyAlgorithm, _ bits: Int?) throws {
        guard let bits, bits != algorithm.fixedBits else { return }
        throw KeyportError.unsupported("\(algorithm.sshName) keys are \(algorithm.fixedBits ?? 0) bits, not \(bits)", reason: .keyShape)
    }
}

// MARK: - RSA

extension KeyGenerator {
    static let rsaExponent: [UInt8] = [0x01, 0x00, 0x01]
    /// Whole-key attempts before giving up; each failure is astronomically rare.
    static let rsaAttempts = 16

    static func generateRSA(bits: Int) throws -> PrivateKey {
        let e = try BigNum(rsaExponent)
        // For odd sizes p gets the extra bit; with the top two bits of both primes set the product
        // still has exactly `bits` bits.
        let pBits = (bits + 1) / 2, qBits = bits / 2
        for _ in 0..<rsaAttempts {
            let (first, second) = try findPrimePair(sizes: (pBits, qBits), e: e)
            if let key = try assembleRSA(first, second, e: e, bits: bits) { return key }
        }
        throw KeyportError.crypto("could not generate an RSA key that passes its checks")
    }

    /// Builds the key from two primes and checks it; nil when a check fails (the caller retries).
    static func assembleRSA(_ a: BigNum, _ b: BigNum, e: BigNum, bits: Int) throws -> PrivateKey? {
        let ctx = try BigNumContext()
        let (p, q) = a > b ? (a, b) : (b, a)
        BigNumContext.setConstantTime(p, q)
        // p and q were each confirmed by BN_generate_prime_ex2's Miller-Rabin rounds (see PrimeSearch.work).

        // |p − q| > 2^(bits/2 − 100) (FIPS 186-5 A.1.3), else n could be factored by Fermat's method.
        guard try ctx.sub(p, q) > ctx.powerOfTwo(bits / 2 - 100) else { return nil }
        let n = try ctx.mul(p, q)
        guard n.bitCount == bits else { return nil }

        // d = e⁻¹ mod lcm(p−1, q−1), the smallest private exponent (what OpenSSL's SP 800-56B path makes).
        let p1 = try ctx.minusOne(p), q1 = try ctx.minusOne(q)
        BigNumContext.setConstantTime(p1, q1)
        let lcm = try ctx.div(ctx.mul(p1, q1), ctx.gcd(p1, q1))
        BigNumContext.setConstantTime(lcm)
        guard let d = try ctx.modInverse(e, lcm) else { return nil }
        // SP 800-56B 6.2.1: d > 2^(bits/2); a smaller d would be open to Wiener-style attacks.
        guard try d > ctx.powerOfTwo(bits / 2) else { return nil }
        guard let iqmp = try ctx.modInverse(q, p) else { return nil }

        let key = PrivateKey(
            publicKey: PublicKey(algorithm: .rsa, parts: .rsa(e: e.bytes, n: n.bytes)),
            secret: .rsa(d: d.secureBytes, p: p.secureBytes, q: q.secureBytes, iqmp: iqmp.secureBytes)
        )
        // n = p·q, e·d ≡ 1 mod p−1 and q−1, iqmp·q ≡ 1 mod p: the same check every reader applies.
        do { try key.validate() } catch { return nil }
        return key
    }

    /// The first two primes found by parallel searches: one of `sizes.0` bits and one of `sizes.1`
    /// bits (equal for even key sizes), each with gcd(prime − 1, e) = 1.
    static func findPrimePair(sizes: (Int, Int), e: BigNum) throws -> (BigNum, BigNum) {
        let search = PrimeSearch(sizes: [sizes.0, sizes.1], e: e.bytes)
        let workers = max(2, min(processorCount(), 8))
        DispatchQueue.concurrentPerform(iterations: workers) { index in
            search.work(index: index)
        }
        return try search.result()
    }

    static func processorCount() -> Int {
        Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))
    }
}

/// Shared state of one parallel prime search. Every field is behind `lock`; the BIGNUMs handed
/// between threads are owned by exactly one side at a time.
final class PrimeSearch: @unchecked Sendable {
    private let lock = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let sizes: [Int]
    private let exponent: [UInt8]
    private var found: [BigNum?]
    private var failure: KeyportError?

    init(sizes: [Int], e: [UInt8]) {
        self.sizes = sizes
        self.exponent = e
        found = Array(repeating: nil, count: sizes.count)
        lock.initialize(to: pthread_mutex_t())
        pthread_mutex_init(lock, nil)
    }

    deinit {
        pthread_mutex_destroy(lock)
        lock.deallocate()
    }

    private func locked<R>(_ body: () throws -> R) rethrows -> R {
        pthread_mutex_lock(lock)
        defer { pthread_mutex_unlock(lock) }
        return try body()
    }

    /// True once every slot is filled or a worker failed: the others stop.
    var isFinished: Bool { locked { failure != nil || !found.contains { $0 == nil } } }

    /// The size still missing; with several missing, worker `index` takes slot `index % count` so
    /// odd key sizes search both sizes at once.
    private func nextSize(for index: Int) -> Int? {
        locked {
            guard failure == nil else { return nil }
            let open = found.indices.filter { found[$0] == nil }
            guard !open.isEmpty else { return nil }
            return sizes[open[index % open.count]]
        }
    }

    private func offer(_ prime: BigNum, bits: Int) {
        locked {
            if let slot = found.indices.first(where: { found[$0] == nil && sizes[$0] == bits }) { found[slot] = prime }
        }
    }

    private func fail(_ error: KeyportError) { locked { if failure == nil { failure = error } } }

    func result() throws -> (BigNum, BigNum) {
        try locked { () throws -> (BigNum, BigNum) in
            if let failure { throw failure }
            guard found.count == 2, let a = found[0], let b = found[1] else { throw KeyportError.crypto("prime search ended without two primes") }
            return (a, b)
        }
    }

    /// One worker: search primes of a missing size until the pair is complete.
    func work(index: Int) {
        // The search leaves candidates and the primes found in libcrypto's stack temporaries on this
        // thread (a Dispatch worker that lives until exit): cleared when the worker is done.
        defer { keyport_burn_stack(128 * 1024) }
        guard let callback = BN_GENCB_new() else { fail(.crypto("BN_GENCB_new failed")); return }
        defer { BN_GENCB_free(callback) }
        // Called by libcrypto between candidates and Miller-Rabin rounds; returning 0 aborts the search.
        BN_GENCB_set(callback, { _, _, cb in
            guard let cb, let arg = BN_GENCB_get_arg(cb) else { return 0 }
            return Unmanaged<PrimeSearch>.fromOpaque(arg).takeUnretainedValue().isFinished ? 0 : 1
        }, Unmanaged.passUnretained(self).toOpaque())
        let ctx: BigNumContext, e: BigNum
        do { (ctx, e) = (try BigNumContext(), try BigNum(exponent)) } catch { fail(error as? KeyportError ?? .crypto("BN_CTX_secure_new")); return }
        while let bits = nextSize(for: index) {
            let prime: BigNum
            do {
                guard let found = try ctx.generatePrime(bits: bits, callback: callback) else {
                    // Either stopped by the callback because the pair is complete, or a real failure.
                    if isFinished { ERR_clear_error(); return }
                    fail(.crypto(opensslErrors("BN_generate_prime_ex2")))
                    return
                }
                prime = found
                // gcd(prime − 1, e) = 1, or e has no inverse modulo λ(n).
                guard try ctx.gcd(ctx.minusOne(prime), e).isOne else { continue }
            } catch {
                fail(error as? KeyportError ?? .crypto("BN_gcd"))
                return
            }
            // No second test: BN_generate_prime_ex2 returns a candidate only after Miller-Rabin with
            // bn_mr_min_checks(bits) rounds (64 up to 2048 bits, 128 above), the count BN_check_prime
            // uses, after sieving by the first 2048 primes. A second BN_check_prime, as this code
            // did once, doubled the confirming rounds: 39 % of all instructions of `generate -t rsa`
            // (callgrind). OpenSSL's own RSA keygen, ssh-keygen's, also tests each prime once.
            offer(prime, bits: bits)
        }
    }
}

// MARK: - EVP keygen (ECDSA, EdDSA, DSA)

extension KeyGenerator {
    static func generateEC(_ algorithm: KeyAlgorithm) throws -> PrivateKey {
        let group = algorithm.nistCurveName ?? "P-521"
        return try checked(EVPKey.generate("EC") { ctx in EVP_PKEY_CTX_set_group_name(ctx, group) == 1 }, algorithm)
    }

    static func generateEdDSA(_ algorithm: KeyAlgorithm) throws -> PrivateKey {
        try checked(EVPKey.generate(algorithm.opensslKeyType), algorithm)
    }

    /// DSA 1024/160 as ssh-keygen makes it (FIPS 186-4 parameters, then a key).
    static func generateDSA() throws -> PrivateKey {
        guard let paramCtx = EVP_PKEY_CTX_new_from_name(nil, "DSA", nil) else { throw KeyportError.crypto(opensslErrors("DSA context")) }
        defer { EVP_PKEY_CTX_free(paramCtx) }
        var made: OpaquePointer?
        guard EVP_PKEY_paramgen_init(paramCtx) == 1,
              EVP_PKEY_CTX_set_dsa_paramgen_bits(paramCtx, 1024) == 1,
              EVP_PKEY_CTX_set_dsa_paramgen_q_bits(paramCtx, 160) == 1,
              EVP_PKEY_paramgen(paramCtx, &made) == 1, let made else {
            throw KeyportError.crypto(opensslErrors("DSA parameter generation"))
        }
        let params = EVPKey(takingOwnershipOf: made)
        guard let keyCtx = params.withUnsafePointer({ EVP_PKEY_CTX_new_from_pkey(nil, $0, nil) }) else {
            throw KeyportError.crypto(opensslErrors("DSA context"))
        }
        // The context holds its own reference to the parameters (EVP_PKEY_CTX_new_from_pkey up-refs).
        defer { EVP_PKEY_CTX_free(keyCtx) }
        var pkey: OpaquePointer?
        guard EVP_PKEY_keygen_init(keyCtx) == 1, EVP_PKEY_generate(keyCtx, &pkey) == 1, let pkey else {
            throw KeyportError.crypto(opensslErrors("DSA key generation"))
        }
        return try checked(EVPKey(takingOwnershipOf: pkey), .dsa)
    }

    /// The new key read back as every decoded key is, and checked as every reader checks one.
    private static func checked(_ generated: EVPKey, _ algorithm: KeyAlgorithm) throws -> PrivateKey {
        let key = try generated.privateKey()
        guard key.publicKey.algorithm == algorithm else {
            throw KeyportError.crypto("\(algorithm.sshName) key generation made a \(key.publicKey.algorithm.sshName) key")
        }
        try key.validate()
        return key
    }
}
