/// The file formats keyport reads and writes.
public enum FormatID: String, Sendable, CaseIterable, Codable {
    /// One `.pub` line, or a file of them.
    case opensshPublic = "openssh-public"
    case authorizedKeys = "authorized_keys"
    case knownHosts = "known_hosts"
    case rfc4716 = "rfc4716"
    case opensshPrivate = "openssh-private"
    case ppk = "ppk"
    /// PKCS#1 RSA, SEC1 EC or OpenSSL traditional DSA, in PEM.
    case pemTraditional = "pem"
    case pkcs8 = "pkcs8"
    case pkcs8Encrypted = "pkcs8-encrypted"
    case spki = "spki"
    case pkcs1Public = "pkcs1-public"
    case der = "der"
    case ssh1 = "ssh1"

    /// A human name for `inspect`.
    public var displayName: String {
        switch self {
        case .opensshPublic: return "OpenSSH public key"
        case .authorizedKeys: return "OpenSSH authorized_keys"
        case .knownHosts: return "OpenSSH known_hosts"
        case .rfc4716: return "RFC 4716 (SSH2) public key"
        case .opensshPrivate: return "OpenSSH private key (openssh-key-v1)"
        case .ppk: return "PuTTY private key (PPK)"
        case .pemTraditional: return "PEM traditional private key (PKCS#1/SEC1)"
        case .pkcs8: return "PKCS#8 private key"
        case .pkcs8Encrypted: return "PKCS#8 encrypted private key"
        case .spki: return "SubjectPublicKeyInfo public key"
        case .pkcs1Public: return "PKCS#1 RSA public key"
        case .der: return "DER"
        case .ssh1: return "SSH-1 key"
        }
    }
}

/// How a private key is protected at rest.
public struct Protection: Sendable, Equatable, Codable {
    /// `none`, `aes256-ctr`, `aes256-cbc`, `AES-128-CBC`, `PBES2/PBKDF2/AES-256-CBC`, ...
    public var cipher: String
    /// `none`, `bcrypt`, `Argon2id`, `PBKDF2-HMAC-SHA256`, `MD5 (EVP_BytesToKey)`, ...
    public var kdf: String
    /// KDF parameters by name (`rounds`, `memory`, `passes`, `parallelism`, `iterations`, `salt`).
    public var parameters: [String: String]

    public init(cipher: String, kdf: String, parameters: [String: String] = [:]) {
        self.cipher = cipher
        self.kdf = kdf
        self.parameters = parameters
    }

    public static let none = Protection(cipher: "none", kdf: "none")
    public var isEncrypted: Bool { cipher != "none" }
}

/// A non-fatal oddity noticed while decoding, for `lint` to report without parsing again.
public struct Observation: Sendable, Equatable, Codable {
    public var code: String
    public var message: String
    public init(_ code: String, _ message: String) {
        self.code = code
        self.message = message
    }
}

/// What a decoder returns for each key it finds in a file.
public struct KeyDocument: Sendable {
    public enum Content: Sendable {
        case publicKey(PublicKey)
        case privateKey(PrivateKey)
        /// Encrypted private key. `publicKey` is nil when the format encrypts that too (PEM).
        case locked(publicKey: PublicKey?)
    }

    public var format: FormatID
    public var content: Content
    public var comment: String
    public var protection: Protection
    /// 1-based line number for line-oriented files.
    public var line: Int?
    /// authorized_keys options or known_hosts host patterns before the key, as written.
    public var options: String?
    public var hosts: String?
    /// The rest of a public-key line after the key exactly as written (trailing blanks and CR kept),
    /// for output that must match `ssh-keygen -l` byte for byte (bytes, because a comment need not be
    /// UTF-8 and ssh-keygen escapes each invalid byte); `comment` is the cleaned form.
    public var verbatimComment: [UInt8]?
    /// The options or host-pattern token before the key, as bytes exactly as written.
    public var verbatimLeading: [UInt8]?
    /// `@cert-authority` or `@revoked` in known_hosts.
    public var marker: String?
    /// Format-specific details for `inspect` (PPK version, KDF parameters, PEM label ...), in order.
    public var details: [(String, String)]
    public var observations: [Observation]
    /// What the format's `unlock` needs (the encrypted file bytes); empty for unencrypted input.
    public var sealed: [UInt8]

    public init(format: FormatID, content: Content, comment: String = "", protection: Protection = .none,
                line: Int? = nil, details: [(String, String)] = [], observations: [Observation] = [], sealed: [UInt8] = []) {
        self.format = format
        self.content = content
        self.comment = comment
        self.protection = protection
        self.line = line
        self.details = details
        self.observations = observations
        self.sealed = sealed
    }

    /// The public key, when it can be known without a passphrase.
    public var publicKey: PublicKey? {
        switch content {
        case let .publicKey(k): return k
        case let .privateKey(k): return k.publicKey
        case let .locked(k): return k
        }
    }

    public var privateKey: PrivateKey? {
        if case let .privateKey(k) = content { return k }
        return nil
    }

    public var isPrivate: Bool {
        switch content {
        case .publicKey: return false
        case .privateKey, .locked: return true
        }
    }

    public var isLocked: Bool {
        if case .locked = content { return true }
        return false
    }
}
