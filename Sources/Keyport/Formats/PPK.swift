// PuTTY private key files, PPK versions 2 and 3.
// Spec: PuTTY manual appendix "PPK file format" (doc/pubkeyfmt.but) and PuTTY 0.78 sshpubk.c
// (ppk_save_sb, ppk_load_s, ssh2_ppk_derive_keys, read_header, read_body, read_blob); digest in
// shared/FORMATS.md §4.
//
//   PuTTY-User-Key-File-<2|3>: <algorithm>
//   Encryption: <none|aes256-cbc>
//   Comment: <text>
//   Public-Lines: <n>
//   <n lines of base64, 64 columns (48 bytes) each, public blob>
//   Key-Derivation: <Argon2id|Argon2i|Argon2d>       ┐
//   Argon2-Memory: <KiB>                              │ v3 and encrypted only
//   Argon2-Passes: <n>                                │
//   Argon2-Parallelism: <n>                           │
//   Argon2-Salt: <hex>                                ┘
//   Private-Lines: <m>
//   <m lines of base64 private blob, AES-256-CBC ciphertext when encrypted>
//   Private-MAC: <lowercase hex: HMAC-SHA-1 (v2) or HMAC-SHA-256 (v3)>
//
// Private blob: ssh-rsa mpint d, p, q, iqmp · ssh-dss mpint x · ecdsa mpint d · ssh-ed25519 string
// seed(32) · ssh-ed448 string seed(57). Encrypted blobs are padded to 16 bytes with the first bytes of
// SHA-1(blob). Keys: v3 Argon2(passphrase, salt, empty secret and AD) → 80 bytes = AES key ‖ IV ‖ MAC
// key, and an empty MAC key when unencrypted; v2 AES key = SHA-1(0‖pass) ‖ SHA-1(1‖pass) cut to 32,
// zero IV, MAC key = SHA-1("putty-private-key-file-mac-key" ‖ pass).
// MAC input: string algorithm, string encryption, string comment, string public blob, string private
// blob as decrypted, padding included.

/// PuTTY private key files, versions 2 and 3.
public enum PPKFormat {
    static let format = "PPK"
    static let macKeyLabel = Array("putty-private-key-file-mac-key".utf8)
    /// Far more lines than any real key needs (an RSA-16384 private blob is ~ 45 lines).
    static let maximumLines = 4096
    /// Argon2 output for aes256-cbc: key 32, IV 16, MAC key 32.
    static let argon2TagLength = 80

    // MARK: - Public entry points

    /// Reads a PPK file. An unencrypted file is checked (MAC, private half against public half) and
    /// returned as a private key; an encrypted one comes back locked with its public key, comment and
    /// KDF details, ready for `unlock`.
    static func decode(_ bytes: [UInt8]) throws -> [KeyDocument] {
        var file = try parse(bytes)
        // Unencrypted files store the private blob in clear.
        defer { if !file.isEncrypted { wipe(&file.privateStored) } }
        var document = KeyDocument(format: .ppk, content: .locked(publicKey: file.publicKey),
                                   protection: file.protection, formatVersion: file.version,
                                   details: file.details, observations: file.observations)
        document.commentBytes = file.commentBytes
        if file.isEncrypted {
            document.sealed = Sealed(file: file)
        } else {
            document.content = .privateKey(try open(file, passphrase: SecureBytes([UInt8]())))
        }
        return [document]
    }

    /// A locked PPK key keeps its parsed file: unlocking derives the keys, checks the MAC and decrypts.
    struct Sealed: SealedKey {
        var file: ParsedFile

        func unlock(_ document: KeyDocument, passphrase: SecureBytes) throws -> KeyDocument {
            var unlocked = document
            unlocked.content = .privateKey(try open(file, passphrase: passphrase))
            unlocked.sealed = nil
            return unlocked
        }
    }

    /// Writes a PPK file as puttygen does: v3 (Argon2id, 8192 KiB, parallelism 1, passes tuned to
    /// about 100 ms) unless `options` say otherwise; v2 with `ppkVersion == 2`. An empty passphrase
    /// writes an unencrypted file, as puttygen does.
    static func encode(_ key: PrivateKey, options: EncodeOptions) throws -> EncodedKey {
        guard options.ppkVersion == 2 || options.ppkVersion == 3 else {
            throw KeyportError.cannotEncode("PPK version \(options.ppkVersion) cannot be written; choose 2 or 3")
        }
        let passphrase = options.passphrase.flatMap { $0.isEmpty ? nil : $0 }
        var warnings: [String] = []
        if options.ppkArgon2 != nil {
            if options.ppkVersion == 2 {
                warnings.append("Argon2 parameters ignored: PPK version 2 derives its key with SHA-1")
            } else if passphrase == nil {
                warnings.append("Argon2 parameters ignored: the key is written without a passphrase")
            }
        }
        var argon2 = options.ppkArgon2 ?? Argon2Parameters(passes: 0)
        if options.ppkVersion == 3, passphrase != nil, argon2.salt.isEmpty {
            argon2.salt = try secureRandomBytes(16)
        }
        let bytes = try encode(key, comment: options.commentBytes, passphrase: passphrase,
                               version: options.ppkVersion, argon2: argon2)
        return EncodedKey(bytes: bytes, isSecret: true, warnings: warnings)
    }

    // MARK: - Writing

    /// Writes a PPK file with every input given: with the same salt and passes as a puttygen file,
    /// the output is byte-identical to it. `argon2.passes == 0` tunes passes; an empty salt is
    /// refused for v3 with a passphrase (the public `encode` fills in a random one).
    static func encode(_ key: PrivateKey, comment: String, passphrase: SecureBytes?, version: Int,
                       argon2: Argon2Parameters) throws -> [UInt8] {
        try encode(key, comment: Array(comment.utf8), passphrase: passphrase, version: version, argon2: argon2)
    }

    /// The comment is written as the bytes given (puttygen keeps a comment that is not UTF-8, and
    /// the MAC covers those bytes).
    static func encode(_ key: PrivateKey, comment: [UInt8], passphrase: SecureBytes?, version: Int,
                       argon2: Argon2Parameters) throws -> [UInt8] {
        let algorithmName = key.publicKey.sshType
        if comment.contains(where: { $0 == 0x0A || $0 == 0x0D }) {
            throw KeyportError.cannotEncode("a PPK comment is one line; this comment contains a line break")
        }
        let encrypted = passphrase != nil
        let encryption = encrypted ? "aes256-cbc" : "none"
        let publicBlob = key.publicKey.blob

        var plain = try privateBlob(key)
        if encrypted, plain.count % 16 != 0 {
            // Padding as puttygen writes it: the first bytes of SHA-1 of the unpadded blob.
            plain.append(Digest.sha1.hash(secret: plain)[0..<16 - plain.count % 16])
        }

        var argon2 = argon2
        let keys: DerivedKeys
        switch version {
        case 3 where encrypted:
            guard !argon2.salt.isEmpty else { throw KeyportError.cannotEncode("PPK v3: an Argon2 salt is needed") }
            guard argon2.memory >= 8 * argon2.parallelism, argon2.parallelism >= 1 else {
                throw KeyportError.cannotEncode("Argon2 needs memory of at least 8 KiB per lane and parallelism of at least 1")
            }
            keys = try deriveV3(argon2: &argon2, passphrase: passphrase ?? SecureBytes([UInt8]()))
        case 3:
            keys = DerivedKeys(cipherKey: nil, iv: nil, macKey: SecureBytes([UInt8]()))
        case 2:
            keys = deriveV2(passphrase: passphrase ?? SecureBytes([UInt8]()), encrypted: encrypted)
        default:
            throw KeyportError.cannotEncode("PPK version \(version) cannot be written; choose 2 or 3")
        }

        let mac = try computeMAC(version: version, key: keys.macKey, algorithmName: Array(algorithmName.utf8),
                                 encryption: encryption, comment: comment, publicBlob: publicBlob, privatePlain: plain)
        // Unencrypted, the private lines are the blob itself.
        let stored = try keys.cipherKey.map { cipherKey in
            SecureBytes(try SymmetricCipher.aesCBC(keyBits: 256).encrypt(key: cipherKey, iv: keys.iv ?? SecureBytes(), plaintext: plain).ciphertext)
        } ?? plain

        var out = "PuTTY-User-Key-File-\(version): \(algorithmName)\n"
        out += "Encryption: \(encryption)\n"
        out += "Comment: "
        var head = Array(out.utf8) + comment + [0x0A]
        out = "Public-Lines: \(lineCount(publicBlob.count))\n"
        out += Base64.encode(publicBlob, lineLength: 64) + "\n"
        if version == 3, encrypted {
            out += "Key-Derivation: \(argon2.flavor.rawValue)\n"
            out += "Argon2-Memory: \(argon2.memory)\n"
            out += "Argon2-Passes: \(argon2.passes)\n"
            out += "Argon2-Parallelism: \(argon2.parallelism)\n"
            out += "Argon2-Salt: \(Hex.encode(argon2.salt))\n"
        }
        out += "Private-Lines: \(lineCount(stored.count))\n"
        out += stored.withUnsafeBytes { Base64.encode($0, lineLength: 64) } + "\n"
        out += "Private-MAC: \(Hex.encode(mac))\n"
        head += Array(out.utf8)
        return head
    }

    static func lineCount(_ byteCount: Int) -> Int { (byteCount + 47) / 48 }

    /// The type-specific private fields, unpadded.
    static func privateBlob(_ key: PrivateKey) throws -> SecureBytes {
        var blob = SecureBytes(capacity: 1024)
        switch key.secret {
        case let .rsa(d, p, q, iqmp):
            for part in [d, p, q, iqmp] { part.withUnsafeBytes { appendMPInt(&blob, $0) } }
        case let .dsa(x):
            x.withUnsafeBytes { appendMPInt(&blob, $0) }
        case let .ecdsa(d):
            d.withUnsafeBytes { appendMPInt(&blob, $0) }
        case let .eddsa(seed):
            let expected = key.publicKey.algorithm.eddsaKeyBytes ?? 0
            guard seed.count == expected else {
                throw KeyportError.cannotEncode("\(key.publicKey.algorithm.sshName) seed must be \(expected) bytes, not \(seed.count)")
            }
            seed.withUnsafeBytes { appendString(&blob, $0) }
        case .securityKey:
            throw KeyportError.cannotEncode("PuTTY cannot hold security-key (FIDO) keys", remedy: .writeOpenSSH)
        }
        return blob
    }

    // Writers into SecureBytes: the private blob and the MAC input live only in wiped storage.
    private static func appendLength(_ blob: inout SecureBytes, _ n: Int) {
        let v = UInt32(truncatingIfNeeded: n)
        blob.append(contentsOf: [UInt8(truncatingIfNeeded: v >> 24), UInt8(truncatingIfNeeded: v >> 16), UInt8(truncatingIfNeeded: v >> 8), UInt8(truncatingIfNeeded: v)])
    }

    private static func appendString(_ blob: inout SecureBytes, _ raw: UnsafeRawBufferPointer) {
        appendLength(&blob, raw.count)
        blob.append(contentsOf: raw)
    }

    private static func appendMPInt(_ blob: inout SecureBytes, _ magnitude: UnsafeRawBufferPointer) {
        let trimmed = magnitude.drop(while: { $0 == 0 })
        let needsZero = (trimmed.first ?? 0) & 0x80 != 0
        appendLength(&blob, trimmed.count + (needsZero ? 1 : 0))
        if needsZero { blob.append(0) }
        blob.append(contentsOf: trimmed)
    }

    // MARK: - Keys and MAC

    struct DerivedKeys {
        var cipherKey: SecureBytes?
        var iv: SecureBytes?
        var macKey: SecureBytes
    }

    /// v3 with a passphrase: Argon2 → key ‖ IV ‖ MAC key. `argon2.passes == 0` tunes them and
    /// writes the choice back.
    static func deriveV3(argon2: inout Argon2Parameters, passphrase: SecureBytes) throws -> DerivedKeys {
        let output: SecureBytes
        if argon2.passes == 0 {
            let tuned = try Argon2.derivingWithTunedPasses(flavor: argon2.flavor, passphrase: passphrase, salt: argon2.salt,
                                                           memory: argon2.memory, parallelism: argon2.parallelism,
                                                           length: argon2TagLength)
            argon2.passes = tuned.passes
            output = tuned.output
        } else {
            output = try Argon2.derive(flavor: argon2.flavor, passphrase: passphrase, salt: argon2.salt, memory: argon2.memory,
                                       passes: argon2.passes, parallelism: argon2.parallelism, length: argon2TagLength)
        }
        return output.withUnsafeBytes { o in
            DerivedKeys(cipherKey: SecureBytes(o[0..<32]), iv: SecureBytes(o[32..<48]), macKey: SecureBytes(o[48..<80]))
        }
    }

    /// v2: SHA-1 based, no salt.
    static func deriveV2(passphrase: SecureBytes, encrypted: Bool) -> DerivedKeys {
        func sha1(_ prefix: [UInt8]) -> SecureBytes {
            var input = SecureBytes(prefix)
            input.append(passphrase)
            return Digest.sha1.hash(secret: input)
        }
        let macKey = sha1(macKeyLabel)
        guard encrypted else { return DerivedKeys(cipherKey: nil, iv: nil, macKey: macKey) }
        var material = sha1([0, 0, 0, 0])
        material.append(sha1([0, 0, 0, 1]))
        return DerivedKeys(cipherKey: material[0..<32], iv: SecureBytes([UInt8](repeating: 0, count: 16)), macKey: macKey)
    }

    static func computeMAC(version: Int, key: SecureBytes, algorithmName: [UInt8], encryption: String,
                           comment: [UInt8], publicBlob: [UInt8], privatePlain: SecureBytes) throws -> [UInt8] {
        var data = SecureBytes(capacity: publicBlob.count + privatePlain.count + comment.count + 64)
        for field in [algorithmName, Array(encryption.utf8), comment, publicBlob] {
            field.withUnsafeBytes { appendString(&data, $0) }
        }
        privatePlain.withUnsafeBytes { appendString(&data, $0) }
        return try (version == 2 ? Digest.sha1 : Digest.sha256).hmac(key: key, data: data)
    }

    // MARK: - Reading

    /// Everything a PPK file says, before any secret is touched.
    struct ParsedFile {
        var version: Int
        var algorithmName: [UInt8]
        var encryption: String
        var commentBytes: [UInt8]
        var publicBlob: [UInt8]
        var publicKey: PublicKey
        var argon2: Argon2Parameters?
        /// As stored: ciphertext when encrypted.
        var privateStored: [UInt8]
        var mac: [UInt8]
        var observations: [Observation]

        var isEncrypted: Bool { encryption != "none" }
        var comment: String { String(decoding: commentBytes, as: UTF8.self) }

        var protection: Protection {
            guard isEncrypted else { return .none }
            // Only aes256-cbc passes `parse`.
            let cipher = Cipher.aes(keyBits: 256, mode: .cbc)
            guard let a = argon2 else { return Protection(cipher: cipher, kdf: .ppkV2SHA1) }
            return Protection(cipher: cipher, kdf: .argon2(a))
        }

        var details: [(String, String)] {
            var d: [(String, String)] = [("ppk version", String(version)), ("encryption", encryption)]
            if let a = argon2 {
                d += [("kdf", a.flavor.rawValue), ("argon2 memory", "\(a.memory) KiB"), ("argon2 passes", String(a.passes)),
                      ("argon2 parallelism", String(a.parallelism)), ("argon2 salt", Hex.encode(a.salt))]
            } else if isEncrypted {
                d.append(("kdf", "SHA-1 (PPK v2, no salt)"))
            }
            d.append(("mac", version == 2 ? "HMAC-SHA-1" : "HMAC-SHA-256"))
            return d
        }
    }

    /// Parses the text layout. Header order and names are fixed (PuTTY compares them exactly).
    static func parse(_ bytes: [UInt8]) throws -> ParsedFile {
        var lines = HeaderReader(bytes)
        var observations: [Observation] = []
        if bytes.contains(0x0D) {
            observations.append(Observation(.ppkCRLF, "the file has CR or CRLF line ends; puttygen writes LF"))
        }

        // Detection skips leading blanks, so do the same here (PuTTY would not) and tell lint.
        if lines.skipLeadingBlanks() {
            observations.append(Observation(.ppkLeadingWhitespace, "blank space before the first header, which PuTTY refuses"))
        }

        // The first header's name carries the version.
        let (firstName, algorithmName) = try lines.header()
        let prefix = "PuTTY-User-Key-File-"
        guard firstName.hasPrefix(prefix) else {
            throw KeyportError.malformed(format: format, field: "first line", reason: "expected \"PuTTY-User-Key-File-N: type\"")
        }
        let versionText = String(firstName.dropFirst(prefix.count))
        switch versionText {
        case "2", "3": break
        case "1":
            throw KeyportError.unsupported("PPK version 1: obsolete, not supported for conversion (load it in puttygen and save it again to upgrade it)", reason: .ppkVersion1)
        default:
            if let v = Int(versionText), v > 3 {
                throw KeyportError.unsupported("PPK version \(v) is newer than keyport knows (it reads versions 2 and 3)", reason: .ppkVersionNewer)
            }
            throw KeyportError.malformed(format: format, field: "first line", reason: "\"\(PublicKey.printable(versionText))\" is not a PPK version")
        }
        let version = versionText == "2" ? 2 : 3
        let typeName = String(decoding: algorithmName, as: UTF8.self)
        guard let (algorithm, _) = KeyAlgorithm.named(typeName) else {
            throw KeyportError.unsupported("PPK: unknown key type \"\(PublicKey.printable(typeName))\"", reason: .keyType)
        }
        if algorithm.isSecurityKey {
            throw KeyportError.unsupported("PPK: key type \(typeName) does not exist in PuTTY", reason: .keyType)
        }

        let encryption = String(decoding: try lines.expect("Encryption"), as: UTF8.self)
        guard encryption == "none" || encryption == "aes256-cbc" else {
            throw KeyportError.unsupported("PPK: encryption \"\(PublicKey.printable(encryption))\" is not supported (none, aes256-cbc)", reason: .cipher)
        }
        let comment = try lines.expect("Comment")
        if String(validating: comment, as: UTF8.self) == nil {
            observations.append(Observation(.ppkCommentEncoding, "the comment is not UTF-8; it is kept as bytes and shown escaped"))
        }
        let publicLines = try lines.count("Public-Lines")
        let publicBlob = try lines.blob(publicLines, counter: "Public-Lines", observations: &observations)
        let publicKey: PublicKey
        do {
            publicKey = try PublicKey(blob: publicBlob)
        } catch let error as KeyportError {
            if lines.nextLineIsBase64 {
                throw KeyportError.malformed(format: format, field: "Public-Lines",
                                             reason: "more base64 lines follow than the count of \(publicLines) says (the blob ends early: \(error.description))")
            }
            throw KeyportError.malformed(format: format, field: "public blob", reason: error.description)
        }
        guard publicKey.sshType == typeName else {
            throw KeyportError.malformed(format: format, field: "public blob", reason: "the blob holds \(publicKey.sshType) but the header says \(typeName)")
        }

        var argon2: Argon2Parameters?
        if version == 3, encryption != "none" {
            let kdf = String(decoding: try lines.expect("Key-Derivation", after: "Public-Lines"), as: UTF8.self)
            guard let flavor = Argon2Parameters.Flavor(rawValue: kdf) else {
                throw KeyportError.unsupported("PPK: key derivation \"\(PublicKey.printable(kdf))\" is not supported (Argon2id, Argon2i, Argon2d)", reason: .kdf)
            }
            let memory = try lines.uint32("Argon2-Memory")
            let passes = try lines.uint32("Argon2-Passes")
            let parallelism = try lines.uint32("Argon2-Parallelism")
            let saltText = String(decoding: try lines.expect("Argon2-Salt"), as: UTF8.self)
            guard let salt = Hex.decode(saltText) else {
                throw KeyportError.malformed(format: format, field: "Argon2-Salt", reason: "not hexadecimal")
            }
            argon2 = Argon2Parameters(flavor: flavor, memory: memory, passes: passes, parallelism: parallelism, salt: salt)
        }

        let privateLines = try lines.count("Private-Lines", after: argon2 == nil ? "Public-Lines" : nil)
        let privateStored = try lines.blob(privateLines, counter: "Private-Lines", observations: &observations)
        let macText = String(decoding: try lines.expect("Private-MAC", after: "Private-Lines"), as: UTF8.self)
        let macDigits = version == 2 ? 40 : 64
        guard macText.utf8.count == macDigits, let mac = Hex.decode(macText) else {
            throw KeyportError.malformed(format: format, field: "Private-MAC", reason: "expected \(macDigits) hex digits for PPK version \(version)")
        }
        if macText != macText.lowercased() {
            observations.append(Observation(.ppkMACUppercase, "Private-MAC is in upper-case hex, which PuTTY refuses"))
        }
        if !lines.restIsBlank {
            observations.append(Observation(.ppkTrailingData, "data follows the Private-MAC line"))
        }
        if encryption != "none", privateStored.count % 16 != 0 {
            throw KeyportError.malformed(format: format, field: "Private-Lines", reason: "\(privateStored.count) bytes of ciphertext is not a whole number of 16-byte AES blocks")
        }
        return ParsedFile(version: version, algorithmName: algorithmName, encryption: encryption, commentBytes: comment,
                          publicBlob: publicBlob, publicKey: publicKey, argon2: argon2, privateStored: privateStored,
                          mac: mac, observations: observations)
    }

    /// Derives the keys, decrypts, checks the MAC, then reads and validates the private blob.
    static func open(_ file: ParsedFile, passphrase: SecureBytes) throws -> PrivateKey {
        let keys: DerivedKeys
        if file.version == 2 {
            keys = deriveV2(passphrase: passphrase, encrypted: file.isEncrypted)
        } else if var argon2 = file.argon2 {
            guard argon2.passes >= 1 else { throw KeyportError.malformed(format: format, field: "Argon2-Passes", reason: "must be at least 1") }
            keys = try deriveV3(argon2: &argon2, passphrase: passphrase)
        } else {
            keys = DerivedKeys(cipherKey: nil, iv: nil, macKey: SecureBytes([UInt8]()))
        }

        let plain = try keys.cipherKey.map { cipherKey in
            try SymmetricCipher.aesCBC(keyBits: 256).decrypt(key: cipherKey, iv: keys.iv ?? SecureBytes(), ciphertext: file.privateStored)
        } ?? SecureBytes(file.privateStored)
        let expected = try computeMAC(version: file.version, key: keys.macKey, algorithmName: file.algorithmName, encryption: file.encryption,
                                      comment: file.commentBytes, publicBlob: file.publicBlob, privatePlain: plain)
        guard constantTimeEqual(expected, file.mac) else {
            guard file.isEncrypted else {
                throw KeyportError.integrityCheckFailed("PPK MAC check failed: the file is damaged")
            }
            // With a passphrase both a wrong passphrase and damage fail the MAC. If the decrypted blob
            // is nonetheless the private half of the public key, the passphrase was right and something
            // else was changed. The key is only used for this diagnosis, never returned.
            if let key = try? privateKey(file, plain), (try? key.validate()) != nil {
                throw KeyportError.integrityCheckFailed("PPK MAC check failed although the passphrase decrypts the key: the file is damaged (its header, comment, public lines or MAC were changed)")
            }
            throw KeyportError.wrongPassphrase
        }
        let key = try privateKey(file, plain)
        try key.validate()
        return key
    }

    /// Reads the type-specific private fields; padding (at most 15 bytes) may follow.
    static func privateKey(_ file: ParsedFile, _ plain: SecureBytes) throws -> PrivateKey {
        // SSHReader reads arrays: this one copy lives only while the fields are read into SecureBytes.
        var copy = plain.bytes
        defer { wipe(&copy) }
        var r = SSHReader(copy, context: "PPK private blob")
        let secret: SecretParts
        switch file.publicKey.algorithm {
        case .rsa:
            secret = .rsa(d: try r.readSecretMPInt("RSA d"), p: try r.readSecretMPInt("RSA p"),
                          q: try r.readSecretMPInt("RSA q"), iqmp: try r.readSecretMPInt("RSA iqmp"))
        case .dsa:
            secret = .dsa(x: try r.readSecretMPInt("DSA x"))
        case .ecdsaP256, .ecdsaP384, .ecdsaP521:
            secret = .ecdsa(d: try r.readSecretMPInt("EC private scalar"))
        case .ed25519, .ed448:
            let expected = file.publicKey.algorithm.eddsaKeyBytes ?? 0
            let seed = try r.readSecretString("EdDSA seed")
            guard seed.count == expected else {
                throw KeyportError.malformed(format: format, field: "private blob", reason: "\(file.publicKey.algorithm.sshName) seed is \(seed.count) bytes, expected \(expected)")
            }
            secret = .eddsa(seed: seed)
        case .skECDSAP256, .skEd25519:
            throw KeyportError.unsupported("PPK: security-key types are not PPK key types", reason: .keyType)
        }
        guard r.remaining < 16 else {
            throw KeyportError.malformed(format: format, field: "private blob", reason: "\(r.remaining) unexpected bytes after the key fields")
        }
        return PrivateKey(publicKey: file.publicKey, secret: secret)
    }
}
