// The one table of truth per key algorithm: SSH names, display names, curves and how bits are
// counted. Every per-algorithm switch of the formats asks this type instead of repeating it.

/// A public-key algorithm as SSH names it.
public enum KeyAlgorithm: String, Sendable, CaseIterable, Hashable, Codable {
    /// RSA (the key type; signatures may be rsa-sha2-256/512).
    case rsa = "ssh-rsa"
    /// DSA, 1024 bits (deprecated, removed from OpenSSH 9.8).
    case dsa = "ssh-dss"
    /// ECDSA on NIST P-256.
    case ecdsaP256 = "ecdsa-sha2-nistp256"
    /// ECDSA on NIST P-384.
    case ecdsaP384 = "ecdsa-sha2-nistp384"
    /// ECDSA on NIST P-521.
    case ecdsaP521 = "ecdsa-sha2-nistp521"
    /// Ed25519 (RFC 8032).
    case ed25519 = "ssh-ed25519"
    /// Ed448 (RFC 8032).
    case ed448 = "ssh-ed448"
    /// FIDO security-key ECDSA P-256.
    case skECDSAP256 = "sk-ecdsa-sha2-nistp256@openssh.com"
    /// FIDO security-key Ed25519.
    case skEd25519 = "sk-ssh-ed25519@openssh.com"

    /// The SSH name, as in public-key blobs and `.pub` lines.
    public var sshName: String { rawValue }

    /// The certificate type name for keys of this algorithm. OpenSSH itself has no Ed448, but
    /// `ssh-ed448-cert-v01@openssh.com` is read and written by AsyncSSH and others with the Ed25519
    /// layout (PROTOCOL.certkeys with a 57-byte key).
    public var certificateName: String? {
        switch self {
        case .rsa: return "ssh-rsa-cert-v01@openssh.com"
        case .dsa: return "ssh-dss-cert-v01@openssh.com"
        case .ecdsaP256: return "ecdsa-sha2-nistp256-cert-v01@openssh.com"
        case .ecdsaP384: return "ecdsa-sha2-nistp384-cert-v01@openssh.com"
        case .ecdsaP521: return "ecdsa-sha2-nistp521-cert-v01@openssh.com"
        case .ed25519: return "ssh-ed25519-cert-v01@openssh.com"
        case .skECDSAP256: return "sk-ecdsa-sha2-nistp256-cert-v01@openssh.com"
        case .skEd25519: return "sk-ssh-ed25519-cert-v01@openssh.com"
        case .ed448: return "ssh-ed448-cert-v01@openssh.com"
        }
    }

    /// Finds the algorithm of a plain or certificate type name; `isCertificate` tells which it was.
    public static func named(_ name: String) -> (algorithm: KeyAlgorithm, isCertificate: Bool)? {
        if let plain = KeyAlgorithm(rawValue: name) { return (plain, false) }
        if let cert = allCases.first(where: { $0.certificateName == name }) { return (cert, true) }
        return nil
    }

    /// Finds the algorithm of the key-type word of a public line. Besides the key type names this is
    /// OpenSSH's signature-only names (`rsa-sha2-256`, `rsa-sha2-512` and their certificate forms),
    /// which sshkey_read takes as RSA keys, so `ssh-keygen -l` reads such a line as an RSA key.
    public static func lineWord(_ word: String) -> (algorithm: KeyAlgorithm, isCertificate: Bool)? {
        if let found = named(word) { return found }
        switch word {
        case "rsa-sha2-256", "rsa-sha2-512": return (.rsa, false)
        case "rsa-sha2-256-cert-v01@openssh.com", "rsa-sha2-512-cert-v01@openssh.com": return (.rsa, true)
        default: return nil
        }
    }

    /// The short upper-case name `ssh-keygen -l` prints in parentheses.
    public var displayName: String {
        switch self {
        case .rsa: return "RSA"
        case .dsa: return "DSA"
        case .ecdsaP256, .ecdsaP384, .ecdsaP521: return "ECDSA"
        case .ed25519: return "ED25519"
        case .ed448: return "ED448"
        case .skECDSAP256: return "ECDSA-SK"
        case .skEd25519: return "ED25519-SK"
        }
    }

    /// The curve identifier inside ECDSA blobs.
    public var curveName: String? {
        switch self {
        case .ecdsaP256, .skECDSAP256: return "nistp256"
        case .ecdsaP384: return "nistp384"
        case .ecdsaP521: return "nistp521"
        default: return nil
        }
    }

    /// Field size in bytes of the curve (coordinate length), for EC algorithms.
    public var curveFieldBytes: Int? {
        switch self {
        case .ecdsaP256, .skECDSAP256: return 32
        case .ecdsaP384: return 48
        case .ecdsaP521: return 66
        default: return nil
        }
    }

    /// The ECDSA algorithm for a curve identifier.
    public static func ecdsa(curve: String) -> KeyAlgorithm? {
        switch curve {
        case "nistp256": return .ecdsaP256
        case "nistp384": return .ecdsaP384
        case "nistp521": return .ecdsaP521
        default: return nil
        }
    }

    /// Bits as ssh-keygen counts them for fixed-size algorithms (RSA and DSA depend on the key).
    var fixedBits: Int? {
        switch self {
        case .ecdsaP256, .skECDSAP256: return 256
        case .ecdsaP384: return 384
        case .ecdsaP521: return 521
        case .ed25519, .skEd25519: return 256
        case .ed448: return 448
        case .rsa, .dsa: return nil
        }
    }

    /// True for the FIDO `sk-` types, whose secret stays in the authenticator.
    public var isSecurityKey: Bool { self == .skECDSAP256 || self == .skEd25519 }
    /// True for the ECDSA types (plain and security-key).
    public var isECDSA: Bool { curveName != nil }

    /// The family word used by `generate -t` and in messages.
    public var family: String {
        switch self {
        case .rsa: return "rsa"
        case .dsa: return "dsa"
        case .ecdsaP256, .ecdsaP384, .ecdsaP521: return "ecdsa"
        case .ed25519: return "ed25519"
        case .ed448: return "ed448"
        case .skECDSAP256: return "ecdsa-sk"
        case .skEd25519: return "ed25519-sk"
        }
    }
}
