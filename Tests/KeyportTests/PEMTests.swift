import Foundation
import Testing
@testable import Keyport

// Interop of the PEM/DER family with the real openssl and ssh-keygen, on keys made during the run.

private let passphrase = "correct horse battery"
private let opensslPath = "/usr/bin/openssl"
private let sshKeygenPath = "/usr/bin/ssh-keygen"

/// The key types of the family, with the openssl genpkey arguments that make one.
enum PEMKeyType: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case rsa, dsa, p256, p384, p521, ed25519, ed448

    var testDescription: String { rawValue }

    var algorithm: KeyAlgorithm {
        switch self {
        case .rsa: return .rsa
        case .dsa: return .dsa
        case .p256: return .ecdsaP256
        case .p384: return .ecdsaP384
        case .p521: return .ecdsaP521
        case .ed25519: return .ed25519
        case .ed448: return .ed448
        }
    }

    var hasTraditionalForm: Bool { self != .ed25519 && self != .ed448 }

    /// Makes an unencrypted PKCS#8 key with openssl genpkey at `path`.
    func generate(in dir: TempDir, name: String) throws -> String {
        let path = dir.path(name)
        switch self {
        case .rsa: try openssl(["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", path])
        case .dsa:
            // 1024-bit DSA: the only size ssh-keygen accepts.
            let params = dir.path(name + ".params")
            try openssl(["genpkey", "-genparam", "-algorithm", "DSA", "-pkeyopt", "dsa_paramgen_bits:1024", "-out", params])
            try openssl(["genpkey", "-paramfile", params, "-out", path])
        case .p256, .p384, .p521:
            let curve = ["p256": "P-256", "p384": "P-384", "p521": "P-521"][rawValue]!
            try openssl(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:\(curve)", "-pkeyopt", "ec_param_enc:named_curve", "-out", path])
        case .ed25519: try openssl(["genpkey", "-algorithm", "ED25519", "-out", path])
        case .ed448: try openssl(["genpkey", "-algorithm", "ED448", "-out", path])
        }
        return path
    }
}

@discardableResult
private func openssl(_ arguments: [String], stdin: Data? = nil) throws -> Tool.Output {
    let out = try Tool.run(opensslPath, arguments, stdin: stdin)
    #expect(out.status == 0, "openssl \(arguments.joined(separator: " ")) failed: \(out.stderr)")
    return out
}

private func fileBytes(_ path: String) throws -> [UInt8] { Array(try Data(contentsOf: URL(fileURLWithPath: path))) }

/// Reads a file with KeyFile and returns its only key document.
private func readOne(_ path: String) throws -> KeyDocument {
    let entries = try KeyFile.read(try fileBytes(path))
    #expect(entries.count == 1)
    return try #require(entries.first).result.get()
}

/// Reads and, when locked, unlocks with the test passphrase; returns the private key.
private func readPrivate(_ path: String) throws -> (KeyDocument, PrivateKey) {
    var document = try readOne(path)
    if document.isLocked {
        #expect(document.publicKey == nil, "PEM encrypts the public part too")
        #expect(throws: KeyportError.wrongPassphrase) { try KeyFile.unlock(document, passphrase: SecureBytes("not the passphrase")) }
        document = try KeyFile.unlock(document, passphrase: SecureBytes(passphrase))
    }
    let key = try #require(document.privateKey, "\(path) gave no private key")
    try key.validate()
    return (document, key)
}

/// The secret parts as plain arrays, for comparing keys read from different files.
private func secretParts(_ key: PrivateKey) -> [[UInt8]] {
    switch key.secret {
    case let .rsa(d, p, q, iqmp): return [d.bytes, p.bytes, q.bytes, iqmp.bytes]
    case let .dsa(x): return [x.bytes]
    case let .ecdsa(d): return [d.bytes]
    case let .eddsa(seed): return [seed.bytes]
    case let .securityKey(_, handle, _): return [handle.bytes]
    }
}

private func expectSameKey(_ a: PrivateKey, _ b: PrivateKey, _ what: String) {
    #expect(a.publicKey == b.publicKey, "\(what): public key differs")
    #expect(secretParts(a) == secretParts(b), "\(what): private parts differ")
}

/// `openssl pkey -pubout` of a file: the reference SubjectPublicKeyInfo.
private func opensslSPKI(_ path: String, passFile: String? = nil, publicIn: Bool = false) throws -> String {
    var args = ["pkey", "-in", path, "-pubout"]
    if publicIn { args.append("-pubin") }
    if let passFile { args += ["-passin", "file:\(passFile)"] }
    return try openssl(args).stdout
}

private func keyportSPKI(_ key: PublicKey) throws -> String {
    String(decoding: try KeyFile.encode(key, to: .pkcs8, options: EncodeOptions()).bytes, as: UTF8.self)
}

private func write(_ dir: TempDir, _ name: String, _ bytes: [UInt8]) throws -> String {
    let path = dir.path(name)
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    return path
}

@Suite("PEM and DER keys")
struct PEMTests {
    // MARK: - openssl → keyport

    /// One variant openssl can write of a key: how to make it and what keyport should report.
    struct Variant {
        var name: String
        var arguments: (_ input: String, _ output: String, _ passFile: String) -> [String]
        var format: FormatID
        var cipher: String? = nil
        var kdf: String? = nil
        var isPublic = false
    }

    static func variants(_ type: PEMKeyType) -> [Variant] {
        var list: [Variant] = [
            Variant(name: "pkcs8-pbkdf2-aes256", arguments: { ["pkcs8", "-topk8", "-in", $0, "-out", $1, "-v2", "aes256", "-passout", "file:\($2)"] },
                    format: .pkcs8Encrypted, cipher: "AES-256-CBC", kdf: "PBKDF2-HMAC-SHA256"),
            Variant(name: "pkcs8-pbkdf2-sha1-aes128", arguments: { ["pkcs8", "-topk8", "-in", $0, "-out", $1, "-v2", "aes128", "-v2prf", "hmacWithSHA1", "-passout", "file:\($2)"] },
                    format: .pkcs8Encrypted, cipher: "AES-128-CBC", kdf: "PBKDF2-HMAC-SHA1"),
            Variant(name: "pkcs8-scrypt", arguments: { ["pkcs8", "-topk8", "-in", $0, "-out", $1, "-scrypt", "-passout", "file:\($2)"] },
                    format: .pkcs8Encrypted, cipher: "AES-256-CBC", kdf: "scrypt"),
            Variant(name: "pkcs8-pbes1-3des", arguments: { ["pkcs8", "-topk8", "-in", $0, "-out", $1, "-v1", "PBE-SHA1-3DES", "-passout", "file:\($2)"] },
                    format: .pkcs8Encrypted, cipher: "DES-EDE3-CBC", kdf: "PKCS#12 KDF (SHA-1)"),
            Variant(name: "pkcs8-der", arguments: { i, o, _ in ["pkcs8", "-topk8", "-nocrypt", "-in", i, "-out", o, "-outform", "DER"] }, format: .pkcs8),
            Variant(name: "pkcs8-der-encrypted", arguments: { ["pkcs8", "-topk8", "-in", $0, "-out", $1, "-outform", "DER", "-v2", "aes192", "-passout", "file:\($2)"] },
                    format: .pkcs8Encrypted, cipher: "AES-192-CBC", kdf: "PBKDF2-HMAC-SHA256"),
            Variant(name: "spki", arguments: { i, o, _ in ["pkey", "-in", i, "-out", o, "-pubout"] }, format: .spki, isPublic: true),
            Variant(name: "spki-der", arguments: { i, o, _ in ["pkey", "-in", i, "-out", o, "-pubout", "-outform", "DER"] }, format: .spki, isPublic: true),
            Variant(name: "text-around", arguments: { i, o, _ in ["pkey", "-in", i, "-out", o, "-text"] }, format: .pkcs8),
        ]
        guard type.hasTraditionalForm else { return list }
        list.append(Variant(name: "traditional", arguments: { i, o, _ in ["pkey", "-in", i, "-out", o, "-traditional"] }, format: .pemTraditional))
        list.append(Variant(name: "traditional-der", arguments: { i, o, _ in ["pkey", "-in", i, "-out", o, "-traditional", "-outform", "DER"] }, format: .pemTraditional))
        for (flag, cipher) in [("-aes128", "AES-128-CBC"), ("-aes192", "AES-192-CBC"), ("-aes256", "AES-256-CBC"), ("-des3", "DES-EDE3-CBC")] {
            list.append(Variant(name: "traditional\(flag)", arguments: { ["pkey", "-in", $0, "-out", $1, "-traditional", flag, "-passout", "file:\($2)"] },
                                format: .pemTraditional, cipher: cipher, kdf: "MD5 (EVP_BytesToKey)"))
        }
        switch type {
        case .rsa:
            list.append(Variant(name: "rsa-traditional-aes128", arguments: { ["rsa", "-in", $0, "-out", $1, "-traditional", "-aes128", "-passout", "file:\($2)"] },
                                format: .pemTraditional, cipher: "AES-128-CBC", kdf: "MD5 (EVP_BytesToKey)"))
            // OpenSSL 3.0's `rsa -aes128` without -traditional writes PBES2 PKCS#8.
            list.append(Variant(name: "rsa-aes128", arguments: { ["rsa", "-in", $0, "-out", $1, "-aes128", "-passout", "file:\($2)"] },
                                format: .pkcs8Encrypted, cipher: "AES-128-CBC", kdf: "PBKDF2-HMAC-SHA256"))
            list.append(Variant(name: "rsa-public-pkcs1", arguments: { i, o, _ in ["rsa", "-in", i, "-out", o, "-RSAPublicKey_out"] }, format: .pkcs1Public, isPublic: true))
            list.append(Variant(name: "rsa-public-pkcs1-der", arguments: { i, o, _ in ["rsa", "-in", i, "-out", o, "-RSAPublicKey_out", "-outform", "DER"] }, format: .pkcs1Public, isPublic: true))
        case .p256, .p384, .p521:
            list.append(Variant(name: "ec-aes256", arguments: { ["ec", "-in", $0, "-out", $1, "-aes256", "-passout", "file:\($2)"] },
                                format: .pemTraditional, cipher: "AES-256-CBC", kdf: "MD5 (EVP_BytesToKey)"))
        case .dsa:
            list.append(Variant(name: "dsa-des3", arguments: { ["dsa", "-in", $0, "-out", $1, "-des3", "-passout", "file:\($2)"] },
                                format: .pemTraditional, cipher: "DES-EDE3-CBC", kdf: "MD5 (EVP_BytesToKey)"))
        default: break
        }
        return list
    }

    /// A temporary folder with the passphrase file and a key of `type` made by openssl.
    func generated(_ type: PEMKeyType) throws -> (TempDir, passFile: String, base: String) {
        let dir = try TempDir()
        let passFile = try dir.write("pass", passphrase + "\n")
        return (dir, passFile, try type.generate(in: dir, name: "base.pem"))
    }

    @Test("keyport reads what openssl writes", arguments: PEMKeyType.allCases)
    func readsOpenSSL(_ type: PEMKeyType) throws {
        let (dir, passFile, base) = try generated(type)
        let (baseDocument, reference) = try readPrivate(base)
        #expect(baseDocument.format == .pkcs8)
        #expect(reference.publicKey.algorithm == type.algorithm)
        #expect(baseDocument.comment == "")
        let referenceSPKI = try opensslSPKI(base)
        #expect(try keyportSPKI(reference.publicKey) == referenceSPKI, "keyport's SPKI differs from openssl pkey -pubout")

        for variant in Self.variants(type) {
            let path = dir.path(variant.name)
            try openssl(variant.arguments(base, path, passFile))
            let document = try readOne(path)
            #expect(document.format == variant.format, "\(variant.name): format \(document.format)")
            if let cipher = variant.cipher {
                #expect(document.isLocked, "\(variant.name) should be locked")
                #expect(document.protection.cipherName == cipher, "\(variant.name): cipher \(document.protection.cipherName)")
                #expect(document.protection.kdfName == variant.kdf, "\(variant.name): kdf \(document.protection.kdfName)")
                #expect(document.details.contains(where: { $0.0 == "encryption" }))
            }
            if variant.isPublic {
                #expect(document.publicKey == reference.publicKey, "\(variant.name): public key differs")
                #expect(document.privateKey == nil)
            } else {
                let (_, key) = try readPrivate(path)
                expectSameKey(key, reference, variant.name)
            }
        }
    }

    @Test("EC key after an EC PARAMETERS block (openssl ecparam -genkey)")
    func ecParametersBlock() throws {
        let dir = try TempDir()
        let path = dir.path("ec.pem")
        try openssl(["ecparam", "-name", "secp384r1", "-genkey", "-out", path])
        #expect(try String(contentsOfFile: path, encoding: .utf8).hasPrefix("-----BEGIN EC PARAMETERS-----"))
        let (document, key) = try readPrivate(path)
        #expect(document.format == .pemTraditional)
        #expect(key.publicKey.algorithm == .ecdsaP384)
        #expect(try keyportSPKI(key.publicKey) == (try opensslSPKI(path)))
    }

    @Test("detection finds -----BEGIN anywhere in the first 4 KiB, and only there")
    func beginSearchCoversTheHead() {
        let begin = Array("-----BEGIN ".utf8)
        func at(_ offset: Int, total: Int = 5000) -> [UInt8] {
            var bytes = [UInt8](repeating: UInt8(ascii: "-"), count: total)
            bytes.replaceSubrange(offset..<offset + begin.count, with: begin)
            return bytes
        }
        #expect(PEMFormat.headHoldsBEGIN(begin))
        #expect(PEMFormat.headHoldsBEGIN(at(0)))
        #expect(PEMFormat.headHoldsBEGIN(at(1234)))
        #expect(PEMFormat.headHoldsBEGIN(at(4096 - begin.count)))
        #expect(!PEMFormat.headHoldsBEGIN(at(4096 - begin.count + 1)), "it ends past the head")
        #expect(!PEMFormat.headHoldsBEGIN(Array("-----BEGI".utf8)))
        #expect(!PEMFormat.headHoldsBEGIN([]))
        #expect(!PEMFormat.headHoldsBEGIN(Array("ssh-ed25519 AAAA -----BEGINX".utf8)))
    }

    @Test("several PEM blocks in one file are several keys")
    func severalBlocks() throws {
        let dir = try TempDir()
        let a = try PEMKeyType.p256.generate(in: dir, name: "a.pem"), b = try PEMKeyType.ed25519.generate(in: dir, name: "b.pem")
        let pub = try opensslSPKI(a)
        let combined = "notes\n" + (try String(contentsOfFile: a, encoding: .utf8)) + "between\n" + (try String(contentsOfFile: b, encoding: .utf8)) + pub
        let entries = try KeyFile.read(Array(combined.utf8))
        let documents = try entries.map { try $0.result.get() }
        #expect(documents.map(\.format) == [.pkcs8, .pkcs8, .spki])
        #expect(documents.map(\.line) == [2, 8, 11])
        #expect(documents[2].publicKey == documents[0].publicKey)
        #expect(documents[1].publicKey?.algorithm == .ed25519)
    }

    @Test("PKCS#8 v2 (OneAsymmetricKey with the public key) Ed25519 and Ed448, both tag forms")
    func oneAsymmetricKeyV2() throws {
        let dir = try TempDir()
        for type in [PEMKeyType.ed25519, .ed448] {
            let base = try type.generate(in: dir, name: "\(type).pem")
            let (_, reference) = try readPrivate(base)
            let der = dir.path("\(type).der")
            try openssl(["pkey", "-in", base, "-outform", "DER", "-out", der])
            let v1 = try fileBytes(der)
            // v1 is 30 len 020100 <AlgorithmIdentifier 7 bytes> <OCTET STRING>; the public key is the SPKI tail.
            guard case let .eddsa(publicKey) = reference.publicKey.parts else { Issue.record("not EdDSA"); continue }
            let body = Array(v1[5...])
            let implicit: [UInt8] = [0x81, UInt8(publicKey.count + 1), 0x00] + publicKey
            let explicit: [UInt8] = [0xA1, UInt8(publicKey.count + 3), 0x03, UInt8(publicKey.count + 1), 0x00] + publicKey
            for tail in [implicit, explicit] {
                let content: [UInt8] = [0x02, 0x01, 0x01] + body + tail
                let v2 = [0x30] + DERReader.encodeLength(content.count) + content
                let pem = PEMFormat.armour(v2, label: "PRIVATE KEY")
                let document = try #require(try KeyFile.read(pem).first).result.get()
                expectSameKey(try #require(document.privateKey), reference, "\(type) v2")
                var wrong = publicKey
                wrong[0] ^= 1
                let badTail = tail.dropLast(publicKey.count) + wrong
                let badContent: [UInt8] = [0x02, 0x01, 0x01] + body + badTail
                #expect(throws: KeyportError.keyMismatch("the public key stored in the PKCS#8 v2 structure is not the one of its private key")) {
                    try KeyFile.read(PEMFormat.armour([0x30] + DERReader.encodeLength(badContent.count) + badContent, label: "PRIVATE KEY"))
                }
            }
        }
    }

    // MARK: - keyport → openssl

    @Test("openssl reads what keyport writes", arguments: PEMKeyType.allCases)
    func opensslReadsKeyport(_ type: PEMKeyType) throws {
        let (dir, passFile, base) = try generated(type)
        let (_, key) = try readPrivate(base)
        let referenceSPKI = try opensslSPKI(base)
        let cases: [(OutputFormat, Bool, String)] = [
            (.pem, false, type.hasTraditionalForm ? "-----BEGIN \(type == .rsa ? "RSA" : type == .dsa ? "DSA" : "EC") PRIVATE KEY-----" : "-----BEGIN PRIVATE KEY-----"),
            (.pem, true, type.hasTraditionalForm ? "DEK-Info: AES-128-CBC," : "-----BEGIN ENCRYPTED PRIVATE KEY-----"),
            (.pkcs8, false, "-----BEGIN PRIVATE KEY-----"),
            (.pkcs8, true, "-----BEGIN ENCRYPTED PRIVATE KEY-----"),
        ]
        for (format, encrypted, marker) in cases {
            let name = "\(format.rawValue)\(encrypted ? "-enc" : "")"
            let options = EncodeOptions(passphrase: encrypted ? SecureBytes(passphrase) : nil)
            let encoded = try KeyFile.encode(key, to: format, options: options)
            #expect(encoded.isSecret)
            let unreadable = KeyFile.unreadableBy(key.publicKey.algorithm, in: format, isPrivate: true)
            #expect(encoded.warnings == (format == .pem && !type.hasTraditionalForm ? ["\(type.rawValue) has no traditional PEM form; wrote PKCS#8"] : []) + unreadable, "\(name)")
            #expect(unreadable.isEmpty == type.hasTraditionalForm, "\(name)")
            let text = String(decoding: encoded.bytes, as: UTF8.self)
            #expect(text.contains(marker), "\(name): expected \(marker)")
            let path = try write(dir, name, encoded.bytes)
            var check = ["pkey", "-check", "-noout", "-in", path]
            if encrypted { check += ["-passin", "file:\(passFile)"] }
            let checked = try openssl(check)
            #expect(checked.stdout.contains("Key is valid"), "\(name): \(checked.stdout)")
            #expect(try opensslSPKI(path, passFile: encrypted ? passFile : nil) == referenceSPKI, "\(name): openssl sees another public key")
            // And keyport reads its own output back.
            let (_, again) = try readPrivate(path)
            expectSameKey(again, key, name)
        }
        // Unencrypted PKCS#8 is byte-identical to what openssl genpkey wrote.
        #expect(try KeyFile.encode(key, to: .pkcs8, options: EncodeOptions()).bytes == (try fileBytes(base)))

        // Public outputs.
        let spkiPath = try write(dir, "pub.pem", try KeyFile.encode(key.publicKey, to: .pkcs8, options: EncodeOptions()).bytes)
        #expect(try opensslSPKI(spkiPath, publicIn: true) == referenceSPKI)
        let pemPublic = try KeyFile.encode(key.publicKey, to: .pem, options: EncodeOptions())
        let pemPublicText = String(decoding: pemPublic.bytes, as: UTF8.self)
        if type == .rsa {
            #expect(pemPublicText.hasPrefix("-----BEGIN RSA PUBLIC KEY-----"))
            let path = try write(dir, "pub-pkcs1.pem", pemPublic.bytes)
            #expect(try openssl(["rsa", "-RSAPublicKey_in", "-in", path, "-pubout"]).stdout == referenceSPKI)
        } else {
            #expect(pemPublicText == referenceSPKI)
        }
    }

    @Test("encryption parameters of what keyport writes")
    func writtenEncryptionParameters() throws {
        let dir = try TempDir()
        let (_, key) = try readPrivate(try PEMKeyType.p256.generate(in: dir, name: "k.pem"))
        let options = EncodeOptions(passphrase: SecureBytes(passphrase))
        let pkcs8 = try KeyFile.encode(key, to: .pkcs8, options: options)
        let document = try #require(try KeyFile.read(pkcs8.bytes).first).result.get()
        #expect(document.protection.cipherName == "AES-256-CBC")
        #expect(document.protection.kdfName == "PBKDF2-HMAC-SHA256")
        #expect(document.protection.parameters["iterations"] == String(PEMFormat.pbkdf2Iterations))
        #expect(document.protection.parameters["salt"]?.count == 32, "16-byte salt")
        // openssl agrees on the parameters.
        let path = try write(dir, "k8.pem", pkcs8.bytes)
        let parsed = try openssl(["asn1parse", "-in", path]).stdout
        var iterationsHex = String(PEMFormat.pbkdf2Iterations, radix: 16, uppercase: true)
        if iterationsHex.count % 2 == 1 { iterationsHex = "0" + iterationsHex }
        #expect(parsed.contains("hmacWithSHA256") && parsed.contains("aes-256-cbc") && parsed.contains("INTEGER           :\(iterationsHex)"), "\(parsed)")

        let legacy = try KeyFile.encode(key, to: .pem, options: options)
        let legacyDocument = try #require(try KeyFile.read(legacy.bytes).first).result.get()
        #expect(legacyDocument.protection.cipherName == "AES-128-CBC")
        #expect(legacyDocument.protection.kdfName == "MD5 (EVP_BytesToKey)")
        // An empty passphrase writes the key in the clear.
        let clear = try KeyFile.encode(key, to: .pkcs8, options: EncodeOptions(passphrase: SecureBytes("")))
        #expect(String(decoding: clear.bytes, as: UTF8.self).hasPrefix("-----BEGIN PRIVATE KEY-----"))
    }

    // MARK: - ssh-keygen

    @Test("ssh-keygen PEM and PKCS8 keys, both ways", arguments: [("rsa", 2048), ("ecdsa", 256), ("ecdsa", 384), ("ecdsa", 521), ("dsa", 1024)])
    func sshKeygenInterop(_ type: String, _ bits: Int) throws {
        let dir = try TempDir()
        let passFile = try dir.write("pass", passphrase + "\n")
        for (mode, encrypted, format, cipher) in [("PEM", false, FormatID.pemTraditional, nil), ("PEM", true, .pemTraditional, "AES-128-CBC"),
                                                  ("PKCS8", false, .pkcs8, nil), ("PKCS8", true, .pkcs8Encrypted, "AES-128-CBC")] as [(String, Bool, FormatID, String?)] {
            let name = "\(type)-\(mode)\(encrypted ? "-enc" : "")"
            let path = try sshKeygen(dir, name: name, type: type, bits: bits, passphrase: encrypted ? passphrase : "", extra: ["-m", mode])
            let document = try readOne(path)
            #expect(document.format == format, "\(name): \(document.format)")
            if let cipher { #expect(document.protection.cipherName == cipher, "\(name): \(document.protection.cipherName)") }
            let (_, key) = try readPrivate(path)
            let sshPublic = try Tool.run(sshKeygenPath, ["-y", "-P", encrypted ? passphrase : "", "-f", path])
            #expect(sshPublic.status == 0, "\(sshPublic.stderr)")
            let expectedLine = OpenSSHPublicFormat.encode(key.publicKey, comment: "").trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(sshPublic.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == expectedLine, "\(name)")

            // keyport → ssh-keygen: read back, and re-encrypt with ssh-keygen -p.
            for (out, withPass) in [(OutputFormat.pem, false), (.pem, true), (.pkcs8, false), (.pkcs8, true)] {
                let outName = "\(name)-keyport-\(out.rawValue)\(withPass ? "-enc" : "")"
                let encoded = try KeyFile.encode(key, to: out, options: EncodeOptions(passphrase: withPass ? SecureBytes(passphrase) : nil))
                let outPath = try write(dir, outName, encoded.bytes)
                try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: outPath)
                let y = try Tool.run(sshKeygenPath, ["-y", "-P", withPass ? passphrase : "", "-f", outPath])
                #expect(y.status == 0 && y.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == expectedLine, "ssh-keygen -y \(outName): \(y.stderr)")
            }
        }
        // Re-encryption by ssh-keygen -p of a keyport-written PEM file.
        let (_, key) = try readPrivate(try sshKeygen(dir, name: "p", type: type, bits: bits, extra: ["-m", "PEM"]))
        let written = try write(dir, "rekey", try KeyFile.encode(key, to: .pem, options: EncodeOptions(passphrase: SecureBytes(passphrase))).bytes)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: written)
        let rekey = try Tool.run(sshKeygenPath, ["-p", "-m", "PEM", "-P", passphrase, "-N", "another passphrase", "-f", written])
        #expect(rekey.status == 0, "ssh-keygen -p: \(rekey.stderr)")
        let rekeyed = try readOne(written)
        #expect(rekeyed.isLocked)
        let unlocked = try KeyFile.unlock(rekeyed, passphrase: SecureBytes("another passphrase"))
        expectSameKey(try #require(unlocked.privateKey), key, "after ssh-keygen -p")
        _ = passFile
    }

    @Test("ssh-keygen -e and -i with PEM and PKCS8 public keys", arguments: ["rsa", "ecdsa", "dsa"])
    func sshKeygenPublicExport(_ type: String) throws {
        let dir = try TempDir()
        let path = try sshKeygen(dir, name: "k", type: type)
        let opensshPublic = try readOne(path + ".pub")
        let publicKey = try #require(opensshPublic.publicKey)
        for (mode, output) in [("PEM", OutputFormat.pem), ("PKCS8", .pkcs8)] {
            let exported = try Tool.run(sshKeygenPath, ["-e", "-m", mode, "-f", path + ".pub"])
            #expect(exported.status == 0, "\(exported.stderr)")
            // keyport reads ssh-keygen's export and writes the very same bytes.
            let document = try #require(try KeyFile.read(Array(exported.stdoutBytes)).first).result.get()
            #expect(document.publicKey == publicKey)
            let mine = try KeyFile.encode(publicKey, to: output, options: EncodeOptions())
            #expect(String(decoding: mine.bytes, as: UTF8.self) == exported.stdout, "-e -m \(mode)")
            // ssh-keygen -i reads keyport's output.
            let file = try write(dir, "pub-\(mode)", mine.bytes)
            // ssh-keygen 9.2 writes SubjectPublicKeyInfo for -e -m PEM of non-RSA keys but cannot
            // import that with -i -m PEM ("unrecognised raw private key format"), even its own output.
            let importMode = type == "rsa" ? mode : "PKCS8"
            let imported = try Tool.run(sshKeygenPath, ["-i", "-m", importMode, "-f", file])
            #expect(imported.status == 0, "\(imported.stderr)")
            #expect(imported.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == OpenSSHPublicFormat.encode(publicKey, comment: "").trimmingCharacters(in: .whitespacesAndNewlines))
        }
    }

    // MARK: - Errors and warnings

    @Test("damaged base64 is a clear error")
    func damagedBase64() throws {
        let dir = try TempDir()
        var text = try String(contentsOfFile: try PEMKeyType.p256.generate(in: dir, name: "k.pem"), encoding: .utf8)
        let index = text.index(text.startIndex, offsetBy: 40)
        text.replaceSubrange(index...index, with: "*")
        #expect(throws: KeyportError.malformed(format: "PEM", field: "lines 2-4", reason: "the PRIVATE KEY body is not valid base64 (damaged file?)")) {
            try KeyFile.read(Array(text.utf8))
        }
    }

    @Test("a body that does not match its label, or a label that is not a key")
    func wrongLabel() throws {
        let dir = try TempDir()
        let text = try String(contentsOfFile: try PEMKeyType.rsa.generate(in: dir, name: "k.pem"), encoding: .utf8)
        let relabelled = text.replacingOccurrences(of: "PRIVATE KEY", with: "RSA PRIVATE KEY")
        #expect(throws: KeyportError.malformed(format: "PEM RSA PRIVATE KEY", field: "label", reason: "the label says RSA PRIVATE KEY but the content is a PKCS#8 PrivateKeyInfo")) {
            try KeyFile.read(Array(relabelled.utf8))
        }
        let certificate = text.replacingOccurrences(of: "PRIVATE KEY", with: "CERTIFICATE")
        do {
            _ = try KeyFile.read(Array(certificate.utf8))
            Issue.record("a CERTIFICATE block was accepted")
        } catch let KeyportError.unsupported(message, _) {
            #expect(message.contains("\"CERTIFICATE\" (line 1) is not a key"))
        }
        let mismatchedEnd = text.replacingOccurrences(of: "END PRIVATE KEY", with: "END PUBLIC KEY")
        #expect(throws: KeyportError.self) { try KeyFile.read(Array(mismatchedEnd.utf8)) }
        let noEnd = text.components(separatedBy: "-----END")[0]
        #expect(throws: KeyportError.truncated(format: "PEM", field: "the END line of PRIVATE KEY (begun on line 1)")) { try KeyFile.read(Array(noEnd.utf8)) }
    }

    @Test("DER with trailing bytes, and DER that is not a key")
    func derErrors() throws {
        let dir = try TempDir()
        let base = try PEMKeyType.p256.generate(in: dir, name: "k.pem")
        let der = dir.path("k.der")
        try openssl(["pkey", "-in", base, "-outform", "DER", "-out", der])
        let bytes = try fileBytes(der)
        #expect(try KeyFile.read(bytes).count == 1)
        #expect(throws: KeyportError.malformed(format: "DER", field: "DER", reason: "2 trailing bytes after the key structure")) {
            try KeyFile.read(bytes + [0, 0])
        }
        #expect(throws: KeyportError.truncated(format: "DER", field: "outer SEQUENCE")) { try KeyFile.read(Array(bytes.dropLast(3))) }
        let notKey: [UInt8] = [0x30, 0x06, 0x01, 0x01, 0xFF, 0x01, 0x01, 0x00]
        #expect(throws: KeyportError.malformed(format: "DER", field: "DER", reason: "not a key structure keyport knows (PKCS#1, SEC1, PKCS#8, SubjectPublicKeyInfo)")) {
            try KeyFile.read(notKey)
        }
    }

    @Test("writing warns about the comment; sk keys and certificates cannot be PEM")
    func writeWarningsAndRefusals() throws {
        let dir = try TempDir()
        let (_, key) = try readPrivate(try PEMKeyType.rsa.generate(in: dir, name: "k.pem"))
        let encoded = try KeyFile.encode(key, to: .pem, options: EncodeOptions(comment: "me@host"))
        #expect(encoded.warnings == ["PEM has no comment; the comment was dropped"])

        let sk = try readOne(try sshKeygen(dir, name: "sk", type: "ed25519") + ".pub")
        let skKey = PublicKey(algorithm: .skEd25519, parts: .securityKeyEd25519(publicKey: [UInt8](repeating: 7, count: 32), application: "ssh:"))
        for format in [OutputFormat.pem, .pkcs8] {
            #expect(throws: KeyportError.cannotEncode("sk-ssh-ed25519@openssh.com is a security-key (FIDO) key, which has no PEM or PKCS#8 form", remedy: .writeOpenSSH)) {
                try KeyFile.encode(skKey, to: format, options: EncodeOptions())
            }
        }
        let skPrivate = PrivateKey(publicKey: skKey, secret: .securityKey(flags: 1, keyHandle: SecureBytes([1, 2, 3]), reserved: []))
        #expect(throws: KeyportError.self) { try KeyFile.encode(skPrivate, to: .pkcs8, options: EncodeOptions()) }

        // A certificate: sign the ed25519 key with a CA made here.
        let ca = try sshKeygen(dir, name: "ca", type: "ed25519")
        let signed = try Tool.run(sshKeygenPath, ["-q", "-s", ca, "-I", "id", "-n", "u", dir.path("sk.pub")])
        #expect(signed.status == 0, "\(signed.stderr)")
        let certificate = try #require(try readOne(dir.path("sk-cert.pub")).publicKey)
        #expect(certificate.certificate != nil)
        #expect(throws: KeyportError.cannotEncode("an OpenSSH certificate has no PEM form", remedy: .writeOpenSSHWithoutCertificate)) {
            try KeyFile.encode(certificate, to: .pkcs8, options: EncodeOptions())
        }
        _ = sk
    }

    @Test("unsupported key types in PKCS#8 say what they are")
    func unsupportedKeyTypes() throws {
        let dir = try TempDir()
        let path = dir.path("x.pem")
        try openssl(["genpkey", "-algorithm", "X25519", "-out", path])
        #expect(throws: KeyportError.unsupported("X25519 key: no SSH key type exists for it", reason: .keyType)) { try KeyFile.read(try fileBytes(path)) }
        let k1 = dir.path("k1.pem")
        try openssl(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:secp256k1", "-out", k1])
        #expect(throws: KeyportError.unsupported("EC curve secp256k1 has no SSH key type; SSH uses P-256, P-384 and P-521", reason: .keyType)) { try KeyFile.read(try fileBytes(k1)) }
    }

    // MARK: - Fixtures

    @Test("committed fixtures match their manifest")
    func fixtures() throws {
        let directory = fixturesURL.appendingPathComponent("pem")
        var checked = 0
        // file | format | cipher or - | passphrase or - | OpenSSH public line
        for (fields, bytes) in try manifestFiles(directory, "manifest.txt", fields: 5) {
            let documents = try KeyFile.read(bytes).map { try $0.result.get() }
            var document = try #require(documents.last)
            #expect(document.format.rawValue == fields[1], "\(fields[0])")
            if fields[2] != "-" {
                #expect(document.protection.cipherName == fields[2], "\(fields[0])")
                document = try KeyFile.unlock(document, passphrase: SecureBytes(fields[3]))
            }
            if let key = document.privateKey { try key.validate() }
            let publicKey = try #require(document.publicKey)
            #expect(OpenSSHPublicFormat.encode(publicKey, comment: "").trimmingCharacters(in: .whitespacesAndNewlines) == fields[4], "\(fields[0])")
            checked += 1
        }
        #expect(checked >= 6)
    }
}
