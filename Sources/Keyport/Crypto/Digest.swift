internal import CLibcrypto

/// Message digests and HMAC from libcrypto.
public enum Digest: String, Sendable, CaseIterable {
    /// MD5 and SHA-1 only where formats require them (fingerprints, PPK v2 MACs); SHA-256 and SHA-512 otherwise.
    case md5, sha1, sha256, sha512

    /// Digest length in bytes.
    public var size: Int {
        switch self {
        case .md5: return 16
        case .sha1: return 20
        case .sha256: return 32
        case .sha512: return 64
        }
    }

    var evp: OpaquePointer? {
        Libcrypto.ensureInitialized()
        switch self {
        case .md5: return EVP_md5()
        case .sha1: return EVP_sha1()
        case .sha256: return EVP_sha256()
        case .sha512: return EVP_sha512()
        }
    }

    /// Hashes `data` in one call.
    public func hash(_ data: UnsafeRawBufferPointer) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: size) { out, initialized in
            hash(data, into: out.baseAddress!)
            initialized = size
        }
    }

    /// Hashes `data` into `out` (at least `size` bytes), without allocating.
    ///
    /// This uses libcrypto's low-level `SHA256_Init/Update/Final` family (deprecated in 3.0, not
    /// removed; the same assembly as the provider). In OpenSSL 3 the one-shot `SHA256()` and
    /// `EVP_Digest*` go through `EVP_MD_fetch`: the first call initialises OpenSSL, reads
    /// openssl.cnf and loads the default provider (about 6 M instructions, measured with
    /// callgrind), and every later call takes the fetch lock and a hash-table lookup. One key's
    /// fingerprint then costs more in start-up than everything else the command does, and bulk
    /// fingerprinting contends on the lock from every core.
    ///
    /// The hash state is wiped afterwards unless `data` is public (`publicData`: a public key's
    /// blob, hashed for a fingerprint; the wipe is a call through a volatile pointer per digest,
    /// a measurable part of fingerprinting a million keys).
    public func hash(_ data: UnsafeRawBufferPointer, into out: UnsafeMutablePointer<UInt8>, publicData: Bool = false) {
        let p = data.baseAddress ?? UnsafeRawPointer(out)
        let n = data.count
        switch self {
        case .md5:
            var c = MD5_CTX()
            MD5_Init(&c); MD5_Update(&c, p, n); MD5_Final(out, &c)
            if !publicData { OPENSSL_cleanse(&c, MemoryLayout<MD5_CTX>.size) }
        case .sha1:
            var c = SHA_CTX()
            SHA1_Init(&c); SHA1_Update(&c, p, n); SHA1_Final(out, &c)
            if !publicData { OPENSSL_cleanse(&c, MemoryLayout<SHA_CTX>.size) }
        case .sha256:
            var c = SHA256_CTX()
            SHA256_Init(&c); SHA256_Update(&c, p, n); SHA256_Final(out, &c)
            if !publicData { OPENSSL_cleanse(&c, MemoryLayout<SHA256_CTX>.size) }
        case .sha512:
            var c = SHA512_CTX()
            SHA512_Init(&c); SHA512_Update(&c, p, n); SHA512_Final(out, &c)
            if !publicData { OPENSSL_cleanse(&c, MemoryLayout<SHA512_CTX>.size) }
        }
    }

    /// The digest of `data`.
    public func hash(_ data: [UInt8]) -> [UInt8] { data.withUnsafeBytes { hash($0) } }

    /// The digest of secret `data` (passphrase material), into wiped-on-free storage: the result is
    /// a key.
    func hash(secret data: SecureBytes) -> SecureBytes {
        data.withUnsafeBytes { input in
            SecureBytes(unsafeUninitializedCapacity: size) { out in
                hash(input, into: out.baseAddress!.assumingMemoryBound(to: UInt8.self))
                return size
            }
        }
    }

    /// Hashes the concatenation of several parts; throws when libcrypto fails.
    public func hash(parts: [[UInt8]]) throws -> [UInt8] {
        guard let ctx = EVP_MD_CTX_new() else { throw KeyportError.crypto(opensslErrors("EVP_MD_CTX_new")) }
        defer { EVP_MD_CTX_free(ctx) }
        guard EVP_DigestInit_ex(ctx, evp, nil) == 1 else { throw KeyportError.crypto(opensslErrors("digest init")) }
        for part in parts {
            guard EVP_DigestUpdate(ctx, part, part.count) == 1 else { throw KeyportError.crypto(opensslErrors("digest update")) }
        }
        var out = [UInt8](repeating: 0, count: size)
        var len: UInt32 = 0
        guard EVP_DigestFinal_ex(ctx, &out, &len) == 1, Int(len) == size else { throw KeyportError.crypto(opensslErrors("digest final")) }
        return out
    }

    /// HMAC with this digest of secret `data` (a PPK MAC covers the private blob) under a secret
    /// key; throws when libcrypto fails. The MAC itself is not secret: files store it.
    public func hmac(key: SecureBytes, data: SecureBytes) throws -> [UInt8] {
        try key.withUnsafeBytes { k in try data.withUnsafeBytes { d in try hmac(rawKey: k, rawData: d) } }
    }

    /// HMAC of public `data` under a public key (a hashed known_hosts name: the salt is stored next
    /// to the hash); throws when libcrypto fails.
    public func hmac(key: [UInt8], data: [UInt8]) throws -> [UInt8] {
        try key.withUnsafeBytes { k in try data.withUnsafeBytes { d in try hmac(rawKey: k, rawData: d) } }
    }

    private func hmac(rawKey k: UnsafeRawBufferPointer, rawData d: UnsafeRawBufferPointer) throws -> [UInt8] {
        var out = [UInt8](repeating: 0, count: size)
        var len: UInt32 = 0
        // An empty key (PPK v3 unencrypted) has no base address; HMAC wants a pointer all the same.
        let done = HMAC(evp, k.baseAddress ?? UnsafeRawPointer(bitPattern: 1), Int32(k.count),
                        d.baseAddress?.assumingMemoryBound(to: UInt8.self), d.count, &out, &len)
        guard done != nil, Int(len) == size else { throw KeyportError.crypto(opensslErrors("HMAC")) }
        return out
    }
}

/// Random bytes from libcrypto's CSPRNG.
public func secureRandomBytes(_ count: Int) throws -> [UInt8] {
    Libcrypto.ensureInitialized()
    var out = [UInt8](repeating: 0, count: count)
    guard count == 0 || RAND_bytes(&out, Int32(count)) == 1 else { throw KeyportError.crypto("RAND_bytes failed") }
    return out
}

/// Drains libcrypto's error queue into one line.
func opensslErrors(_ context: String) -> String {
    var messages: [String] = []
    while true {
        let code = ERR_get_error()
        if code == 0 { break }
        var buffer = [CChar](repeating: 0, count: 256)
        ERR_error_string_n(code, &buffer, buffer.count)
        messages.append(String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self))
    }
    return messages.isEmpty ? context : "\(context) (\(messages.joined(separator: "; ")))"
}

/// The reason phrases of libcrypto's queued errors (" (invalid iteration count)"), or "" when none;
/// clears the queue. For messages about damaged input, where the full error lines say nothing more.
func opensslReasons() -> String {
    var reasons: [String] = []
    while true {
        let code = ERR_get_error()
        if code == 0 { break }
        if let text = ERR_reason_error_string(code).map({ String(cString: $0) }), !reasons.contains(text) { reasons.append(text) }
    }
    return reasons.isEmpty ? "" : " (\(reasons.joined(separator: "; ")))"
}
