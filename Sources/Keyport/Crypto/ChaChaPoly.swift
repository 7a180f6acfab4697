internal import CLibcrypto

// OpenSSH's chacha20-poly1305@openssh.com as used for key files (OpenSSH PROTOCOL.chacha20poly1305,
// cipher-chachapoly.c; FORMATS.md §3.4): sequence number 0, no length header, no AAD.
//
//   K_main   = first 32 of the 64 key bytes (the second 32, the length key, are unused for files)
//   poly key = first 32 bytes of ChaCha20(K_main, nonce 0) keystream block 0
//   ct       = plaintext XOR ChaCha20(K_main, nonce 0) keystream from block 1
//   tag      = Poly1305(poly key, ct)              (not the RFC 8439 AEAD: no padding, no lengths)
//
// libcrypto's EVP_chacha20 takes a 16-byte IV = 32-bit little-endian block counter ‖ 96-bit nonce.
// With an all-zero nonce that keystream equals DJB's 64-bit-counter variant OpenSSH uses.

enum OpenSSHChaChaPoly {
    static let keyLength = 64
    static let tagLength = 16

    /// Encrypts and returns ciphertext and tag.
    static func seal(key: [UInt8], plaintext: [UInt8]) throws -> (ciphertext: [UInt8], tag: [UInt8]) {
        let mainKey = try mainKey(key)
        var polyKey = try polyKey(mainKey)
        defer { wipe(&polyKey) }
        let ciphertext = try chacha20(key: mainKey, counter: 1, input: plaintext)
        return (ciphertext, try poly1305(key: polyKey, message: ciphertext))
    }

    /// Checks the tag, then decrypts. A wrong tag throws `wrongPassphrase`: for a key file the tag
    /// fails when the derived key is wrong, which is by far the likelier cause.
    static func open(key: [UInt8], ciphertext: [UInt8], tag: [UInt8]) throws -> [UInt8] {
        let mainKey = try mainKey(key)
        var polyKey = try polyKey(mainKey)
        defer { wipe(&polyKey) }
        let expected = try poly1305(key: polyKey, message: ciphertext)
        guard constantTimeEqual(expected, tag) else { throw KeyportError.wrongPassphrase }
        return try chacha20(key: mainKey, counter: 1, input: ciphertext)
    }

    /// Decrypts without checking the tag: only to tell a damaged file from a wrong passphrase after
    /// `open` failed (the caller inspects the check integers and never returns this plaintext).
    static func decryptUnauthenticated(key: [UInt8], ciphertext: [UInt8]) throws -> [UInt8] {
        try chacha20(key: try mainKey(key), counter: 1, input: ciphertext)
    }

    private static func mainKey(_ key: [UInt8]) throws -> [UInt8] {
        guard key.count == keyLength else { throw KeyportError.crypto("chacha20-poly1305 needs a 64-byte key") }
        return Array(key[0..<32])
    }

    private static func polyKey(_ mainKey: [UInt8]) throws -> [UInt8] {
        var block = try chacha20(key: mainKey, counter: 0, input: [UInt8](repeating: 0, count: 64))
        defer { wipe(&block) }
        return Array(block[0..<32])
    }

    private static func chacha20(key: [UInt8], counter: UInt32, input: [UInt8]) throws -> [UInt8] {
        Libcrypto.ensureInitialized()
        guard let ctx = EVP_CIPHER_CTX_new() else { throw KeyportError.crypto("EVP_CIPHER_CTX_new failed") }
        defer { EVP_CIPHER_CTX_free(ctx) }
        var iv = [UInt8](repeating: 0, count: 16)
        iv[0] = UInt8(truncatingIfNeeded: counter)
        iv[1] = UInt8(truncatingIfNeeded: counter >> 8)
        iv[2] = UInt8(truncatingIfNeeded: counter >> 16)
        iv[3] = UInt8(truncatingIfNeeded: counter >> 24)
        guard EVP_EncryptInit_ex(ctx, EVP_chacha20(), nil, key, iv) == 1 else { throw KeyportError.crypto(opensslErrors("chacha20 init")) }
        var out = [UInt8](repeating: 0, count: input.count + 16)
        var written: Int32 = 0
        guard EVP_EncryptUpdate(ctx, &out, &written, input, Int32(input.count)) == 1, Int(written) == input.count else {
            wipe(&out)
            throw KeyportError.crypto(opensslErrors("chacha20"))
        }
        let result = Array(out[0..<input.count])
        wipe(&out)
        return result
    }

    private static func poly1305(key: [UInt8], message: [UInt8]) throws -> [UInt8] {
        Libcrypto.ensureInitialized()
        guard let mac = EVP_MAC_fetch(nil, "POLY1305", nil) else { throw KeyportError.crypto(opensslErrors("Poly1305 unavailable")) }
        defer { EVP_MAC_free(mac) }
        guard let ctx = EVP_MAC_CTX_new(mac) else { throw KeyportError.crypto(opensslErrors("EVP_MAC_CTX_new")) }
        defer { EVP_MAC_CTX_free(ctx) }
        var tag = [UInt8](repeating: 0, count: tagLength)
        var length = 0
        guard EVP_MAC_init(ctx, key, key.count, nil) == 1,
              EVP_MAC_update(ctx, message, message.count) == 1,
              EVP_MAC_final(ctx, &tag, &length, tag.count) == 1, length == tagLength else {
            throw KeyportError.crypto(opensslErrors("Poly1305"))
        }
        return tag
    }
}
