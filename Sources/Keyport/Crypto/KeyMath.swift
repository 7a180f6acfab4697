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

    static func == (a: BigNum, b: BigNum) -> Bool { BN_cmp(a.pointer, b.pointer) == 0 }
}

/// A BN_CTX for one computation.
final class BigNumContext {
    let pointer: OpaquePointer
    init() {
        Libcrypto.ensureInitialized()
        pointer = BN_CTX_secure_new()!
    }
    deinit { BN_CTX_free(pointer) }

    func mul(_ a: BigNum, _ b: BigNum) -> BigNum { let r = BigNum(secret: true); BN_mul(r.pointer, a.pointer, b.pointer, pointer); return r }
    func mod(_ a: BigNum, _ m: BigNum) -> BigNum { let r = BigNum(secret: true); BN_div(nil, r.pointer, a.pointer, m.pointer, pointer); return r }
    func modMul(_ a: BigNum, _ b: BigNum, _ m: BigNum) -> BigNum { let r = BigNum(secret: true); BN_mod_mul(r.pointer, a.pointer, b.pointer, m.pointer, pointer); return r }
    func modExp(_ a: BigNum, _ e: BigNum, _ m: BigNum) -> BigNum { let r = BigNum(secret: true); BN_mod_exp(r.pointer, a.pointer, e.pointer, m.pointer, pointer); return r }
    func modInverse(_ a: BigNum, _ m: BigNum) -> BigNum? {
        let r = BigNum(secret: true)
        return BN_mod_inverse(r.pointer, a.pointer, m.pointer, pointer) == nil ? nil : r
    }
    func minusOne(_ a: BigNum) -> BigNum { let r = BigNum(secret: true); BN_copy(r.pointer, a.pointer); BN_sub_word(r.pointer, 1); return r }
}

enum CurveInfo {
    static func nid(_ algorithm: KeyAlgorithm) -> Int32? {
        switch algorithm {
        case .ecdsaP256, .skECDSAP256: return NID_X9_62_prime256v1
        case .ecdsaP384: return NID_secp384r1
        case .ecdsaP521: return NID_secp521r1
        default: return nil
        }
    }
}

extension PrivateKey {
    /// Largest DSA p `validate` accepts (FIPS 186-4 stops at 3072; OpenSSH writes 1024).
    static let maximumDSAModulusBits = 16384

    /// Checks that the secret parts belong to the public key: RSA n = p·q with d, iqmp consistent;
    /// DSA y = g^x mod p; EC Q = d·G; EdDSA seed → public key. Throws `keyMismatch` otherwise.
    public func validate() throws {
        let ctx = BigNumContext()
        switch (publicKey.parts, secret) {
        case let (.rsa(eBytes, nBytes), .rsa(dS, pS, qS, iqmpS)):
            let n = BigNum(nBytes), e = BigNum(eBytes), d = BigNum(dS), p = BigNum(pS), q = BigNum(qS), iqmp = BigNum(iqmpS)
            guard !p.isZero, !q.isZero, ctx.mul(p, q) == n else { throw KeyportError.keyMismatch("RSA n is not p·q") }
            // e·d ≡ 1 modulo p−1 and q−1 holds whether d was reduced mod φ(n) or mod λ(n).
            let ed = ctx.mul(e, d)
            guard ctx.mod(ed, ctx.minusOne(p)).isOne, ctx.mod(ed, ctx.minusOne(q)).isOne else {
                throw KeyportError.keyMismatch("RSA d is not the inverse of e")
            }
            guard ctx.modMul(iqmp, q, p).isOne else { throw KeyportError.keyMismatch("RSA iqmp is not q⁻¹ mod p") }
        case let (.dsa(pB, qB, gB, yB), .dsa(xS)):
            let p = BigNum(pB), q = BigNum(qB), g = BigNum(gB), y = BigNum(yB), x = BigNum(xS)
            // g^x mod p costs |x|·|p|²: a hostile file with a 400 KB p and x ran for hours. FIPS 186-4
            // DSA has |p| ≤ 3072 and |q| ≤ 256 with 0 < x < q; keyport allows up to 16384 and 512.
            guard p.bitCount <= Self.maximumDSAModulusBits, q.bitCount <= 512 else {
                throw KeyportError.unsupported("DSA key with a \(p.bitCount)-bit p and \(q.bitCount)-bit q: keyport reads DSA keys up to \(Self.maximumDSAModulusBits) bits with q up to 512 bits", reason: .keyShape)
            }
            guard !x.isZero, withExtendedLifetime((x, q), { BN_cmp(x.pointer, q.pointer) < 0 }) else { throw KeyportError.keyMismatch("DSA x is not between 0 and q") }
            guard !p.isZero, ctx.modExp(g, x, p) == y else { throw KeyportError.keyMismatch("DSA y is not g^x mod p") }
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
    let ctx = BigNumContext()
    // `d` and `ctx` are only reached through raw pointers below: keep them alive across the calls.
    return try withExtendedLifetime((d, ctx)) {
        guard EC_POINT_mul(group, point, d.pointer, nil, nil, ctx.pointer) == 1 else { throw KeyportError.crypto(opensslErrors("EC_POINT_mul")) }
        let size = 1 + 2 * (algorithm.curveFieldBytes ?? 0)
        var out = [UInt8](repeating: 0, count: size)
        guard EC_POINT_point2oct(group, point, POINT_CONVERSION_UNCOMPRESSED, &out, size, ctx.pointer) == size else {
            throw KeyportError.crypto(opensslErrors("EC_POINT_point2oct"))
        }
        return out
    }
}

/// Is the SEC1 point on the curve (and not infinity)?
public func ecPointIsOnCurve(algorithm: KeyAlgorithm, point: [UInt8]) -> Bool {
    point.withUnsafeBufferPointer { ECPointChecker().isOnCurve(algorithm: algorithm, point: $0) }
}

/// Checks public points against their curves, keeping each curve's group, a point and a BN_CTX
/// between calls: a fresh group per point (EC_GROUP_new_by_curve_name parses and sets up the
/// curve) cost more than the check itself when lint reads a million ECDSA keys. One per thread.
final class ECPointChecker {
    /// P-256, P-384, P-521: group and a point to decode into, made on first use.
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
        let slot: Int
        switch algorithm {
        case .ecdsaP256, .skECDSAP256: slot = 0
        case .ecdsaP384: slot = 1
        case .ecdsaP521: slot = 2
        default: return false
        }
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
    let type = algorithm == .ed448 ? EVP_PKEY_ED448 : EVP_PKEY_ED25519
    let pkey = seed.withUnsafeBytes { EVP_PKEY_new_raw_private_key(type, nil, $0.baseAddress?.assumingMemoryBound(to: UInt8.self), $0.count) }
    guard let pkey else { throw KeyportError.crypto(opensslErrors("EdDSA seed")) }
    defer { EVP_PKEY_free(pkey) }
    var length = 0
    EVP_PKEY_get_raw_public_key(pkey, nil, &length)
    var out = [UInt8](repeating: 0, count: length)
    guard EVP_PKEY_get_raw_public_key(pkey, &out, &length) == 1 else { throw KeyportError.crypto(opensslErrors("EdDSA public key")) }
    return out
}
