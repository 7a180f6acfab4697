/// Fingerprint hashes `ssh-keygen -E` accepts.
public enum FingerprintHash: String, Sendable, CaseIterable, Codable {
    /// SHA-256 (ssh-keygen's default), MD5 (`-E md5`), SHA-1 and SHA-512 (`-E sha1`, `-E sha512`).
    case sha256, md5, sha1, sha512

    var digest: Digest {
        switch self {
        case .sha256: return .sha256
        case .md5: return .md5
        case .sha1: return .sha1
        case .sha512: return .sha512
        }
    }
    /// The label used in randomart footers and fingerprint prefixes.
    public var label: String { rawValue.uppercased() }

    /// A name as `ssh-keygen -E` takes it: case does not matter.
    public init?(name: String) {
        self.init(rawValue: name.lowercased())
    }
}

extension PublicKey {
    /// The raw digest of the plain key blob (certificates are fingerprinted by their key, as
    /// ssh-keygen does).
    public func fingerprintDigest(_ hash: FingerprintHash) -> [UInt8] {
        plainBlob.withUnsafeBytes { hash.digest.hash($0) }
    }

    /// `SHA256:base64-without-padding` or `MD5:aa:bb:...`, as ssh-keygen prints them.
    public func fingerprint(_ hash: FingerprintHash = .sha256) -> String {
        Self.formatFingerprint(fingerprintDigest(hash), hash)
    }

    /// Formats a raw digest as ssh-keygen prints it (`SHA256:` unpadded Base64 or `MD5:` hex pairs).
    public static func formatFingerprint(_ digest: [UInt8], _ hash: FingerprintHash) -> String {
        switch hash {
        case .sha256, .sha1, .sha512:
            var b64 = Base64.encode(digest)
            while b64.hasSuffix("=") { b64.removeLast() }
            return hash.label + ":" + b64
        case .md5:
            return "MD5:" + Hex.encode(digest, separator: ":")
        }
    }
}
