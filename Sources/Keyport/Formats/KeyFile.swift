// The entry point for reading and writing key files. Every format-specific step goes through the
// table of formats (`formats`, see KeyFormat.swift); nothing here knows a format by name.
//
// Detection checks cheap markers in a fixed order (the table's) and never falls back silently: once
// a format is chosen, its error is final. Order: openssh-key-v1 armour, PPK header, SSH-1 private
// magic, RFC 4716 armour, PEM armour (anywhere, so `openssl -text` preambles work) or DER (0x30),
// and finally OpenSSH public content (a raw SSH blob, or public lines, authorized_keys, known_hosts).

/// One key found in a file, or the reason a part of the file is not one.
public struct KeyEntry: Sendable {
    /// 1-based line number for line-oriented files.
    public let line: Int?
    /// The decoded key, or why this key (line) could not be read.
    public let result: Result<KeyDocument, KeyportError>

    /// An entry for `line` (nil for whole-file formats).
    public init(line: Int?, result: Result<KeyDocument, KeyportError>) {
        self.line = line
        self.result = result
    }
}

/// The output formats of `convert` and `generate`.
public enum OutputFormat: String, Sendable, CaseIterable, Codable {
    /// OpenSSH (`.pub` line or openssh-key-v1), RFC 4716, PuTTY PPK, PEM (PKCS#1/SEC1/SPKI) and PKCS#8.
    case openssh, rfc4716, ppk, pem, pkcs8
}

/// How to write a key. Formats read only the fields that apply to them.
public struct EncodeOptions: Sendable {
    /// The comment to store, as bytes written unchanged (formats without comments drop it and say
    /// so in `warnings`).
    public var commentBytes: [UInt8]
    /// The comment as text (see `commentBytes`).
    public var comment: String {
        get { String(decoding: commentBytes, as: UTF8.self) }
        set { commentBytes = Array(newValue.utf8) }
    }
    /// nil writes the key unencrypted.
    public var passphrase: SecureBytes?
    /// Write only the public key.
    public var publicOnly: Bool
    /// bcrypt rounds for openssh-key-v1.
    public var kdfRounds: Int
    /// PPK version, 2 or 3.
    public var ppkVersion: Int
    /// PPK v3 Argon2 parameters; nil lets keyport choose as puttygen does.
    public var ppkArgon2: Argon2Parameters?
    /// The public key being written is the public half of a private key: an OpenSSH line then looks
    /// as `ssh-keygen -y` prints it (no blank after the key without a comment), while a public line
    /// converted again keeps the layout of the .pub files ssh-keygen writes.
    public var publicOfPrivate = false

    /// Options with the defaults of `ssh-keygen` and `puttygen`: no comment, unencrypted, 16 bcrypt rounds, PPK v3.
    public init(comment: String = "", passphrase: SecureBytes? = nil, publicOnly: Bool = false,
                kdfRounds: Int = 16, ppkVersion: Int = 3, ppkArgon2: Argon2Parameters? = nil) {
        self.commentBytes = Array(comment.utf8)
        self.passphrase = passphrase
        self.publicOnly = publicOnly
        self.kdfRounds = kdfRounds
        self.ppkVersion = ppkVersion
        self.ppkArgon2 = ppkArgon2
    }
}

/// The encoded form of a key, with anything the user should be told (a dropped comment, ...).
public struct EncodedKey: Sendable {
    /// The file content to write.
    public var bytes: [UInt8]
    /// True when `bytes` hold a private key: write them with mode 0600.
    public var isSecret: Bool
    /// Things the user should know (a comment the format cannot store, ...).
    public var warnings: [String]
}

/// The entry point for reading and writing key files: detection, decoding, unlocking, encoding.
///
/// ```swift
/// let documents = try KeyFile.load(path: "id_ed25519")   // every key in the file
/// let converted = try KeyFile.encode(documents[0], to: .ppk)
/// ```
public enum KeyFile {
    /// Largest key file read whole; authorized_keys and known_hosts files are streamed instead.
    public static let maximumSize = 1 << 20

    /// Every format family, in detection order; the last one (public lines) takes anything.
    public static let formats: [any KeyFormat.Type] = [
        OpenSSHPrivateFormat.self, PPKFormat.self, SSH1Format.self, RFC4716Format.self, PEMFormat.self, OpenSSHPublicFormat.self,
    ]

    /// Picks the format family from the content, and says why.
    public static func detect(_ bytes: [UInt8]) -> Detection {
        let head = String(decoding: bytes.prefix(4096), as: UTF8.self)
        let text = Substring(head).drop(while: { $0.isWhitespace })
        for format in formats {
            if let reason = format.detect(bytes, text: text) { return Detection(format: format, reason: reason) }
        }
        return Detection(format: OpenSSHPublicFormat.self, reason: "text lines")
    }

    /// Reads every key in a file. Throws when the file as a whole is not a key file keyport knows;
    /// per-key problems of line-oriented files come back as failed entries so the good keys still count.
    public static func read(_ bytes: [UInt8]) throws -> [KeyEntry] {
        try detect(bytes).format.read(bytes)
    }

    /// For a file of lines none of which held a key: the one error that describes the whole file, or
    /// nil when its single bad line looks like a damaged key line (reported with its line number).
    /// `head` is the start of the file (4 KiB are enough).
    public static func noKeyError(head: [UInt8], failedLines: Int) -> KeyportError? {
        if failedLines == 0 { return KeyportError.unrecognizedFormat(seen: head.isEmpty ? "an empty file" : "no key in the file") }
        if failedLines > 1 || !looksLikeKeyLine(head) { return KeyportError.unrecognizedFormat(seen: describe(head)) }
        return nil
    }

    /// Does the text mention any SSH key type at all? Used to tell a damaged key line from a file of
    /// something else.
    static func looksLikeKeyLine(_ bytes: [UInt8]) -> Bool {
        let head = String(decoding: bytes.prefix(4096), as: UTF8.self)
        if KeyAlgorithm.allCases.contains(where: { head.contains($0.sshName) }) || head.contains("-cert-v01@openssh.com") || head.contains("rsa-sha2-") {
            return true
        }
        // A key line of a type keyport does not know (`ssh-foo AAAA… comment`): an SSH algorithm
        // name (lowercase letters, digits, '-', '.', one '@') followed by a base64 token, so that the
        // error names the type instead of calling the file unrecognised text.
        let words = bytes.prefix(4096).prefix(while: { $0 != 0x0a }).split(whereSeparator: { $0 == 0x20 || $0 == 0x09 })
        return words.count >= 2 && OpenSSHPublicFormat.isUnknownKeyType(words[0], before: words[1])
    }

    /// A short, printable description of unrecognised content.
    static func describe(_ bytes: [UInt8]) -> String {
        let printable = bytes.prefix(64).allSatisfy { ($0 >= 0x20 && $0 < 0x7f) || $0 == 0x0a || $0 == 0x0d || $0 == 0x09 }
        if !printable { return "binary data starting \(Hex.encode(bytes.prefix(8), separator: " "))" }
        let firstLine = String(decoding: bytes.prefix(while: { $0 != 0x0a }), as: UTF8.self)
        // A bare base64 line is most likely the body of a key whose armour was cut off: it may be
        // private key material, so it is described, never echoed.
        let trimmed = firstLine.utf8.filter { $0 != 0x0d && $0 != 0x20 && $0 != 0x09 }
        if trimmed.count >= 16, trimmed.allSatisfy({ Base64.isAlphabet($0) }) {
            return "base64 text without a BEGIN line (a key body whose armour was cut off?)"
        }
        return "text starting \"\(PublicKey.printable(firstLine))\""
    }

    /// Decrypts a locked document with a passphrase, from the state its format kept (`sealed`).
    public static func unlock(_ document: KeyDocument, passphrase: SecureBytes) throws -> KeyDocument {
        guard document.isLocked else { return document }
        guard let sealed = document.sealed else {
            throw KeyportError.unsupported("\(document.format.displayName) cannot be unlocked")
        }
        // A file may hold many encrypted keys and a run may read many files: the run's KDF budget,
        // if the caller set one, bounds their total cost as KDFLimits bounds one key's.
        try KDFLimits.spend(on: document.protection.kdf)
        return try sealed.unlock(document, passphrase: passphrase)
    }

    /// The format family that writes `format`.
    static func writer(of format: OutputFormat) -> any KeyFormat.Type {
        // Every OutputFormat has a writer in `formats`; the first family stands in if one were missing.
        formats.first { $0.writes.contains(format) } ?? formats[0]
    }

    /// Encodes a public key.
    public static func encode(_ key: PublicKey, to format: OutputFormat, options: EncodeOptions) throws -> EncodedKey {
        var encoded = try writer(of: format).encode(key, as: format, options: options)
        encoded.warnings += unreadableBy(key.algorithm, in: format, isPrivate: false)
        return encoded
    }

    /// Encodes a private key (or, with `options.publicOnly`, its public half).
    public static func encode(_ key: PrivateKey, to format: OutputFormat, options: EncodeOptions) throws -> EncodedKey {
        if options.publicOnly {
            var options = options
            options.publicOfPrivate = true
            return try encode(key.publicKey, to: format == .ppk ? .openssh : format, options: options)
        }
        var encoded = try writer(of: format).encode(key, as: format, options: options)
        encoded.warnings += unreadableBy(key.publicKey.algorithm, in: format, isPrivate: true)
        return encoded
    }

    /// Which common peers cannot read a key of `algorithm` written as `format`, as a warning, where
    /// the user may expect them to: README's readability table (built by a test that runs
    /// ssh-keygen 9.2, puttygen 0.78 and openssl 3.0 on keyport's outputs) has the whole picture.
    public static func unreadableBy(_ algorithm: KeyAlgorithm, in format: OutputFormat, isPrivate: Bool) -> [String] {
        switch (algorithm, format) {
        case (.ed448, .openssh):
            return ["OpenSSH cannot use Ed448 keys (no release has them); puttygen and other SSH libraries read this " + (isPrivate ? "openssh-key-v1 file" : "line")]
        case (.ed25519, .pem) where isPrivate, (.ed25519, .pkcs8) where isPrivate:
            return ["OpenSSH before 9.6 (ssh-keygen, ssh) and PuTTY (puttygen 0.78) cannot read an Ed25519 key in PKCS#8; --to openssh or --to ppk writes one they read"]
        case (.ed448, .pem) where isPrivate, (.ed448, .pkcs8) where isPrivate:
            return ["OpenSSH (no release has Ed448) and PuTTY (puttygen 0.78) cannot read an Ed448 key in PKCS#8; --to ppk writes one PuTTY reads"]
        default:
            return []
        }
    }

    /// Throws unless `format` can hold a private key; callers check before asking for passphrases.
    public static func requirePrivateCapable(_ format: OutputFormat) throws {
        if format == .rfc4716 { throw RFC4716Format.privateKeyRefusal }
    }
}
