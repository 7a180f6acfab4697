internal import CLibcrypto

// EVPKey: the bridge between keyport's pure-Swift key model (PublicKey/PrivateKey) and libcrypto's
// EVP_PKEY, and the owner of every EVP_PKEY keyport holds (decoded, built, generated). The libcrypto
// codecs the PEM/DER family needs are in EVPKeyCodecs.swift.
//
// Parameter names (OpenSSL 3.0 provider key parameters, see EVP_PKEY-RSA(7), EVP_PKEY-DSA(7),
// EVP_PKEY-EC(7), EVP_PKEY-ED25519(7)):
//   RSA      n, e, d, rsa-factor1 (p), rsa-factor2 (q), rsa-exponent1 (d mod p-1),
//            rsa-exponent2 (d mod q-1), rsa-coefficient1 (q^-1 mod p, = OpenSSH iqmp)
//   DSA      p, q, g, pub (y), priv (x)
//   EC       group (curve name), pub (SEC1 point), qx/qy (affine coordinates), priv (scalar d)
//   EdDSA    raw public key / raw private key (the RFC 8032 seed)
//
// Secrets: BIGNUMs that hold secret values are BN_secure_new and cleared on free; OSSL_PARAM_BLD
// puts secure BIGNUMs into its secure block, which OSSL_PARAM_free clears. Byte copies are wiped.

/// An owned `EVP_PKEY*`, freed in `deinit`.
///
/// Build one from keyport's model with `init(_: PrivateKey)` / `init(_: PublicKey)`, or take one
/// libcrypto made (decoder, key generation) with `init(takingOwnershipOf:)`; read it back with
/// `privateKey()` / `publicKey()`. Only RSA (two primes), DSA, ECDSA on P-256/P-384/P-521, Ed25519
/// and Ed448 map to SSH keys; other EVP key types throw `unsupported`.
final class EVPKey {
    // Reached only through `withUnsafePointer`, so it never outlives this owner.
    private let pointer: OpaquePointer

    /// Takes an `EVP_PKEY*` whose reference the caller gives up.
    init(takingOwnershipOf pointer: OpaquePointer) {
        Libcrypto.ensureInitialized()
        self.pointer = pointer
    }

    deinit { EVP_PKEY_free(pointer) }

    /// Calls `body` with the EVP_PKEY, which stays alive for the call; do not let the pointer escape.
    func withUnsafePointer<R>(_ body: (OpaquePointer) throws -> R) rethrows -> R {
        try body(pointer)
    }

    /// A new key from EVP_PKEY keygen of key type `name` (`configure` sets the context up, e.g. the
    /// curve, and returns whether that worked).
    static func generate(_ name: String, configure: (OpaquePointer) -> Bool = { _ in true }) throws -> EVPKey {
        Libcrypto.ensureInitialized()
        guard let ctx = EVP_PKEY_CTX_new_from_name(nil, name, nil) else { throw KeyportError.crypto(opensslErrors("\(name) context")) }
        defer { EVP_PKEY_CTX_free(ctx) }
        var pkey: OpaquePointer?
        guard EVP_PKEY_keygen_init(ctx) == 1, configure(ctx), EVP_PKEY_generate(ctx, &pkey) == 1, let pkey else {
            throw KeyportError.crypto(opensslErrors("\(name) key generation"))
        }
        return EVPKey(takingOwnershipOf: pkey)
    }

    // MARK: - Model → EVP_PKEY

    /// A key pair from a private key. Security-key (sk-) keys have no secret here and throw `cannotEncode`.
    convenience init(_ key: PrivateKey) throws {
        let algorithm = key.publicKey.algorithm
        switch (key.publicKey.parts, key.secret) {
        case let (.rsa(e, n), .rsa(dS, pS, qS, iqmpS)):
            let p = try BigNum(pS), q = try BigNum(qS), d = try BigNum(dS)
            guard p.bitCount > 1, q.bitCount > 1 else { throw KeyportError.keyMismatch("RSA prime is zero or one") }
            // The CRT exponents are not stored by OpenSSH or PPK; PKCS#1 needs them.
            let ctx = try BigNumContext()
            let dP = try ctx.mod(d, ctx.minusOne(p)), dQ = try ctx.mod(d, ctx.minusOne(q))
            let params = try ParamBuilder()
            try params.push("n", BigNum(n)); try params.push("e", BigNum(e)); try params.push("d", d)
            try params.push("rsa-factor1", p); try params.push("rsa-factor2", q)
            try params.push("rsa-exponent1", dP); try params.push("rsa-exponent2", dQ)
            try params.push("rsa-coefficient1", BigNum(iqmpS))
            self.init(takingOwnershipOf: try params.makeKey(type: "RSA", selection: Self.keyPairSelection))
        case let (.dsa(p, q, g, y), .dsa(x)):
            let params = try ParamBuilder()
            try params.push("p", BigNum(p)); try params.push("q", BigNum(q)); try params.push("g", BigNum(g))
            try params.push("pub", BigNum(y)); try params.push("priv", BigNum(x))
            self.init(takingOwnershipOf: try params.makeKey(type: "DSA", selection: Self.keyPairSelection))
        case let (.ecdsa(point), .ecdsa(d)):
            try Self.checkOnCurve(algorithm, point)
            let params = try ParamBuilder()
            try params.push("group", utf8: try Self.groupName(algorithm))
            try params.push("pub", octets: point)
            try params.push("priv", BigNum(d))
            self.init(takingOwnershipOf: try params.makeKey(type: "EC", selection: Self.keyPairSelection))
        case let (.eddsa(_), .eddsa(seed)):
            try self.init(eddsaSeed: seed, algorithm: algorithm)
        case (_, .securityKey):
            throw KeyportError.cannotEncode("\(algorithm.sshName) is a security-key (FIDO) key: its secret lives in the authenticator and cannot be written as PEM or PKCS#8")
        default:
            throw KeyportError.keyMismatch("the private part is for a different key type")
        }
    }

    /// An Ed25519 or Ed448 key pair from its RFC 8032 seed.
    convenience init(eddsaSeed seed: SecureBytes, algorithm: KeyAlgorithm) throws {
        Libcrypto.ensureInitialized()
        let type = eddsaKeyType(algorithm)
        let pkey = seed.withUnsafeBytes {
            EVP_PKEY_new_raw_private_key(type, nil, $0.baseAddress?.assumingMemoryBound(to: UInt8.self), $0.count)
        }
        guard let pkey else { throw KeyportError.crypto(opensslErrors("EdDSA private key")) }
        self.init(takingOwnershipOf: pkey)
    }

    /// A public-only key.
    convenience init(_ key: PublicKey) throws {
        let algorithm = key.algorithm
        switch key.parts {
        case let .rsa(e, n):
            let params = try ParamBuilder()
            try params.push("n", BigNum(n)); try params.push("e", BigNum(e))
            self.init(takingOwnershipOf: try params.makeKey(type: "RSA", selection: Self.publicSelection))
        case let .dsa(p, q, g, y):
            let params = try ParamBuilder()
            try params.push("p", BigNum(p)); try params.push("q", BigNum(q)); try params.push("g", BigNum(g))
            try params.push("pub", BigNum(y))
            self.init(takingOwnershipOf: try params.makeKey(type: "DSA", selection: Self.publicSelection))
        case let .ecdsa(point):
            try Self.checkOnCurve(algorithm, point)
            let params = try ParamBuilder()
            try params.push("group", utf8: try Self.groupName(algorithm))
            try params.push("pub", octets: point)
            self.init(takingOwnershipOf: try params.makeKey(type: "EC", selection: Self.publicSelection))
        case let .eddsa(pk):
            let type = eddsaKeyType(algorithm)
            guard let pkey = EVP_PKEY_new_raw_public_key(type, nil, pk, pk.count) else {
                throw KeyportError.crypto(opensslErrors("EdDSA public key"))
            }
            self.init(takingOwnershipOf: pkey)
        case .securityKeyECDSA, .securityKeyEd25519:
            throw KeyportError.cannotEncode("\(algorithm.sshName) is a security-key (FIDO) key, which has no PEM, PKCS#8 or SubjectPublicKeyInfo form")
        }
    }

    // OSSL_KEYMGMT_SELECT_* (openssl/core_dispatch.h): private 0x01, public 0x02, domain parameters
    // 0x04, other parameters 0x80. EVP_PKEY_KEYPAIR and EVP_PKEY_PUBLIC_KEY are nested macros that
    // Swift does not import.
    static let publicSelection: Int32 = 0x86
    static let keyPairSelection: Int32 = 0x87

    /// A point off its curve is damaged input (ssh-keygen calls such a key invalid); said in words
    /// before libcrypto refuses it with an error stack.
    private static func checkOnCurve(_ algorithm: KeyAlgorithm, _ point: [UInt8]) throws {
        guard ecPointIsOnCurve(algorithm: algorithm, point: point) else {
            throw KeyportError.malformed(format: "EC key", field: "EC point", reason: "the public point is not on the \(algorithm.curveName ?? "key's") curve")
        }
    }

    private static func groupName(_ algorithm: KeyAlgorithm) throws -> String {
        guard let name = algorithm.opensslGroupName else { throw KeyportError.unsupported("\(algorithm.sshName) has no EC group") }
        return name
    }

    // MARK: - EVP_PKEY → model

    /// The SSH algorithm of this key; throws `unsupported` for key types SSH has no name for.
    func algorithm() throws -> KeyAlgorithm {
        for algorithm in [KeyAlgorithm.rsa, .dsa, .ed25519, .ed448] where EVP_PKEY_is_a(pointer, algorithm.opensslKeyType) == 1 {
            return algorithm
        }
        if EVP_PKEY_is_a(pointer, KeyAlgorithm.ecdsaP256.opensslKeyType) == 1 {
            var buffer = [CChar](repeating: 0, count: 80)
            var length = 0
            guard EVP_PKEY_get_utf8_string_param(pointer, "group", &buffer, buffer.count, &length) == 1 else {
                ERR_clear_error()
                throw KeyportError.unsupported("EC key with explicit curve parameters: SSH needs a named curve (P-256, P-384 or P-521)", reason: .keyShape)
            }
            let name = String(decoding: buffer.prefix(min(length, buffer.count)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
            guard let algorithm = KeyAlgorithm.ecdsa(opensslGroup: name) else {
                throw KeyportError.unsupported("EC curve \(PublicKey.printable(name)) has no SSH key type; SSH uses P-256, P-384 and P-521", reason: .keyType)
            }
            return algorithm
        }
        let typeName = EVP_PKEY_get0_type_name(pointer).map { String(cString: $0) } ?? "unknown"
        throw KeyportError.unsupported("\(typeName) key: no SSH key type exists for it", reason: .keyType)
    }

    /// The public half.
    func publicKey() throws -> PublicKey {
        let algorithm = try algorithm()
        switch algorithm {
        case .rsa, .dsa:
            let parts: PublicParts = algorithm == .rsa
                ? .rsa(e: try bn("e").bytes, n: try bn("n").bytes)
                : .dsa(p: try bn("p").bytes, q: try bn("q").bytes, g: try bn("g").bytes, y: try bn("pub").bytes)
            try parts.checkNotDegenerate(context: algorithm == .rsa ? "RSA key" : "DSA key")
            return PublicKey(algorithm: algorithm, parts: parts)
        case .ecdsaP256, .ecdsaP384, .ecdsaP521:
            // qx/qy rather than "pub": the encoded point keeps the file's (possibly compressed) form.
            let size = algorithm.curveFieldBytes ?? 0
            let point = [0x04] + (try bn("qx").bytes(padded: size)) + (try bn("qy").bytes(padded: size))
            return PublicKey(algorithm: algorithm, parts: .ecdsa(point: point))
        case .ed25519, .ed448:
            return PublicKey(algorithm: algorithm, parts: .eddsa(publicKey: try rawPublicKey(length: algorithm.eddsaKeyBytes)))
        case .skECDSAP256, .skEd25519:
            throw KeyportError.unsupported("security keys have no EVP form", reason: .keyType)
        }
    }

    /// The raw public key of an EdDSA key (EVP_PKEY_get_raw_public_key), `length` bytes long.
    func rawPublicKey(length expected: Int?) throws -> [UInt8] {
        var length = 0
        guard EVP_PKEY_get_raw_public_key(pointer, nil, &length) == 1, length == expected else {
            throw KeyportError.crypto(opensslErrors("EdDSA public key length"))
        }
        var out = [UInt8](repeating: 0, count: length)
        guard EVP_PKEY_get_raw_public_key(pointer, &out, &length) == 1, length == expected else {
            throw KeyportError.crypto(opensslErrors("EdDSA public key"))
        }
        return out
    }

    /// The key pair; throws `unsupported` for a public-only key or multi-prime RSA.
    func privateKey() throws -> PrivateKey {
        let publicKey = try publicKey()
        let secret: SecretParts
        switch publicKey.algorithm {
        case .rsa:
            // OpenSSH and PPK store exactly two primes; a third factor cannot be carried over.
            let multiPrime = (try BigNum.filled(secret: true, by: { EVP_PKEY_get_bn_param(pointer, "rsa-factor3", &$0) })) != nil
            if multiPrime {
                throw KeyportError.unsupported("multi-prime RSA key: SSH formats hold two primes only", reason: .keyShape)
            }
            ERR_clear_error()
            secret = .rsa(d: try bn("d", secret: true).secureBytes, p: try bn("rsa-factor1", secret: true).secureBytes,
                          q: try bn("rsa-factor2", secret: true).secureBytes, iqmp: try bn("rsa-coefficient1", secret: true).secureBytes)
        case .dsa:
            secret = .dsa(x: try bn("priv", secret: true).secureBytes)
        case .ecdsaP256, .ecdsaP384, .ecdsaP521:
            secret = .ecdsa(d: try bn("priv", secret: true).secureBytes)
        case .ed25519, .ed448:
            var length = 0
            guard EVP_PKEY_get_raw_private_key(pointer, nil, &length) == 1, length == publicKey.algorithm.eddsaKeyBytes else {
                throw KeyportError.unsupported("this is a public key; no private part present")
            }
            // Straight into wiped-on-free storage: the seed never sits in an array.
            secret = .eddsa(seed: try SecureBytes(unsafeUninitializedCapacity: length) { buffer in
                guard EVP_PKEY_get_raw_private_key(pointer, buffer.baseAddress?.assumingMemoryBound(to: UInt8.self), &length) == 1 else {
                    throw KeyportError.crypto(opensslErrors("EdDSA private key"))
                }
                return length
            })
        case .skECDSAP256, .skEd25519:
            throw KeyportError.unsupported("security keys have no EVP form", reason: .keyType)
        }
        return PrivateKey(publicKey: publicKey, secret: secret)
    }

    /// A BIGNUM parameter. Secret ones are read into a secure BIGNUM: EVP_PKEY_get_bn_param fills a
    /// BIGNUM it is given instead of allocating one (OSSL_PARAM_get_BN → BN_native2bn(…, *bn)).
    private func bn(_ name: String, secret: Bool = false) throws -> BigNum {
        guard let result = try BigNum.filled(secret: secret, by: { EVP_PKEY_get_bn_param(pointer, name, &$0) }) else {
            throw KeyportError.malformed(format: "key", field: name, reason: opensslErrors("libcrypto has no \(name) for this key"))
        }
        return result
    }

    /// True for an EC key that libcrypto decoded from explicit domain parameters. OpenSSL 3 maps
    /// explicit parameters equal to a named curve onto that curve (so `group` names it), and only
    /// this flag (EVP_PKEY-EC(7) "decoded-from-explicit") still tells the two encodings apart.
    var decodedFromExplicitParameters: Bool {
        guard EVP_PKEY_is_a(pointer, "EC") == 1 else { return false }
        var flag: Int32 = 0
        guard EVP_PKEY_get_int_param(pointer, "decoded-from-explicit", &flag) == 1 else {
            ERR_clear_error()
            return false
        }
        return flag != 0
    }
}

// MARK: - OSSL_PARAM_BLD with owned storage

/// OSSL_PARAM_BLD keeps the key-name pointers, BIGNUM pointers and byte buffers it is given until
/// `to_param`, and the built OSSL_PARAM array keeps the key names: this class owns all of them for as
/// long as the key is being built.
private final class ParamBuilder {
    private let builder: OpaquePointer
    private var names: [UnsafeMutablePointer<CChar>] = []
    private var numbers: [BigNum] = []
    private var buffers: [UnsafeMutableRawBufferPointer] = []

    init() throws {
        Libcrypto.ensureInitialized()
        guard let b = OSSL_PARAM_BLD_new() else { throw KeyportError.crypto("OSSL_PARAM_BLD_new failed") }
        builder = b
    }

    deinit {
        OSSL_PARAM_BLD_free(builder)
        for name in names { free(name) }
        for buffer in buffers {
            OPENSSL_cleanse(buffer.baseAddress, buffer.count)
            buffer.deallocate()
        }
    }

    private func keep(_ name: String) throws -> UnsafeMutablePointer<CChar> {
        guard let copy = strdup(name) else { throw KeyportError.crypto("out of memory") }
        names.append(copy)
        return copy
    }

    func push(_ name: String, _ number: BigNum) throws {
        // The builder keeps the BIGNUM pointer until `makeKey`; `numbers` keeps its owner alive as long.
        numbers.append(number)
        let key = try keep(name)
        guard number.withUnsafePointer({ OSSL_PARAM_BLD_push_BN(builder, key, $0) }) == 1 else {
            throw KeyportError.crypto(opensslErrors("parameter \(name)"))
        }
    }

    func push(_ name: String, octets: [UInt8]) throws {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(octets.count, 1), alignment: 1)
        buffer.copyBytes(from: octets)
        buffers.append(buffer)
        guard OSSL_PARAM_BLD_push_octet_string(builder, try keep(name), buffer.baseAddress, octets.count) == 1 else {
            throw KeyportError.crypto(opensslErrors("parameter \(name)"))
        }
    }

    func push(_ name: String, utf8 value: String) throws {
        let copy = try keep(value)
        guard OSSL_PARAM_BLD_push_utf8_string(builder, try keep(name), copy, 0) == 1 else {
            throw KeyportError.crypto(opensslErrors("parameter \(name)"))
        }
    }

    /// EVP_PKEY_fromdata with everything pushed so far.
    func makeKey(type: String, selection: Int32) throws -> OpaquePointer {
        guard let params = OSSL_PARAM_BLD_to_param(builder) else { throw KeyportError.crypto(opensslErrors("OSSL_PARAM_BLD_to_param")) }
        defer { OSSL_PARAM_free(params) }
        // EVP_PKEY_CTX keeps the key type name pointer.
        let names = try CStrings(type)
        guard let ctx = EVP_PKEY_CTX_new_from_name(nil, names[0], nil) else { throw KeyportError.crypto(opensslErrors("\(type) key context")) }
        defer { EVP_PKEY_CTX_free(ctx); withExtendedLifetime(names) {} }
        var pkey: OpaquePointer?
        guard EVP_PKEY_fromdata_init(ctx) == 1 else { throw KeyportError.crypto(opensslErrors("\(type) key import")) }
        // The values come from a key file: libcrypto refusing them is damaged input, not a fault.
        guard EVP_PKEY_fromdata(ctx, &pkey, selection, params) == 1, let pkey else {
            throw KeyportError.malformed(format: "\(type) key", field: "key values", reason: "libcrypto refuses them as a key\(opensslReasons())")
        }
        return pkey
    }
}
