/// The file formats keyport reads and writes.
public enum FormatID: String, Sendable, CaseIterable, Codable {
    /// One `.pub` line, or a file of them.
    case opensshPublic = "openssh-public"
    /// An authorized_keys file (lines may carry options).
    case authorizedKeys = "authorized_keys"
    /// A known_hosts file (host patterns, markers, hashed names).
    case knownHosts = "known_hosts"
    /// RFC 4716 `---- BEGIN SSH2 PUBLIC KEY ----` file.
    case rfc4716 = "rfc4716"
    /// OpenSSH private key (openssh-key-v1).
    case opensshPrivate = "openssh-private"
    /// PuTTY private key, version 2 or 3.
    case ppk = "ppk"
    /// PKCS#1 RSA, SEC1 EC or OpenSSL traditional DSA, in PEM.
    case pemTraditional = "pem"
    /// Unencrypted PKCS#8 `PRIVATE KEY`.
    case pkcs8 = "pkcs8"
    /// PKCS#8 `ENCRYPTED PRIVATE KEY` (PBES2 or PBES1).
    case pkcs8Encrypted = "pkcs8-encrypted"
    /// X.509 SubjectPublicKeyInfo `PUBLIC KEY`.
    case spki = "spki"
    /// PKCS#1 `RSA PUBLIC KEY`.
    case pkcs1Public = "pkcs1-public"

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
        }
    }
}

/// What a decoder returns for each key it finds in a file.
public struct KeyDocument: Sendable {
    /// What the document holds.
    public enum Content: Sendable {
        /// A public key (or certificate).
        case publicKey(PublicKey)
        /// An unencrypted or unlocked private key.
        case privateKey(PrivateKey)
        /// Encrypted private key. `publicKey` is nil when the format encrypts that too (PEM).
        case locked(publicKey: PublicKey?)
    }

    /// The format the key was read from.
    public var format: FormatID
    /// Public, private, or locked.
    public var content: Content
    /// The key's comment (empty when none).
    public var comment: String
    /// How the file is encrypted (`Protection.none` when it is not).
    public var protection: Protection
    /// 1-based line number for line-oriented files.
    public var line: Int?
    /// authorized_keys options or known_hosts host patterns before the key, as written.
    public var options: String?
    /// known_hosts host patterns before the key, as written.
    public var hosts: String?
    /// The rest of a public-key line after the key exactly as written (trailing blanks and CR kept),
    /// for output that must match `ssh-keygen -l` byte for byte (bytes, because a comment need not be
    /// UTF-8 and ssh-keygen escapes each invalid byte); `comment` is the cleaned form.
    public var verbatimComment: [UInt8]?
    /// The options or host-pattern token before the key, as bytes exactly as written.
    public var verbatimLeading: [UInt8]?
    /// `@cert-authority` or `@revoked` in known_hosts.
    public var marker: String?
    /// The version of its format the file states, where the format has versions (PPK: 2 or 3).
    public var formatVersion: Int?
    /// Format-specific details for `inspect` (PPK version, KDF parameters, PEM label ...), in order.
    public var details: [(String, String)]
    /// Non-fatal oddities noticed while decoding, for lint.
    public var observations: [Observation]
    /// For a locked key: what its format parsed, from which `KeyFile.unlock` decrypts it; nil otherwise.
    public var sealed: (any SealedKey)?

    /// A document as a decoder makes it.
    public init(format: FormatID, content: Content, comment: String = "", protection: Protection = .none,
                line: Int? = nil, formatVersion: Int? = nil, details: [(String, String)] = [], observations: [Observation] = [], sealed: (any SealedKey)? = nil) {
        self.format = format
        self.content = content
        self.comment = comment
        self.protection = protection
        self.line = line
        self.formatVersion = formatVersion
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

    /// The private key, when the document holds one unlocked.
    public var privateKey: PrivateKey? {
        if case let .privateKey(k) = content { return k }
        return nil
    }

    /// True for private keys, locked or not.
    public var isPrivate: Bool {
        switch content {
        case .publicKey: return false
        case .privateKey, .locked: return true
        }
    }

    /// True for an encrypted private key not yet unlocked (see `KeyFile.unlock`).
    public var isLocked: Bool {
        if case .locked = content { return true }
        return false
    }
}
