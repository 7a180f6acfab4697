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
    static func seal(key: SecureBytes, plaintext: SecureBytes) throws -> (ciphertext: [UInt8], tag: [UInt8]) {
        let mainKey = try mainKey(key)
        let ciphertext = try plaintext.withUnsafeBytes { input in
            try [UInt8](unsafeUninitializedCapacity: input.count) { out, initialized in
                initialized = 0
                try chacha20(key: mainKey, counter: 1, input: input, into: UnsafeMutableRawBufferPointer(out))
                initialized = input.count
            }
        }
        return (ciphertext, try poly1305(key: polyKey(mainKey), message: ciphertext))
    }

    /// Checks the tag, then decrypts. A wrong tag throws `wrongPassphrase`: for a key file the tag
    /// fails when the derived key is wrong, which is by far the likelier cause.
    static func open(key: SecureBytes, ciphertext: [UInt8], tag: [UInt8]) throws -> SecureBytes {
        let mainKey = try mainKey(key)
        let expected = try poly1305(key: polyKey(mainKey), message: ciphertext)
        guard constantTimeEqual(expected, tag) else { throw KeyportError.wrongPassphrase }
        return try decrypt(mainKey, ciphertext)
    }

    /// Decrypts without checking the tag: only to tell a damaged file from a wrong passphrase after
    /// `open` failed (the caller inspects the check integers and never returns this plaintext).
    static func decryptUnauthenticated(key: SecureBytes, ciphertext: [UInt8]) throws -> SecureBytes {
        try decrypt(try mainKey(key), ciphertext)
    }

    private static func decrypt(_ mainKey: SecureBytes, _ ciphertext: [UInt8]) throws -> SecureBytes {
        try ciphertext.withUnsafeBytes { input in
            try SecureBytes(unsafeUninitializedCapacity: input.count) { out in
                try chacha20(key: mainKey, counter: 1, input: input, into: out)
                return input.count
            }
        }
    }

    private static func mainKey(_ key: SecureBytes) throws -> SecureBytes {
        guard key.count == keyLength else { throw KeyportError.crypto("chacha20-poly1305 needs a 64-byte key") }
        return key[0..<32]
    }

    /// The Poly1305 key: the first 32 bytes of keystream block 0.
    private static func polyKey(_ mainKey: SecureBytes) throws -> SecureBytes {
        let zeros = [UInt8](repeating: 0, count: 32)
        return try zeros.withUnsafeBytes { input in
            try SecureBytes(unsafeUninitializedCapacity: 32) { out in
                try chacha20(key: mainKey, counter: 0, input: input, into: out)
                return 32
            }
        }
    }

    /// ChaCha20 keystream from block `counter` XOR `input`, into `output` (as long as `input`).
    private static func chacha20(key: SecureBytes, counter: UInt32, input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) throws {
        Libcrypto.ensureInitialized()
        guard let ctx = EVP_CIPHER_CTX_new() else { throw KeyportError.crypto("EVP_CIPHER_CTX_new failed") }
        defer { EVP_CIPHER_CTX_free(ctx) }
        var iv = [UInt8](repeating: 0, count: 16)
        iv[0] = UInt8(truncatingIfNeeded: counter)
        iv[1] = UInt8(truncatingIfNeeded: counter >> 8)
        iv[2] = UInt8(truncatingIfNeeded: counter >> 16)
        iv[3] = UInt8(truncatingIfNeeded: counter >> 24)
        let keyed = key.withUnsafeBytes { EVP_EncryptInit_ex(ctx, EVP_chacha20(), nil, $0.baseAddress?.assumingMemoryBound(to: UInt8.self), iv) }
        guard keyed == 1 else { throw KeyportError.crypto(opensslErrors("chacha20 init")) }
        guard input.count <= Int(Int32.max), output.count >= input.count else { throw KeyportError.crypto("chacha20: input too long") }
        // Stream cipher: the output is exactly as long as the input, no block is held back.
        var written: Int32 = 0
        guard input.isEmpty || EVP_EncryptUpdate(ctx, output.baseAddress?.assumingMemoryBound(to: UInt8.self), &written,
                                                 input.baseAddress?.assumingMemoryBound(to: UInt8.self), Int32(input.count)) == 1,
              Int(written) == input.count else {
            throw KeyportError.crypto(opensslErrors("chacha20"))
        }
    }

    private static func poly1305(key: SecureBytes, message: [UInt8]) throws -> [UInt8] {
        Libcrypto.ensureInitialized()
        guard let mac = EVP_MAC_fetch(nil, "POLY1305", nil) else { throw KeyportError.crypto(opensslErrors("Poly1305 unavailable")) }
        defer { EVP_MAC_free(mac) }
        guard let ctx = EVP_MAC_CTX_new(mac) else { throw KeyportError.crypto(opensslErrors("EVP_MAC_CTX_new")) }
        defer { EVP_MAC_CTX_free(ctx) }
        var tag = [UInt8](repeating: 0, count: tagLength)
        var length = 0
        let keyed = key.withUnsafeBytes { EVP_MAC_init(ctx, $0.baseAddress?.assumingMemoryBound(to: UInt8.self), $0.count, nil) }
        guard keyed == 1,
              EVP_MAC_update(ctx, message, message.count) == 1,
              EVP_MAC_final(ctx, &tag, &length, tag.count) == 1, length == tagLength else {
            throw KeyportError.crypto(opensslErrors("Poly1305"))
        }
        return tag
    }
}
