internal import CLibcrypto

/// An owned OpenSSL BIGNUM. Secret values use BN_secure_new and are cleared on free.
final class BigNum {
    let pointer: OpaquePointer
    private let secret: Bool

    init(secret: Bool = false) {
        Libcrypto.ensureInitialized()
        self.secret = secret
        pointer = (secret ? BN_secure_new() : BN_new())!
    }

    convenience init(_ magnitude: [UInt8], secret: Bool = false) {
        self.init(secret: secret)
        BN_bin2bn(magnitude, Int32(magnitude.count), pointer)
    }

    convenience init(_ value: SecureBytes) {
        self.init(secret: true)
        value.withUnsafeBytes { _ = BN_bin2bn($0.baseAddress?.assumingMemoryBound(to: UInt8.self), Int32($0.count), pointer) }
    }

    deinit { if secret { BN_clear_free(pointer) } else { BN_free(pointer) } }

    /// Big-endian magnitude without leading zeros.
    var bytes: [UInt8] {
        let count = Int((BN_num_bits(pointer) + 7) / 8)
        var out = [UInt8](repeating: 0, count: count)
        BN_bn2bin(pointer, &out)
        return out
    }

    /// Big-endian, left-padded to `length` bytes.
    func bytes(padded length: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: length)
        BN_bn2binpad(pointer, &out, Int32(length))
        return out
    }

    var secureBytes: SecureBytes {
        var b = bytes
        defer { wipe(&b) }
        return SecureBytes(b)
    }

    var bitCount: Int { Int(BN_num_bits(pointer)) }
    var isZero: Bool { BN_is_zero(pointer) == 1 }
    var isOne: Bool { BN_is_one(pointer) == 1 }

    static func == (a: BigNum, b: BigNum) -> Bool { withExtendedLifetime((a, b)) { BN_cmp(a.pointer, b.pointer) == 0 } }
    static func < (a: BigNum, b: BigNum) -> Bool { withExtendedLifetime((a, b)) { BN_cmp(a.pointer, b.pointer) < 0 } }
    static func > (a: BigNum, b: BigNum) -> Bool { b < a }
}

/// BIGNUM arithmetic, the one helper for it: a BN_CTX (secure heap) for one computation, and every
/// operation checked, so a failure inside libcrypto (out of memory, a zero modulus) is an error and
/// never a wrong number. Operands are `BigNum`s, not raw pointers, so each stays alive for the
/// whole C call (a local's lifetime may otherwise end at its last use, the `.pointer` read before
/// the call). Results are secret (cleared when freed): most of them are private-key values.
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
    func modInverse(_ a: BigNum, _ m: BigNum) -> BigNum? {
        let r = BigNum(secret: true)
        let found = withExtendedLifetime((a, m)) { BN_mod_inverse(r.pointer, a.pointer, m.pointer, pointer) != nil }
        if !found { ERR_clear_error() }
        return found ? r : nil
    }

    /// Runs `body` with the BN_CTX, for libcrypto calls this type has no method for (prime search).
    func withContext<T>(_ body: (OpaquePointer) throws -> T) rethrows -> T {
        try withExtendedLifetime(self) { try body(pointer) }
    }

    /// Marks values for libcrypto's constant-time code paths (secret primes and exponents).
    static func setConstantTime(_ values: BigNum...) {
        for v in values { BN_set_flags(v.pointer, BN_FLG_CONSTTIME) }
    }

    private func result(_ name: String, _ operation: (OpaquePointer) -> Int32) throws -> BigNum {
        let r = BigNum(secret: true)
        guard operation(r.pointer) == 1 else { throw KeyportError.crypto(opensslErrors(name)) }
        return r
    }
}

enum CurveInfo {
    /// OpenSSL's NID for the curve, from the name in `KeyAlgorithm`'s table.
    static func nid(_ algorithm: KeyAlgorithm) -> Int32? {
        guard let name = algorithm.opensslGroupName else { return nil }
        let nid = OBJ_sn2nid(name)
        return nid == NID_undef ? nil : nid
    }
}

/// The raw-key type of OpenSSL for an EdDSA algorithm (Ed448, else Ed25519).
func eddsaKeyType(_ algorithm: KeyAlgorithm) -> Int32 {
    algorithm == .ed448 ? EVP_PKEY_ED448 : EVP_PKEY_ED25519
}

extension PrivateKey {
    /// Largest DSA p `validate` accepts (FIPS 186-4 stops at 3072; OpenSSH writes 1024).
    static let maximumDSAModulusBits = 16384

    /// Checks that the secret parts belong to the public key: RSA n = p·q with d, iqmp consistent;
    /// DSA y = g^x mod p; EC Q = d·G; EdDSA seed → public key. Throws `keyMismatch` otherwise.
    public func validate() throws {
        let ctx = try BigNumContext()
        switch (publicKey.parts, secret) {
        case let (.rsa(eBytes, nBytes), .rsa(dS, pS, qS, iqmpS)):
            let n = BigNum(nBytes), e = BigNum(eBytes), d = BigNum(dS), p = BigNum(pS), q = BigNum(qS), iqmp = BigNum(iqmpS)
            guard !p.isZero, !q.isZero, try ctx.mul(p, q) == n else { throw KeyportError.keyMismatch("RSA n is not p·q") }
            // e·d ≡ 1 modulo p−1 and q−1 holds whether d was reduced mod φ(n) or mod λ(n).
            let ed = try ctx.mul(e, d)
            guard try ctx.mod(ed, ctx.minusOne(p)).isOne, try ctx.mod(ed, ctx.minusOne(q)).isOne else {
                throw KeyportError.keyMismatch("RSA d is not the inverse of e")
            }
            guard try ctx.modMul(iqmp, q, p).isOne else { throw KeyportError.keyMismatch("RSA iqmp is not q⁻¹ mod p") }
        case let (.dsa(pB, qB, gB, yB), .dsa(xS)):
            let p = BigNum(pB), q = BigNum(qB), g = BigNum(gB), y = BigNum(yB), x = BigNum(xS)
            // g^x mod p costs |x|·|p|²: a hostile file with a 400 KB p and x ran for hours. FIPS 186-4
            // DSA has |p| ≤ 3072 and |q| ≤ 256 with 0 < x < q; keyport allows up to 16384 and 512.
            guard p.bitCount <= Self.maximumDSAModulusBits, q.bitCount <= 512 else {
                throw KeyportError.unsupported("DSA key with a \(p.bitCount)-bit p and \(q.bitCount)-bit q: keyport reads DSA keys up to \(Self.maximumDSAModulusBits) bits with q up to 512 bits", reason: .keyShape)
            }
            guard !x.isZero, x < q else { throw KeyportError.keyMismatch("DSA x is not between 0 and q") }
            guard !p.isZero, try ctx.modExp(g, x, p) == y else { throw KeyportError.keyMismatch("DSA y is not g^x mod p") }
        case let (.ecdsa(point), .ecdsa(dS)):
            guard try ecPublicPoint(algorithm: publicKey.algorithm, scalar: dS) == point else {
                throw KeyportError.keyMismatch("EC public point is not d·G")
            }
        case let (.eddsa(pk), .eddsa(seed)):
            guard try eddsaPublicKey(algorithm: publicKey.algorithm, seed: seed) == pk else {
                throw KeyportError.keyMismatch("the EdDSA seed does not give the public key")
            }
        case (.securityKeyECDSA, .securityKey), (.securityKeyEd25519, .securityKey):
            return // The secret lives in the authenticator; nothing to compare.
        default:
            throw KeyportError.keyMismatch("the private part is for a different key type")
        }
    }
}

/// d·G as an uncompressed SEC1 point.
func ecPublicPoint(algorithm: KeyAlgorithm, scalar: SecureBytes) throws -> [UInt8] {
    Libcrypto.ensureInitialized()
    guard let nid = CurveInfo.nid(algorithm), let group = EC_GROUP_new_by_curve_name(nid) else {
        throw KeyportError.crypto("unknown curve")
    }
    defer { EC_GROUP_free(group) }
    let d = BigNum(scalar)
    guard let point = EC_POINT_new(group) else { throw KeyportError.crypto("EC_POINT_new failed") }
    defer { EC_POINT_free(point) }
    // `d` is only reached through its raw pointer below: keep it alive across the calls.
    return try withExtendedLifetime(d) { try BigNumContext().withContext { ctx in
        guard EC_POINT_mul(group, point, d.pointer, nil, nil, ctx) == 1 else { throw KeyportError.crypto(opensslErrors("EC_POINT_mul")) }
        let size = 1 + 2 * (algorithm.curveFieldBytes ?? 0)
        var out = [UInt8](repeating: 0, count: size)
        guard EC_POINT_point2oct(group, point, POINT_CONVERSION_UNCOMPRESSED, &out, size, ctx) == size else {
            throw KeyportError.crypto(opensslErrors("EC_POINT_point2oct"))
        }
        return out
    } }
}

/// Is the SEC1 point on the curve (and not infinity)?
public func ecPointIsOnCurve(algorithm: KeyAlgorithm, point: [UInt8]) -> Bool {
    point.withUnsafeBufferPointer { ECPointChecker().isOnCurve(algorithm: algorithm, point: $0) }
}

/// Checks public points against their curves, keeping each curve's group, a point and a BN_CTX
/// between calls: a fresh group per point (EC_GROUP_new_by_curve_name parses and sets up the
/// curve) cost more than the check itself when lint reads a million ECDSA keys. One per thread.
final class ECPointChecker {
    /// One slot per row of `ECCurve.all` (P-256, P-384, P-521): group and a point to decode into,
    /// made on first use.
    @exclusivity(unchecked) private var groups: [(group: OpaquePointer, point: OpaquePointer)?] = [nil, nil, nil]
    private let context: OpaquePointer?

    init() {
        Libcrypto.ensureInitialized()
        context = BN_CTX_new()
    }

    deinit {
        for case let (group, point)? in groups {
            EC_POINT_free(point)
            EC_GROUP_free(group)
        }
        BN_CTX_free(context)
    }

    /// Whether `point` (SEC1 encoding) is a point of `algorithm`'s curve other than infinity.
    ///
    /// EC_POINT_oct2point refuses a point off the curve: it sets the coordinates with
    /// EC_POINT_set_affine_coordinates, which checks the curve equation (OpenSSL 1.1.1 and later;
    /// before, oct2point checked it itself), so no second EC_POINT_is_on_curve is needed.
    func isOnCurve(algorithm: KeyAlgorithm, point: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let curve = algorithm.curve, let slot = ECCurve.all.firstIndex(of: curve) else { return false }
        if groups[slot] == nil {
            guard let nid = CurveInfo.nid(algorithm), let group = EC_GROUP_new_by_curve_name(nid) else { return false }
            guard let p = EC_POINT_new(group) else {
                EC_GROUP_free(group)
                return false
            }
            groups[slot] = (group, p)
        }
        guard let (group, p) = groups[slot], let bytes = point.baseAddress else { return false }
        guard EC_POINT_oct2point(group, p, bytes, point.count, context) == 1 else {
            // The refusal's reason would otherwise wait in the thread's queue for an unrelated error.
            ERR_clear_error()
            return false
        }
        return EC_POINT_is_at_infinity(group, p) == 0
    }
}

/// The EdDSA public key for a seed.
func eddsaPublicKey(algorithm: KeyAlgorithm, seed: SecureBytes) throws -> [UInt8] {
    Libcrypto.ensureInitialized()
    let type = eddsaKeyType(algorithm)
    let pkey = seed.withUnsafeBytes { EVP_PKEY_new_raw_private_key(type, nil, $0.baseAddress?.assumingMemoryBound(to: UInt8.self), $0.count) }
    guard let pkey else { throw KeyportError.crypto(opensslErrors("EdDSA seed")) }
    defer { EVP_PKEY_free(pkey) }
    var length = 0
    EVP_PKEY_get_raw_public_key(pkey, nil, &length)
    var out = [UInt8](repeating: 0, count: length)
    guard EVP_PKEY_get_raw_public_key(pkey, &out, &length) == 1 else { throw KeyportError.crypto(opensslErrors("EdDSA public key")) }
    return out
}
