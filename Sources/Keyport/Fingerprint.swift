/// Fingerprint hashes `ssh-keygen -E` accepts.
public enum FingerprintHash: String, Sendable, CaseIterable, Codable {
    /// SHA-256 (ssh-keygen's default) or MD5 (`ssh-keygen -E md5`).
    case sha256, md5

    var digest: Digest { self == .sha256 ? .sha256 : .md5 }
    /// The label used in randomart footers and fingerprint prefixes.
    public var label: String { self == .sha256 ? "SHA256" : "MD5" }
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
        case .sha256:
            var b64 = Base64.encode(digest)
            while b64.hasSuffix("=") { b64.removeLast() }
            return "SHA256:" + b64
        case .md5:
            return "MD5:" + Hex.encode(digest, separator: ":")
        }
    }
}
