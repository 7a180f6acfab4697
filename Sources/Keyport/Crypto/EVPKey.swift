internal import CLibcrypto

// EVPKey: the bridge between keyport's pure-Swift key model (PublicKey/PrivateKey) and libcrypto's
// EVP_PKEY, plus the libcrypto codecs the PEM/DER family needs (OSSL_DECODER, OSSL_ENCODER, PKCS#8
// PBES1/PBES2 decryption, legacy PEM "Proc-Type: 4,ENCRYPTED" decryption).
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
    let pointer: OpaquePointer

    /// Takes an `EVP_PKEY*` whose reference the caller gives up.
    init(takingOwnershipOf pointer: OpaquePointer) {
        Libcrypto.ensureInitialized()
        self.pointer = pointer
    }

    deinit { EVP_PKEY_free(pointer) }

    // MARK: - Model → EVP_PKEY

    /// A key pair from a private key. Security-key (sk-) keys have no secret here and throw `cannotEncode`.
    convenience init(_ key: PrivateKey) throws {
        let algorithm = key.publicKey.algorithm
        switch (key.publicKey.parts, key.secret) {
        case let (.rsa(e, n), .rsa(dS, pS, qS, iqmpS)):
            let p = BigNum(pS), q = BigNum(qS), d = BigNum(dS)
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
            let type = eddsaKeyType(algorithm)
            let pkey = seed.withUnsafeBytes {
                EVP_PKEY_new_raw_private_key(type, nil, $0.baseAddress?.assumingMemoryBound(to: UInt8.self), $0.count)
            }
            guard let pkey else { throw KeyportError.crypto(opensslErrors("EdDSA private key")) }
            self.init(takingOwnershipOf: pkey)
        case (_, .securityKey):
            throw KeyportError.cannotEncode("\(algorithm.sshName) is a security-key (FIDO) key: its secret lives in the authenticator and cannot be written as PEM or PKCS#8")
        default:
            throw KeyportError.keyMismatch("the private part is for a different key type")
        }
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
            var length = 0
            guard EVP_PKEY_get_raw_public_key(pointer, nil, &length) == 1, length == algorithm.eddsaKeyBytes else {
                throw KeyportError.crypto(opensslErrors("EdDSA public key length"))
            }
            var out = [UInt8](repeating: 0, count: length)
            guard EVP_PKEY_get_raw_public_key(pointer, &out, &length) == 1 else { throw KeyportError.crypto(opensslErrors("EdDSA public key")) }
            return PublicKey(algorithm: algorithm, parts: .eddsa(publicKey: out))
        case .skECDSAP256, .skEd25519:
            throw KeyportError.unsupported("security keys have no EVP form", reason: .keyType)
        }
    }

    /// The key pair; throws `unsupported` for a public-only key or multi-prime RSA.
    func privateKey() throws -> PrivateKey {
        let publicKey = try publicKey()
        let secret: SecretParts
        switch publicKey.algorithm {
        case .rsa:
            // OpenSSH and PPK store exactly two primes; a third factor cannot be carried over.
            let probe = BigNum(secret: true)
            let multiPrime = withExtendedLifetime(probe) { () -> Bool in
                var third: OpaquePointer? = probe.pointer
                return EVP_PKEY_get_bn_param(pointer, "rsa-factor3", &third) == 1
            }
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
            var out = [UInt8](repeating: 0, count: length)
            defer { wipe(&out) }
            guard EVP_PKEY_get_raw_private_key(pointer, &out, &length) == 1 else { throw KeyportError.crypto(opensslErrors("EdDSA private key")) }
            secret = .eddsa(seed: SecureBytes(out))
        case .skECDSAP256, .skEd25519:
            throw KeyportError.unsupported("security keys have no EVP form", reason: .keyType)
        }
        return PrivateKey(publicKey: publicKey, secret: secret)
    }

    /// A BIGNUM parameter. Secret ones are read into a secure BIGNUM: EVP_PKEY_get_bn_param fills a
    /// BIGNUM it is given instead of allocating one (OSSL_PARAM_get_BN → BN_native2bn(…, *bn)).
    private func bn(_ name: String, secret: Bool = false) throws -> BigNum {
        let result = BigNum(secret: secret)
        var p: OpaquePointer? = result.pointer
        let found = EVP_PKEY_get_bn_param(pointer, name, &p) == 1
        if let p, p != result.pointer { BN_clear_free(p) }
        guard found, p == result.pointer else {
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

    // MARK: - Decoding and encoding with libcrypto

    /// Decodes DER with OSSL_DECODER. `structure` is `type-specific` (PKCS#1, SEC1, DSA traditional,
    /// with `keyType` set), `PrivateKeyInfo` or `SubjectPublicKeyInfo`.
    static func decode(der: UnsafeRawBufferPointer, structure: String, keyType: String?, selection: Int32, what: String) throws -> EVPKey {
        Libcrypto.ensureInitialized()
        var pkey: OpaquePointer?
        // The context keeps the input type and structure pointers: they must outlive it.
        let names = try CStrings("DER", structure, keyType ?? "")
        guard let ctx = OSSL_DECODER_CTX_new_for_pkey(&pkey, names[0], names[1], keyType == nil ? nil : names[2], selection, nil, nil) else {
            throw KeyportError.crypto(opensslErrors("OSSL_DECODER_CTX_new_for_pkey"))
        }
        defer { OSSL_DECODER_CTX_free(ctx); withExtendedLifetime(names) {} }
        guard OSSL_DECODER_CTX_get_num_decoders(ctx) > 0 else {
            throw KeyportError.unsupported(opensslErrors("libcrypto has no decoder for \(what)"))
        }
        var data = der.baseAddress?.assumingMemoryBound(to: UInt8.self)
        var length = der.count
        ERR_clear_error()
        guard OSSL_DECODER_from_data(ctx, &data, &length) == 1, let pkey else {
            throw KeyportError.malformed(format: what, field: "key", reason: opensslErrors("libcrypto cannot decode it"))
        }
        return EVPKey(takingOwnershipOf: pkey)
    }

    /// Encodes with OSSL_ENCODER. `output` is `PEM` or `DER`; `structure` is `type-specific`,
    /// `PrivateKeyInfo` or `SubjectPublicKeyInfo`. With `cipher` and a passphrase, type-specific PEM
    /// gets legacy `Proc-Type: 4,ENCRYPTED` encryption (key = EVP_BytesToKey(MD5, IV[0..<8], 1)).
    func encode(selection: Int32, output: String, structure: String, cipher: String? = nil, passphrase: SecureBytes? = nil) throws -> [UInt8] {
        // The context keeps the output type and structure pointers: they must outlive it.
        let names = try CStrings(output, structure)
        guard let ctx = OSSL_ENCODER_CTX_new_for_pkey(pointer, selection, names[0], names[1], nil) else {
            throw KeyportError.crypto(opensslErrors("OSSL_ENCODER_CTX_new_for_pkey"))
        }
        defer { OSSL_ENCODER_CTX_free(ctx); withExtendedLifetime(names) {} }
        guard OSSL_ENCODER_CTX_get_num_encoders(ctx) > 0 else {
            throw KeyportError.cannotEncode(opensslErrors("libcrypto has no \(structure) \(output) encoder for this key"))
        }
        if let cipher, let passphrase {
            guard OSSL_ENCODER_CTX_set_cipher(ctx, cipher, nil) == 1 else { throw KeyportError.crypto(opensslErrors("cipher \(cipher)")) }
            let ok = passphrase.withUnsafeBytes { OSSL_ENCODER_CTX_set_passphrase(ctx, $0.baseAddress?.assumingMemoryBound(to: UInt8.self), $0.count) }
            guard ok == 1 else { throw KeyportError.crypto(opensslErrors("encoder passphrase")) }
        }
        var out: UnsafeMutablePointer<UInt8>?
        var length = 0
        guard OSSL_ENCODER_to_data(ctx, &out, &length) == 1, let out else {
            throw KeyportError.crypto(opensslErrors("encoding \(structure) \(output)"))
        }
        defer { CRYPTO_clear_free(out, length, nil, 0) }
        return Array(UnsafeBufferPointer(start: out, count: length))
    }

    /// EncryptedPrivateKeyInfo DER (RFC 5958 §3) with PBES2: PBKDF2-HMAC-SHA256 over a 16-byte random
    /// salt, `iterations` rounds, AES-256-CBC with a random IV. OSSL_ENCODER cannot set the iteration
    /// count in 3.0 (it always uses 2048), hence the lower-level PKCS5_pbe2_set_iv_ex/PKCS8_set0_pbe.
    func encryptedPKCS8(passphrase: SecureBytes, iterations: Int) throws -> [UInt8] {
        guard let info = EVP_PKEY2PKCS8(pointer) else { throw KeyportError.crypto(opensslErrors("EVP_PKEY2PKCS8")) }
        defer { PKCS8_PRIV_KEY_INFO_free(info) }
        guard let cipher = EVP_CIPHER_fetch(nil, "AES-256-CBC", nil) else { throw KeyportError.crypto(opensslErrors("AES-256-CBC")) }
        defer { EVP_CIPHER_free(cipher) }
        guard let algorithm = PKCS5_pbe2_set_iv_ex(cipher, Int32(clamping: iterations), nil, 16, nil, NID_hmacWithSHA256, nil) else {
            throw KeyportError.crypto(opensslErrors("PBES2 parameters"))
        }
        let sig = passphrase.withUnsafeBytes {
            PKCS8_set0_pbe_ex($0.baseAddress?.assumingMemoryBound(to: CChar.self), Int32($0.count), info, algorithm, nil, nil)
        }
        guard let sig else {
            X509_ALGOR_free(algorithm)
            throw KeyportError.crypto(opensslErrors("PKCS#8 encryption"))
        }
        defer { X509_SIG_free(sig) }
        var out: UnsafeMutablePointer<UInt8>?
        let length = i2d_X509_SIG(sig, &out)
        guard length > 0, let out else { throw KeyportError.crypto(opensslErrors("i2d_X509_SIG")) }
        defer { CRYPTO_free(out, nil, 0) }
        return Array(UnsafeBufferPointer(start: out, count: Int(length)))
    }

    /// Decrypts EncryptedPrivateKeyInfo DER (PBES2 with PBKDF2 or scrypt, PBES1, PKCS#12 PBE) and
    /// returns the PrivateKeyInfo DER. A failed padding check is `wrongPassphrase`; an algorithm
    /// libcrypto lacks is `unsupported`.
    static func decryptPKCS8(_ der: [UInt8], passphrase: SecureBytes, legacyLoadAttempted: Bool = false) throws -> SecureBytes {
        Libcrypto.ensureInitialized()
        var cursor: UnsafePointer<UInt8>? = nil
        let sig: OpaquePointer? = der.withUnsafeBufferPointer { buffer in
            cursor = buffer.baseAddress
            return d2i_X509_SIG(nil, &cursor, buffer.count)
        }
        guard let sig else {
            throw KeyportError.malformed(format: "PKCS#8", field: "EncryptedPrivateKeyInfo", reason: opensslErrors("libcrypto cannot parse it"))
        }
        defer { X509_SIG_free(sig) }
        var algorithm: UnsafePointer<X509_ALGOR>?
        var digest: UnsafePointer<ASN1_OCTET_STRING>?
        X509_SIG_get0(sig, &algorithm, &digest)
        guard let algorithm, let digest, let data = ASN1_STRING_get0_data(digest) else {
            throw KeyportError.malformed(format: "PKCS#8", field: "EncryptedPrivateKeyInfo", reason: "no encrypted data")
        }
        var out: UnsafeMutablePointer<UInt8>?
        var outLength: Int32 = 0
        ERR_clear_error()
        let result = passphrase.withUnsafeBytes {
            PKCS12_pbe_crypt_ex(algorithm, $0.baseAddress?.assumingMemoryBound(to: CChar.self), Int32($0.count),
                                data, ASN1_STRING_length(digest), &out, &outLength, 0, nil, nil)
        }
        guard result != nil, let out else {
            switch classifyDecryptionFailure() {
            case .wrongPassphrase: throw KeyportError.wrongPassphrase
            case let .damaged(detail):
                throw KeyportError.malformed(format: "PKCS#8", field: "encryption parameters", reason: "libcrypto cannot decrypt with them\(detail)")
            case let .unavailable(detail):
                // DES, RC2 and RC4 (PBES1, PKCS#12 PBE, PBES2 with DES-CBC or RC2-CBC) are in the legacy
                // provider, which is loaded only now that a file needs it, and the decryption tried again.
                if !legacyLoadAttempted, legacyProviderFailure == nil {
                    return try decryptPKCS8(der, passphrase: passphrase, legacyLoadAttempted: true)
                }
                let why = legacyProviderFailure.map { ": it needs \($0)" } ?? detail
                throw KeyportError.unsupported("the key's encryption algorithm is not available in libcrypto\(why)", reason: .cipher)
            }
        }
        defer { CRYPTO_clear_free(out, Int(outLength), nil, 0) }
        return SecureBytes(UnsafeBufferPointer(start: out, count: Int(outLength)))
    }

    /// Decrypts the body of a legacy encrypted PEM block (RFC 1421 headers as OpenSSL writes them):
    /// key = EVP_BytesToKey(cipher, MD5, salt = IV[0..<8], passphrase, count 1); CBC with the IV from
    /// DEK-Info; PKCS#7 padding, whose check failing means a wrong passphrase.
    static func decryptLegacyPEM(cipherName: String, iv: [UInt8], body: [UInt8], passphrase: SecureBytes) throws -> SecureBytes {
        Libcrypto.ensureInitialized()
        guard let cipher = EVP_CIPHER_fetch(nil, cipherName, nil) else {
            ERR_clear_error()
            throw KeyportError.unsupported("legacy PEM cipher \(PublicKey.printable(cipherName)) is not available in libcrypto", reason: .cipher)
        }
        defer { EVP_CIPHER_free(cipher) }
        guard iv.count == Int(EVP_CIPHER_get_iv_length(cipher)), iv.count >= 8 else {
            throw KeyportError.malformed(format: "PEM", field: "DEK-Info", reason: "the IV must be \(EVP_CIPHER_get_iv_length(cipher)) bytes for \(cipherName)")
        }
        var key = [UInt8](repeating: 0, count: Int(EVP_CIPHER_get_key_length(cipher)))
        defer { wipe(&key) }
        let derived = passphrase.withUnsafeBytes {
            EVP_BytesToKey(cipher, EVP_md5(), iv, $0.baseAddress?.assumingMemoryBound(to: UInt8.self), Int32($0.count), 1, &key, nil)
        }
        guard derived == Int32(key.count) else { throw KeyportError.crypto(opensslErrors("EVP_BytesToKey")) }
        guard let ctx = EVP_CIPHER_CTX_new() else { throw KeyportError.crypto("EVP_CIPHER_CTX_new failed") }
        defer { EVP_CIPHER_CTX_free(ctx) }
        guard EVP_DecryptInit_ex2(ctx, cipher, key, iv, nil) == 1 else { throw KeyportError.crypto(opensslErrors("legacy PEM cipher init")) }
        var out = [UInt8](repeating: 0, count: body.count + 32)
        defer { wipe(&out) }
        var written: Int32 = 0
        guard body.count < Int(Int32.max) - 64, EVP_DecryptUpdate(ctx, &out, &written, body, Int32(body.count)) == 1 else {
            throw KeyportError.crypto(opensslErrors("legacy PEM decryption"))
        }
        var total = Int(written)
        ERR_clear_error()
        let final = out.withUnsafeMutableBufferPointer { EVP_DecryptFinal_ex(ctx, $0.baseAddress.map { $0 + total }, &written) }
        guard final == 1 else {
            ERR_clear_error()
            throw legacyPaddingFailure(Array(out[0..<total]), ciphertextLength: body.count)
        }
        total += Int(written)
        return SecureBytes(out[0..<total])
    }

    /// The padding check failed: a wrong passphrase, unless the decrypted start is the header of the
    /// key structure (SEQUENCE, then INTEGER version 0 or 1: 2^-32 by chance with a wrong key). Then
    /// the passphrase is right and the body was cut (the structure is longer than the data) or damaged.
    private static func legacyPaddingFailure(_ plain: [UInt8], ciphertextLength: Int) -> KeyportError {
        var plain = plain
        defer { wipe(&plain) }
        guard plain.count >= 8, plain[0] == 0x30, plain[1] < 0x80 || plain[1] == 0x81 || plain[1] == 0x82 else { return .wrongPassphrase }
        let header = plain[1] < 0x80 ? 2 : plain[1] == 0x81 ? 3 : 4
        let length = plain[1] < 0x80 ? Int(plain[1]) : plain[1] == 0x81 ? Int(plain[2]) : Int(plain[2]) << 8 | Int(plain[3])
        guard plain[header] == 0x02, plain[header + 1] == 0x01, plain[header + 2] <= 0x01 else { return .wrongPassphrase }
        if header + length >= ciphertextLength {
            return .truncated(format: "PEM", field: "the encrypted body (the passphrase is right, but the data ends early)")
        }
        return .integrityCheckFailed("PEM: the passphrase is right but the encrypted body is damaged (its padding is wrong)")
    }

    /// What a failed password-based decryption means, from libcrypto's error queue.
    enum DecryptionFailure {
        case wrongPassphrase
        /// The algorithm is not in the providers loaded (DES, RC2 and RC4 live in the legacy one).
        case unavailable(String)
        case damaged(String)
    }

    /// Reads and clears libcrypto's error queue after a failed password-based decryption.
    private static func classifyDecryptionFailure() -> DecryptionFailure {
        var badDecrypt = false, unsupported = false
        var reasons: [String] = []
        while true {
            let code = ERR_get_error()
            if code == 0 { break }
            let lib = ERR_GET_LIB(code), reason = ERR_GET_REASON(code)
            if (lib == ERR_LIB_EVP && reason == EVP_R_BAD_DECRYPT) || (lib == ERR_LIB_PKCS12 && reason == PKCS12_R_PKCS12_CIPHERFINAL_ERROR) {
                badDecrypt = true
            }
            if (lib == ERR_LIB_EVP && [EVP_R_UNKNOWN_PBE_ALGORITHM, EVP_R_UNSUPPORTED_CIPHER, EVP_R_UNKNOWN_CIPHER,
                                       EVP_R_UNSUPPORTED_KEY_DERIVATION_FUNCTION, EVP_R_UNSUPPORTED_PRF].contains(reason))
                || reason == ERR_R_UNSUPPORTED || reason == ERR_R_FETCH_FAILED {
                unsupported = true
            }
            // The reason phrase only ("invalid iteration count"), not the whole error line.
            if let text = ERR_reason_error_string(code).map({ String(cString: $0) }), !reasons.contains(text) { reasons.append(text) }
        }
        if badDecrypt { return .wrongPassphrase }
        let detail = reasons.isEmpty ? "" : " (\(reasons.joined(separator: "; ")))"
        return unsupported ? .unavailable(detail) : .damaged(detail)
    }

    /// Loads OpenSSL's legacy provider (DES, RC2, RC4, ...) into the default library context, once,
    /// the first time a key file needs it; the default provider is loaded with it, because loading
    /// any provider explicitly stops the default one from being loaded implicitly. Nil on success,
    /// else why not (a static libcrypto, or an installation without `legacy.so`).
    static var legacyProviderFailure: String? { legacyProviders.failure }

    /// The providers loaded for `legacyProviderFailure`, kept until the process exits. Each load
    /// holds a reference that OpenSSL's own exit handler (OPENSSL_cleanup) does not drop, so they
    /// are unloaded by an exit handler of ours, which runs first (registered later): what we load,
    /// we unload, and a leak checker sees nothing left.
    private nonisolated(unsafe) static let legacyProviders: (loaded: [OpaquePointer], failure: String?) = {
        Libcrypto.ensureInitialized()
        guard let defaultProvider = OSSL_PROVIDER_load(nil, "default") else { return ([], opensslErrors("the default provider")) }
        atexit { EVPKey.legacyProviders.loaded.reversed().forEach { OSSL_PROVIDER_unload($0) } }
        guard let legacyProvider = OSSL_PROVIDER_load(nil, "legacy") else {
            // OpenSSL_version(OPENSSL_MODULES_DIR) reads `MODULESDIR: "/usr/lib/.../ossl-modules"`.
            let modules = String(cString: OpenSSL_version(OPENSSL_MODULES_DIR)).split(separator: "\"").dropFirst().first.map(String.init) ?? "the OpenSSL modules directory"
            ERR_clear_error()
            return ([defaultProvider], "OpenSSL's legacy provider (legacy.so in \(modules)), which could not be loaded")
        }
        return ([defaultProvider, legacyProvider], nil)
    }()
}

// MARK: - C strings that outlive a libcrypto context

/// Several OpenSSL 3.0 constructors keep the `const char *` names they are given (encoder and
/// decoder output/input types and structures, EVP_PKEY_CTX key types) instead of copying them;
/// Swift's String-to-pointer bridging only lives for the call, so such names are copied here.
private final class CStrings {
    private let pointers: [UnsafeMutablePointer<CChar>]

    init(_ strings: String...) throws {
        var made: [UnsafeMutablePointer<CChar>] = []
        for s in strings {
            guard let p = strdup(s) else {
                made.forEach { free($0) }
                throw KeyportError.crypto("out of memory")
            }
            made.append(p)
        }
        pointers = made
    }

    subscript(index: Int) -> UnsafeMutablePointer<CChar> { pointers[index] }

    deinit { pointers.forEach { free($0) } }
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
        numbers.append(number)
        guard OSSL_PARAM_BLD_push_BN(builder, try keep(name), number.pointer) == 1 else { throw KeyportError.crypto(opensslErrors("parameter \(name)")) }
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
