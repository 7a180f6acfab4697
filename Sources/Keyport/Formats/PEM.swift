// The PEM/DER key family. Armour: RFC 7468 (and RFC 1421 §4.6 headers for legacy encryption).
//
//   -----BEGIN <LABEL>-----
//   Proc-Type: 4,ENCRYPTED                  legacy OpenSSL encryption only (traditional labels)
//   DEK-Info: AES-128-CBC,<IV hex>          key = EVP_BytesToKey(MD5, salt = IV[0..<8], count 1)
//                                           (one blank line after the headers)
//   <base64 of the DER, 64 columns>
//   -----END <LABEL>-----
//
//   label                    DER structure                                       spec
//   RSA PRIVATE KEY          SEQ{0, n, e, d, p, q, dP, dQ, qInv}                 RFC 8017 A.1.2
//   DSA PRIVATE KEY          SEQ{0, p, q, g, y, x}                                OpenSSL
//   EC PRIVATE KEY           SEQ{1, OCTET d, [0] curve OID, [1] BIT point}       RFC 5915 §3
//   PRIVATE KEY              SEQ{version, AlgorithmIdentifier, OCTET key, ...}   RFC 5208 §5, RFC 5958
//   ENCRYPTED PRIVATE KEY    SEQ{AlgorithmIdentifier (PBES2/PBES1), OCTET data}  RFC 5208 §6, RFC 8018
//   PUBLIC KEY               SEQ{AlgorithmIdentifier, BIT STRING key}            RFC 5280 §4.1
//   RSA PUBLIC KEY           SEQ{n, e}                                           RFC 8017 A.1.1
//   EC PARAMETERS            OID (openssl ecparam -genkey writes it first)       skipped
//
// Raw DER files hold the same structures without armour; the structure is recognised from the
// shape of the outer SEQUENCE. libcrypto parses and writes the key structures and does all the
// encryption; this file does the armour, recognises structures, reads the encryption parameters for
// `inspect` before a passphrase is known, and maps results to keyport's model and errors.
//
// Choices for writing (documented in the man page):
// - `--to pkcs8` with a passphrase: PBES2, PBKDF2-HMAC-SHA256, 600 000 iterations (the OWASP 2023
//   figure for this PRF), 16-byte salt, AES-256-CBC. OpenSSL 3.0 and ssh-keygen write 2048
//   iterations and an 8-byte salt; 600 000 makes each guess ~300× dearer, while `openssl pkey` and
//   `ssh-keygen -y` still open the key in under 0.2 s (measured 0.17 s and 0.19 s on a 2-core x86-64
//   VM, against 0.03 s at 100 000). Every reader of PBES2 honours the count stored in the file.
// - `--to pem` with a passphrase: legacy encryption with AES-128-CBC, as `ssh-keygen -m PEM` writes
//   it. PuTTY 0.78 reads only AES-128-CBC and DES-EDE3-CBC there; the weak part of this scheme is
//   the single-MD5 key derivation, which a longer AES key does not fix. Use pkcs8 for strength.

/// The PEM/DER family through libcrypto: PKCS#1, SEC1, PKCS#8 (plain and encrypted), SubjectPublicKeyInfo.
public enum PEMFormat {
    /// PBKDF2-HMAC-SHA256 iterations for encrypted PKCS#8 output.
    public static let pbkdf2Iterations = 600_000
    /// The cipher of legacy (Proc-Type) PEM encryption on output.
    public static let legacyCipher = "AES-128-CBC"

    // MARK: - Structures

    /// The DER structures of the family.
    enum Structure: Equatable {
        case rsaPrivate, dsaPrivate, ecPrivate, pkcs8, encryptedPKCS8, spki, rsaPublic

        init?(label: String) {
            switch label {
            case "RSA PRIVATE KEY": self = .rsaPrivate
            case "DSA PRIVATE KEY": self = .dsaPrivate
            case "EC PRIVATE KEY": self = .ecPrivate
            case "PRIVATE KEY": self = .pkcs8
            case "ENCRYPTED PRIVATE KEY": self = .encryptedPKCS8
            case "PUBLIC KEY": self = .spki
            case "RSA PUBLIC KEY": self = .rsaPublic
            default: return nil
            }
        }

        var label: String {
            switch self {
            case .rsaPrivate: return "RSA PRIVATE KEY"
            case .dsaPrivate: return "DSA PRIVATE KEY"
            case .ecPrivate: return "EC PRIVATE KEY"
            case .pkcs8: return "PRIVATE KEY"
            case .encryptedPKCS8: return "ENCRYPTED PRIVATE KEY"
            case .spki: return "PUBLIC KEY"
            case .rsaPublic: return "RSA PUBLIC KEY"
            }
        }

        var name: String {
            switch self {
            case .rsaPrivate: return "PKCS#1 RSAPrivateKey"
            case .dsaPrivate: return "OpenSSL traditional DSA private key"
            case .ecPrivate: return "SEC1 ECPrivateKey"
            case .pkcs8: return "PKCS#8 PrivateKeyInfo"
            case .encryptedPKCS8: return "PKCS#8 EncryptedPrivateKeyInfo"
            case .spki: return "SubjectPublicKeyInfo"
            case .rsaPublic: return "PKCS#1 RSAPublicKey"
            }
        }

        var format: FormatID {
            switch self {
            case .rsaPrivate, .dsaPrivate, .ecPrivate: return .pemTraditional
            case .pkcs8: return .pkcs8
            case .encryptedPKCS8: return .pkcs8Encrypted
            case .spki: return .spki
            case .rsaPublic: return .pkcs1Public
            }
        }

        /// The OSSL_DECODER structure name and key type.
        var decoder: (structure: String, keyType: String?, isPrivate: Bool) {
            switch self {
            case .rsaPrivate: return ("type-specific", "RSA", true)
            case .dsaPrivate: return ("type-specific", "DSA", true)
            case .ecPrivate: return ("type-specific", "EC", true)
            case .pkcs8, .encryptedPKCS8: return ("PrivateKeyInfo", nil, true)
            case .spki: return ("SubjectPublicKeyInfo", nil, false)
            case .rsaPublic: return ("type-specific", "RSA", false)
            }
        }

        var isTraditionalPrivate: Bool { self == .rsaPrivate || self == .dsaPrivate || self == .ecPrivate }
    }

    /// Recognises the structure from the outer SEQUENCE's shape (the whole input must be one element).
    static func classify(_ der: [UInt8], context: String) throws -> Structure {
        guard der.first == DERReader.sequence else {
            throw KeyportError.malformed(format: context, field: "DER", reason: "not a DER SEQUENCE")
        }
        var outer = DERReader(der, context: context)
        var r = try outer.readSequence("outer SEQUENCE")
        guard outer.isAtEnd else {
            throw KeyportError.malformed(format: context, field: "DER", reason: "\(der.count - outer.consumed) trailing byte\(der.count - outer.consumed == 1 ? "" : "s") after the key structure")
        }
        let notAKey = KeyportError.malformed(format: context, field: "DER", reason: "not a key structure keyport knows (PKCS#1, SEC1, PKCS#8, SubjectPublicKeyInfo)")
        switch r.peekTag {
        case DERReader.sequence:
            _ = try r.read("algorithm")
            switch r.peekTag {
            case DERReader.octetString: return .encryptedPKCS8
            case DERReader.bitString: return .spki
            default: throw notAKey
            }
        case DERReader.integer:
            _ = try r.read("version")
            switch r.peekTag {
            case DERReader.sequence: return .pkcs8
            case DERReader.octetString: return .ecPrivate
            case DERReader.integer:
                var integers = 1
                while r.peekTag == DERReader.integer {
                    _ = try r.read("integer")
                    integers += 1
                }
                switch integers {
                case 2 where r.isAtEnd: return .rsaPublic
                case 6 where r.isAtEnd: return .dsaPrivate
                case 9: return .rsaPrivate // version 1 adds otherPrimeInfos; libcrypto decides.
                default: throw notAKey
                }
            default: throw notAKey
            }
        default: throw notAKey
        }
    }

    // MARK: - Armour

    struct Block {
        var label: String
        var headers: [ArmourHeader]
        var der: [UInt8]
        /// 1-based line of the BEGIN line.
        var line: Int
        /// Byte offsets of the BEGIN line's start and of the END line's end in the file.
        var start: Int
        var end: Int
    }

    /// Every armoured block (`ArmourReader`, PEM dialect); text outside the blocks is ignored.
    static func blocks(_ bytes: [UInt8]) throws -> [Block] {
        var reader = ArmourReader(bytes, dialect: .pem)
        var result: [Block] = []
        while let begin = reader.nextBegin() {
            let label = PublicKey.printable(begin.label)
            let block: ArmourReader<[UInt8]>.Block
            do {
                block = try reader.readBlock(begin)
            } catch .endMismatch(let line, let found) {
                throw KeyportError.malformed(format: "PEM", field: "line \(line)", reason: "END \(PublicKey.printable(found)) does not close BEGIN \(label)")
            } catch .beginInside(let line) {
                throw KeyportError.malformed(format: "PEM", field: "line \(line)", reason: "BEGIN inside the \(label) block, whose END line is missing")
            } catch .noEnd {
                throw KeyportError.truncated(format: "PEM", field: "the END line of \(label) (begun on line \(begin.line.number))")
            }
            // The DER of an unencrypted private key: out of its wiped buffer into an array that
            // `decode` wipes (the DER walker and libcrypto's glue take arrays).
            guard let body = block.decodedBody(), !body.isEmpty else {
                throw KeyportError.malformed(format: "PEM", field: "lines \(block.begin.number + 1)-\(block.end.number - 1)", reason: "the \(label) body is not valid base64 (damaged file?)")
            }
            result.append(Block(label: block.label, headers: block.headers, der: body.bytes, line: block.begin.number,
                                start: block.begin.start, end: block.end.end))
        }
        return result
    }

    /// Wraps DER in armour with 64-column base64 (RFC 7468 §2).
    static func armour(_ der: [UInt8], label: String) -> [UInt8] {
        Array("-----BEGIN \(label)-----\n\(Base64.encode(der, lineLength: 64))\n-----END \(label)-----\n".utf8)
    }

    // MARK: - Decoding

    /// Decodes every key block of a PEM file. `EC PARAMETERS` blocks are skipped; any other label
    /// that is not a key is an error.
    static func decode(_ bytes: [UInt8]) throws -> [KeyDocument] {
        var documents: [KeyDocument] = []
        var blocks = try blocks(bytes)
        // An unencrypted private key's DER: wiped in the array itself once the loop's copies are gone
        // (wiping a copy would only wipe a fresh copy of the shared storage).
        defer { for index in blocks.indices { wipe(&blocks[index].der) } }
        for block in blocks {
            if block.label == "EC PARAMETERS" { continue }
            guard let structure = Structure(label: block.label) else {
                if block.label == "OPENSSH PRIVATE KEY" {
                    throw KeyportError.unsupported("OpenSSH private key after other text: remove the text before -----BEGIN", reason: .structure)
                }
                throw KeyportError.unsupported("PEM block \"\(PublicKey.printable(block.label))\" (line \(block.line)) is not a key keyport reads; expected RSA/DSA/EC PRIVATE KEY, PRIVATE KEY, ENCRYPTED PRIVATE KEY, PUBLIC KEY or RSA PUBLIC KEY", reason: .structure)
            }
            let context = "PEM \(structure.label)"
            var document: KeyDocument
            if let procType = header(block, "Proc-Type") {
                guard structure.isTraditionalPrivate else {
                    throw KeyportError.malformed(format: context, field: "Proc-Type", reason: "legacy encryption headers only belong to RSA, DSA and EC PRIVATE KEY")
                }
                guard String(procType.filter { $0 != " " }) == "4,ENCRYPTED" else {
                    throw KeyportError.malformed(format: context, field: "Proc-Type", reason: "expected 4,ENCRYPTED, found \(PublicKey.printable(procType))")
                }
                let (cipher, iv) = try dekInfo(block, context: context)
                document = KeyDocument(format: .pemTraditional, content: .locked(publicKey: nil),
                                       protection: Protection(cipher: Cipher(opensslName: cipher), kdf: .legacyMD5(iv: iv)),
                                       details: [("pem label", block.label), ("structure", structure.name),
                                                 ("encryption", "legacy PEM: \(cipher), key from the passphrase by one MD5 round (EVP_BytesToKey)")],
                                       sealed: Sealed(body: block.der, structure: structure, context: context, legacy: (cipher, iv)))
            } else {
                document = try decodeStructure(block.der, expected: structure, context: context)
                document.details.insert(("pem label", block.label), at: 0)
            }
            document.line = block.line
            documents.append(document)
        }
        guard !documents.isEmpty else {
            throw KeyportError.unrecognizedFormat(seen: "a PEM file without a key block")
        }
        // OpenSSL and OpenSSH skip text around the armour, PuTTY refuses text before it; either is
        // worth a note (a pasted shell prompt, a second half of a file, a sign of tampering).
        if let first = blocks.first, bytes[..<first.start].contains(where: { !isBlankByte($0) }) {
            documents[0].observations.append(Observation(.leadingText, "text before the first BEGIN line, which PuTTY refuses"))
        }
        if let last = blocks.last, bytes[last.end...].contains(where: { !isBlankByte($0) }) {
            documents[documents.count - 1].observations.append(Observation(.trailingData, "text follows the last END line"))
        }
        return documents
    }

    /// Decodes a raw DER file holding one key structure.
    static func decodeDER(_ bytes: [UInt8]) throws -> [KeyDocument] {
        var document = try decodeStructure(bytes, expected: nil, context: "DER")
        document.details.insert(("encoding", "DER"), at: 0)
        return [document]
    }

    /// Checks the structure (and the label's claim), then decodes it, or returns a locked document.
    private static func decodeStructure(_ der: [UInt8], expected: Structure?, context: String) throws -> KeyDocument {
        let structure = try classify(der, context: context)
        if let expected, expected != structure {
            throw KeyportError.malformed(format: context, field: "label", reason: "the label says \(expected.label) but the content is a \(structure.name)")
        }
        if structure == .encryptedPKCS8 {
            let parsed = Result { try pkcs8Protection(der) }
            let protection = (try? parsed.get()) ?? Protection(cipher: .other("unknown"), kdf: .other("unknown"))
            return KeyDocument(format: .pkcs8Encrypted, content: .locked(publicKey: nil), protection: protection,
                               details: [("structure", structure.name), ("encryption", describe(protection))],
                               sealed: Sealed(body: der, structure: structure, context: context, legacy: nil, protection: parsed))
        }
        var observations: [Observation] = []
        let content = try der.withUnsafeBytes { try decodeKey($0, structure: structure, context: context, observations: &observations) }
        return KeyDocument(format: structure.format, content: content, details: [("structure", structure.name)], observations: observations)
    }

    /// libcrypto decodes; the private half is checked against the public half. Oddities lint reports
    /// (explicit EC parameters) are added to `observations`.
    private static func decodeKey(_ der: UnsafeRawBufferPointer, structure: Structure, context: String,
                                  observations: inout [Observation]) throws -> KeyDocument.Content {
        if structure == .pkcs8, let (v1, statedPublic) = try oneAsymmetricKeyV2(der, context: context) {
            let content = try v1.withUnsafeBytes { try decodeKey($0, structure: .pkcs8, context: context, observations: &observations) }
            guard case let .privateKey(key) = content, case let .eddsa(publicKey) = key.publicKey.parts, publicKey == statedPublic else {
                throw KeyportError.keyMismatch("the public key stored in the PKCS#8 v2 structure is not the one of its private key")
            }
            return content
        }
        let (name, keyType, isPrivate) = structure.decoder
        try checkVersion(der, structure: structure, context: context)
        let key = try EVPKey.decode(der: der, structure: name, keyType: keyType,
                                    selection: isPrivate ? EVPKey.keyPairSelection : EVPKey.publicSelection, what: context)
        if key.decodedFromExplicitParameters {
            observations.append(Observation(.explicitCurve, "the EC key spells out its curve parameters instead of naming the curve"))
        }
        if isPrivate {
            let privateKey = try key.privateKey()
            try privateKey.validate()
            return .privateKey(privateKey)
        }
        return .publicKey(try key.publicKey())
    }

    /// RFC 5958 OneAsymmetricKey v2 (version 1, with `[1] publicKey`) for Ed25519/Ed448, which
    /// OpenSSL 3.0 refuses: returns the v1 PrivateKeyInfo libcrypto reads, and the stated public key.
    /// Both the IMPLICIT `81 len 00 pk` form of the RFC and the EXPLICIT `A1 len 03 len 00 pk` form
    /// some producers write are accepted. Nil for every other input.
    ///   SEQ{ INTEGER 1, AlgorithmIdentifier, OCTET privateKey, [0] attributes OPT, [1] publicKey }
    private static func oneAsymmetricKeyV2(_ der: UnsafeRawBufferPointer, context: String) throws -> (SecureBytes, [UInt8])? {
        var bytes = Array(der)
        defer { wipe(&bytes) }
        var outer = DERReader(bytes, context: context)
        var r = try outer.readSequence("PrivateKeyInfo")
        guard Array(try r.read("version", expecting: DERReader.integer).content) == [1] else { return nil }
        let algorithm = try r.readRaw("privateKeyAlgorithm")
        var algorithmReader = DERReader(algorithm, context: context)
        var algorithmFields = try algorithmReader.readSequence("privateKeyAlgorithm")
        let oid = try algorithmFields.readOID("algorithm")
        guard oid == KeyAlgorithm.ed25519.oid || oid == KeyAlgorithm.ed448.oid else { return nil }
        let privateKey = try r.readRaw("privateKey")
        if r.peekTag == 0xA0 { _ = try r.read("attributes") }
        var bitString: ArraySlice<UInt8>
        switch r.peekTag {
        case 0x81:
            bitString = try r.read("publicKey").content
        case 0xA1:
            var explicit = DERReader(try r.read("publicKey").content, context: context)
            bitString = try explicit.read("publicKey", expecting: DERReader.bitString).content
        default:
            throw KeyportError.malformed(format: context, field: "publicKey", reason: "a version 2 PKCS#8 key without its public key")
        }
        guard r.isAtEnd, bitString.first == 0 else {
            throw KeyportError.malformed(format: context, field: "publicKey", reason: "unexpected data in the version 2 structure")
        }
        bitString = bitString.dropFirst()
        var content: [UInt8] = [0x02, 0x01, 0x00] + Array(algorithm) + Array(privateKey)
        defer { wipe(&content) }
        return (SecureBytes([DERReader.sequence] + DERReader.encodeLength(content.count) + content), Array(bitString))
    }

    private static func header(_ block: Block, _ name: String) -> String? {
        block.headers.first(where: { $0.name.lowercased() == name.lowercased() })?.value
    }

    /// `DEK-Info: CIPHER,IVHEX`.
    private static func dekInfo(_ block: Block, context: String) throws -> (cipher: String, iv: [UInt8]) {
        guard let value = header(block, "DEK-Info") else {
            throw KeyportError.malformed(format: context, field: "DEK-Info", reason: "missing with Proc-Type: 4,ENCRYPTED")
        }
        let parts = value.split(separator: ",", maxSplits: 1).map { String($0.trimmingBlanks()) }
        guard parts.count == 2, let iv = Hex.decode(parts[1]), !parts[0].isEmpty else {
            throw KeyportError.malformed(format: context, field: "DEK-Info", reason: "expected CIPHER,IV-in-hex")
        }
        return (parts[0].uppercased(), iv)
    }

    // MARK: - Unlocking

    /// What a locked PEM or DER key keeps: the encrypted body (a legacy PEM body, or the DER of an
    /// EncryptedPrivateKeyInfo), its structure, and what its headers or AlgorithmIdentifier said.
    struct Sealed: SealedKey {
        var body: [UInt8]
        var structure: Structure
        var context: String
        /// Legacy PEM: the DEK-Info cipher name and IV.
        var legacy: (cipher: String, iv: [UInt8])?
        /// PKCS#8: the encryption parameters, or why they could not be read.
        var protection: Result<Protection, Error> = .success(.none)

        func unlock(_ document: KeyDocument, passphrase: SecureBytes) throws -> KeyDocument {
            var result = document
            if let (cipher, iv) = legacy {
                let plain = try EVPKey.decryptLegacyPEM(cipherName: cipher, iv: iv, body: body, passphrase: passphrase)
                result.content = try decrypted(plain, expected: structure, context: context, observations: &result.observations)
            } else {
                // The iteration count (or scrypt cost) is the file's choice: refuse absurd ones before
                // libcrypto spends hours on them.
                try KDFLimits.check(try protection.get().kdf)
                let plain = try EVPKey.decryptPKCS8(body, passphrase: passphrase)
                result.content = try decrypted(plain, expected: .pkcs8, context: context, observations: &result.observations)
            }
            result.sealed = nil
            return result
        }
    }

    /// A padding check passes by chance (about 1 in 256) with a wrong passphrase, leaving garbage:
    /// plaintext that is not the expected DER structure is reported as a wrong passphrase; a valid
    /// structure that libcrypto then rejects is damaged data.
    private static func decrypted(_ plain: SecureBytes, expected: Structure, context: String,
                                  observations: inout [Observation]) throws -> KeyDocument.Content {
        let matches: Bool = plain.withUnsafeBytes { raw in
            var copy = Array(raw)
            defer { wipe(&copy) }
            return (try? classify(copy, context: context)) == expected
        }
        guard matches else { throw KeyportError.wrongPassphrase }
        return try plain.withUnsafeBytes { try decodeKey($0, structure: expected, context: context, observations: &observations) }
    }

    // MARK: - Encryption parameters (for inspect)

    private static let cipherOIDs: [String: Cipher] = [
        "2.16.840.1.101.3.4.1.2": .aes(keyBits: 128, mode: .cbc), "2.16.840.1.101.3.4.1.22": .aes(keyBits: 192, mode: .cbc),
        "2.16.840.1.101.3.4.1.42": .aes(keyBits: 256, mode: .cbc),
        "1.2.840.113549.3.7": .tripleDES, "1.3.14.3.2.7": .des, "1.2.840.113549.3.2": .rc2(keyBits: nil),
    ]

    private static let prfOIDs: [String: KDF.PRF] = [
        "1.2.840.113549.2.7": .hmacSHA1, "1.2.840.113549.2.8": .hmacSHA224, "1.2.840.113549.2.9": .hmacSHA256,
        "1.2.840.113549.2.10": .hmacSHA384, "1.2.840.113549.2.11": .hmacSHA512,
    ]

    /// PBES1 (RFC 8018 §6.1) and PKCS#12 (RFC 7292 App. C) schemes: OID → cipher and PBES1 digest
    /// (nil for the PKCS#12 KDF, which is always SHA-1 here).
    private static let pbes1: [String: (cipher: Cipher, hash: KDF.PBES1Hash?)] = [
        "1.2.840.113549.1.5.3": (.des, .md5), "1.2.840.113549.1.5.6": (.rc2(keyBits: 64), .md5),
        "1.2.840.113549.1.5.10": (.des, .sha1), "1.2.840.113549.1.5.11": (.rc2(keyBits: 64), .sha1),
        "1.2.840.113549.1.12.1.1": (.rc4(keyBits: 128), nil), "1.2.840.113549.1.12.1.2": (.rc4(keyBits: 40), nil),
        "1.2.840.113549.1.12.1.3": (.tripleDES, nil), "1.2.840.113549.1.12.1.4": (.twoKeyTripleDES, nil),
        "1.2.840.113549.1.12.1.5": (.rc2(keyBits: 128), nil), "1.2.840.113549.1.12.1.6": (.rc2(keyBits: 40), nil),
    ]

    /// Reads the encryptionAlgorithm of an EncryptedPrivateKeyInfo:
    ///   PBES2-params  SEQ{ keyDerivationFunc AlgId, encryptionScheme AlgId{cipher OID, IV} }
    ///   PBKDF2-params SEQ{ salt OCTET, iterationCount INT, keyLength INT OPT, prf AlgId DEFAULT hmacWithSHA1 }
    ///   scrypt-params SEQ{ salt OCTET, N INT, r INT, p INT, keyLength INT OPT }   (RFC 7914 §7)
    ///   PBES1-params  SEQ{ salt OCTET, iterationCount INT }
    /// Counts too large for `Int` are nil (`KDFLimits` refuses them).
    static func pkcs8Protection(_ der: [UInt8]) throws -> Protection {
        var outer = DERReader(der, context: "PKCS#8 encryption")
        var info = try outer.readSequence("EncryptedPrivateKeyInfo")
        var algorithm = try info.readSequence("encryptionAlgorithm")
        let oid = try algorithm.readOID("encryption OID")
        if let (cipher, hash) = pbes1[oid] {
            var params = try algorithm.readSequence("PBES1 parameters")
            let salt = Array(try params.read("salt", expecting: DERReader.octetString).content)
            let iterations = try params.readSmallInt("iterations")
            var kdf = KDF.pkcs12(iterations: iterations, salt: salt)
            if let hash { kdf = .pbes1(hash: hash, iterations: iterations, salt: salt) }
            return Protection(cipher: cipher, kdf: kdf)
        }
        guard oid == "1.2.840.113549.1.5.13" else { return Protection(cipher: .other("OID \(oid)"), kdf: .other("unknown")) }
        var params = try algorithm.readSequence("PBES2 parameters")
        var kdfAlgorithm = try params.readSequence("keyDerivationFunc")
        var scheme = try params.readSequence("encryptionScheme")
        let cipherOID = try scheme.readOID("cipher")
        let cipher = cipherOIDs[cipherOID] ?? .other("OID \(cipherOID)")
        let kdfOID = try kdfAlgorithm.readOID("KDF")
        var kdfParams = try kdfAlgorithm.readSequence("KDF parameters")
        let salt = Array(try kdfParams.read("salt", expecting: DERReader.octetString).content)
        switch kdfOID {
        case "1.2.840.113549.1.5.12":
            let iterations = try kdfParams.readSmallInt("iterations")
            if kdfParams.peekTag == DERReader.integer { _ = try kdfParams.read("keyLength") }
            var prf = KDF.PRF.hmacSHA1
            if kdfParams.peekTag == DERReader.sequence {
                var prfAlgorithm = try kdfParams.readSequence("prf")
                let prfOID = try prfAlgorithm.readOID("prf")
                prf = prfOIDs[prfOID] ?? .other(oid: prfOID)
            }
            return Protection(cipher: cipher, kdf: .pbkdf2(prf: prf, iterations: iterations, salt: salt))
        case "1.3.6.1.4.1.11591.4.11":
            let n = try kdfParams.readSmallInt("scrypt N")
            let r = try kdfParams.readSmallInt("scrypt r")
            let p = try kdfParams.readSmallInt("scrypt p")
            return Protection(cipher: cipher, kdf: .scrypt(n: n, r: r, p: p, salt: salt))
        default:
            return Protection(cipher: cipher, kdf: .other("OID \(kdfOID)"))
        }
    }

    /// The `encryption` detail `inspect` shows for an encrypted PKCS#8 key.
    private static func describe(_ protection: Protection) -> String {
        func count(_ n: Int?) -> String { n.map(String.init) ?? "over 2^62" }
        var text: String
        switch protection.kdf {
        case let .pbkdf2(_, iterations, _): text = "PBES2: \(protection.kdfName), \(count(iterations)) iterations"
        case let .scrypt(n, r, p, _): text = "PBES2: scrypt N=\(count(n)) r=\(count(r)) p=\(count(p))"
        case let .pbes1(_, iterations, _), let .pkcs12(iterations, _): text = "PBES1: \(protection.kdfName), \(count(iterations)) iterations"
        default: text = "PKCS#8: \(protection.kdfName)"
        }
        return text + ", \(protection.cipherName)"
    }

    // MARK: - Encoding

    /// `.pkcs8` → SubjectPublicKeyInfo; `.pem` → PKCS#1 RSAPublicKey for RSA, SubjectPublicKeyInfo
    /// for the others (as `ssh-keygen -e -m PEM` does for ECDSA).
    static func encodePublic(_ key: PublicKey, as format: OutputFormat, comment: String = "") throws -> EncodedKey {
        try checkEncodable(key)
        let evp = try EVPKey(key)
        let structure = format == .pem && key.algorithm == .rsa ? "type-specific" : "SubjectPublicKeyInfo"
        let bytes = try evp.encode(selection: EVPKey.publicSelection, output: "PEM", structure: structure)
        return EncodedKey(bytes: bytes, isSecret: false, warnings: comment.isEmpty ? [] : [commentDropped])
    }

    static let commentDropped = "PEM has no comment; the comment was dropped"

    /// `.pem` → traditional (PKCS#1, SEC1 with named curve, DSA), legacy AES-128-CBC encryption with a
    /// passphrase; Ed25519/Ed448 have no traditional form and get PKCS#8 with a warning.
    /// `.pkcs8` → PrivateKeyInfo, or with a passphrase PBES2 (PBKDF2-HMAC-SHA256, `pbkdf2Iterations`,
    /// AES-256-CBC). An empty passphrase writes the key unencrypted.
    static func encodePrivate(_ key: PrivateKey, as format: OutputFormat, options: EncodeOptions) throws -> EncodedKey {
        try checkEncodable(key.publicKey)
        var warnings: [String] = []
        if !options.comment.isEmpty { warnings.append(commentDropped) }
        let passphrase = options.passphrase.flatMap { $0.isEmpty ? nil : $0 }
        let evp = try EVPKey(key)
        let algorithm = key.publicKey.algorithm
        var usePKCS8 = format == .pkcs8
        if format == .pem, algorithm == .ed25519 || algorithm == .ed448 {
            usePKCS8 = true
            warnings.append("\(algorithm.family) has no traditional PEM form; wrote PKCS#8")
        }
        let bytes: [UInt8]
        if usePKCS8 {
            if let passphrase {
                bytes = armour(try evp.encryptedPKCS8(passphrase: passphrase, iterations: pbkdf2Iterations), label: "ENCRYPTED PRIVATE KEY")
            } else {
                bytes = try evp.encode(selection: EVPKey.keyPairSelection, output: "PEM", structure: "PrivateKeyInfo")
            }
        } else {
            bytes = try evp.encode(selection: EVPKey.keyPairSelection, output: "PEM", structure: "type-specific",
                                   cipher: passphrase == nil ? nil : legacyCipher, passphrase: passphrase)
        }
        return EncodedKey(bytes: bytes, isSecret: true, warnings: warnings)
    }

    private static func checkEncodable(_ key: PublicKey) throws {
        if key.certificate != nil {
            throw KeyportError.cannotEncode("an OpenSSH certificate has no PEM form", remedy: .writeOpenSSHWithoutCertificate)
        }
        if key.algorithm.isSecurityKey {
            throw KeyportError.cannotEncode("\(key.algorithm.sshName) is a security-key (FIDO) key, which has no PEM or PKCS#8 form", remedy: .writeOpenSSH)
        }
    }
}
