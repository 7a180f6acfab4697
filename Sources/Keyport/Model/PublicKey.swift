// Public keys and OpenSSH certificates, decoded from and encoded to SSH wire blobs.
//
// Blob layouts (RFC 4253 §6.6, RFC 5656 §3.1, RFC 8709 §4, OpenSSH PROTOCOL.u2f):
//   ssh-rsa        string type, mpint e, mpint n
//   ssh-dss        string type, mpint p, q, g, y
//   ecdsa-sha2-*   string type, string curve, string Q (uncompressed SEC1 point)
//   ssh-ed25519    string type, string pk (32)       ssh-ed448   string type, string pk (57)
//   sk-ecdsa-*     string type, string curve, string Q, string application
//   sk-ssh-ed25519 string type, string pk, string application
// Certificates (PROTOCOL.certkeys) wrap the same key fields; see `Certificate`.

/// The algorithm-specific public parts. Integers are unsigned big-endian magnitudes without
/// leading zeros.
public enum PublicParts: Sendable, Hashable {
    /// RSA: public exponent e and modulus n.
    case rsa(e: [UInt8], n: [UInt8])
    /// DSA: domain parameters p, q, g and public value y.
    case dsa(p: [UInt8], q: [UInt8], g: [UInt8], y: [UInt8])
    /// `point` is the uncompressed SEC1 point 04‖X‖Y.
    case ecdsa(point: [UInt8])
    /// Ed25519 (32 bytes) or Ed448 (57 bytes).
    case eddsa(publicKey: [UInt8])
    /// FIDO ECDSA P-256: the point and the relying-party application (`ssh:` by default).
    case securityKeyECDSA(point: [UInt8], application: String)
    /// FIDO Ed25519: the public key and the relying-party application.
    case securityKeyEd25519(publicKey: [UInt8], application: String)
}

/// A public key, optionally carried inside an OpenSSH certificate.
///
/// Equality and hashing follow the canonical blob of the plain key, so the same key read from any
/// format compares equal.
public struct PublicKey: Sendable, Hashable {
    /// The key type.
    public let algorithm: KeyAlgorithm
    /// The algorithm-specific public values.
    public let parts: PublicParts
    /// Present when the key came as a `*-cert-v01@openssh.com` blob.
    public let certificate: Certificate?

    /// A key from its parts (the parts are not validated here).
    public init(algorithm: KeyAlgorithm, parts: PublicParts, certificate: Certificate? = nil) {
        self.algorithm = algorithm
        self.parts = parts
        self.certificate = certificate
    }

    /// Keys are equal when their blobs (certificate included) are.
    public static func == (a: PublicKey, b: PublicKey) -> Bool {
        a.algorithm == b.algorithm && a.parts == b.parts && a.certificate?.blob == b.certificate?.blob
    }

    /// Hashes what `==` compares.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(algorithm)
        hasher.combine(parts)
    }

    /// The same key without its certificate.
    public var plain: PublicKey { certificate == nil ? self : PublicKey(algorithm: algorithm, parts: parts) }

    /// The SSH type name of this blob (the certificate type when it is a certificate).
    public var sshType: String {
        if certificate != nil, let name = algorithm.certificateName { return name }
        return algorithm.sshName
    }

    /// `RSA`, `ED25519-CERT`, ... as ssh-keygen prints it.
    public var displayType: String { algorithm.displayName + (certificate != nil ? "-CERT" : "") }

    /// Key size in bits, counted as ssh-keygen counts it.
    public var bits: Int {
        if let fixed = algorithm.fixedBits { return fixed }
        switch parts {
        case let .rsa(_, n): return Self.bitLength(n)
        case let .dsa(p, _, _, _): return Self.bitLength(p)
        default: return 0
        }
    }

    static func bitLength(_ magnitude: [UInt8]) -> Int {
        guard let i = magnitude.firstIndex(where: { $0 != 0 }) else { return 0 }
        return (magnitude.count - i - 1) * 8 + (8 - magnitude[i].leadingZeroBitCount)
    }

    /// The canonical blob of the plain key: what fingerprints hash.
    public var plainBlob: [UInt8] {
        var w = SSHWriter(capacity: 600)
        w.writeString(algorithm.sshName)
        writeKeyFields(into: &w)
        return w.bytes
    }

    /// The blob as it appears in files: the certificate blob for certificates, else `plainBlob`.
    public var blob: [UInt8] { certificate?.blob ?? plainBlob }

    /// Writes the algorithm's fields (everything after the type string).
    func writeKeyFields(into w: inout SSHWriter) {
        switch parts {
        case let .rsa(e, n):
            w.writeMPInt(e); w.writeMPInt(n)
        case let .dsa(p, q, g, y):
            w.writeMPInt(p); w.writeMPInt(q); w.writeMPInt(g); w.writeMPInt(y)
        case let .ecdsa(point):
            w.writeString(algorithm.curveName ?? ""); w.writeString(point)
        case let .eddsa(pk):
            w.writeString(pk)
        case let .securityKeyECDSA(point, application):
            w.writeString(algorithm.curveName ?? ""); w.writeString(point); w.writeString(application)
        case let .securityKeyEd25519(pk, application):
            w.writeString(pk); w.writeString(application)
        }
    }

    /// Reads the key fields for `algorithm` (the type string already consumed).
    static func readKeyFields(_ algorithm: KeyAlgorithm, from r: inout SSHReader) throws -> PublicParts {
        func checkCurve(_ curve: String) throws {
            guard curve == algorithm.curveName else {
                throw KeyportError.malformed(format: r.context, field: "curve", reason: "curve \(curve) does not match key type \(algorithm.sshName)")
            }
        }
        func checkPoint(_ point: [UInt8]) throws {
            let size = algorithm.curveFieldBytes ?? 0
            guard point.count == 1 + 2 * size, point.first == 4 else {
                throw KeyportError.malformed(format: r.context, field: "EC point", reason: "expected an uncompressed \(1 + 2 * size)-byte point, got \(point.count) bytes")
            }
        }
        switch algorithm {
        case .rsa:
            let e = try r.readMPInt("RSA exponent e")
            let n = try r.readMPInt("RSA modulus n")
            let parts = PublicParts.rsa(e: e, n: n)
            try parts.checkNotDegenerate(context: r.context)
            return parts
        case .dsa:
            let parts = PublicParts.dsa(p: try r.readMPInt("DSA p"), q: try r.readMPInt("DSA q"), g: try r.readMPInt("DSA g"), y: try r.readMPInt("DSA y"))
            try parts.checkNotDegenerate(context: r.context)
            return parts
        case .ecdsaP256, .ecdsaP384, .ecdsaP521:
            try checkCurve(try r.readText("curve"))
            let point = try r.readString("EC point")
            try checkPoint(point)
            return .ecdsa(point: point)
        case .ed25519, .ed448:
            let pk = try r.readString("public key")
            let expected = algorithm.eddsaKeyBytes ?? 0
            guard pk.count == expected else {
                throw KeyportError.malformed(format: r.context, field: "public key", reason: "\(algorithm.sshName) keys are \(expected) bytes, got \(pk.count)")
            }
            return .eddsa(publicKey: pk)
        case .skECDSAP256:
            try checkCurve(try r.readText("curve"))
            let point = try r.readString("EC point")
            try checkPoint(point)
            return .securityKeyECDSA(point: point, application: try r.readText("application"))
        case .skEd25519:
            let pk = try r.readString("public key")
            guard pk.count == 32 else {
                throw KeyportError.malformed(format: r.context, field: "public key", reason: "ed25519 keys are 32 bytes, got \(pk.count)")
            }
            return .securityKeyEd25519(publicKey: pk, application: try r.readText("application"))
        }
    }

    /// Decodes a complete public-key blob (plain or certificate). Trailing bytes are an error.
    public init(blob: [UInt8]) throws {
        var r = SSHReader(blob, context: "public key blob")
        let typeName = try r.readText("key type")
        guard let (algorithm, isCertificate) = KeyAlgorithm.named(typeName) else {
            throw KeyportError.unsupported("unknown key type \"\(Self.printable(typeName))\"", reason: .keyType)
        }
        if isCertificate {
            self = try Certificate.decode(blob: blob, algorithm: algorithm, reader: &r)
        } else {
            let parts = try Self.readKeyFields(algorithm, from: &r)
            try r.expectEnd("end of key")
            self.init(algorithm: algorithm, parts: parts)
        }
    }

    /// Shortens and escapes untrusted text for error messages (`SafeText`'s one rule).
    public static func printable(_ text: String, limit: Int = 40) -> String { SafeText.quote(text, limit: limit) }
}

// MARK: - Degenerate keys

extension PublicParts {
    /// OpenSSH's largest integer in a key (SSHBUF_MAX_BIGNUM, sshbuf.h: 16384 bits); sshkey_read refuses
    /// a longer RSA modulus or DSA value as "not a public key file", and so does keyport.
    public static let maximumIntegerBits = 16384
    /// keyport's bound on DSA q (FIPS 186 uses 160, 224 and 256 bits); it also bounds the cost of
    /// checking a private key (g^x mod p).
    public static let maximumDSASubgroupBits = 512

    /// Throws `malformed` for RSA and DSA values that cannot belong to any key: a zero or even RSA
    /// modulus, a zero exponent, DSA values that are zero or not below p, and numbers longer than
    /// OpenSSH reads. Short but real keys (RSA 512, DSA 768) and unusual exponents (e = 1, 3, even)
    /// stay readable, so that `lint` can name what is wrong with them.
    public func checkNotDegenerate(context: String) throws {
        func refuse(_ field: String, _ reason: String) -> KeyportError {
            .malformed(format: context, field: field, reason: reason)
        }
        switch self {
        case let .rsa(e, n):
            let nBits = PublicKey.bitLength(n)
            guard nBits > 0 else { throw refuse("RSA modulus n", "the modulus is zero") }
            guard n[n.count - 1] & 1 == 1 else { throw refuse("RSA modulus n", "the modulus is even, so it is not a product of two odd primes") }
            guard nBits <= Self.maximumIntegerBits else {
                throw refuse("RSA modulus n", "a \(nBits)-bit modulus is larger than OpenSSH's limit of \(Self.maximumIntegerBits) bits")
            }
            let eBits = PublicKey.bitLength(e)
            guard eBits > 0 else { throw refuse("RSA exponent e", "the public exponent is zero") }
            guard eBits <= Self.maximumIntegerBits else {
                throw refuse("RSA exponent e", "a \(eBits)-bit public exponent is larger than OpenSSH's limit of \(Self.maximumIntegerBits) bits")
            }
        case let .dsa(p, q, g, y):
            let pBits = PublicKey.bitLength(p), qBits = PublicKey.bitLength(q)
            guard pBits > 0, p[p.count - 1] & 1 == 1 else { throw refuse("DSA p", "p is zero or even, so it is not a prime") }
            guard pBits <= Self.maximumIntegerBits else {
                throw refuse("DSA p", "a \(pBits)-bit p is larger than OpenSSH's limit of \(Self.maximumIntegerBits) bits")
            }
            guard qBits > 0, q[q.count - 1] & 1 == 1 else { throw refuse("DSA q", "q is zero or even, so it is not a prime") }
            guard qBits <= Self.maximumDSASubgroupBits, qBits < pBits else {
                throw refuse("DSA q", "a \(qBits)-bit q with a \(pBits)-bit p is not a DSA subgroup keyport reads (q up to \(Self.maximumDSASubgroupBits) bits)")
            }
            for (name, value) in [("g", g), ("y", y)] {
                guard PublicKey.bitLength(value) > 1, Self.less(value, than: p) else {
                    throw refuse("DSA \(name)", "\(name) must be greater than 1 and less than p")
                }
            }
        default:
            return
        }
    }

    /// a < b for magnitudes without leading zeros.
    static func less(_ a: [UInt8], than b: [UInt8]) -> Bool {
        a.count != b.count ? a.count < b.count : a.lexicographicallyPrecedes(b)
    }
}
