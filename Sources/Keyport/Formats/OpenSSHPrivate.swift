// OpenSSH private keys, "openssh-key-v1" (OpenSSH PROTOCOL.key; sshkey.c sshkey_private_to_blob2,
// private2_uudecode, private2_decrypt, private2_check_padding; FORMATS.md §3).
//
// Armour: "-----BEGIN OPENSSH PRIVATE KEY-----", base64 wrapped at 70 columns, "-----END OPENSSH PRIVATE KEY-----".
//
//   byte[15] "openssh-key-v1\0"
//   string   ciphername          none | aes{128,192,256}-{ctr,cbc} | aes{128,256}-gcm@openssh.com |
//                                chacha20-poly1305@openssh.com | 3des-cbc
//   string   kdfname             none | bcrypt
//   string   kdfoptions          empty, or string salt + uint32 rounds
//   uint32   N                   number of keys (OpenSSH writes and accepts only 1)
//   string   public key blob     × N
//   string   private section     (encrypted unless ciphername is none; a whole number of cipher blocks)
//   byte[16] tag                 AEAD ciphers only, outside the string
//
// Private section, in clear:
//   uint32 checkint, uint32 checkint (equal; they differ when the passphrase is wrong)
//   × N: private key (string keytype + the type's fields, not wrapped in a string), string comment
//   byte 1, 2, 3, … up to a multiple of the cipher block size (8 for none)
//
// Private key fields by type:
//   ssh-rsa            mpint n, e, d, iqmp, p, q
//   ssh-dss            mpint p, q, g, y, x
//   ecdsa-sha2-*       string curve, string Q, mpint d
//   ssh-ed25519        string pk(32), string sk(64) = seed ‖ pk
//   ssh-ed448          string pk(57), string sk(114) = seed ‖ pk   (PuTTY's extension; OpenSSH has no Ed448)
//   sk-ecdsa-*         string curve, string Q, string application, byte flags, string key handle, string reserved
//   sk-ssh-ed25519     string pk, string application, byte flags, string key handle, string reserved
//   *-cert-v01         string certtype, string certificate blob, then the private-only fields:
//                      RSA d, iqmp, p, q; DSA x; ECDSA d; Ed25519 pk, sk; sk-ECDSA application, flags,
//                      key handle, reserved; sk-Ed25519 pk, application, flags, key handle, reserved
//
// bcrypt_pbkdf(passphrase, salt, rounds) gives key ‖ IV for the cipher (see BcryptPBKDF).

enum OpenSSHPrivateFormat {
    static let formatName = "openssh-key-v1"
    /// The label of its armour.
    static let label = "OPENSSH PRIVATE KEY"
    static let beginMarker = "-----BEGIN OPENSSH PRIVATE KEY-----"
    static let endMarker = "-----END OPENSSH PRIVATE KEY-----"
    static let magic: [UInt8] = Array("openssh-key-v1".utf8) + [0]
    /// ssh-keygen's line width for the base64 body.
    static let lineWidth = 70
    /// What keyport writes when encrypting (ssh-keygen's defaults).
    static let defaultCipher = "aes256-ctr"
    static let saltLength = 16

    // MARK: - Ciphers


    // MARK: - Container

    /// The outer structure, everything readable without a passphrase.
    struct Container {
        var cipher: Cipher
        var kdfName: String
        var salt: [UInt8]
        var rounds: Int
        var publicKeys: [PublicKey]
        var privateSection: [UInt8]
        var tag: [UInt8]
        var observations: [Observation]

        var isEncrypted: Bool { cipher != .none }

        var protection: Protection {
            guard isEncrypted else { return .none }
            return Protection(cipher: cipher, kdf: .bcrypt(rounds: rounds, salt: salt))
        }
    }

    /// Removes the armour. Tolerates CRLF, leading and trailing whitespace on lines, and a missing
    /// final newline; records each as an observation for lint.
    static func dearmor(_ bytes: [UInt8]) throws -> (body: [UInt8], observations: [Observation]) {
        // OpenSSH (sshkey.c private2_uudecode) matches "-----BEGIN/END OPENSSH PRIVATE KEY-----\n"
        // byte for byte: a CR before that LF, text after END on its line, or no LF after END and
        // ssh-keygen refuses the file ("invalid format"); text on later lines it ignores.
        var observations: [Observation] = []
        let lf = UInt8(ascii: "\n"), cr = UInt8(ascii: "\r")
        if let crIndex = bytes.firstIndex(of: cr) {
            let crlf = bytes.index(after: crIndex) < bytes.endIndex && bytes[bytes.index(after: crIndex)] == lf
            observations.append(crlf ? Observation(.crlf, "lines end in CRLF; ssh-keygen refuses the file (invalid format)")
                                     : Observation(.crlf, "the file holds a stray carriage return"))
        }
        if let last = bytes.last, last != lf {
            observations.append(Observation(.noFinalNewline, "the file does not end with a newline; ssh-keygen refuses it (invalid format)"))
        }
        // Blanks around the lines are paste damage ssh-keygen refuses ("invalid format"); read past
        // them and say so (Pasted.swift).
        var blanks = (leading: false, trailing: false)
        for line in LineReader(bytes, breaks: .lf) {
            var text = line.text
            while let c = text.last, c == cr || c == UInt8(ascii: " ") || c == UInt8(ascii: "\t") {
                if c != cr { blanks.trailing = true }
                text = text.dropLast()
            }
            if let c = text.first, c == UInt8(ascii: " ") || c == UInt8(ascii: "\t") { blanks.leading = true }
        }
        if blanks.leading { observations += PasteRepair.observation(["indentation (as in YAML or Markdown); ssh-keygen refuses the file"]) }
        if blanks.trailing { observations += PasteRepair.observation(["trailing spaces or tabs; ssh-keygen refuses the file"]) }
        var reader = ArmourReader(bytes, dialect: .openssh)
        guard let begin = reader.nextBegin(label: label) else {
            throw KeyportError.malformed(format: formatName, field: "armour", reason: "no \(beginMarker) line")
        }
        guard let block = try? reader.readBlock(begin) else {
            throw KeyportError.truncated(format: formatName, field: "armour (no \(endMarker) line)")
        }
        if reader.markerText(block.end) != endMarker {
            observations.append(Observation(.trailingData, "text follows the END marker on its line; ssh-keygen refuses the file (invalid format)"))
        }
        if reader.lines.contains(where: { !$0.isBlank }) {
            observations.append(Observation(.trailingData, "text follows the END line"))
        }
        // Widths as written, blanks behind a line aside.
        let widths = block.body.map { line in line.text.reversed().drop(while: { $0 == cr || $0 == 0x20 || $0 == 0x09 }).count }
        if widths.dropLast().contains(where: { $0 != lineWidth }) || (widths.last ?? 0) > lineWidth {
            observations.append(Observation(.lineWidth, "base64 lines are not \(lineWidth) characters as ssh-keygen writes them"))
        }
        // For an unencrypted file the body is the private section in clear: decoded into a wiped
        // buffer, and the caller wipes the array it gets.
        guard let body = block.decodedBody() else {
            throw KeyportError.malformed(format: formatName, field: "armour", reason: "the body is not valid base64")
        }
        return (body.bytes, observations)
    }

    /// Parses the binary container.
    static func parseContainer(_ bytes: [UInt8]) throws -> Container {
        var (body, observations) = try dearmor(bytes)
        // For an unencrypted file the body holds the private section in clear; the container keeps
        // its own copy, which `decode` wipes.
        defer { wipe(&body) }
        var r = SSHReader(body, context: formatName)
        guard try r.readRaw(magic.count, "magic") == magic else {
            throw KeyportError.malformed(format: formatName, field: "magic", reason: "the body does not start with \"openssh-key-v1\"")
        }
        let cipherName = try r.readText("cipher name")
        let kdfName = try r.readText("kdf name")
        let kdfOptions = try r.readString("kdf options")
        guard let cipher = Cipher(sshName: cipherName) else {
            throw KeyportError.unsupported("\(formatName): unknown cipher \"\(PublicKey.printable(cipherName))\"", reason: .cipher)
        }
        var salt: [UInt8] = []
        var rounds = 0
        switch kdfName {
        case "none":
            guard cipher == .none else {
                throw KeyportError.malformed(format: formatName, field: "kdf name", reason: "cipher \(cipherName) needs a KDF, but the KDF is none")
            }
            guard kdfOptions.isEmpty else {
                throw KeyportError.malformed(format: formatName, field: "kdf options", reason: "options given for KDF none")
            }
        case "bcrypt":
            guard cipher != .none else {
                throw KeyportError.malformed(format: formatName, field: "kdf name", reason: "KDF bcrypt with cipher none")
            }
            var o = SSHReader(kdfOptions, context: "\(formatName) bcrypt options")
            salt = try o.readString("salt")
            let r32 = try o.readUInt32("rounds")
            try o.expectEnd("end of bcrypt options")
            guard !salt.isEmpty, salt.count <= 1 << 20 else {
                throw KeyportError.malformed(format: formatName, field: "bcrypt salt", reason: "salt of \(salt.count) bytes")
            }
            // Any count from 1 is a valid file (OpenSSH accepts them all); counts above
            // KDFLimits.bcryptRounds are refused when unlocking, with a message naming the bound.
            guard r32 >= 1 else {
                throw KeyportError.malformed(format: formatName, field: "bcrypt rounds", reason: "0 rounds")
            }
            rounds = Int(r32)
        default:
            throw KeyportError.unsupported("\(formatName): unknown KDF \"\(PublicKey.printable(kdfName))\"", reason: .kdf)
        }
        let count = try r.readUInt32("number of keys")
        guard count >= 1 else {
            throw KeyportError.malformed(format: formatName, field: "number of keys", reason: "the file holds no key")
        }
        if count > 1 {
            observations.append(Observation(.severalKeys, "the file holds \(count) keys; OpenSSH reads only files with one"))
        }
        var publicKeys: [PublicKey] = []
        for index in 0..<Int(count) {
            // Each key needs at least its 4-byte length, so a huge count fails here, not in memory.
            let blob = try r.readString("public key \(index + 1)")
            publicKeys.append(try PublicKey(blob: blob))
        }
        let section = try r.readString("private section")
        let tag = try r.readRaw(cipher.tagSize, "authentication tag")
        try r.expectEnd("end of file")
        guard section.count >= 8, section.count % cipher.blockSize == 0 else {
            throw KeyportError.malformed(format: formatName, field: "private section",
                                         reason: "length \(section.count) is not a whole number of \(cipher.blockSize)-byte blocks")
        }
        return Container(cipher: cipher, kdfName: kdfName, salt: salt, rounds: rounds, publicKeys: publicKeys,
                         privateSection: section, tag: tag, observations: observations)
    }

    // MARK: - Decode and unlock

    static func decode(_ bytes: [UInt8]) throws -> [KeyDocument] {
        var container = try parseContainer(bytes)
        // In clear only when unencrypted; an encrypted section is kept for unlocking.
        defer { if !container.isEncrypted { wipe(&container.privateSection) } }
        let total = container.publicKeys.count
        func details(_ index: Int) -> [(String, String)] {
            var d: [(String, String)] = [("cipher", container.cipher.sshName), ("kdf", container.kdfName)]
            if container.isEncrypted {
                d.append(("rounds", String(container.rounds)))
                d.append(("salt", "\(container.salt.count) bytes"))
            }
            d.append(("encrypted", container.isEncrypted ? "yes" : "no"))
            if total > 1 { d.append(("key", "\(index + 1) of \(total)")) }
            return d
        }
        if container.isEncrypted {
            return container.publicKeys.enumerated().map { index, key in
                var document = KeyDocument(format: .opensshPrivate, content: .locked(publicKey: key), comment: "", protection: container.protection,
                                           details: details(index), observations: container.observations, sealed: Sealed(container: container))
                document.commentSource = .unknown // in the encrypted section: unknown until unlocked, not empty
                return document
            }
        }
        let opened = try openSection(container, plaintext: container.privateSection, encrypted: false)
        return opened.keys.enumerated().map { index, entry in
            var document = KeyDocument(format: .opensshPrivate, content: .privateKey(entry.key), protection: .none,
                                       details: details(index), observations: container.observations)
            document.commentBytes = entry.comment
            return document
        }
    }

    /// A locked openssh-key-v1 key keeps the parsed container: unlocking runs bcrypt and decrypts.
    struct Sealed: SealedKey {
        var container: Container

        func unlock(_ document: KeyDocument, passphrase: SecureBytes) throws -> KeyDocument {
            let opened = try open(container, passphrase: passphrase)
            let wanted = document.publicKey?.blob
            guard let entry = opened.keys.first(where: { wanted == nil || $0.key.publicKey.blob == wanted }) else {
                throw KeyportError.keyMismatch("the unlocked file does not hold the key that was listed")
            }
            var unlocked = document
            unlocked.content = .privateKey(entry.key)
            unlocked.commentBytes = entry.comment
            unlocked.commentSource = .file
            unlocked.sealed = nil
            return unlocked
        }
    }

    /// Everything in a file once opened: its keys with comments, the check integer and the container.
    struct Opened {
        var keys: [(key: PrivateKey, comment: [UInt8])]
        var checkInt: UInt32
        var container: Container
    }

    /// Opens a whole file with a passphrase (ignored for unencrypted files).
    static func open(_ bytes: [UInt8], passphrase: SecureBytes?) throws -> Opened {
        try open(try parseContainer(bytes), passphrase: passphrase)
    }

    /// Opens a parsed container with a passphrase (ignored for unencrypted files).
    static func open(_ container: Container, passphrase: SecureBytes?) throws -> Opened {
        var container = container
        guard container.isEncrypted else {
            defer { wipe(&container.privateSection) }
            return try openSection(container, plaintext: container.privateSection, encrypted: false)
        }
        guard let passphrase, !passphrase.isEmpty else {
            throw passphrase == nil ? KeyportError.passphraseRequired("the key is encrypted; a passphrase is needed") : KeyportError.wrongPassphrase
        }
        // SSHReader reads arrays: this one copy lives only while the fields are read into SecureBytes.
        var plaintext = try decrypt(container, passphrase: passphrase).bytes
        defer { wipe(&plaintext) }
        return try openSection(container, plaintext: plaintext, encrypted: true)
    }

    private static func decrypt(_ container: Container, passphrase: SecureBytes) throws -> SecureBytes {
        let spec = container.cipher
        let derived = try BcryptPBKDF.derive(passphrase: passphrase, salt: container.salt, rounds: container.rounds,
                                             keyLength: spec.keySize + spec.ivSize)
        let key = derived[0..<spec.keySize], iv = derived[spec.keySize..<derived.count]
        do {
            if spec == .chacha20Poly1305 {
                return try OpenSSHChaChaPoly.open(key: key, ciphertext: container.privateSection, tag: container.tag)
            }
            guard let symmetric = spec.symmetric else { throw KeyportError.crypto("no cipher for \(spec.sshName)") }
            return try symmetric.decrypt(key: key, iv: iv, ciphertext: container.privateSection, tag: container.tag)
        } catch KeyportError.wrongPassphrase where spec.tagSize > 0 {
            // An AEAD tag fails both for a wrong passphrase and for a damaged file. Decrypting without
            // the tag tells them apart: with the right key the two check integers agree (a wrong key
            // makes them agree by chance once in 2^32). The plaintext is only looked at.
            let start = Array(container.privateSection.prefix(16))
            let plain: SecureBytes
            if spec == .chacha20Poly1305 {
                plain = try OpenSSHChaChaPoly.decryptUnauthenticated(key: key, ciphertext: start)
            } else {
                // GCM with a 96-bit IV is AES-CTR from counter block IV ‖ 00000002 (SP 800-38D §7.1).
                var counter = iv
                counter.append(contentsOf: [0, 0, 0, 2])
                plain = try SymmetricCipher.aesCTR(keyBits: spec.keySize * 8).decrypt(key: key, iv: counter, ciphertext: start)
            }
            if plain.withUnsafeBytes({ $0.count >= 8 && $0[0..<4].elementsEqual($0[4..<8]) }) {
                throw KeyportError.integrityCheckFailed("\(formatName): the authentication tag does not match although the passphrase is right (the check integers agree): the file is damaged")
            }
            throw KeyportError.wrongPassphrase
        }
    }

    /// Reads the clear private section: check integers, keys, comments, padding.
    static func openSection(_ container: Container, plaintext: [UInt8], encrypted: Bool) throws -> Opened {
        var r = SSHReader(plaintext, context: "\(formatName) private section")
        let check1 = try r.readUInt32("check integer")
        let check2 = try r.readUInt32("check integer")
        guard check1 == check2 else {
            if encrypted { throw KeyportError.wrongPassphrase }
            throw KeyportError.integrityCheckFailed("\(formatName): the check integers differ, the private section is damaged")
        }
        var keys: [(key: PrivateKey, comment: [UInt8])] = []
        for (index, expected) in container.publicKeys.enumerated() {
            let key = try readPrivateKey(&r, index: index + 1)
            let comment = try r.readString("comment")
            guard key.publicKey.blob == expected.blob else {
                throw KeyportError.keyMismatch("private key \(index + 1) does not belong to the public key in the file header")
            }
            try key.validate()
            keys.append((key, comment))
        }
        var expectedPad: UInt8 = 1
        while !r.isAtEnd {
            let pad = try r.readByte("padding")
            guard pad == expectedPad else {
                throw KeyportError.integrityCheckFailed("\(formatName): bad padding after the last key (byte \(expectedPad) is \(pad)): the private section is damaged")
            }
            expectedPad &+= 1
        }
        return Opened(keys: keys, checkInt: check1, container: container)
    }

    // MARK: - Private key fields

    /// The security-key private fields. Certificates repeat the application here (checked against the
    /// certificate's); plain keys have already read it with their public fields.
    private static func readSecurityKeyTail(_ r: inout SSHReader, certificateApplication expected: String?) throws -> SecretParts {
        if let expected {
            guard try r.readText("application") == expected else {
                throw KeyportError.keyMismatch("the security key application differs from the certificate's")
            }
        }
        let flags = try r.readByte("security key flags")
        let handle = try r.readSecretString("security key handle")
        let reserved = try r.readString("reserved")
        return .securityKey(flags: flags, keyHandle: handle, reserved: reserved)
    }

    /// Ed25519/Ed448 private fields: string pk, string sk where sk = seed ‖ pk.
    private static func readEdDSA(_ r: inout SSHReader, algorithm: KeyAlgorithm) throws -> (pk: [UInt8], seed: SecureBytes) {
        let size = algorithm.eddsaKeyBytes ?? 0
        let pk = try r.readString("public key")
        guard pk.count == size else {
            throw KeyportError.malformed(format: r.context, field: "public key", reason: "\(pk.count) bytes, expected \(size)")
        }
        let sk = try r.readSecretString("private key")
        guard sk.count == 2 * size else {
            throw KeyportError.malformed(format: r.context, field: "private key", reason: "\(sk.count) bytes, expected \(2 * size)")
        }
        guard sk.withUnsafeBytes({ $0[size...].elementsEqual(pk) }) else {
            throw KeyportError.keyMismatch("the public key stored inside the \(algorithm.sshName) private key differs")
        }
        return (pk, sk.withUnsafeBytes { SecureBytes($0[0..<size]) })
    }

    static func readPrivateKey(_ r: inout SSHReader, index: Int) throws -> PrivateKey {
        let typeName = try r.readText("key type of key \(index)")
        guard let (algorithm, isCertificate) = KeyAlgorithm.named(typeName) else {
            throw KeyportError.unsupported("\(formatName): unknown key type \"\(PublicKey.printable(typeName))\"", reason: .keyType)
        }
        if isCertificate {
            let blob = try r.readString("certificate")
            let certified = try PublicKey(blob: blob)
            guard certified.algorithm == algorithm, certified.certificate != nil else {
                throw KeyportError.malformed(format: r.context, field: "certificate", reason: "the certificate is not a \(typeName)")
            }
            let secretParts: SecretParts
            switch (algorithm, certified.parts) {
            case (.rsa, .rsa):
                let d = (try r.readSecretMPInt("RSA d")), iqmp = (try r.readSecretMPInt("RSA iqmp"))
                let p = (try r.readSecretMPInt("RSA p")), q = (try r.readSecretMPInt("RSA q"))
                secretParts = .rsa(d: d, p: p, q: q, iqmp: iqmp)
            case (.dsa, .dsa):
                secretParts = .dsa(x: (try r.readSecretMPInt("DSA x")))
            case (_, .ecdsa):
                secretParts = .ecdsa(d: (try r.readSecretMPInt("EC private scalar")))
            case (_, let .eddsa(certPK)):
                let (pk, seed) = try readEdDSA(&r, algorithm: algorithm)
                guard pk == certPK else { throw KeyportError.keyMismatch("the private key is not the certified key") }
                secretParts = .eddsa(seed: seed)
            case (_, let .securityKeyECDSA(_, application)):
                secretParts = try readSecurityKeyTail(&r, certificateApplication: application)
            case (_, let .securityKeyEd25519(certPK, application)):
                let pk = try r.readString("public key")
                guard pk == certPK else { throw KeyportError.keyMismatch("the private key is not the certified key") }
                secretParts = try readSecurityKeyTail(&r, certificateApplication: application)
            default:
                throw KeyportError.malformed(format: r.context, field: "certificate", reason: "unexpected key fields")
            }
            return PrivateKey(publicKey: certified, secret: secretParts)
        }
        switch algorithm {
        case .rsa:
            let n = try r.readMPInt("RSA n"), e = try r.readMPInt("RSA e")
            try PublicParts.rsa(e: e, n: n).checkNotDegenerate(context: r.context)
            let d = (try r.readSecretMPInt("RSA d")), iqmp = (try r.readSecretMPInt("RSA iqmp"))
            let p = (try r.readSecretMPInt("RSA p")), q = (try r.readSecretMPInt("RSA q"))
            return PrivateKey(publicKey: PublicKey(algorithm: .rsa, parts: .rsa(e: e, n: n)), secret: .rsa(d: d, p: p, q: q, iqmp: iqmp))
        case .dsa:
            let parts = try PublicKey.readKeyFields(.dsa, from: &r)
            return PrivateKey(publicKey: PublicKey(algorithm: .dsa, parts: parts), secret: .dsa(x: (try r.readSecretMPInt("DSA x"))))
        case .ecdsaP256, .ecdsaP384, .ecdsaP521:
            let parts = try PublicKey.readKeyFields(algorithm, from: &r)
            return PrivateKey(publicKey: PublicKey(algorithm: algorithm, parts: parts), secret: .ecdsa(d: (try r.readSecretMPInt("EC private scalar"))))
        case .ed25519, .ed448:
            let (pk, seed) = try readEdDSA(&r, algorithm: algorithm)
            return PrivateKey(publicKey: PublicKey(algorithm: algorithm, parts: .eddsa(publicKey: pk)), secret: .eddsa(seed: seed))
        case .skECDSAP256, .skEd25519:
            let parts = try PublicKey.readKeyFields(algorithm, from: &r)
            let secretParts = try readSecurityKeyTail(&r, certificateApplication: nil)
            return PrivateKey(publicKey: PublicKey(algorithm: algorithm, parts: parts), secret: secretParts)
        }
    }

    /// Writes the private key as the file stores it (the inverse of `readPrivateKey`).
    static func writePrivateKey(_ key: PrivateKey, into w: inout SSHWriter) throws {
        let pub = key.publicKey
        let isCertificate = pub.certificate != nil
        // The caller wrote the type string; a certificate key continues with the certificate blob.
        if let certificate = pub.certificate { w.writeString(certificate.blob) }
        func skTail(_ application: String) throws {
            guard case let .securityKey(flags, handle, reserved) = key.secret else { throw mismatch() }
            w.writeString(application)
            w.writeByte(flags)
            w.writeString(handle)
            w.writeString(reserved)
        }
        func mismatch() -> KeyportError { KeyportError.cannotEncode("the private part does not fit a \(pub.algorithm.sshName) key") }
        switch (pub.parts, key.secret) {
        case let (.rsa(e, n), .rsa(d, p, q, iqmp)):
            if !isCertificate { w.writeMPInt(n); w.writeMPInt(e) }
            w.writeMPInt(d); w.writeMPInt(iqmp); w.writeMPInt(p); w.writeMPInt(q)
        case let (.dsa(p, q, g, y), .dsa(x)):
            if !isCertificate { w.writeMPInt(p); w.writeMPInt(q); w.writeMPInt(g); w.writeMPInt(y) }
            w.writeMPInt(x)
        case let (.ecdsa(point), .ecdsa(d)):
            if !isCertificate { w.writeString(pub.algorithm.curveName ?? ""); w.writeString(point) }
            w.writeMPInt(d)
        case let (.eddsa(pk), .eddsa(seed)):
            // Ed25519 certificates repeat pk too (sshkey.c requires it).
            w.writeString(pk)
            w.writeUInt32(UInt32(seed.count + pk.count))
            seed.withUnsafeBytes { w.writeRaw($0) }
            w.writeRaw(pk)
        case let (.securityKeyECDSA(point, application), _):
            if !isCertificate { w.writeString(pub.algorithm.curveName ?? ""); w.writeString(point) }
            try skTail(application)
        case let (.securityKeyEd25519(pk, application), _):
            w.writeString(pk)
            try skTail(application)
        default:
            throw mismatch()
        }
    }

    // MARK: - Encode

    static func encode(_ key: PrivateKey, options: EncodeOptions) throws -> EncodedKey {
        guard let passphrase = options.passphrase else {
            return EncodedKey(bytes: try encode(keys: [(key, options.commentBytes)], cipherName: "none", passphrase: nil,
                                                rounds: 0, salt: [], checkInt: try randomCheckInt()),
                              isSecret: true, warnings: [])
        }
        guard !passphrase.isEmpty else {
            throw KeyportError.usage("an empty passphrase cannot encrypt a key; write it without a passphrase instead")
        }
        guard options.kdfRounds >= 1, options.kdfRounds <= KDFLimits.bcryptRounds else {
            throw KeyportError.usage("bcrypt rounds must be between 1 and \(KDFLimits.bcryptRounds), not \(options.kdfRounds)")
        }
        let bytes = try encode(keys: [(key, options.commentBytes)], cipherName: defaultCipher, passphrase: passphrase,
                               rounds: options.kdfRounds, salt: try secureRandomBytes(saltLength), checkInt: try randomCheckInt())
        return EncodedKey(bytes: bytes, isSecret: true, warnings: [])
    }

    private static func randomCheckInt() throws -> UInt32 {
        let r = try secureRandomBytes(4)
        return UInt32(r[0]) << 24 | UInt32(r[1]) << 16 | UInt32(r[2]) << 8 | UInt32(r[3])
    }

    /// Writes a complete file with every choice explicit, so tests can reproduce an ssh-keygen file
    /// byte for byte. `cipherName` "none" writes an unencrypted file (passphrase, rounds, salt unused).
    static func encode(keys: [(key: PrivateKey, comment: String)], cipherName: String, passphrase: SecureBytes?,
                       rounds: Int, salt: [UInt8], checkInt: UInt32) throws -> [UInt8] {
        try encode(keys: keys.map { ($0.key, Array($0.comment.utf8)) }, cipherName: cipherName, passphrase: passphrase, rounds: rounds, salt: salt, checkInt: checkInt)
    }

    /// Comments are written as the bytes given: ssh-keygen stores a comment that is not UTF-8 as is.
    static func encode(keys: [(key: PrivateKey, comment: [UInt8])], cipherName: String, passphrase: SecureBytes?,
                       rounds: Int, salt: [UInt8], checkInt: UInt32) throws -> [UInt8] {
        guard let spec = Cipher(sshName: cipherName) else { throw KeyportError.cannotEncode("unknown cipher \(cipherName)") }
        guard !keys.isEmpty else { throw KeyportError.cannotEncode("no key to write") }
        let encrypted = spec != .none
        if encrypted {
            guard passphrase?.isEmpty == false else { throw KeyportError.usage("\(cipherName) needs a passphrase") }
            guard rounds >= 1, rounds <= Int(UInt32.max), !salt.isEmpty else {
                throw KeyportError.usage("bcrypt needs a salt and at least one round")
            }
        }

        var section = SSHWriter(capacity: 4096)
        section.writeUInt32(checkInt)
        section.writeUInt32(checkInt)
        for (key, comment) in keys {
            section.writeString(key.publicKey.certificate == nil ? key.publicKey.algorithm.sshName
                                                                   : key.publicKey.algorithm.certificateName ?? "")
            try writePrivateKey(key, into: &section)
            section.writeString(comment)
        }
        // Ed448 as puttygen writes it, its one common reader (OpenSSH has no Ed448): padded to 16
        // bytes even unencrypted, where ssh-keygen pads an unencrypted section to 8.
        let padding = keys.contains { $0.key.publicKey.algorithm == .ed448 } ? max(spec.blockSize, 16) : spec.blockSize
        var pad: UInt8 = 1
        while section.bytes.count % padding != 0 {
            section.writeByte(pad)
            pad &+= 1
        }
        let plaintext = section.finishSecret()

        var ciphertext: [UInt8] = []
        var tag: [UInt8] = []
        var kdfOptions: [UInt8] = []
        if encrypted, let passphrase {
            var o = SSHWriter()
            o.writeString(salt)
            o.writeUInt32(UInt32(rounds))
            kdfOptions = o.bytes
            let derived = try BcryptPBKDF.derive(passphrase: passphrase, salt: salt, rounds: rounds, keyLength: spec.keySize + spec.ivSize)
            let cipherKey = derived[0..<spec.keySize], iv = derived[spec.keySize..<derived.count]
            if spec == .chacha20Poly1305 {
                (ciphertext, tag) = try OpenSSHChaChaPoly.seal(key: cipherKey, plaintext: plaintext)
            } else if let symmetric = spec.symmetric {
                (ciphertext, tag) = try symmetric.encrypt(key: cipherKey, iv: iv, plaintext: plaintext)
            } else {
                throw KeyportError.cannotEncode("no cipher for \(spec.sshName)")
            }
        }

        var w = SSHWriter(capacity: (encrypted ? ciphertext.count : plaintext.count) + 1024)
        w.writeRaw(magic)
        w.writeString(spec.sshName)
        w.writeString(encrypted ? "bcrypt" : "none")
        w.writeString(kdfOptions)
        w.writeUInt32(UInt32(keys.count))
        for (key, _) in keys { w.writeString(key.publicKey.blob) }
        // Unencrypted, the private section goes into the file as it is.
        if encrypted { w.writeString(ciphertext) } else { w.writeString(plaintext) }
        w.writeRaw(tag)

        var body = w.bytes
        w = SSHWriter()
        defer { wipe(&body) }
        let armoured = beginMarker + "\n" + Base64.encode(body, lineLength: lineWidth) + "\n" + endMarker + "\n"
        return Array(armoured.utf8)
    }
}
