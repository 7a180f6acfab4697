internal import CLibcrypto

/// Symmetric ciphers from libcrypto's EVP, without EVP padding (every key format pads on its own).
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

    /// Encrypts or decrypts `input` (a whole number of blocks for CBC). For GCM, `tag` is written on
    /// encryption and checked on decryption; a failed check throws `integrityCheckFailed`.
    func crypt(key: [UInt8], iv: [UInt8], input: [UInt8], encrypt: Bool, tag: inout [UInt8]) throws -> [UInt8] {
        guard let ctx = EVP_CIPHER_CTX_new() else { throw KeyportError.crypto("EVP_CIPHER_CTX_new failed") }
        defer { EVP_CIPHER_CTX_free(ctx) }
        let isGCM: Bool
        if case .aesGCM = self { isGCM = true } else { isGCM = false }
        guard EVP_CipherInit_ex(ctx, evp, nil, nil, nil, encrypt ? 1 : 0) == 1 else { throw KeyportError.crypto(opensslErrors("cipher init")) }
        if isGCM {
            guard EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, Int32(iv.count), nil) == 1 else { throw KeyportError.crypto(opensslErrors("GCM IV length")) }
        }
        guard EVP_CipherInit_ex(ctx, nil, nil, key, iv, -1) == 1 else { throw KeyportError.crypto(opensslErrors("cipher key")) }
        EVP_CIPHER_CTX_set_padding(ctx, 0)
        var out = [UInt8](repeating: 0, count: input.count + 32)
        var written: Int32 = 0
        guard EVP_CipherUpdate(ctx, &out, &written, input, Int32(input.count)) == 1 else {
            wipe(&out)
            throw KeyportError.crypto(opensslErrors("cipher update"))
        }
        var total = Int(written)
        if isGCM, !encrypt {
            var expected = tag
            guard expected.count == 16, EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, 16, &expected) == 1 else {
                wipe(&out)
                throw KeyportError.integrityCheckFailed("missing authentication tag")
            }
        }
        let final = out.withUnsafeMutableBufferPointer { buf in
            EVP_CipherFinal_ex(ctx, buf.baseAddress! + total, &written)
        }
        guard final == 1 else {
            wipe(&out)
            if isGCM { throw KeyportError.wrongPassphrase }
            throw KeyportError.crypto(opensslErrors("cipher final (the data is not a whole number of blocks)"))
        }
        total += Int(written)
        if isGCM, encrypt {
            tag = [UInt8](repeating: 0, count: 16)
            guard EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, 16, &tag) == 1 else {
                wipe(&out)
                throw KeyportError.crypto(opensslErrors("GCM tag"))
            }
        }
        let result = Array(out[0..<total])
        wipe(&out)
        return result
    }

    func crypt(key: [UInt8], iv: [UInt8], input: [UInt8], encrypt: Bool) throws -> [UInt8] {
        var tag: [UInt8] = []
        return try crypt(key: key, iv: iv, input: input, encrypt: encrypt, tag: &tag)
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
