internal import CLibcrypto

// libcrypto's codecs for the PEM/DER family, on EVPKey: OSSL_DECODER and OSSL_ENCODER (PKCS#1, SEC1,
// PKCS#8, SubjectPublicKeyInfo), PKCS#8 PBES2 encryption, and password-based decryption of PKCS#8
// (PBES1/PBES2/PKCS#12 PBE) and of legacy PEM "Proc-Type: 4,ENCRYPTED" bodies, with the reading of
// libcrypto's error queue that tells a wrong passphrase from a damaged file.

extension EVPKey {
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
        // The context reads the key while it lives, which is within this method (self is alive).
        guard let ctx = withUnsafePointer({ OSSL_ENCODER_CTX_new_for_pkey($0, selection, names[0], names[1], nil) }) else {
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
        guard let info = withUnsafePointer({ EVP_PKEY2PKCS8($0) }) else { throw KeyportError.crypto(opensslErrors("EVP_PKEY2PKCS8")) }
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
        let keyLength = Int(EVP_CIPHER_get_key_length(cipher))
        let key = try SecureBytes(unsafeUninitializedCapacity: keyLength) { k in
            let derived = passphrase.withUnsafeBytes {
                EVP_BytesToKey(cipher, EVP_md5(), iv, $0.baseAddress?.assumingMemoryBound(to: UInt8.self), Int32($0.count), 1,
                               k.baseAddress?.assumingMemoryBound(to: UInt8.self), nil)
            }
            guard derived == Int32(keyLength) else { throw KeyportError.crypto(opensslErrors("EVP_BytesToKey")) }
            return keyLength
        }
        guard let ctx = EVP_CIPHER_CTX_new() else { throw KeyportError.crypto("EVP_CIPHER_CTX_new failed") }
        defer { EVP_CIPHER_CTX_free(ctx) }
        let initialised = key.withUnsafeBytes { EVP_DecryptInit_ex2(ctx, cipher, $0.baseAddress?.assumingMemoryBound(to: UInt8.self), iv, nil) }
        guard initialised == 1 else { throw KeyportError.crypto(opensslErrors("legacy PEM cipher init")) }
        guard body.count < Int(Int32.max) - 64 else { throw KeyportError.crypto("legacy PEM decryption: the body is too long") }
        var paddingFailed = false
        // Straight into wiped-on-free storage; after a failed padding check it keeps what decrypted
        // so far, for `legacyPaddingFailure` to look at.
        let plain = try SecureBytes(unsafeUninitializedCapacity: body.count + 32) { buffer in
            let out = buffer.baseAddress!.assumingMemoryBound(to: UInt8.self)
            var written: Int32 = 0
            guard EVP_DecryptUpdate(ctx, out, &written, body, Int32(body.count)) == 1 else {
                throw KeyportError.crypto(opensslErrors("legacy PEM decryption"))
            }
            let total = Int(written)
            ERR_clear_error()
            guard EVP_DecryptFinal_ex(ctx, out + total, &written) == 1 else {
                ERR_clear_error()
                paddingFailed = true
                return total
            }
            return total + Int(written)
        }
        if paddingFailed { throw legacyPaddingFailure(plain, ciphertextLength: body.count) }
        return plain
    }

    /// The padding check failed: a wrong passphrase, unless the decrypted start is the header of the
    /// key structure (SEQUENCE, then INTEGER version 0 or 1: 2^-32 by chance with a wrong key). Then
    /// the passphrase is right and the body was cut (the structure is longer than the data) or damaged.
    private static func legacyPaddingFailure(_ decrypted: SecureBytes, ciphertextLength: Int) -> KeyportError {
        decrypted.withUnsafeBytes { plain -> KeyportError in
            guard plain.count >= 8, plain[0] == 0x30, plain[1] < 0x80 || plain[1] == 0x81 || plain[1] == 0x82 else { return .wrongPassphrase }
            let header = plain[1] < 0x80 ? 2 : plain[1] == 0x81 ? 3 : 4
            let length = plain[1] < 0x80 ? Int(plain[1]) : plain[1] == 0x81 ? Int(plain[2]) : Int(plain[2]) << 8 | Int(plain[3])
            guard plain[header] == 0x02, plain[header + 1] == 0x01, plain[header + 2] <= 0x01 else { return .wrongPassphrase }
            if header + length >= ciphertextLength {
                return .truncated(format: "PEM", field: "the encrypted body (the passphrase is right, but the data ends early)")
            }
            return .integrityCheckFailed("PEM: the passphrase is right but the encrypted body is damaged (its padding is wrong)")
        }
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
final class CStrings {
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
