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





    /// The ECDSA algorithm for an OpenSSL group name, short (`prime256v1`) or NIST (`P-256`).
    public static func ecdsa(opensslGroup name: String) -> KeyAlgorithm? {
        ECCurve.all.first { $0.opensslName == name || $0.nistName == name }?.algorithm
    }

    /// The OpenSSL key type name (`EVP_PKEY_is_a`, `EVP_PKEY_CTX_new_from_name`).
    public var opensslKeyType: String {
        switch self {
        case .rsa: return "RSA"
        case .dsa: return "DSA"
        case .ecdsaP256, .ecdsaP384, .ecdsaP521, .skECDSAP256: return "EC"
        case .ed25519, .skEd25519: return "ED25519"
        case .ed448: return "ED448"
        }
    }

    /// The algorithm OID in SubjectPublicKeyInfo and PKCS#8 (RFC 8410 for EdDSA; id-ecPublicKey for
    /// ECDSA, whose curve is `curveOID`).
    public var oid: String {
        switch self {
        case .rsa: return "1.2.840.113549.1.1.1"
        case .dsa: return "1.2.840.10040.4.1"
        case .ecdsaP256, .ecdsaP384, .ecdsaP521, .skECDSAP256: return "1.2.840.10045.2.1"
        case .ed25519, .skEd25519: return "1.3.101.112"
        case .ed448: return "1.3.101.113"
        }
    }


    /// The length in bytes of an EdDSA public key and of its seed (RFC 8032: 32 for Ed25519, 57 for
    /// Ed448); nil for the other types.
    public var eddsaKeyBytes: Int? {
        switch self {
        case .ed25519, .skEd25519: return 32
        case .ed448: return 57
        default: return nil
        }
    }

    /// The curve of the ECDSA types (plain and security-key), from `ECCurve`'s table.
    public var curve: ECCurve? {
        switch self {
        case .ecdsaP256, .skECDSAP256: return .p256
        case .ecdsaP384: return .p384
        case .ecdsaP521: return .p521
        default: return nil
        }
    }

    /// The curve identifier inside ECDSA blobs (`nistp256`).
    public var curveName: String? { curve?.sshName }
    /// Field size in bytes of the curve (coordinate length), for EC algorithms.
    public var curveFieldBytes: Int? { curve?.fieldBytes }
    /// The curve as OpenSSL names it (`prime256v1`), for EVP "group" parameters.
    public var opensslGroupName: String? { curve?.opensslName }
    /// The NIST name of the curve (`P-256`).
    public var nistCurveName: String? { curve?.nistName }
    /// The named-curve OID of the ECDSA types (RFC 5480).
    public var curveOID: String? { curve?.oid }

    /// The ECDSA algorithm for a curve identifier (`nistp256`).
    public static func ecdsa(curve name: String) -> KeyAlgorithm? {
        ECCurve.all.first { $0.sshName == name }?.algorithm
    }

    /// Bits as ssh-keygen counts them for fixed-size algorithms (RSA and DSA depend on the key).
    var fixedBits: Int? {
        switch self {
        case .ecdsaP256, .ecdsaP384, .ecdsaP521, .skECDSAP256: return curve?.bits
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

/// The facts of one NIST curve that SSH uses, one row each: every name it goes by (SSH, OpenSSL,
/// NIST), its OID and its sizes. Formats and Crypto read these instead of spelling them again.
public struct ECCurve: Sendable, Hashable {
    /// The plain ECDSA algorithm on this curve.
    public let algorithm: KeyAlgorithm
    /// The identifier inside SSH blobs and PuTTY files (`nistp256`).
    public let sshName: String
    /// OpenSSL's short name (`prime256v1`), which EVP "group" parameters take.
    public let opensslName: String
    /// The NIST name (`P-256`).
    public let nistName: String
    /// The named-curve OID (RFC 5480).
    public let oid: String
    /// Bytes of a field element (a coordinate; also of the private scalar).
    public let fieldBytes: Int
    /// The size ssh-keygen prints.
    public let bits: Int

    /// NIST P-256.
    public static let p256 = ECCurve(algorithm: .ecdsaP256, sshName: "nistp256", opensslName: "prime256v1", nistName: "P-256", oid: "1.2.840.10045.3.1.7", fieldBytes: 32, bits: 256)
    /// NIST P-384.
    public static let p384 = ECCurve(algorithm: .ecdsaP384, sshName: "nistp384", opensslName: "secp384r1", nistName: "P-384", oid: "1.3.132.0.34", fieldBytes: 48, bits: 384)
    /// NIST P-521.
    public static let p521 = ECCurve(algorithm: .ecdsaP521, sshName: "nistp521", opensslName: "secp521r1", nistName: "P-521", oid: "1.3.132.0.35", fieldBytes: 66, bits: 521)
    /// Every curve, in size order.
    public static let all = [p256, p384, p521]
}
