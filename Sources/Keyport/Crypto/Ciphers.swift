internal import CLibcrypto

/// Symmetric ciphers from libcrypto's EVP, without EVP padding (every key format pads on its own).
/// Keys, IVs and plaintext are `SecureBytes`: the plaintext is written straight into wiped-on-free
/// storage, so no call site wipes a copy by hand.
enum SymmetricCipher {
    case aesCTR(keyBits: Int), aesCBC(keyBits: Int), aesGCM(keyBits: Int), tripleDESCBC

    var evp: OpaquePointer? {
        Libcrypto.ensureInitialized()
        switch self {
        case let .aesCTR(bits): return bits == 128 ? EVP_aes_128_ctr() : bits == 192 ? EVP_aes_192_ctr() : EVP_aes_256_ctr()
        case let .aesCBC(bits): return bits == 128 ? EVP_aes_128_cbc() : bits == 192 ? EVP_aes_192_cbc() : EVP_aes_256_cbc()
        case let .aesGCM(bits): return bits == 128 ? EVP_aes_128_gcm() : bits == 192 ? EVP_aes_192_gcm() : EVP_aes_256_gcm()
        case .tripleDESCBC: return EVP_des_ede3_cbc()
        }
    }

    /// Decrypts `ciphertext` (a whole number of blocks for CBC) straight into wiped-on-free
    /// storage. For GCM, `tag` is checked; a failed check throws `wrongPassphrase`.
    func decrypt(key: SecureBytes, iv: SecureBytes, ciphertext: [UInt8], tag: [UInt8] = []) throws -> SecureBytes {
        try ciphertext.withUnsafeBytes { input in
            try SecureBytes(unsafeUninitializedCapacity: input.count + 32) { out in
                var tag = tag
                return try run(key: key, iv: iv, input: input, output: out, encrypt: false, tag: &tag)
            }
        }
    }

    /// Encrypts the secret `plaintext` (a whole number of blocks for CBC). For GCM the tag is
    /// returned, else an empty one. The ciphertext is not secret and comes back as an array.
    func encrypt(key: SecureBytes, iv: SecureBytes, plaintext: SecureBytes) throws -> (ciphertext: [UInt8], tag: [UInt8]) {
        var tag: [UInt8] = []
        let ciphertext = try plaintext.withUnsafeBytes { input in
            try [UInt8](unsafeUninitializedCapacity: input.count + 32) { out, initialized in
                initialized = 0
                initialized = try run(key: key, iv: iv, input: input, output: UnsafeMutableRawBufferPointer(out), encrypt: true, tag: &tag)
            }
        }
        return (ciphertext, tag)
    }

    /// One EVP pass from `input` into `output` (at least `input.count + 32` bytes); returns the
    /// bytes written. The callers' buffers are wiped by their owners if this throws.
    private func run(key: SecureBytes, iv: SecureBytes, input: UnsafeRawBufferPointer, output: UnsafeMutableRawBufferPointer,
                     encrypt: Bool, tag: inout [UInt8]) throws -> Int {
        guard let ctx = EVP_CIPHER_CTX_new() else { throw KeyportError.crypto("EVP_CIPHER_CTX_new failed") }
        defer { EVP_CIPHER_CTX_free(ctx) }
        guard input.count <= Int(Int32.max) - 64, output.count >= input.count + 32, let out = output.baseAddress?.assumingMemoryBound(to: UInt8.self) else {
            throw KeyportError.crypto("cipher: \(input.count) bytes is more than one pass takes")
        }
        let isGCM: Bool
        if case .aesGCM = self { isGCM = true } else { isGCM = false }
        guard EVP_CipherInit_ex(ctx, evp, nil, nil, nil, encrypt ? 1 : 0) == 1 else { throw KeyportError.crypto(opensslErrors("cipher init")) }
        if isGCM {
            guard EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, Int32(iv.count), nil) == 1 else { throw KeyportError.crypto(opensslErrors("GCM IV length")) }
        }
        let keyed = key.withUnsafeBytes { k in
            iv.withUnsafeBytes { v in
                EVP_CipherInit_ex(ctx, nil, nil, k.baseAddress?.assumingMemoryBound(to: UInt8.self), v.baseAddress?.assumingMemoryBound(to: UInt8.self), -1)
            }
        }
        guard keyed == 1 else { throw KeyportError.crypto(opensslErrors("cipher key")) }
        guard EVP_CIPHER_CTX_set_padding(ctx, 0) == 1 else { throw KeyportError.crypto(opensslErrors("cipher padding")) }
        var written: Int32 = 0
        guard EVP_CipherUpdate(ctx, out, &written, input.baseAddress?.assumingMemoryBound(to: UInt8.self), Int32(input.count)) == 1 else {
            throw KeyportError.crypto(opensslErrors("cipher update"))
        }
        var total = Int(written)
        if isGCM, !encrypt {
            var expected = tag
            guard expected.count == 16, EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, 16, &expected) == 1 else {
                throw KeyportError.integrityCheckFailed("missing authentication tag")
            }
        }
        guard EVP_CipherFinal_ex(ctx, out + total, &written) == 1 else {
            if isGCM { throw KeyportError.wrongPassphrase }
            throw KeyportError.crypto(opensslErrors("cipher final (the data is not a whole number of blocks)"))
        }
        total += Int(written)
        if isGCM, encrypt {
            tag = [UInt8](repeating: 0, count: 16)
            guard EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, 16, &tag) == 1 else {
                throw KeyportError.crypto(opensslErrors("GCM tag"))
            }
        }
        return total
    }
}

extension Cipher {
    /// The libcrypto cipher for this cipher, where the key formats use one through EVP (OpenSSH's
    /// chacha20-poly1305 has its own construction, see `OpenSSHChaChaPoly`).
    var symmetric: SymmetricCipher? {
        switch self {
        case let .aes(bits, .ctr): return .aesCTR(keyBits: bits)
        case let .aes(bits, .cbc): return .aesCBC(keyBits: bits)
        case let .aes(bits, .gcm): return .aesGCM(keyBits: bits)
        case .tripleDES: return .tripleDESCBC
        default: return nil
        }
    }
}
