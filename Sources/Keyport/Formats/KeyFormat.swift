// The format seam: one protocol every key-file format family implements, and the one table of them
// that detection, reading, unlocking and encoding consult (`KeyFile.formats`).
//
//   detect  the content → why it is this format (or nil)       KeyFile.detect walks the table in order
//   read    the bytes → every key, as KeyEntry                  KeyFile.read calls the detected format
//   unlock  a locked document → unlocked, from `sealed`          each format's SealedKey keeps its parsed
//                                                                state, so the file is not parsed again
//   encode  a key → bytes, for the OutputFormats it `writes`     KeyFile.encode picks the format writing it

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One family of key-file formats: how keyport recognises it, reads it and writes it. Locked keys it
/// reads carry a `SealedKey` of the family's own, which unlocks them.
public protocol KeyFormat {
    /// A short stable name for the family (`openssh-key-v1`, `ppk`, `pem`, ...).
    static var name: String { get }
    /// Why `bytes` are in this format (for `inspect` and error messages), or nil when they are not.
    /// `text` is the start of the content as text, leading blank space dropped.
    static func detect(_ bytes: [UInt8], text: Substring) -> String?
    /// Every key in `bytes`; throws when the content as a whole cannot be read as this format.
    static func read(_ bytes: [UInt8]) throws -> [KeyEntry]
    /// The output formats this family writes (empty for formats keyport only reads).
    static var writes: [OutputFormat] { get }
    /// Writes a private key as `format` (one of `writes`).
    static func encode(_ key: PrivateKey, as format: OutputFormat, options: EncodeOptions) throws -> EncodedKey
    /// Writes a public key as `format` (one of `writes`).
    static func encode(_ key: PublicKey, as format: OutputFormat, options: EncodeOptions) throws -> EncodedKey
}

extension KeyFormat {
    /// Formats keyport only reads write nothing.
    public static var writes: [OutputFormat] { [] }

    /// Refuses: the family writes no private keys.
    public static func encode(_ key: PrivateKey, as format: OutputFormat, options: EncodeOptions) throws -> EncodedKey {
        throw KeyportError.cannotEncode("keyport does not write \(name) files")
    }

    /// Refuses: the family writes no public keys.
    public static func encode(_ key: PublicKey, as format: OutputFormat, options: EncodeOptions) throws -> EncodedKey {
        throw KeyportError.cannotEncode("keyport does not write \(name) files")
    }

    /// Decoded documents as entries of a whole-file format: each with the line of its BEGIN when
    /// the file holds several keys, without a line when the key is the whole file (so `line`
    /// means one thing in every command and output).
    static func entries(_ documents: [KeyDocument]) -> [KeyEntry] {
        documents.map { doc in
            var doc = doc
            if documents.count == 1 { doc.line = nil }
            return KeyEntry(line: doc.line, result: .success(doc))
        }
    }
}

/// What a locked document keeps of its file: the format's parsed state (openssh-key-v1's container,
/// the parsed PPK file, the PEM block and its structure), so that unlocking only decrypts.
public protocol SealedKey: Sendable {
    /// Decrypts with `passphrase` and returns `document` unlocked.
    func unlock(_ document: KeyDocument, passphrase: SecureBytes) throws -> KeyDocument
}

/// The result of format detection: the family the content belongs to and why.
public struct Detection: Sendable {
    /// The format family.
    public let format: any KeyFormat.Type
    /// Why the content is taken for this format (the marker that was found), for people.
    public let reason: String

    /// True for line files (public keys, authorized_keys, known_hosts): read line by line.
    public var isKeyLines: Bool { ObjectIdentifier(format) == ObjectIdentifier(OpenSSHPublicFormat.self) }
    /// The family's name.
    public var name: String { format.name }
}

/// SSH protocol 1 private keys: recognised so they are named, never read.
enum SSH1Format: KeyFormat {
    static let name = "ssh1"

    static func detect(_ bytes: [UInt8], text: Substring) -> String? {
        text.hasPrefix("SSH PRIVATE KEY FILE FORMAT 1.1") ? "starts with \"SSH PRIVATE KEY FILE FORMAT 1.1\"" : nil
    }

    static func read(_ bytes: [UInt8]) throws -> [KeyEntry] {
        throw KeyportError.unsupported("SSH-1 key: obsolete, not supported for conversion", reason: .ssh1)
    }
}

// MARK: - The families

/// The comment of a one-line public format ends at the line's end: a line break would split the key.
private func requireOneLineComment(_ options: EncodeOptions, in what: String) throws {
    if options.commentBytes.contains(where: { $0 == 0x0a || $0 == 0x0d }) {
        throw KeyportError.cannotEncode("\(what) holds a one-line comment; this comment contains a line break")
    }
}

extension OpenSSHPrivateFormat: KeyFormat {
    static let name = "openssh-key-v1"
    /// `openssh` output is this family's: openssh-key-v1 for a private key, a `.pub` line for a public one.
    static var writes: [OutputFormat] { [.openssh] }

    static func detect(_ bytes: [UInt8], text: Substring) -> String? {
        text.hasPrefix("-----BEGIN OPENSSH PRIVATE KEY-----") ? "starts with -----BEGIN OPENSSH PRIVATE KEY-----" : nil
    }

    static func read(_ bytes: [UInt8]) throws -> [KeyEntry] { entries(try decode(bytes)) }

    static func encode(_ key: PrivateKey, as format: OutputFormat, options: EncodeOptions) throws -> EncodedKey {
        try encode(key, options: options)
    }

    static func encode(_ key: PublicKey, as format: OutputFormat, options: EncodeOptions) throws -> EncodedKey {
        try requireOneLineComment(options, in: "an OpenSSH public key line")
        // The comment's bytes as read: a comment need not be UTF-8 (issue 15.2).
        let line = OpenSSHPublicFormat.encode(key, comment: options.commentBytes, blankWhenEmpty: !options.publicOfPrivate)
        return EncodedKey(bytes: line, isSecret: false, warnings: [])
    }
}

extension PPKFormat: KeyFormat {
    /// `ppk`.
    public static let name = "ppk"
    /// PPK v2 or v3.
    public static var writes: [OutputFormat] { [.ppk] }

    /// A PuTTY-User-Key-File header.
    public static func detect(_ bytes: [UInt8], text: Substring) -> String? {
        text.hasPrefix("PuTTY-User-Key-File-") ? "starts with PuTTY-User-Key-File-" : nil
    }

    /// The one key of the file.
    public static func read(_ bytes: [UInt8]) throws -> [KeyEntry] { entries(try decode(bytes)) }

    /// A PPK file as puttygen writes it.
    public static func encode(_ key: PrivateKey, as format: OutputFormat, options: EncodeOptions) throws -> EncodedKey {
        try encode(key, options: options)
    }

    /// Refused: a PPK file holds a private key.
    public static func encode(_ key: PublicKey, as format: OutputFormat, options: EncodeOptions) throws -> EncodedKey {
        throw KeyportError.cannotEncode("a PPK file holds a private key", remedy: .givePrivateKey)
    }
}

extension RFC4716Format: KeyFormat {
    /// `rfc4716`.
    public static let name = "rfc4716"
    /// Public keys only.
    public static var writes: [OutputFormat] { [.rfc4716] }
    /// The refusal to write a private key.
    static let privateKeyRefusal = KeyportError.cannotEncode("RFC 4716 holds public keys only", remedy: .writePublicOnly)

    /// The `---- BEGIN SSH2` armour.
    public static func detect(_ bytes: [UInt8], text: Substring) -> String? {
        text.hasPrefix("---- BEGIN SSH2") ? "starts with ---- BEGIN SSH2" : nil
    }

    /// The key of the file.
    public static func read(_ bytes: [UInt8]) throws -> [KeyEntry] { entries(try decode(bytes)) }

    /// Refused: RFC 4716 holds public keys only.
    public static func encode(_ key: PrivateKey, as format: OutputFormat, options: EncodeOptions) throws -> EncodedKey {
        throw privateKeyRefusal
    }

    /// The key with its comment header.
    public static func encode(_ key: PublicKey, as format: OutputFormat, options: EncodeOptions) throws -> EncodedKey {
        try requireOneLineComment(options, in: "an RFC 4716 header")
        return EncodedKey(bytes: Array(encode(key, comment: options.comment).utf8), isSecret: false, warnings: [])
    }
}

extension PEMFormat: KeyFormat {
    /// `pem` (PEM armour or binary DER).
    public static let name = "pem"
    /// PKCS#1/SEC1/SPKI as `pem`, PKCS#8/SPKI as `pkcs8`.
    public static var writes: [OutputFormat] { [.pem, .pkcs8] }

    /// PEM armour anywhere in the first 4 KiB, or binary DER.
    public static func detect(_ bytes: [UInt8], text: Substring) -> String? {
        // A file of public key lines with armour pasted among them is a line file whose armour
        // lines are reported (a private key there is exposed, Pasted.swift), not a PEM file.
        if headHoldsBEGIN(bytes) { return OpenSSHPublicFormat.startsWithKeyLine(text) ? nil : "holds a -----BEGIN line" }
        return isDER(bytes) ? "binary data starting with a DER SEQUENCE" : nil
    }

    /// Is there a `-----BEGIN ` in the first 4 KiB (what detection sees)? A byte search: String's
    /// generic substring search costs more on its first use than a one-key `fingerprint` run in all.
    static func headHoldsBEGIN(_ bytes: [UInt8]) -> Bool {
        let pattern: StaticString = "-----BEGIN "
        let n = pattern.utf8CodeUnitCount
        return bytes.withUnsafeBytes { head in
            guard let base = head.baseAddress else { return false }
            let end = min(head.count, 4096)
            var at = 0
            while end - at >= n, let hit = memchr(base + at, Int32(UInt8(ascii: "-")), end - at - n + 1) {
                at = UnsafeRawPointer(hit) - base
                if memcmp(hit, pattern.utf8Start, n) == 0 { return true }
                at += 1
            }
            return false
        }
    }

    /// DER: a SEQUENCE tag (0x30, which is also '0'); a text file such as a known_hosts file whose
    /// first host starts with '0' is all printable, where DER always holds control bytes (tags).
    static func isDER(_ bytes: [UInt8]) -> Bool {
        bytes.first == 0x30 && bytes.count > 2
            && bytes.prefix(256).contains(where: { $0 < 0x20 && $0 != 0x09 && $0 != 0x0a && $0 != 0x0d || $0 >= 0x7f })
    }

    /// Every key block (PEM), or the one structure (DER).
    public static func read(_ bytes: [UInt8]) throws -> [KeyEntry] {
        let head = String(decoding: bytes.prefix(4096), as: UTF8.self)
        guard head.contains("-----BEGIN ") else { return entries(try decodeDER(bytes)) }
        var documents = try decode(bytes)
        // Indented armour (YAML, Markdown) reads here, but ssh-keygen refuses it: say it was repaired.
        if PasteRepair.armourIsIndented(bytes) {
            for i in documents.indices { documents[i].observations += PasteRepair.observation(["indentation (as in YAML or Markdown); ssh-keygen refuses the file"]) }
        }
        return entries(documents)
    }

    /// The private key in the requested PEM structure.
    public static func encode(_ key: PrivateKey, as format: OutputFormat, options: EncodeOptions) throws -> EncodedKey {
        try encodePrivate(key, as: format, options: options)
    }

    /// The public key as PKCS#1 (RSA, `pem`) or SubjectPublicKeyInfo.
    public static func encode(_ key: PublicKey, as format: OutputFormat, options: EncodeOptions) throws -> EncodedKey {
        try encodePublic(key, as: format, comment: options.comment)
    }
}

extension OpenSSHPublicFormat: KeyFormat {
    /// `openssh-public`.
    public static let name = "openssh-public"

    /// Anything the families before it did not take: a raw SSH key blob, or lines of text.
    public static func detect(_ bytes: [UInt8], text: Substring) -> String? {
        isBlob(bytes) ? "an SSH wire-format key blob" : "text lines (public keys, authorized_keys, known_hosts)"
    }

    /// A blob starts with a string naming a key type keyport knows.
    static func isBlob(_ bytes: [UInt8]) -> Bool {
        guard bytes.count > 8, bytes[0] == 0, bytes[1] == 0, bytes[2] == 0, bytes[3] > 0, bytes[3] < 64,
              let name = String(validating: bytes[4..<min(bytes.count, 4 + Int(bytes[3]))], as: UTF8.self) else { return false }
        return KeyAlgorithm.named(name) != nil
    }

    /// Every line's key or failure; throws when no line holds a key and the file as a whole is not one.
    public static func read(_ bytes: [UInt8]) throws -> [KeyEntry] {
        if isBlob(bytes) {
            return [KeyEntry(line: nil, result: .success(KeyDocument(format: .opensshPublic, content: .publicKey(try PublicKey(blob: bytes)))))]
        }
        // Paste damage among the lines (a wrapped key, RFC 4716 text) is joined here (Pasted.swift).
        return try readJoining(bytes)
    }
}
