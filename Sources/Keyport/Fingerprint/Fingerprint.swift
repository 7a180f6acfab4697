/// Fingerprint kinds of `fingerprint -E`: the hashes `ssh-keygen -E` accepts (of the SSH key blob),
/// and the fingerprints people meet elsewhere (see `ExternalFingerprints.swift`).
public enum FingerprintHash: String, Sendable, CaseIterable, Codable {
    /// SHA-256 (ssh-keygen's default), MD5 (`-E md5`), SHA-1 and SHA-512 (`-E sha1`, `-E sha512`).
    case sha256, md5, sha1, sha512
    /// SHA-256 of the DER SubjectPublicKeyInfo in lowercase hex: badkeys' key id, the SPKI pin.
    case spkiSHA256 = "spki-sha256"
    /// MD5 of the DER SubjectPublicKeyInfo as colon-separated hex: AWS EC2's fingerprint of an
    /// imported key pair.
    case awsMD5 = "aws-md5"
    /// SHA-1 of the DER PKCS#8 private key as colon-separated hex: AWS EC2's fingerprint of an RSA
    /// key pair AWS created. Needs the private key.
    case awsSHA1 = "aws-sha1"

    var digest: Digest {
        switch self {
        case .sha256, .spkiSHA256: return .sha256
        case .md5, .awsMD5: return .md5
        case .sha1, .awsSHA1: return .sha1
        case .sha512: return .sha512
        }
    }

    /// True for the hashes of the SSH key blob that `ssh-keygen -l -E` prints; false for the kinds
    /// of other tools, which hash other encodings of the key (and have no randomart).
    public var isSSHKeygen: Bool {
        switch self {
        case .sha256, .md5, .sha1, .sha512: return true
        case .spkiSHA256, .awsMD5, .awsSHA1: return false
        }
    }

    /// True when the fingerprint is of the private key (so public inputs cannot have it).
    public var needsPrivateKey: Bool { self == .awsSHA1 }

    /// The label used in randomart footers and fingerprint prefixes.
    public var label: String { rawValue.uppercased() }

    /// The member name in JSON output (`spki_sha256` as lint writes it).
    public var jsonName: String { rawValue.replacingOccurrences(of: "-", with: "_") }

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

    /// `SHA256:base64-without-padding` or `MD5:aa:bb:...`, as ssh-keygen prints them. For the other
    /// tools' kinds, the value of `fingerprint(_:privateKey:)`, or `unavailable` where that throws.
    public func fingerprint(_ hash: FingerprintHash = .sha256) -> String {
        if !hash.isSSHKeygen { return (try? fingerprint(hash, privateKey: nil)) ?? "unavailable" }
        return Self.formatFingerprint(fingerprintDigest(hash), hash)
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
        case .spkiSHA256:
            return Hex.encode(digest)
        case .awsMD5, .awsSHA1:
            return Hex.encode(digest, separator: ":")
        }
    }
}
