/// The secret parts of a private key. Integers are unsigned big-endian magnitudes.
public enum SecretParts: Sendable {
    /// RSA: d, the primes p and q, and iqmp = q⁻¹ mod p (OpenSSH and PPK both store it).
    case rsa(d: SecureBytes, p: SecureBytes, q: SecureBytes, iqmp: SecureBytes)
    /// DSA: the private exponent x.
    case dsa(x: SecureBytes)
    /// The EC private scalar.
    case ecdsa(d: SecureBytes)
    /// The RFC 8032 seed: 32 bytes for Ed25519, 57 for Ed448.
    case eddsa(seed: SecureBytes)
    /// A FIDO security key: the secret lives in the authenticator; the file holds a handle.
    case securityKey(flags: UInt8, keyHandle: SecureBytes, reserved: [UInt8])
}

/// A private key: its public half and the secret parts. `description` never shows secrets.
public struct PrivateKey: Sendable, CustomStringConvertible {
    /// The public half.
    public let publicKey: PublicKey
    /// The secret half.
    public let secret: SecretParts

    /// Pairs a public half with its secret parts (not checked here: see `validate()`).
    public init(publicKey: PublicKey, secret: SecretParts) {
        self.publicKey = publicKey
        self.secret = secret
    }

    /// Type and size only; never the secret.
    public var description: String { "PrivateKey(\(publicKey.displayType) \(publicKey.bits), secret redacted)" }
}

extension SecretParts {
    /// The same secret values, compared as integers: formats pad fixed-size fields differently (a
    /// PEM EC scalar is as long as the field, an OpenSSH one is a minimal mpint). EdDSA seeds are
    /// compared byte for byte; security-key handles are never equal (nothing to compare them by).
    public func hasSameValues(as other: SecretParts) -> Bool {
        switch (self, other) {
        case let (.rsa(d1, p1, q1, i1), .rsa(d2, p2, q2, i2)):
            return d1.hasSameMagnitude(as: d2) && p1.hasSameMagnitude(as: p2) && q1.hasSameMagnitude(as: q2) && i1.hasSameMagnitude(as: i2)
        case let (.dsa(x1), .dsa(x2)): return x1.hasSameMagnitude(as: x2)
        case let (.ecdsa(d1), .ecdsa(d2)): return d1.hasSameMagnitude(as: d2)
        case let (.eddsa(s1), .eddsa(s2)): return s1 == s2
        default: return false
        }
    }
}
