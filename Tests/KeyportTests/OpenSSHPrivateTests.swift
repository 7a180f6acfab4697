import Foundation
import Testing
@testable import Keyport

// MARK: - openssh-key-v1

/// Key types ssh-keygen makes: (name, -t, -b).
let opensshKeyTypes: [(name: String, type: String, bits: Int?)] = [
    ("rsa-1024", "rsa", 1024), ("rsa-2048", "rsa", 2048), ("rsa-3072", "rsa", 3072), ("dsa", "dsa", nil),
    ("ecdsa-256", "ecdsa", 256), ("ecdsa-384", "ecdsa", 384), ("ecdsa-521", "ecdsa", 521), ("ed25519", "ed25519", nil),
]

/// Every cipher `ssh-keygen -Z` accepts.
let opensshCiphers = [
    "aes128-ctr", "aes192-ctr", "aes256-ctr", "aes128-cbc", "aes192-cbc", "aes256-cbc",
    "aes128-gcm@openssh.com", "aes256-gcm@openssh.com", "chacha20-poly1305@openssh.com", "3des-cbc",
]

enum OpenSSHTestSupport {
    static let passphrase = "correct horse"

    static func readOne(_ bytes: [UInt8]) throws -> KeyDocument {
        let entries = try KeyFile.read(bytes)
        try #require(entries.count == 1)
        return try entries[0].result.get()
    }

    static func unlockOne(_ bytes: [UInt8], _ passphrase: String) throws -> KeyDocument {
        try KeyFile.unlock(try readOne(bytes), passphrase: SecureBytes(passphrase))
    }

    /// The private parts as comparable bytes.
    static func secretBytes(_ key: PrivateKey) -> [[UInt8]] {
        switch key.secret {
        case let .rsa(d, p, q, iqmp): return [d.bytes, p.bytes, q.bytes, iqmp.bytes]
        case let .dsa(x): return [x.bytes]
        case let .ecdsa(d): return [Array(d.bytes.drop(while: { $0 == 0 }))]
        case let .eddsa(seed): return [seed.bytes]
        case let .securityKey(flags, handle, reserved): return [[flags], handle.bytes, reserved]
        }
    }

    /// `ssh-keygen -y` on a file: the "type base64" of the public key it prints.
    static func sshKeygenPublic(_ path: String, passphrase: String?) throws -> (key: String, output: Tool.Output) {
        var args = ["-y", "-f", path]
        if let passphrase { args += ["-P", passphrase] }
        let out = try Tool.run("/usr/bin/ssh-keygen", args)
        return (out.stdout.split(separator: " ").prefix(2).joined(separator: " "), out)
    }

    @discardableResult
    static func writeBytes(_ dir: TempDir, _ name: String, _ bytes: [UInt8]) throws -> String {
        let p = dir.path(name)
        try Data(bytes).write(to: URL(fileURLWithPath: p))
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: p)
        return p
    }

    /// Re-armours a modified binary body the way ssh-keygen does.
    static func armour(_ body: [UInt8]) -> [UInt8] {
        Array((OpenSSHPrivateFormat.beginMarker + "\n" + Base64.encode(body, lineLength: 70) + "\n" + OpenSSHPrivateFormat.endMarker + "\n").utf8)
    }
}

@Suite("openssh-key-v1 worked vector and fixtures")
struct OpenSSHPrivateVectorTests {
    /// FORMATS.md §3.6: `ssh-keygen -t ed25519 -N testpass -C vec@example.com`.
    static let vector = """
    -----BEGIN OPENSSH PRIVATE KEY-----
    b3BlbnNzaC1rZXktdjEAAAAACmFlczI1Ni1jdHIAAAAGYmNyeXB0AAAAGAAAABDaAWWUb6
    MrgtE+JA7LVUgTAAAAEAAAAAEAAAAzAAAAC3NzaC1lZDI1NTE5AAAAIOMMzp8nj84hHxIN
    b7uYUdKJpqDJnu0eFcGzmMAyUtylAAAAoAntVH6Ma3bXUPDIQGwg5LHmoIJRstl5V/aDon
    lwFebT9+eUldExh+nTBPJYRAG1SuNmZ4rSnlFteEKCLUnkN73Zm1udu/NIvAP19D9Tqf3P
    q3buYfiIiR3d4aXvIzCBQqwenmZ8XblDtpb890lWV18XsqnY2Sviws/cPEQ54Y2+DemZdM
    fPjU0sxdWZIpxIvK3DDubd7llNG2O8yo2ePoE=
    -----END OPENSSH PRIVATE KEY-----

    """

    @Test("the locked document shows cipher, KDF and rounds without a passphrase")
    func lockedDocument() throws {
        let doc = try OpenSSHTestSupport.readOne(Array(Self.vector.utf8))
        #expect(doc.isLocked)
        #expect(doc.format == .opensshPrivate)
        #expect(doc.protection.cipherName == "aes256-ctr")
        #expect(doc.protection.kdfName == "bcrypt")
        #expect(doc.protection.parameters["rounds"] == "16")
        #expect(doc.details.contains { $0 == ("encrypted", "yes") })
        #expect(doc.details.contains { $0 == ("rounds", "16") })
        #expect(doc.publicKey?.fingerprint() == "SHA256:szqZELaBLw2pqR9eAkL2/YVXUtBrzjIFrbeI4vj5xrI")
        #expect(doc.observations.isEmpty)
    }

    @Test("unlocks to the documented seed and comment, and re-encodes byte for byte")
    func unlockAndReencode() throws {
        let bytes = Array(Self.vector.utf8)
        let doc = try OpenSSHTestSupport.unlockOne(bytes, "testpass")
        #expect(doc.comment == "vec@example.com")
        let key = try #require(doc.privateKey)
        guard case let .eddsa(seed) = key.secret else { Issue.record("not an Ed25519 key"); return }
        #expect(Hex.encode(seed.bytes) == "42509945977315f04b0656894892b6fbeea2ef0c9015465abcea07829275f49a")

        let opened = try OpenSSHPrivateFormat.open(bytes, passphrase: SecureBytes("testpass"))
        #expect(opened.checkInt == 0x68ed76c0)
        let again = try OpenSSHPrivateFormat.encode(keys: [(key, doc.comment)], cipherName: "aes256-ctr", passphrase: SecureBytes("testpass"),
                                                    rounds: 16, salt: opened.container.salt, checkInt: opened.checkInt)
        #expect(again == bytes)
    }

    @Test("wrong passphrase")
    func wrongPassphrase() throws {
        #expect(throws: KeyportError.wrongPassphrase) { try OpenSSHTestSupport.unlockOne(Array(Self.vector.utf8), "testpasS") }
    }

    @Test("tolerates CRLF, trailing whitespace and a missing final newline, and notes them")
    func sloppyText() throws {
        var text = Self.vector.replacingOccurrences(of: "\n", with: " \t\r\n")
        text.removeLast(2)
        let doc = try OpenSSHTestSupport.readOne(Array(text.utf8))
        #expect(doc.publicKey?.fingerprint() == "SHA256:szqZELaBLw2pqR9eAkL2/YVXUtBrzjIFrbeI4vj5xrI")
        #expect(doc.observations.contains { $0.code.rawValue == "crlf" })
        #expect(doc.observations.contains { $0.code.rawValue == "crlf-no-final-newline" })
        #expect(try KeyFile.unlock(doc, passphrase: SecureBytes("testpass")).comment == "vec@example.com")
    }

    @Test("committed ssh-keygen fixtures: fingerprints, comments, protection")
    func fixtures() throws {
        let dir = fixturesURL.appendingPathComponent("openssh")
        var checked = 0
        for (f, bytes) in try manifestFiles(dir, "MANIFEST", fields: 6) {
            let doc = try OpenSSHTestSupport.readOne(bytes)
            #expect(doc.publicKey?.fingerprint() == f[5], "\(f[0])")
            #expect(doc.protection.cipherName == f[2], "\(f[0])")
            let unlocked = f[1].isEmpty ? doc : try KeyFile.unlock(doc, passphrase: SecureBytes(f[1]))
            #expect(!f[1].isEmpty == doc.isLocked)
            #expect(unlocked.comment == f[4], "\(f[0])")
            #expect(unlocked.privateKey?.publicKey.fingerprint() == f[5])
            if f[3] != "0" { #expect(doc.protection.parameters["rounds"] == f[3]) }
            checked += 1
        }
        #expect(checked == 5)
    }
}

@Suite("openssh-key-v1 interop with ssh-keygen")
struct OpenSSHPrivateInteropTests {
    /// For one key type: ssh-keygen makes the key, re-encrypts it with every cipher (-a 2), and keyport
    /// reads each (same public key, comment and private parts), re-encodes each byte for byte, and
    /// rejects a wrong passphrase; keyport writes every cipher and ssh-keygen reads it back.
    @Test("every cipher, both directions", arguments: opensshKeyTypes.map(\.name))
    func everyCipher(_ typeName: String) throws {
        let spec = try #require(opensshKeyTypes.first { $0.name == typeName })
        let dir = try TempDir()
        let pass = OpenSSHTestSupport.passphrase
        let comment = "\(typeName)@keyport.test"
        let plainPath = try sshKeygen(dir, name: "plain", type: spec.type, bits: spec.bits, comment: comment)
        let pubLine = try dir.read("plain.pub").split(separator: " ").prefix(2).joined(separator: " ")

        // Unencrypted, as ssh-keygen wrote it.
        let plainBytes = try dir.bytes("plain")
        let plainDoc = try OpenSSHTestSupport.readOne(plainBytes)
        #expect(!plainDoc.isLocked)
        #expect(plainDoc.comment == comment)
        let reference = try #require(plainDoc.privateKey)
        #expect(OpenSSHPublicFormat.encode(reference.publicKey, comment: "").split(separator: " ").prefix(2).joined(separator: " ") == pubLine)
        let plainOpened = try OpenSSHPrivateFormat.open(plainBytes, passphrase: nil)
        let plainAgain = try OpenSSHPrivateFormat.encode(keys: [(reference, comment)], cipherName: "none", passphrase: nil,
                                                         rounds: 0, salt: [], checkInt: plainOpened.checkInt)
        #expect(plainAgain == plainBytes, "unencrypted re-encode differs from ssh-keygen")
        _ = plainPath

        for cipher in opensshCiphers {
            let name = "enc-\(cipher)"
            try OpenSSHTestSupport.writeBytes(dir, name, plainBytes)
            let change = try Tool.run("/usr/bin/ssh-keygen", ["-q", "-p", "-P", "", "-N", pass, "-Z", cipher, "-a", "2", "-f", dir.path(name)])
            try #require(change.status == 0, "ssh-keygen -p -Z \(cipher): \(change.stderr)")
            let bytes = try dir.bytes(name)

            // keyport reads ssh-keygen's file.
            let locked = try OpenSSHTestSupport.readOne(bytes)
            #expect(locked.isLocked)
            #expect(locked.protection.cipherName == cipher)
            #expect(locked.protection.parameters["rounds"] == "2")
            #expect(locked.publicKey == reference.publicKey, "\(cipher)")
            let doc = try KeyFile.unlock(locked, passphrase: SecureBytes(pass))
            #expect(doc.comment == comment, "\(cipher)")
            let key = try #require(doc.privateKey)
            #expect(key.publicKey.blob == reference.publicKey.blob, "\(cipher)")
            #expect(OpenSSHTestSupport.secretBytes(key) == OpenSSHTestSupport.secretBytes(reference), "\(cipher)")
            #expect(throws: KeyportError.wrongPassphrase, "\(cipher)") { try KeyFile.unlock(locked, passphrase: SecureBytes(pass + "x")) }

            // Same salt and check int → ssh-keygen's exact bytes.
            let opened = try OpenSSHPrivateFormat.open(bytes, passphrase: SecureBytes(pass))
            let again = try OpenSSHPrivateFormat.encode(keys: [(key, doc.comment)], cipherName: cipher, passphrase: SecureBytes(pass),
                                                        rounds: 2, salt: opened.container.salt, checkInt: opened.checkInt)
            #expect(again == bytes, "\(cipher): re-encode differs from ssh-keygen")

            // keyport writes this cipher with fresh salt and check int; ssh-keygen reads it.
            let mine = try OpenSSHPrivateFormat.encode(keys: [(reference, comment)], cipherName: cipher, passphrase: SecureBytes(pass),
                                                       rounds: 2, salt: try secureRandomBytes(16), checkInt: 0x01020304)
            let minePath = try OpenSSHTestSupport.writeBytes(dir, "mine-\(cipher)", mine)
            let (line, out) = try OpenSSHTestSupport.sshKeygenPublic(minePath, passphrase: pass)
            #expect(out.status == 0 && line == pubLine, "ssh-keygen -y on keyport's \(cipher) file: \(out.stderr)")
        }
    }

    /// keyport's own writer through the public API: unencrypted, and aes256-ctr + bcrypt at 16 rounds.
    @Test("KeyFile.encode output is read by ssh-keygen -y", arguments: opensshKeyTypes.map(\.name))
    func encodeForSSHKeygen(_ typeName: String) throws {
        let spec = try #require(opensshKeyTypes.first { $0.name == typeName })
        let dir = try TempDir()
        try sshKeygen(dir, name: "k", type: spec.type, bits: spec.bits, comment: "src")
        let pubLine = try dir.read("k.pub").split(separator: " ").prefix(2).joined(separator: " ")
        let key = try #require(try OpenSSHTestSupport.readOne(try dir.bytes("k")).privateKey)

        let plain = try KeyFile.encode(key, to: .openssh, options: EncodeOptions(comment: "kept comment"))
        #expect(plain.isSecret)
        let plainPath = try OpenSSHTestSupport.writeBytes(dir, "plain", plain.bytes)
        let (line, out) = try OpenSSHTestSupport.sshKeygenPublic(plainPath, passphrase: nil)
        #expect(out.status == 0 && line == pubLine, "\(out.stderr)")
        #expect(out.stdout.hasSuffix(" kept comment\n"))
        let text = String(decoding: plain.bytes, as: UTF8.self)
        #expect(text.split(separator: "\n").dropFirst().dropLast().dropLast().allSatisfy { $0.count == 70 })

        let rounds = typeName == "ed25519" || typeName == "rsa-2048" ? 16 : 2
        let enc = try KeyFile.encode(key, to: .openssh, options: EncodeOptions(comment: "enc", passphrase: SecureBytes("pw pw"), kdfRounds: rounds))
        let encPath = try OpenSSHTestSupport.writeBytes(dir, "enc", enc.bytes)
        let (encLine, encOut) = try OpenSSHTestSupport.sshKeygenPublic(encPath, passphrase: "pw pw")
        #expect(encOut.status == 0 && encLine == pubLine, "\(encOut.stderr)")
        let wrong = try OpenSSHTestSupport.sshKeygenPublic(encPath, passphrase: "nope").output
        #expect(wrong.status != 0)

        let back = try OpenSSHTestSupport.readOne(enc.bytes)
        #expect(back.protection.cipherName == "aes256-ctr")
        #expect(back.protection.parameters["rounds"] == String(rounds))
        let unlocked = try KeyFile.unlock(back, passphrase: SecureBytes("pw pw"))
        #expect(unlocked.comment == "enc")
        #expect(OpenSSHTestSupport.secretBytes(try #require(unlocked.privateKey)) == OpenSSHTestSupport.secretBytes(key))
    }
}

@Suite("openssh-key-v1 damage, several keys, security keys, certificates")
struct OpenSSHPrivateEdgeTests {
    /// A fresh unencrypted ssh-keygen key: its file bytes, dearmoured body and key.
    static func plainKey(_ dir: TempDir, type: String = "ed25519", comment: String = "edge") throws -> (bytes: [UInt8], body: [UInt8], key: PrivateKey) {
        try sshKeygen(dir, name: "edge-\(type)", type: type, comment: comment)
        let bytes = try dir.bytes("edge-\(type)")
        let body = try OpenSSHPrivateFormat.dearmor(bytes).body
        return (bytes, body, try #require(try OpenSSHTestSupport.readOne(bytes).privateKey))
    }

    /// Offset of the private section's content (after its length) in an unencrypted body.
    static func sectionOffset(_ body: [UInt8]) throws -> Int {
        var r = SSHReader(body)
        _ = try r.readRaw(15, "magic"); _ = try r.readString("cipher"); _ = try r.readString("kdf"); _ = try r.readString("kdf options")
        let n = try r.readUInt32("n")
        for _ in 0..<n { _ = try r.readString("public") }
        return try r.readStringRange("section").start
    }

    @Test("damaged padding is an integrity error that says so")
    func damagedPadding() throws {
        let dir = try TempDir()
        var (_, body, _) = try Self.plainKey(dir)
        let last = body.count - 1
        try #require(body[last] >= 1)
        body[last] ^= 0x40
        do {
            _ = try KeyFile.read(OpenSSHTestSupport.armour(body))
            Issue.record("damaged padding was accepted")
        } catch let KeyportError.integrityCheckFailed(message) {
            #expect(message.contains("padding"))
        }
    }

    @Test("tampered check integer: integrity error when unencrypted, wrong passphrase when encrypted")
    func tamperedCheckInt() throws {
        let dir = try TempDir()
        var (_, body, key) = try Self.plainKey(dir)
        body[try Self.sectionOffset(body) + 2] ^= 1
        do {
            _ = try KeyFile.read(OpenSSHTestSupport.armour(body))
            Issue.record("tampered check int was accepted")
        } catch let KeyportError.integrityCheckFailed(message) {
            #expect(message.contains("check integers differ"))
        }

        // aes256-ctr is malleable: flipping a ciphertext bit of the first check int flips it in clear.
        let encrypted = try OpenSSHPrivateFormat.encode(keys: [(key, "c")], cipherName: "aes256-ctr", passphrase: SecureBytes("pw"),
                                                        rounds: 1, salt: [1, 2, 3, 4], checkInt: 7)
        var encBody = try OpenSSHPrivateFormat.dearmor(encrypted).body
        encBody[try Self.sectionOffset(encBody) + 1] ^= 0x10
        let doc = try OpenSSHTestSupport.readOne(OpenSSHTestSupport.armour(encBody))
        #expect(throws: KeyportError.wrongPassphrase) { try KeyFile.unlock(doc, passphrase: SecureBytes("pw")) }
        #expect(try KeyFile.unlock(try OpenSSHTestSupport.readOne(encrypted), passphrase: SecureBytes("pw")).comment == "c")
    }

    @Test("a tampered AEAD ciphertext fails its tag, and is told from a wrong passphrase", arguments: ["aes256-gcm@openssh.com", "chacha20-poly1305@openssh.com"])
    func tamperedAEAD(_ cipher: String) throws {
        let dir = try TempDir()
        let (_, _, key) = try Self.plainKey(dir)
        let file = try OpenSSHPrivateFormat.encode(keys: [(key, "c")], cipherName: cipher, passphrase: SecureBytes("pw"),
                                                   rounds: 1, salt: [9, 9], checkInt: 1)
        var body = try OpenSSHPrivateFormat.dearmor(file).body
        body[try Self.sectionOffset(body) + 20] ^= 1
        let doc = try OpenSSHTestSupport.readOne(OpenSSHTestSupport.armour(body))
        // The right passphrase: the check integers agree although the tag fails, so the file is damaged.
        #expect(throws: KeyportError.integrityCheckFailed("openssh-key-v1: the authentication tag does not match although the passphrase is right (the check integers agree): the file is damaged")) {
            try KeyFile.unlock(doc, passphrase: SecureBytes("pw"))
        }
        #expect(throws: KeyportError.wrongPassphrase) { try KeyFile.unlock(doc, passphrase: SecureBytes("not-it")) }
    }

    @Test("truncated bodies and files are clear errors, never traps")
    func truncated() throws {
        let dir = try TempDir()
        let (bytes, body, _) = try Self.plainKey(dir, type: "ecdsa")
        // Every prefix of the binary body fails cleanly.
        for length in stride(from: 0, to: body.count, by: 7) {
            #expect(throws: KeyportError.self) { try KeyFile.read(OpenSSHTestSupport.armour(Array(body[0..<length]))) }
        }
        // A missing base64 line.
        var lines = String(decoding: bytes, as: UTF8.self).split(separator: "\n")
        lines.remove(at: 3)
        #expect(throws: KeyportError.self) { try KeyFile.read(Array(lines.joined(separator: "\n").utf8)) }
        // No END line.
        let cut = String(decoding: bytes, as: UTF8.self).replacingOccurrences(of: OpenSSHPrivateFormat.endMarker, with: "")
        do {
            _ = try KeyFile.read(Array(cut.utf8))
            Issue.record("missing END line accepted")
        } catch let KeyportError.truncated(_, field) {
            #expect(field.contains("END"))
        }
    }

    @Test("a private key that does not match the header public key is refused")
    func headerMismatch() throws {
        let dir = try TempDir()
        let (_, _, a) = try Self.plainKey(dir)
        try sshKeygen(dir, name: "other", type: "ed25519")
        let b = try #require(try OpenSSHTestSupport.readOne(try dir.bytes("other")).privateKey)
        let file = try OpenSSHPrivateFormat.encode(keys: [(a, "a")], cipherName: "none", passphrase: nil, rounds: 0, salt: [], checkInt: 5)
        var body = try OpenSSHPrivateFormat.dearmor(file).body
        // Swap in b's public blob (same length for Ed25519).
        let pubA = a.publicKey.blob, pubB = b.publicKey.blob
        let at = try #require(body.firstRange(of: pubA))
        body.replaceSubrange(at, with: pubB)
        #expect(throws: KeyportError.self) { try KeyFile.read(OpenSSHTestSupport.armour(body)) }
    }

    @Test("several keys in one file, encrypted and not")
    func severalKeys() throws {
        let dir = try TempDir()
        let (_, _, a) = try Self.plainKey(dir, type: "ed25519")
        let (_, _, b) = try Self.plainKey(dir, type: "ecdsa")
        for cipher in ["none", "aes256-ctr"] {
            let file = try OpenSSHPrivateFormat.encode(keys: [(a, "first"), (b, "second")], cipherName: cipher,
                                                       passphrase: SecureBytes("pw"), rounds: 1, salt: [1], checkInt: 3)
            let docs = try KeyFile.read(file).map { try $0.result.get() }
            try #require(docs.count == 2)
            #expect(docs[0].publicKey == a.publicKey && docs[1].publicKey == b.publicKey)
            #expect(docs[0].details.contains { $0 == ("key", "1 of 2") })
            #expect(docs[0].observations.contains { $0.code.rawValue == "several-keys" })
            let second = try KeyFile.unlock(docs[1], passphrase: SecureBytes("pw"))
            #expect(second.comment == "second")
            #expect(second.privateKey?.publicKey == b.publicKey)
            #expect(OpenSSHTestSupport.secretBytes(try #require(second.privateKey)) == OpenSSHTestSupport.secretBytes(b))
        }
    }

    /// Security-key files hold only a handle, so ssh-keygen -y reads them without an authenticator.
    @Test("sk-ssh-ed25519 and sk-ecdsa keys round-trip and ssh-keygen reads them")
    func securityKeys() throws {
        let dir = try TempDir()
        let (_, _, ed) = try Self.plainKey(dir, type: "ed25519")
        let (_, _, ec) = try Self.plainKey(dir, type: "ecdsa")
        guard case let .eddsa(pk) = ed.publicKey.parts, case let .ecdsa(point) = ec.publicKey.parts else {
            Issue.record("unexpected parts"); return
        }
        let secret = SecretParts.securityKey(flags: 0x01, keyHandle: SecureBytes(try secureRandomBytes(64)), reserved: [])
        let keys = [
            PrivateKey(publicKey: PublicKey(algorithm: .skEd25519, parts: .securityKeyEd25519(publicKey: pk, application: "ssh:")), secret: secret),
            PrivateKey(publicKey: PublicKey(algorithm: .skECDSAP256, parts: .securityKeyECDSA(point: point, application: "ssh:test")), secret: secret),
        ]
        for (i, key) in keys.enumerated() {
            for passphrase in [nil, "pw"] as [String?] {
                let file = try KeyFile.encode(key, to: .openssh, options: EncodeOptions(comment: "sk", passphrase: passphrase.map { SecureBytes($0) }, kdfRounds: 2))
                let path = try OpenSSHTestSupport.writeBytes(dir, "sk\(i)", file.bytes)
                let (line, out) = try OpenSSHTestSupport.sshKeygenPublic(path, passphrase: passphrase ?? "")
                #expect(out.status == 0, "\(out.stderr)")
                #expect(line == key.publicKey.algorithm.sshName + " " + Base64.encode(key.publicKey.blob))
                var doc = try OpenSSHTestSupport.readOne(file.bytes)
                if let passphrase { doc = try KeyFile.unlock(doc, passphrase: SecureBytes(passphrase)) }
                #expect(doc.privateKey?.publicKey == key.publicKey)
                #expect(OpenSSHTestSupport.secretBytes(try #require(doc.privateKey)) == OpenSSHTestSupport.secretBytes(key))
            }
        }
    }

    @Test("certificate private keys round-trip and ssh-keygen reads them", arguments: ["ed25519", "rsa", "ecdsa", "dsa", "sk-ed25519", "sk-ecdsa"])
    func certificates(_ type: String) throws {
        let dir = try TempDir()
        try sshKeygen(dir, name: "ca", type: "ed25519", comment: "ca")
        let key: PrivateKey
        if type.hasPrefix("sk-") {
            // A security-key public key made from a real point, signed like any other .pub.
            let (_, _, base) = try Self.plainKey(dir, type: String(type.dropFirst(3)))
            let secret = SecretParts.securityKey(flags: 0x05, keyHandle: SecureBytes(try secureRandomBytes(32)), reserved: [])
            switch base.publicKey.parts {
            case let .eddsa(pk): key = PrivateKey(publicKey: PublicKey(algorithm: .skEd25519, parts: .securityKeyEd25519(publicKey: pk, application: "ssh:")), secret: secret)
            case let .ecdsa(point): key = PrivateKey(publicKey: PublicKey(algorithm: .skECDSAP256, parts: .securityKeyECDSA(point: point, application: "ssh:")), secret: secret)
            default: Issue.record("unexpected base key"); return
            }
            _ = try dir.write("edge-\(type).pub", OpenSSHPublicFormat.encode(key.publicKey, comment: "sk") + "\n")
        } else {
            key = try Self.plainKey(dir, type: type).key
        }
        let sign = try Tool.run("/usr/bin/ssh-keygen", ["-q", "-s", dir.path("ca"), "-I", "id", "-n", "alice", dir.path("edge-\(type).pub")])
        try #require(sign.status == 0, "\(sign.stderr)")
        let certLine = try dir.read("edge-\(type)-cert.pub")
        let certDoc = try #require(try KeyFile.read(Array(certLine.utf8)).first?.result.get())
        let certKey = try #require(certDoc.publicKey)
        try #require(certKey.certificate != nil)
        let certified = PrivateKey(publicKey: certKey, secret: key.secret)
        let file = try KeyFile.encode(certified, to: .openssh, options: EncodeOptions(comment: "cert", passphrase: SecureBytes("pw"), kdfRounds: 2))
        let path = try OpenSSHTestSupport.writeBytes(dir, "certkey", file.bytes)
        let (line, out) = try OpenSSHTestSupport.sshKeygenPublic(path, passphrase: "pw")
        #expect(out.status == 0, "\(out.stderr)")
        #expect(line == certLine.split(separator: " ").prefix(2).joined(separator: " "))
        let back = try KeyFile.unlock(try OpenSSHTestSupport.readOne(file.bytes), passphrase: SecureBytes("pw"))
        #expect(back.privateKey?.publicKey.blob == certKey.blob)
        #expect(OpenSSHTestSupport.secretBytes(try #require(back.privateKey)) == OpenSSHTestSupport.secretBytes(key))
    }
}

@Suite("openssh-key-v1 with puttygen")
struct OpenSSHPrivatePuTTYTests {
    /// OpenSSH has no Ed448; PuTTY writes it in openssh-key-v1 the Ed25519 way (pk, then seed ‖ pk).
    @Test("Ed448 as puttygen exports it, both ways", .enabled(if: Tool.available("puttygen")))
    func ed448() throws {
        let dir = try TempDir()
        let passFile = try dir.write("pass", "pp\n")
        try #require(try Tool.run("puttygen", ["-t", "ed448", "-C", "e448", "-o", dir.path("k.ppk"), "--new-passphrase", "/dev/null"]).status == 0)
        let pub = try Tool.run("puttygen", [dir.path("k.ppk"), "-O", "public-openssh"]).stdout.split(separator: " ").prefix(2).joined(separator: " ")
        try #require(try Tool.run("puttygen", [dir.path("k.ppk"), "-O", "private-openssh-new", "-o", dir.path("k.ossh")]).status == 0)
        try #require(try Tool.run("puttygen", [dir.path("k.ppk"), "-O", "private-openssh-new", "--new-passphrase", passFile, "-o", dir.path("k-enc.ossh")]).status == 0)

        let plain = try OpenSSHTestSupport.readOne(try dir.bytes("k.ossh"))
        let key = try #require(plain.privateKey)
        #expect(key.publicKey.algorithm == .ed448)
        #expect(plain.comment == "e448")
        #expect(OpenSSHPublicFormat.encode(key.publicKey, comment: "").split(separator: " ").prefix(2).joined(separator: " ") == pub)
        let unlocked = try OpenSSHTestSupport.unlockOne(try dir.bytes("k-enc.ossh"), "pp")
        #expect(OpenSSHTestSupport.secretBytes(try #require(unlocked.privateKey)) == OpenSSHTestSupport.secretBytes(key))

        let mine = try KeyFile.encode(key, to: .openssh, options: EncodeOptions(comment: "back", passphrase: SecureBytes("pp"), kdfRounds: 2))
        let path = try OpenSSHTestSupport.writeBytes(dir, "mine", mine.bytes)
        let back = try Tool.run("puttygen", [path, "-O", "public-openssh", "--old-passphrase", passFile])
        #expect(back.status == 0, "\(back.stderr)")
        #expect(back.stdout.split(separator: " ").prefix(2).joined(separator: " ") == pub)
    }
}
