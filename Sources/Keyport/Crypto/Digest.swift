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
        switch self {
        case .md5: return EVP_md5()
        case .sha1: return EVP_sha1()
        case .sha256: return EVP_sha256()
        case .sha512: return EVP_sha512()
        }
    }

    /// Hashes `data` in one call. The one-shot low-level functions skip EVP's per-call context
    /// allocation, which matters when fingerprinting hundreds of thousands of keys.
    public func hash(_ data: UnsafeRawBufferPointer) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: size) { out, initialized in
            let p = data.baseAddress?.assumingMemoryBound(to: UInt8.self)
            switch self {
            case .md5: MD5(p, data.count, out.baseAddress)
            case .sha1: SHA1(p, data.count, out.baseAddress)
            case .sha256: SHA256(p, data.count, out.baseAddress)
            case .sha512: SHA512(p, data.count, out.baseAddress)
            }
            initialized = size
        }
    }

    /// The digest of `data`.
    public func hash(_ data: [UInt8]) -> [UInt8] { data.withUnsafeBytes { hash($0) } }

    /// Hashes the concatenation of several parts.
    public func hash(parts: [[UInt8]]) -> [UInt8] {
        let ctx = EVP_MD_CTX_new()
        defer { EVP_MD_CTX_free(ctx) }
        EVP_DigestInit_ex(ctx, evp, nil)
        for part in parts { EVP_DigestUpdate(ctx, part, part.count) }
        var out = [UInt8](repeating: 0, count: size)
        var len: UInt32 = 0
        EVP_DigestFinal_ex(ctx, &out, &len)
        return out
    }

    /// HMAC with this digest.
    public func hmac(key: [UInt8], data: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: size)
        var len: UInt32 = 0
        _ = key.withUnsafeBytes { k in
            HMAC(evp, k.baseAddress ?? UnsafeRawPointer(bitPattern: 1), Int32(key.count), data, data.count, &out, &len)
        }
        return out
    }
}

/// Random bytes from libcrypto's CSPRNG.
public func secureRandomBytes(_ count: Int) throws -> [UInt8] {
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
