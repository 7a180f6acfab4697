import Foundation
import Testing
@testable import Keyport
@testable import KeyportCLI

// PPK v2/v3: FORMATS.md §4.7 vectors, puttygen-made fixtures (Fixtures/ppk), interop both ways with the
// real puttygen on keys it makes during the run, and the error cases.

private let vectorPublic = "AAAAC3NzaC1lZDI1NTE5AAAAIK4OYqfdDq5sHUENLPm9MZmpwBVVFzS/kuOWhYEx6h1v"
private let vectorSeed = "a5001bd843bdacd77ac1a72058dc23f2774ad3227eb897a63ad2aec65e233771"

/// The head every vector shares: the version, the encryption, the comment and the public lines.
private func vectorHead(version: Int, encryption: String) -> String {
    """
    PuTTY-User-Key-File-\(version): ssh-ed25519
    Encryption: \(encryption)
    Comment: p-ed25519
    Public-Lines: 2
    AAAAC3NzaC1lZDI1NTE5AAAAIK4OYqfdDq5sHUENLPm9MZmpwBVVFzS/kuOWhYEx
    6h1v

    """
}

private let vectorV3 = vectorHead(version: 3, encryption: "aes256-cbc") + """
Key-Derivation: Argon2id
Argon2-Memory: 8192
Argon2-Passes: 13
Argon2-Parallelism: 1
Argon2-Salt: b9a54518f2059bf538b648000dc67583
Private-Lines: 1
mHeqqoSBDNqn8TrzqI+xckzVZRTqT7plmud+/oQx23bSHDwhttg7ACqs5IVePgtY
Private-MAC: 079d04d736da02afb4a41ce3364cd84d4e8e6eeb035c89c926c31f54eb170693

"""

private let vectorV2 = vectorHead(version: 2, encryption: "aes256-cbc") + """
Private-Lines: 1
Yr719rwBfeW3WYgqLU1rJLiZ9y7pffO5cVZb8ym7MZd0XOuN6Q8B8VF3CivIEiI4
Private-MAC: 2fd3a215abeb71b5863f8110f719afd84fff3c6b

"""

/// The unencrypted v3 form of the same key: private blob and MAC from FORMATS.md §4.7.
private let vectorV3Plain = vectorHead(version: 3, encryption: "none") + """
Private-Lines: 1
\(Base64.encode(Hex.decode("00000020" + vectorSeed)!))
Private-MAC: 6c3631a357e850df8a518850c4b14958f1fdd851dfb94ccfcb17999dbe8d768f

"""

private let puttypass = SecureBytes("puttypass")

private func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

/// Runs decode (and unlock when locked) and returns the error, if any.
private func readError(_ file: [UInt8], passphrase: String? = "puttypass") -> KeyportError? {
    do {
        let doc = try PPKFormat.decode(file)[0]
        if doc.isLocked, let passphrase { _ = try KeyFile.unlock(doc, passphrase: SecureBytes(passphrase)) }
        return nil
    } catch let error as KeyportError {
        return error
    } catch {
        Issue.record("unexpected error type \(error)")
        return nil
    }
}

private func seed(_ key: PrivateKey?) -> String? {
    if case let .eddsa(seed)? = key?.secret { return Hex.encode(seed.bytes) }
    return nil
}

// MARK: - Vectors

@Suite struct PPKVectorTests {
    @Test func v3EncryptedVectorDecodesLockedWithDetails() throws {
        let doc = try #require(PPKFormat.decode(bytes(vectorV3)).first)
        #expect(doc.isLocked)
        #expect(doc.format == .ppk)
        #expect(doc.comment == "p-ed25519")
        #expect(doc.publicKey.map { Base64.encode($0.blob) } == vectorPublic)
        #expect(doc.protection == Protection(cipher: .aes(keyBits: 256, mode: .cbc), kdf: .argon2(Argon2Parameters(
            flavor: .argon2id, memory: 8192, passes: 13, parallelism: 1, salt: Hex.decode("b9a54518f2059bf538b648000dc67583")!))))
        #expect(doc.protection.cipherName == "aes256-cbc" && doc.protection.kdfName == "Argon2id")
        #expect(doc.formatVersion == 3)
        let details = Dictionary(uniqueKeysWithValues: doc.details)
        #expect(details["ppk version"] == "3")
        #expect(details["encryption"] == "aes256-cbc")
        #expect(details["kdf"] == "Argon2id")
        #expect(details["argon2 memory"] == "8192 KiB")
        #expect(details["argon2 passes"] == "13")
        #expect(details["argon2 parallelism"] == "1")
        #expect(details["argon2 salt"] == "b9a54518f2059bf538b648000dc67583")
        #expect(doc.sealed != nil)

        let unlocked = try KeyFile.unlock(doc, passphrase: puttypass)
        #expect(seed(unlocked.privateKey) == vectorSeed)
        #expect(unlocked.comment == "p-ed25519")
    }

    @Test func v3DerivedKeysMatchTheVector() throws {
        var params = Argon2Parameters(flavor: .argon2id, memory: 8192, passes: 13, parallelism: 1,
                                      salt: Hex.decode("b9a54518f2059bf538b648000dc67583")!)
        let keys = try PPKFormat.deriveV3(argon2: &params, passphrase: puttypass)
        #expect(keys.cipherKey.map { Hex.encode($0.bytes) } == "ecf126f08370842fccf77f344ced8dcb8198b027e4a866eccad6c3377ed3225b")
        #expect(keys.iv.map { Hex.encode($0.bytes) } == "d6c4b95eacd4ab7e3e6863038f296b01")
        #expect(Hex.encode(keys.macKey.bytes) == "e2f56f55c39b27132eb4bf68ea26fa8162623d24c3190a31d2f8822141c34078")
    }

    @Test func v2DerivedKeysMatchTheVector() {
        let keys = PPKFormat.deriveV2(passphrase: puttypass, encrypted: true)
        #expect(keys.cipherKey.map { Hex.encode($0.bytes) } == "deaa825f740d099446258e97e1a2e7ac00cc0e0dd0248f34a81203121d4922ff")
        #expect(keys.iv.map { $0.bytes } == [UInt8](repeating: 0, count: 16))
        #expect(Hex.encode(keys.macKey.bytes) == "717a986a6cca81d9d02d6f0df104c21f4467286c")
    }

    @Test func v3EncryptedVectorReencodesByteIdentical() throws {
        let key = try #require(KeyFile.unlock(try PPKFormat.decode(bytes(vectorV3))[0], passphrase: puttypass).privateKey)
        let params = Argon2Parameters(flavor: .argon2id, memory: 8192, passes: 13, parallelism: 1,
                                      salt: Hex.decode("b9a54518f2059bf538b648000dc67583")!)
        let out = try PPKFormat.encode(key, comment: "p-ed25519", passphrase: puttypass, version: 3, argon2: params)
        #expect(String(decoding: out, as: UTF8.self) == vectorV3)
        // The same through the public entry point, with the salt passed in the options.
        let viaOptions = try KeyFile.encode(key, to: .ppk, options: EncodeOptions(comment: "p-ed25519", passphrase: puttypass, ppkArgon2: params))
        #expect(viaOptions.bytes == bytes(vectorV3))
        #expect(viaOptions.isSecret)
    }

    @Test func v2VectorDecodesAndReencodesByteIdentical() throws {
        let doc = try PPKFormat.decode(bytes(vectorV2))[0]
        #expect(doc.isLocked)
        #expect(doc.protection.kdfName.contains("SHA-1"))
        let key = try #require(try KeyFile.unlock(doc, passphrase: puttypass).privateKey)
        #expect(seed(key) == vectorSeed)
        let out = try KeyFile.encode(key, to: .ppk, options: EncodeOptions(comment: "p-ed25519", passphrase: puttypass, ppkVersion: 2))
        #expect(String(decoding: out.bytes, as: UTF8.self) == vectorV2)
    }

    @Test func v3UnencryptedVectorDecodesStraightToPrivateKey() throws {
        let doc = try PPKFormat.decode(bytes(vectorV3Plain))[0]
        #expect(!doc.isLocked)
        #expect(doc.protection == .none)
        #expect(seed(doc.privateKey) == vectorSeed)
        #expect(doc.sealed == nil)
        let key = try #require(doc.privateKey)
        let out = try KeyFile.encode(key, to: .ppk, options: EncodeOptions(comment: "p-ed25519"))
        #expect(String(decoding: out.bytes, as: UTF8.self) == vectorV3Plain)
        // An empty passphrase writes an unencrypted file, as puttygen does.
        let empty = try KeyFile.encode(key, to: .ppk, options: EncodeOptions(comment: "p-ed25519", passphrase: SecureBytes("")))
        #expect(empty.bytes == bytes(vectorV3Plain))
    }

    @Test func lineEndsCRLFAndCRRead() throws {
        for ending in ["\r\n", "\r"] {
            let text = vectorV3Plain.replacingOccurrences(of: "\n", with: ending)
            let doc = try PPKFormat.decode(bytes(text))[0]
            #expect(seed(doc.privateKey) == vectorSeed)
            #expect(doc.observations.contains { $0.code.rawValue == "ppk-crlf" })
        }
    }

    @Test func detectionRoutesToPPK() throws {
        let entries = try KeyFile.read(bytes(vectorV3))
        #expect(entries.count == 1)
        let doc = try entries[0].result.get()
        #expect(doc.format == .ppk)
        let unlocked = try KeyFile.unlock(doc, passphrase: puttypass)
        #expect(seed(unlocked.privateKey) == vectorSeed)
    }
}

// MARK: - Errors

@Suite struct PPKErrorTests {
    @Test func damagedMACOnUnencryptedFileIsIntegrityFailure() {
        let damaged = vectorV3Plain.replacingOccurrences(of: "Private-MAC: 6c36", with: "Private-MAC: 6c37")
        #expect(readError(bytes(damaged)) == .integrityCheckFailed("PPK MAC check failed: the file is damaged"))
        let comment = vectorV3Plain.replacingOccurrences(of: "Comment: p-ed25519", with: "Comment: p-ed25518")
        #expect(readError(bytes(comment)) == .integrityCheckFailed("PPK MAC check failed: the file is damaged"))
    }

    @Test func wrongPassphraseIsWrongPassphrase() {
        #expect(readError(bytes(vectorV3), passphrase: "not-it") == .wrongPassphrase)
        #expect(readError(bytes(vectorV2), passphrase: "not-it") == .wrongPassphrase)
        #expect(readError(bytes(vectorV3), passphrase: "") == .wrongPassphrase)
    }

    @Test func damagedEncryptedFileWithTheRightPassphraseSaysDamaged() {
        for (file, from, to) in [(vectorV3, "Private-MAC: 079d", "Private-MAC: 079e"),
                                 (vectorV2, "Comment: p-ed25519", "Comment: p-ed25519x")] {
            let error = readError(bytes(file.replacingOccurrences(of: from, with: to)))
            guard case let .integrityCheckFailed(message)? = error else {
                Issue.record("expected integrityCheckFailed, got \(String(describing: error))")
                continue
            }
            #expect(message.contains("damaged"))
            #expect(message.contains("passphrase decrypts"))
        }
    }

    @Test func truncatedPrivateLinesIsTruncated() {
        // The file ends inside the private lines.
        let cut = String(vectorV3.prefix(upTo: vectorV3.range(of: "mHeqqo")!.lowerBound))
        let error = readError(bytes(cut))
        guard case let .truncated(format, field)? = error else { Issue.record("got \(String(describing: error))"); return }
        #expect(format == "PPK")
        #expect(field.contains("Private-Lines"))
        // A count larger than the lines present runs into the MAC header.
        let more = vectorV3.replacingOccurrences(of: "Private-Lines: 1", with: "Private-Lines: 3")
        guard case let .malformed(_, field2, reason)? = readError(bytes(more)) else { Issue.record("expected malformed"); return }
        #expect(field2 == "Private-Lines")
        #expect(reason.contains("3 lines announced but only 1"))
    }

    @Test func lyingPublicLinesCountsAreNamed() {
        let tooMany = vectorV3.replacingOccurrences(of: "Public-Lines: 2", with: "Public-Lines: 4")
        guard case let .malformed(_, field, reason)? = readError(bytes(tooMany)) else { Issue.record("expected malformed"); return }
        #expect(field == "Public-Lines")
        #expect(reason.contains("4 lines announced but only 2"))

        let tooFew = vectorV3.replacingOccurrences(of: "Public-Lines: 2", with: "Public-Lines: 1")
        let error = readError(bytes(tooFew))
        guard case let .malformed(_, field2, reason2)? = error else { Issue.record("expected malformed, got \(String(describing: error))"); return }
        #expect(field2 == "Public-Lines")
        #expect(reason2.contains("more base64 lines follow"))

        let tooFewPlain = vectorV3Plain.replacingOccurrences(of: "Public-Lines: 2", with: "Public-Lines: 1")
        guard case let .malformed(_, field3, _)? = readError(bytes(tooFewPlain)) else { Issue.record("expected malformed"); return }
        #expect(field3 == "Public-Lines")
    }

    @Test func obsoleteAndFutureVersionsAreNamed() {
        let v1 = "PuTTY-User-Key-File-1: ssh-rsa\nEncryption: none\nComment: old\nPublic-Lines: 0\nPrivate-Lines: 0\nPrivate-Hash: 00\n"
        guard case let .unsupported(message, _)? = readError(bytes(v1)) else { Issue.record("expected unsupported"); return }
        #expect(message.hasPrefix("PPK version 1: obsolete"))
        let v4 = vectorV3.replacingOccurrences(of: "File-3", with: "File-4")
        guard case let .unsupported(message4, _)? = readError(bytes(v4)) else { Issue.record("expected unsupported"); return }
        #expect(message4.contains("version 4"))
    }

    @Test func sshOneKeyIsNamedNotGarbage() throws {
        let ssh1 = try Data(contentsOf: fixturesURL.appendingPathComponent("ppk/rsa1-ssh1.key"))
        #expect(throws: KeyportError.unsupported("SSH-1 key: obsolete, not supported for conversion", reason: .ssh1)) {
            try KeyFile.read(Array(ssh1))
        }
    }

    @Test func headerProblemsAreMalformedOrUnsupported() {
        let cases: [(String, String)] = [
            ("Encryption: aes256-cbc", "Encryption: 3des-cbc"),
            ("Key-Derivation: Argon2id", "Key-Derivation: scrypt"),
            ("Argon2-Memory: 8192", "Argon2-Memory: lots"),
            ("Argon2-Salt: b9a5", "Argon2-Salt: zz"),
            ("Comment: p-ed25519", "Kommentar: p-ed25519"),
            ("PuTTY-User-Key-File-3: ssh-ed25519", "PuTTY-User-Key-File-3: ssh-rsa"),
            ("Private-MAC: 079d04d736da02afb4a41ce3364cd84d4e8e6eeb035c89c926c31f54eb170693", "Private-MAC: 079d"),
            ("mHeqqoSBDNqn8T", "mHeq!oSBDNqn8T"),
        ]
        for (from, to) in cases {
            let error = readError(bytes(vectorV3.replacingOccurrences(of: from, with: to)))
            switch error {
            case .malformed?, .unsupported?, .truncated?: break
            default: Issue.record("\(to): got \(String(describing: error))")
            }
        }
    }

    @Test func hostileArgon2ParametersAreRefusedBeforeAllocating() {
        let huge = vectorV3.replacingOccurrences(of: "Argon2-Memory: 8192", with: "Argon2-Memory: 4294967295")
        guard case let .unsupported(message, _)? = readError(bytes(huge)) else { Issue.record("expected unsupported"); return }
        #expect(message.contains("Argon2 memory"))
        let shortSalt = vectorV3.replacingOccurrences(of: "Argon2-Salt: b9a54518f2059bf538b648000dc67583", with: "Argon2-Salt: b9a5")
        // Below libargon2's minimum: damaged input in words, not a crypto-library failure (issue 14.12).
        guard case let .malformed(_, _, text)? = readError(bytes(shortSalt)) else { Issue.record("expected malformed"); return }
        #expect(text.contains("Salt"))
        let zeroPasses = vectorV3.replacingOccurrences(of: "Argon2-Passes: 13", with: "Argon2-Passes: 0")
        guard case .malformed? = readError(bytes(zeroPasses)) else { Issue.record("expected malformed"); return }
    }

    @Test func leadingBlankLinesAreReadAndNoted() throws {
        let doc = try PPKFormat.decode(bytes("\n  \n" + vectorV3Plain))[0]
        #expect(seed(doc.privateKey) == vectorSeed)
        #expect(doc.observations.contains { $0.code.rawValue == "ppk-leading-whitespace" })
    }

    @Test func everyTruncationThrowsAKeyportError() {
        let full = bytes(vectorV3Plain)
        for length in 0..<full.count - 1 {
            do {
                let doc = try PPKFormat.decode(Array(full.prefix(length)))[0]
                // Only the final newline may go.
                #expect(length >= full.count - 1, "decoded at \(length): \(doc.format)")
            } catch is KeyportError {
            } catch {
                Issue.record("non-keyport error at \(length): \(error)")
            }
        }
    }

    @Test func securityKeysAndBadOptionsCannotBeWritten() throws {
        let key = try #require(try PPKFormat.decode(bytes(vectorV3Plain))[0].privateKey)
        #expect(throws: KeyportError.self) { try KeyFile.encode(key, to: .ppk, options: EncodeOptions(ppkVersion: 4)) }
        #expect(throws: KeyportError.self) { try KeyFile.encode(key, to: .ppk, options: EncodeOptions(comment: "two\nlines")) }
        let sk = PrivateKey(publicKey: PublicKey(algorithm: .skEd25519, parts: .securityKeyEd25519(publicKey: [UInt8](repeating: 1, count: 32), application: "ssh:")),
                            secret: .securityKey(flags: 1, keyHandle: SecureBytes([1, 2]), reserved: []))
        #expect(throws: KeyportError.self) { try KeyFile.encode(sk, to: .ppk, options: EncodeOptions()) }
    }
}

// MARK: - Parameters

@Suite struct PPKParameterTests {
    @Test func parsesPuttygenStyleParameters() throws {
        let p = try PPKParam.parse("passes=5,memory=4096,parallelism=2,kdf=argon2i")
        #expect(p == Argon2Parameters(flavor: .argon2i, memory: 4096, passes: 5, parallelism: 2))
        let q = try PPKParam.parse("kdf=Argon2d, mem=1024")
        #expect(q.flavor == .argon2d)
        #expect(q.memory == 1024)
        #expect(q.passes == 0) // tuned when written
        #expect(q.parallelism == 1)
    }

    @Test(arguments: ["passes=0", "memory=x", "kdf=scrypt", "salt=00", "time=100", "version=2", "passes", "",
                      "memory=8,parallelism=2", "parallelism=0"])
    func rejectsBadParameters(_ text: String) {
        #expect {
            try PPKParam.parse(text)
        } throws: { error in
            if case .usage? = error as? KeyportError { return true }
            return false
        }
    }

    @Test func defaultV3TunesPassesLikePuttygen() throws {
        let key = try #require(try PPKFormat.decode(bytes(vectorV3Plain))[0].privateKey)
        let out = try KeyFile.encode(key, to: .ppk, options: EncodeOptions(comment: "tuned", passphrase: puttypass))
        let doc = try PPKFormat.decode(out.bytes)[0]
        #expect(doc.protection.kdfName == "Argon2id")
        #expect(doc.protection.parameters["memory"] == "8192")
        #expect(doc.protection.parameters["parallelism"] == "1")
        let passes = Int(doc.protection.parameters["passes"] ?? "") ?? 0
        let fibonacci: Set = [1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 144]
        #expect(fibonacci.contains(passes), "passes \(passes)")
        #expect(doc.protection.parameters["salt"]?.count == 32)
        #expect(seed(try KeyFile.unlock(doc, passphrase: puttypass).privateKey) == vectorSeed)
    }

    @Test func warnsWhenArgon2ParametersDoNotApply() throws {
        let key = try #require(try PPKFormat.decode(bytes(vectorV3Plain))[0].privateKey)
        let v2 = try KeyFile.encode(key, to: .ppk, options: EncodeOptions(passphrase: puttypass, ppkVersion: 2, ppkArgon2: Argon2Parameters(passes: 1)))
        #expect(v2.warnings.count == 1)
        let plain = try KeyFile.encode(key, to: .ppk, options: EncodeOptions(ppkArgon2: Argon2Parameters(passes: 1)))
        #expect(plain.warnings.count == 1)
    }
}

// MARK: - Fixtures made by puttygen

@Suite struct PPKFixtureTests {
    struct Entry: Sendable { var file, publicLine, fingerprint: String }

    static let manifest: [Entry] = {
        guard let text = try? String(contentsOf: fixturesURL.appendingPathComponent("ppk/MANIFEST"), encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { line in
            let f = line.split(separator: "\t").map(String.init)
            return f.count == 3 ? Entry(file: f[0], publicLine: f[1], fingerprint: f[2]) : nil
        }
    }()

    @Test func manifestIsThere() { #expect(Self.manifest.count == 6) }

    @Test(arguments: manifest.map(\.file))
    func fixtureReadsAndReencodesByteIdentical(_ name: String) throws {
        let entry = try #require(Self.manifest.first { $0.file == name })
        let original = Array(try Data(contentsOf: fixturesURL.appendingPathComponent("ppk/\(name)")))
        let doc = try PPKFormat.decode(original)[0]
        let parts = entry.publicLine.split(separator: " ", maxSplits: 2).map(String.init)
        #expect(doc.publicKey.map { Base64.encode($0.blob) } == parts[1])
        #expect(doc.comment == parts[2])
        let unlocked = try KeyFile.unlock(doc, passphrase: puttypass)
        let key = try #require(unlocked.privateKey)
        try key.validate()

        var argon2 = Argon2Parameters()
        if let a = doc.protection.parameters["salt"] {
            argon2 = Argon2Parameters(flavor: Argon2Parameters.Flavor(rawValue: doc.protection.kdfName)!,
                                      memory: Int(doc.protection.parameters["memory"]!)!, passes: Int(doc.protection.parameters["passes"]!)!,
                                      parallelism: Int(doc.protection.parameters["parallelism"]!)!, salt: Hex.decode(a)!)
        }
        let version = Int(Dictionary(uniqueKeysWithValues: doc.details)["ppk version"] ?? "") ?? 0
        let again = try PPKFormat.encode(key, comment: doc.comment, passphrase: doc.protection.isEncrypted ? puttypass : nil,
                                         version: version, argon2: argon2)
        #expect(again == original, "re-encoded \(name) differs")
    }

    @Test func crlfFixtureReadsLikeItsLFOriginal() throws {
        let lf = try PPKFormat.decode(Array(try Data(contentsOf: fixturesURL.appendingPathComponent("ppk/ed25519-v3-argon2id.ppk"))))[0]
        let crlf = try PPKFormat.decode(Array(try Data(contentsOf: fixturesURL.appendingPathComponent("ppk/ed25519-v3-argon2id-crlf.ppk"))))[0]
        #expect(lf.publicKey == crlf.publicKey)
        #expect(lf.comment == crlf.comment)
        let a = try KeyFile.unlock(lf, passphrase: puttypass), b = try KeyFile.unlock(crlf, passphrase: puttypass)
        #expect(seed(a.privateKey) == seed(b.privateKey))
    }
}

// MARK: - Interop with puttygen

/// The secret fields of an unencrypted openssh-key-v1 file as puttygen writes it, to compare with
/// what keyport read from the PPK. Layout: FORMATS.md §3.2-3.3.
private func opensshSecrets(_ text: String) throws -> (publicBlob: [UInt8], comment: String, secrets: [[UInt8]]) {
    let body = text.split(separator: "\n").filter { !$0.hasPrefix("-----") }.joined()
    var r = SSHReader(try #require(Base64.decode(body)), context: "openssh test reader")
    #expect(try r.readRaw(15, "magic") == Array("openssh-key-v1\0".utf8))
    #expect(try r.readText("cipher") == "none")
    _ = try r.readString("kdf"); _ = try r.readString("kdf options"); _ = try r.readUInt32("nkeys")
    let publicBlob = try r.readString("public")
    var p = SSHReader(try r.readString("private"), context: "openssh private section")
    #expect(try p.readUInt32("check1") == (try p.readUInt32("check2")))
    let type = try p.readText("type")
    var secrets: [[UInt8]] = []
    switch type {
    case "ssh-rsa":
        _ = try p.readMPInt("n"); _ = try p.readMPInt("e")
        let d = try p.readMPInt("d"), iqmp = try p.readMPInt("iqmp"), pp = try p.readMPInt("p"), q = try p.readMPInt("q")
        secrets = [d, pp, q, iqmp]
    case "ssh-dss":
        for _ in 0..<4 { _ = try p.readMPInt("pub") }
        secrets = [try p.readMPInt("x")]
    case let t where t.hasPrefix("ecdsa-sha2-"):
        _ = try p.readString("curve"); _ = try p.readString("Q")
        secrets = [try p.readMPInt("d")]
    case "ssh-ed25519", "ssh-ed448":
        _ = try p.readString("pk")
        let sk = try p.readString("sk")
        secrets = [Array(sk.prefix(type == "ssh-ed25519" ? 32 : 57))]
    default:
        Issue.record("unexpected type \(type)")
    }
    return (publicBlob, try p.readText("comment"), secrets)
}

private func secrets(_ key: PrivateKey) -> [[UInt8]] {
    switch key.secret {
    case let .rsa(d, p, q, iqmp): return [d.bytes, p.bytes, q.bytes, iqmp.bytes].map { Array($0.drop(while: { $0 == 0 })) }
    case let .dsa(x): return [Array(x.bytes.drop(while: { $0 == 0 }))]
    case let .ecdsa(d): return [Array(d.bytes.drop(while: { $0 == 0 }))]
    case let .eddsa(seed): return [seed.bytes]
    case .securityKey: return []
    }
}

struct PPKInteropCase: Sendable, CustomTestStringConvertible {
    var type: String
    var bits: Int?
    var version: Int
    /// nil: unencrypted.
    var flavor: Argon2Parameters.Flavor?
    var parallelism = 1

    var testDescription: String { "\(type)\(bits.map { "-\($0)" } ?? "") v\(version) \(flavor?.rawValue ?? (version == 2 ? "aes" : "plain"))" }
    var encrypted: Bool { flavor != nil }
    var ppkParam: String {
        guard version == 3, let flavor else { return "version=\(version)" }
        return "version=3,kdf=\(flavor.rawValue.lowercased()),memory=1024,passes=1,parallelism=\(parallelism)"
    }

    static let all: [PPKInteropCase] = {
        let types: [(String, Int?)] = [("rsa", 1024), ("dsa", 1024), ("ecdsa", 256), ("ecdsa", 384), ("ecdsa", 521), ("ed25519", nil), ("ed448", nil)]
        var cases: [PPKInteropCase] = []
        for (type, bits) in types {
            cases.append(PPKInteropCase(type: type, bits: bits, version: 2, flavor: nil))
            cases.append(PPKInteropCase(type: type, bits: bits, version: 2, flavor: .argon2id)) // v2 encrypted: the flavour is unused
            cases.append(PPKInteropCase(type: type, bits: bits, version: 3, flavor: nil))
            cases.append(PPKInteropCase(type: type, bits: bits, version: 3, flavor: .argon2id))
            cases.append(PPKInteropCase(type: type, bits: bits, version: 3, flavor: .argon2i))
            cases.append(PPKInteropCase(type: type, bits: bits, version: 3, flavor: .argon2d, parallelism: 2))
        }
        return cases
    }()
}

@Suite struct PPKInteropTests {
    static let puttygen = "/usr/bin/puttygen"

    @Test(arguments: PPKInteropCase.all)
    func bothWaysWithPuttygen(_ c: PPKInteropCase) throws {
        let dir = try TempDir()
        let pass = try dir.write("pass", c.encrypted ? "interop pass" : "")
        let none = try dir.write("none", "")
        let comment = "interop \(c.testDescription)"
        var gen = ["-q", "-t", c.type, "-C", comment, "--new-passphrase", pass, "--ppk-param", c.ppkParam, "-o", dir.path("a.ppk")]
        if let bits = c.bits { gen += ["-b", String(bits)] }
        let made = try Tool.run(Self.puttygen, gen)
        try #require(made.status == 0, "puttygen: \(made.stderr)")
        let theirs = try Tool.run(Self.puttygen, [dir.path("a.ppk"), "--old-passphrase", pass, "-O", "private-openssh-new", "--new-passphrase", none, "-o", dir.path("a.ossh")])
        try #require(theirs.status == 0, "puttygen -O: \(theirs.stderr)")
        let reference = try opensshSecrets(try dir.read("a.ossh"))

        // keyport reads what puttygen wrote.
        let original = try dir.bytes("a.ppk")
        let doc = try #require(try KeyFile.read(original).first?.result.get())
        #expect(doc.isLocked == c.encrypted)
        #expect(doc.publicKey?.blob == reference.publicBlob)
        #expect(doc.comment == comment)
        let passphrase = SecureBytes(c.encrypted ? "interop pass" : "")
        let key = try #require(try KeyFile.unlock(doc, passphrase: passphrase).privateKey)
        #expect(secrets(key) == reference.secrets)
        #expect(reference.comment == comment)

        // Same inputs (salt and passes from the file) give puttygen's bytes exactly.
        var argon2 = Argon2Parameters()
        if let salt = doc.protection.parameters["salt"] {
            argon2 = Argon2Parameters(flavor: c.flavor ?? .argon2id, memory: 1024, passes: 1, parallelism: c.parallelism, salt: Hex.decode(salt)!)
        }
        let same = try PPKFormat.encode(key, comment: comment, passphrase: c.encrypted ? passphrase : nil, version: c.version, argon2: argon2)
        #expect(same == original, "not byte-identical to puttygen")

        // puttygen reads what keyport wrote through the public API (fresh salt).
        var options = EncodeOptions(comment: comment, passphrase: c.encrypted ? passphrase : nil, ppkVersion: c.version)
        if c.version == 3, let flavor = c.flavor {
            options.ppkArgon2 = Argon2Parameters(flavor: flavor, memory: 1024, passes: 2, parallelism: c.parallelism)
        }
        let written = try KeyFile.encode(key, to: .ppk, options: options)
        try Data(written.bytes).write(to: URL(fileURLWithPath: dir.path("b.ppk")))
        if c.encrypted, c.version == 3 {
            #expect(!String(decoding: written.bytes, as: UTF8.self).contains(doc.protection.parameters["salt"] ?? "-"), "salt reused")
        }

        let fpTheirs = try Tool.run(Self.puttygen, ["-l", dir.path("a.ppk")])
        let fpOurs = try Tool.run(Self.puttygen, ["-l", dir.path("b.ppk")])
        #expect(fpOurs.status == 0)
        #expect(fpOurs.stdout == fpTheirs.stdout)
        let listed = try Tool.run(Self.puttygen, ["-L", dir.path("b.ppk"), "--old-passphrase", pass])
        #expect(listed.status == 0, "puttygen -L: \(listed.stderr)")
        #expect(listed.stdout == "\(key.publicKey.sshType) \(Base64.encode(key.publicKey.blob)) \(comment)\n")
        let back = try Tool.run(Self.puttygen, [dir.path("b.ppk"), "--old-passphrase", pass, "-O", "private-openssh-new", "--new-passphrase", none, "-o", dir.path("b.ossh")])
        try #require(back.status == 0, "puttygen -O from keyport's file: \(back.stderr)")
        let ours = try opensshSecrets(try dir.read("b.ossh"))
        #expect(ours.publicBlob == reference.publicBlob)
        #expect(ours.secrets == reference.secrets)
        #expect(ours.comment == comment)

        if c.encrypted {
            // puttygen refuses a wrong passphrase on keyport's file too.
            let wrong = try dir.write("wrong", "not it")
            let refused = try Tool.run(Self.puttygen, [dir.path("b.ppk"), "--old-passphrase", wrong, "-O", "private-openssh-new", "-o", dir.path("c.ossh")])
            #expect(refused.status != 0)
        }
    }
}

@Suite struct PPKCertificateTests {
    /// puttygen --certificate stores the certificate blob as the public blob and the plain key's
    /// private fields; keyport reads it and writes the same bytes back.
    @Test(arguments: [("ecdsa", 256), ("ed25519", 0), ("rsa", 1024)])
    func certificateCarryingPPKRoundTrips(_ type: String, _ bits: Int) throws {
        let dir = try TempDir()
        let ca = try sshKeygen(dir, name: "ca", type: "ed25519")
        let user = try sshKeygen(dir, name: "user", type: type, bits: bits == 0 ? nil : bits, comment: "cert user")
        let signed = try Tool.run("/usr/bin/ssh-keygen", ["-q", "-s", ca, "-I", "id", "-n", "alice", user + ".pub"])
        try #require(signed.status == 0, "ssh-keygen -s: \(signed.stderr)")
        let pass = try dir.write("pass", "cert pass")
        let made = try Tool.run("/usr/bin/puttygen", [user, "--certificate", user + "-cert.pub", "--new-passphrase", pass,
                                                      "--ppk-param", "version=3,memory=256,passes=1", "-o", dir.path("c.ppk")])
        try #require(made.status == 0, "puttygen --certificate: \(made.stderr)")
        let original = try dir.bytes("c.ppk")
        let doc = try PPKFormat.decode(original)[0]
        let certificate = try #require(doc.publicKey?.certificate)
        #expect(doc.publicKey?.sshType.hasSuffix("-cert-v01@openssh.com") == true)
        #expect(certificate.blob == Base64.decode(String(try dir.read("user-cert.pub").split(separator: " ")[1])))
        let key = try #require(try KeyFile.unlock(doc, passphrase: SecureBytes("cert pass")).privateKey)
        let salt = try #require(doc.protection.parameters["salt"].flatMap(Hex.decode))
        let again = try PPKFormat.encode(key, comment: doc.comment, passphrase: SecureBytes("cert pass"), version: 3,
                                         argon2: Argon2Parameters(memory: 256, passes: 1, salt: salt))
        #expect(again == original)
    }
}
