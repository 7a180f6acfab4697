internal import CLibcrypto

// Does a private key's secret half belong to its public half, and the curve facts that check needs.

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
            let n = try BigNum(nBytes), e = try BigNum(eBytes), d = try BigNum(dS), p = try BigNum(pS), q = try BigNum(qS), iqmp = try BigNum(iqmpS)
            guard !p.isZero, !q.isZero, try ctx.mul(p, q) == n else { throw KeyportError.keyMismatch("RSA n is not p·q") }
            // e·d ≡ 1 modulo p−1 and q−1 holds whether d was reduced mod φ(n) or mod λ(n).
            let ed = try ctx.mul(e, d)
            guard try ctx.mod(ed, ctx.minusOne(p)).isOne, try ctx.mod(ed, ctx.minusOne(q)).isOne else {
                throw KeyportError.keyMismatch("RSA d is not the inverse of e")
            }
            guard try ctx.modMul(iqmp, q, p).isOne else { throw KeyportError.keyMismatch("RSA iqmp is not q⁻¹ mod p") }
        case let (.dsa(pB, qB, gB, yB), .dsa(xS)):
            let p = try BigNum(pB), q = try BigNum(qB), g = try BigNum(gB), y = try BigNum(yB), x = try BigNum(xS)
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
    let d = try BigNum(scalar)
    guard let point = EC_POINT_new(group) else { throw KeyportError.crypto("EC_POINT_new failed") }
    defer { EC_POINT_free(point) }
    let ctx = try BigNumContext()
    let multiplied = d.withUnsafePointer { scalar in ctx.withContext { EC_POINT_mul(group, point, scalar, nil, nil, $0) } }
    guard multiplied == 1 else { throw KeyportError.crypto(opensslErrors("EC_POINT_mul")) }
    let size = 1 + 2 * (algorithm.curveFieldBytes ?? 0)
    var out = [UInt8](repeating: 0, count: size)
    guard ctx.withContext({ EC_POINT_point2oct(group, point, POINT_CONVERSION_UNCOMPRESSED, &out, size, $0) }) == size else {
        throw KeyportError.crypto(opensslErrors("EC_POINT_point2oct"))
    }
    return out
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
    try EVPKey(eddsaSeed: seed, algorithm: algorithm).rawPublicKey(length: algorithm.eddsaKeyBytes)
}
