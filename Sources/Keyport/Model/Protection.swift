// How a private key is protected at rest, as types: the cipher (with its sizes) and the key-derivation
// function (with its parameters). Decoders fill these in once; KDF limits, lint, inspect and the fuzz
// support read the fields, never text. The names (`cipherName`, `kdfName`) are for people only.

/// A symmetric cipher a key file names, with the sizes its format needs.
public enum Cipher: Sendable, Hashable {
    /// AES block modes used by the key formats.
    public enum Mode: String, Sendable, Hashable { case ctr, cbc, gcm }

    /// Not encrypted.
    case none
    /// AES with a 128-, 192- or 256-bit key.
    case aes(keyBits: Int, mode: Mode)
    /// OpenSSH's chacha20-poly1305@openssh.com (two ChaCha20 keys, Poly1305 tag).
    case chacha20Poly1305
    /// Three-key triple DES in CBC mode (DES-EDE3-CBC, OpenSSH's 3des-cbc).
    case tripleDES
    /// Two-key triple DES in CBC mode (DES-EDE-CBC, PKCS#12).
    case twoKeyTripleDES
    /// Single DES in CBC mode.
    case des
    /// RC2 in CBC mode; `keyBits` is nil where the scheme keeps it in parameters keyport does not read.
    case rc2(keyBits: Int?)
    /// RC4 with a 40- or 128-bit key.
    case rc4(keyBits: Int)
    /// A cipher keyport has no case for, by the name or OID the file gives (libcrypto may still know it).
    case other(String)

    /// Key length in bytes (0 when none or unknown).
    public var keySize: Int {
        switch self {
        case .none, .other: return 0
        case let .aes(bits, _): return bits / 8
        case .chacha20Poly1305: return 64
        case .tripleDES: return 24
        case .twoKeyTripleDES: return 16
        case .des: return 8
        case let .rc2(bits): return (bits ?? 0) / 8
        case let .rc4(bits): return bits / 8
        }
    }

    /// IV (nonce) length in bytes.
    public var ivSize: Int {
        switch self {
        case .none, .other, .chacha20Poly1305, .rc4: return 0
        case let .aes(_, mode): return mode == .gcm ? 12 : 16
        case .tripleDES, .twoKeyTripleDES, .des, .rc2: return 8
        }
    }

    /// Authentication tag length in bytes (0 for unauthenticated ciphers).
    public var tagSize: Int {
        switch self {
        case .aes(_, .gcm), .chacha20Poly1305: return 16
        default: return 0
        }
    }

    /// The block size an encrypted section is padded to (OpenSSH pads to 8 for stream ciphers).
    public var blockSize: Int {
        switch self {
        case .aes: return 16
        default: return 8
        }
    }

    /// True for DES, two- and three-key triple DES: ciphers lint reports as weak.
    public var isDESFamily: Bool {
        switch self {
        case .des, .tripleDES, .twoKeyTripleDES: return true
        default: return false
        }
    }

    /// The name OpenSSH and PuTTY files use (`aes256-ctr`, `chacha20-poly1305@openssh.com`, ...).
    public var sshName: String {
        switch self {
        case .none: return "none"
        case let .aes(bits, .gcm): return "aes\(bits)-gcm@openssh.com"
        case let .aes(bits, mode): return "aes\(bits)-\(mode.rawValue)"
        case .chacha20Poly1305: return "chacha20-poly1305@openssh.com"
        case .tripleDES: return "3des-cbc"
        default: return opensslName.lowercased()
        }
    }

    /// The name OpenSSL uses (`AES-128-CBC`, `DES-EDE3-CBC`, `RC2-40-CBC`, ...), as in a PEM DEK-Info header.
    public var opensslName: String {
        switch self {
        case .none: return "none"
        case let .aes(bits, mode): return "AES-\(bits)-\(mode.rawValue.uppercased())"
        case .chacha20Poly1305: return "ChaCha20-Poly1305"
        case .tripleDES: return "DES-EDE3-CBC"
        case .twoKeyTripleDES: return "DES-EDE-CBC"
        case .des: return "DES-CBC"
        case let .rc2(bits): return bits.map { "RC2-\($0)-CBC" } ?? "RC2-CBC"
        case let .rc4(bits): return "RC4-\(bits)"
        case let .other(name): return name
        }
    }

    /// The cipher an OpenSSH or PuTTY file names, or nil for a name keyport does not know.
    public init?(sshName: String) {
        guard let cipher = Self.sshCiphers.first(where: { $0.sshName == sshName }) else { return nil }
        self = cipher
    }

    /// The cipher an OpenSSL name stands for (case-insensitive); unknown names become `.other(name)`.
    public init(opensslName name: String) {
        let upper = name.uppercased()
        switch upper {
        case "DES-EDE3-CBC": self = .tripleDES
        case "DES-EDE-CBC": self = .twoKeyTripleDES
        case "DES-CBC": self = .des
        case "RC2-CBC": self = .rc2(keyBits: nil)
        default:
            let parts = upper.split(separator: "-")
            if parts.count == 3, parts[0] == "AES", let bits = Int(parts[1]), [128, 192, 256].contains(bits),
               let mode = Mode(rawValue: parts[2].lowercased()) {
                self = .aes(keyBits: bits, mode: mode)
            } else if parts.count == 3, parts[0] == "RC2", parts[2] == "CBC", let bits = Int(parts[1]) {
                self = .rc2(keyBits: bits)
            } else if parts.count == 2, parts[0] == "RC4", let bits = Int(parts[1]) {
                self = .rc4(keyBits: bits)
            } else {
                self = .other(name)
            }
        }
    }

    /// The ciphers openssh-key-v1 files may name, in OpenSSH's order.
    static let sshCiphers: [Cipher] = [
        .none, .aes(keyBits: 128, mode: .ctr), .aes(keyBits: 192, mode: .ctr), .aes(keyBits: 256, mode: .ctr),
        .aes(keyBits: 128, mode: .cbc), .aes(keyBits: 192, mode: .cbc), .aes(keyBits: 256, mode: .cbc),
        .aes(keyBits: 128, mode: .gcm), .aes(keyBits: 256, mode: .gcm), .chacha20Poly1305, .tripleDES,
    ]
}

/// Argon2 settings of a PPK v3 file.
public struct Argon2Parameters: Sendable, Hashable {
    /// The Argon2 variant (PPK v3 files name it in the `Key-Derivation` header).
    public enum Flavor: String, Sendable, CaseIterable { case argon2d = "Argon2d", argon2i = "Argon2i", argon2id = "Argon2id" }
    /// Argon2d, Argon2i or Argon2id (puttygen's default).
    public var flavor: Flavor
    /// KiB.
    public var memory: Int
    /// Number of passes (time cost); 0 lets the encoder tune them to about 100 ms, as puttygen does.
    public var passes: Int
    /// Lanes (parallelism).
    public var parallelism: Int
    /// Salt; empty lets the encoder draw 16 random bytes when it encrypts.
    public var salt: [UInt8]

    /// Argon2id, 8192 KiB, 13 passes and one lane unless given; pass `passes: 0` to have them tuned.
    public init(flavor: Flavor = .argon2id, memory: Int = 8192, passes: Int = 13, parallelism: Int = 1, salt: [UInt8] = []) {
        self.flavor = flavor
        self.memory = memory
        self.passes = passes
        self.parallelism = parallelism
        self.salt = salt
    }
}

/// How a key file turns a passphrase into a cipher key. Counts a file stores as a DER INTEGER too
/// large for `Int` (above 2^62) are nil: keyport refuses them when unlocking (`KDFLimits`).
public enum KDF: Sendable, Hashable {
    /// The pseudo-random function of PBKDF2.
    public enum PRF: Sendable, Hashable {
        /// HMAC with SHA-1 (PBKDF2's default), SHA-224, SHA-256, SHA-384 or SHA-512.
        case hmacSHA1, hmacSHA224, hmacSHA256, hmacSHA384, hmacSHA512
        /// A PRF OID keyport does not know.
        case other(oid: String)

        /// `HMAC-SHA256`, ...
        public var name: String {
            switch self {
            case .hmacSHA1: return "HMAC-SHA1"
            case .hmacSHA224: return "HMAC-SHA224"
            case .hmacSHA256: return "HMAC-SHA256"
            case .hmacSHA384: return "HMAC-SHA384"
            case .hmacSHA512: return "HMAC-SHA512"
            case let .other(oid): return "OID \(oid)"
            }
        }
    }

    /// The digest of a PBES1 (PBKDF1) scheme.
    public enum PBES1Hash: String, Sendable, Hashable { case md5 = "MD5", sha1 = "SHA1" }

    /// Not encrypted.
    case none
    /// OpenSSH's bcrypt_pbkdf (openssh-key-v1).
    case bcrypt(rounds: Int, salt: [UInt8])
    /// Argon2 (PPK v3).
    case argon2(Argon2Parameters)
    /// PPK v2: two unsalted SHA-1 hashes of the passphrase.
    case ppkV2SHA1
    /// PBKDF2 (PKCS#8 PBES2).
    case pbkdf2(prf: PRF, iterations: Int?, salt: [UInt8])
    /// scrypt (PKCS#8 PBES2, RFC 7914).
    case scrypt(n: Int?, r: Int?, p: Int?, salt: [UInt8])
    /// PBKDF1 with MD5 or SHA-1 (PKCS#8 PBES1, RFC 8018 §6.1).
    case pbes1(hash: PBES1Hash, iterations: Int?, salt: [UInt8])
    /// The PKCS#12 key derivation with SHA-1 (PKCS#8 with a PKCS#12 PBE scheme, RFC 7292 App. B).
    case pkcs12(iterations: Int?, salt: [UInt8])
    /// Legacy PEM encryption: one MD5 round of EVP_BytesToKey, salted with the first 8 bytes of the IV.
    case legacyMD5(iv: [UInt8])
    /// A KDF keyport does not know, by the OID the file gives.
    case other(String)

    /// The KDF's name for people (`bcrypt`, `Argon2id`, `PBKDF2-HMAC-SHA256`, ...).
    public var name: String {
        switch self {
        case .none: return "none"
        case .bcrypt: return "bcrypt"
        case let .argon2(a): return a.flavor.rawValue
        case .ppkV2SHA1: return "SHA-1 (PPK v2)"
        case let .pbkdf2(prf, _, _): return "PBKDF2-\(prf.name)"
        case .scrypt: return "scrypt"
        case let .pbes1(hash, _, _): return "PBKDF1-\(hash.rawValue)"
        case .pkcs12: return "PKCS#12 KDF (SHA-1)"
        case .legacyMD5: return "MD5 (EVP_BytesToKey)"
        case let .other(what): return what
        }
    }

    /// The salt, where the KDF has one.
    public var salt: [UInt8]? {
        switch self {
        case let .bcrypt(_, salt), let .pbkdf2(_, _, salt), let .scrypt(_, _, _, salt), let .pbes1(_, _, salt), let .pkcs12(_, salt):
            return salt
        case let .argon2(a): return a.salt
        case .none, .ppkV2SHA1, .legacyMD5, .other: return nil
        }
    }

    /// True for KDFs that name their cipher in OpenSSL's spelling (the PEM family).
    var usesOpenSSLNames: Bool {
        switch self {
        case .pbkdf2, .scrypt, .pbes1, .pkcs12, .legacyMD5: return true
        case .other: return true
        case .none, .bcrypt, .argon2, .ppkV2SHA1: return false
        }
    }
}

/// How a private key is protected at rest.
public struct Protection: Sendable, Hashable {
    /// The cipher (`.none` when not encrypted).
    public var cipher: Cipher
    /// The key derivation (`.none` when not encrypted).
    public var kdf: KDF

    /// Not encrypted.
    public static let none = Protection(cipher: .none, kdf: .none)
    /// True unless the cipher is `none`.
    public var isEncrypted: Bool { cipher != .none }

    /// A protection description.
    public init(cipher: Cipher, kdf: KDF) {
        self.cipher = cipher
        self.kdf = kdf
    }

    /// The cipher as the file's format spells it (`aes256-ctr` in OpenSSH and PuTTY files,
    /// `AES-128-CBC` in the PEM family).
    public var cipherName: String { kdf.usesOpenSSLNames ? cipher.opensslName : cipher.sshName }
    /// The KDF's name for people.
    public var kdfName: String { kdf.name }
}

/// A non-fatal oddity a decoder notices, for lint to report without parsing again.
public enum ObservationCode: String, Sendable, Hashable, CaseIterable {
    /// CR LF line endings or a stray CR.
    case crlf
    /// The file does not end with a newline.
    case noFinalNewline = "crlf-no-final-newline"
    /// Bytes after the key or its armour.
    case trailingData = "trailing-data"
    /// Text before the first BEGIN line.
    case leadingText = "leading-text"
    /// Base64 lines not of the width the format's writer uses.
    case lineWidth = "line-width"
    /// More than one key in a file its tools read one key from.
    case severalKeys = "several-keys"
    /// An EC key that spells out its curve parameters instead of naming the curve.
    case explicitCurve = "explicit-curve"
    /// An integer with needless leading zero bytes.
    case nonMinimalInteger = "non-minimal-mpint"
    /// A PPK file with CR or CR LF line ends.
    case ppkCRLF = "ppk-crlf"
    /// Blank space before a PPK file's first header.
    case ppkLeadingWhitespace = "ppk-leading-whitespace"
    /// A PPK comment that is not UTF-8.
    case ppkCommentEncoding = "ppk-comment-encoding"
    /// A PPK MAC in upper-case hex.
    case ppkMACUppercase = "ppk-mac-uppercase"
    /// Data after a PPK file's Private-MAC line.
    case ppkTrailingData = "ppk-trailing-data"
    /// A PPK base64 line of an unusual width.
    case ppkLineWidth = "ppk-line-width"
    /// An RFC 4716 line longer than 72 bytes.
    case rfc4716LongLine = "rfc4716-long-line"
    /// Paste damage keyport undid to read the key (a byte-order mark, indentation, a wrapped or
    /// flattened key, ...); the message says what (Pasted.swift).
    case pastedRepair = "pasted-key-repaired"
}

/// A non-fatal oddity noticed while decoding, for `lint` to report without parsing again.
public struct Observation: Sendable, Hashable {
    /// What was noticed, as a code lint maps to its rules.
    public var code: ObservationCode
    /// What was noticed, for people.
    public var message: String
    /// An observation with its code and message.
    public init(_ code: ObservationCode, _ message: String) {
        self.code = code
        self.message = message
    }
}
