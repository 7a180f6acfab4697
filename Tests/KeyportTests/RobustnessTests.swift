import Foundation
import Testing
@testable import Keyport

/// Hostile inputs (KDF cost, size), private outputs (mode, atomicity, failure clean-up), secrets in
/// messages and core dumps, and one clear message per failure kind.
@Suite struct RobustnessTests {
    // MARK: - Helpers

    /// An openssh-key-v1 file with its bcrypt rounds field replaced.
    static func opensshFile(rounds: UInt32, cipher: String = "aes256-ctr") throws -> [UInt8] {
        let dir = try TempDir()
        let path = try sshKeygen(dir, name: "k", type: "ed25519", passphrase: "pw", extra: ["-a", "2", "-Z", cipher])
        let text = try String(contentsOfFile: path, encoding: .utf8)
        var lines = text.split(separator: "\n").map(String.init)
        var body = try #require(Base64.decode(lines[1..<(lines.count - 1)].joined()))
        // magic(15) + string cipher + string "bcrypt" + kdfoptions length(4) + salt length(4) + salt(16)
        let offset = 15 + 4 + cipher.utf8.count + 4 + 6 + 4 + 4 + 16
        body.replaceSubrange(offset..<(offset + 4), with: [UInt8(rounds >> 24), UInt8(rounds >> 16 & 0xff), UInt8(rounds >> 8 & 0xff), UInt8(rounds & 0xff)])
        lines = [lines[0]] + Base64.encode(body, lineLength: 70).split(separator: "\n").map(String.init) + [lines[lines.count - 1]]
        return Array((lines.joined(separator: "\n") + "\n").utf8)
    }

    /// A PPK v3 file encrypted with cheap Argon2 settings, written by keyport.
    static func ppkFile(passphrase: String = "pw") throws -> [UInt8] {
        let dir = try TempDir()
        let path = try sshKeygen(dir, name: "k", type: "ed25519")
        let key = try #require(try KeyFile.read(Array(Data(contentsOf: URL(fileURLWithPath: path)))).first?.result.get().privateKey)
        return try PPKFormat.encode(key, comment: "c", passphrase: SecureBytes(passphrase), version: 3,
                                    argon2: Argon2Parameters(memory: 64, passes: 1, parallelism: 1, salt: Array(repeating: 7, count: 16)))
    }

    static func replacing(_ bytes: [UInt8], _ old: String, _ new: String) -> [UInt8] {
        Array(String(decoding: bytes, as: UTF8.self).replacingOccurrences(of: old, with: new).utf8)
    }

    static func expectRefusedQuickly(_ bytes: [UInt8], mentioning bound: Int, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let doc = try #require(try KeyFile.read(bytes).first?.result.get())
        let start = Date()
        #expect(throws: KeyportError.self, sourceLocation: sourceLocation) { try KeyFile.unlock(doc, passphrase: SecureBytes("pw")) }
        do { _ = try KeyFile.unlock(doc, passphrase: SecureBytes("pw")) } catch let error as KeyportError {
            guard case let .unsupported(message, _) = error else {
                Issue.record("expected .unsupported, got \(error)", sourceLocation: sourceLocation)
                return
            }
            #expect(message.contains("limit of \(bound)"), sourceLocation: sourceLocation)
        }
        #expect(Date().timeIntervalSince(start) < 2, sourceLocation: sourceLocation)
    }

    /// DER TLV.
    static func der(_ tag: UInt8, _ content: [UInt8]) -> [UInt8] { [tag] + DERReader.encodeLength(content.count) + content }
    static func oid(_ dotted: [UInt8]) -> [UInt8] { der(0x06, dotted) }

    /// An EncryptedPrivateKeyInfo (PBES2) with the given KDF algorithm identifier and junk ciphertext.
    static func pkcs8(kdf: [UInt8]) -> [UInt8] {
        let pbes2 = oid([0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x05, 0x0D])
        let aes256cbc = der(0x30, oid([0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x01, 0x2A]) + der(0x04, Array(repeating: 1, count: 16)))
        let algorithm = der(0x30, pbes2 + der(0x30, kdf + aes256cbc))
        return der(0x30, algorithm + der(0x04, Array(repeating: 0x5A, count: 48)))
    }

    static func pem(_ der: [UInt8], label: String) -> [UInt8] {
        Array("-----BEGIN \(label)-----\n\(Base64.encode(der, lineLength: 64))\n-----END \(label)-----\n".utf8)
    }

    /// Temporary files keyport may have left in a directory.
    static func leftovers(_ dir: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter { $0.hasPrefix(".keyport-") }
    }

    // MARK: - KDF cost bounds

    @Test func bcryptRoundsAboveTheBoundAreRefusedBeforeAnyWork() throws {
        for rounds in [UInt32.max, UInt32(KDFLimits.bcryptRounds + 1)] {
            let bytes = try Self.opensshFile(rounds: rounds)
            // Reading (inspect) still works and shows the count.
            let doc = try #require(try KeyFile.read(bytes).first?.result.get())
            #expect(doc.protection.parameters["rounds"] == String(rounds))
            try Self.expectRefusedQuickly(bytes, mentioning: KDFLimits.bcryptRounds)
        }
        // The bound is inclusive and applies to writing too.
        let key = try #require(try KeyFile.read(Self.opensshFile(rounds: 2)).first?.result.get())
        let opened = try KeyFile.unlock(key, passphrase: SecureBytes("pw"))
        #expect(throws: KeyportError.usage("bcrypt rounds must be between 1 and \(KDFLimits.bcryptRounds), not \(KDFLimits.bcryptRounds + 1)")) {
            try KeyFile.encode(try #require(opened.privateKey), to: .openssh,
                               options: EncodeOptions(passphrase: SecureBytes("x"), kdfRounds: KDFLimits.bcryptRounds + 1))
        }
    }

    @Test func argon2WorkAboveTheBoundIsRefusedBeforeAnyWork() throws {
        let base = try Self.ppkFile()
        try Self.expectRefusedQuickly(Self.replacing(base, "Argon2-Passes: 1\n", "Argon2-Passes: 4294967295\n"), mentioning: KDFLimits.argon2Work)
        let big = Self.replacing(Self.replacing(base, "Argon2-Passes: 1\n", "Argon2-Passes: 65\n"), "Argon2-Memory: 64\n", "Argon2-Memory: 1048576\n")
        try Self.expectRefusedQuickly(big, mentioning: KDFLimits.argon2Work)
        // Above the memory bound on its own (1 GiB).
        let doc = try #require(try KeyFile.read(Self.replacing(base, "Argon2-Memory: 64\n", "Argon2-Memory: 4294967295\n")).first?.result.get())
        #expect(throws: KeyportError.self) { try KeyFile.unlock(doc, passphrase: SecureBytes("pw")) }
        // The unmodified file opens.
        let good = try #require(try KeyFile.read(base).first?.result.get())
        #expect(try KeyFile.unlock(good, passphrase: SecureBytes("pw")).privateKey != nil)
    }

    @Test func pkcs8IterationAndScryptCostAboveTheBoundAreRefused() throws {
        let pbkdf2 = Self.oid([0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x05, 0x0C])
        let salt = Self.der(0x04, Array(repeating: 3, count: 8))
        for iterations in [[0x7F, 0xFF, 0xFF, 0xFF] as [UInt8], [0x00, 0x98, 0x96, 0x81], [0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]] {
            let kdf = Self.der(0x30, pbkdf2 + Self.der(0x30, salt + Self.der(0x02, iterations)))
            try Self.expectRefusedQuickly(Self.pem(Self.pkcs8(kdf: kdf), label: "ENCRYPTED PRIVATE KEY"), mentioning: KDFLimits.pbkdf2Iterations)
        }
        let scrypt = Self.oid([0x2B, 0x06, 0x01, 0x04, 0x01, 0xDA, 0x47, 0x04, 0x0B])
        let params = salt + Self.der(0x02, [0x01, 0x00, 0x00]) + Self.der(0x02, [0x08]) + Self.der(0x02, [0x7F, 0xFF])
        try Self.expectRefusedQuickly(Self.pem(Self.pkcs8(kdf: Self.der(0x30, scrypt + Self.der(0x30, params))), label: "ENCRYPTED PRIVATE KEY"),
                                      mentioning: KDFLimits.scryptWork)
        // A sane count gets as far as the decryption (which fails on the junk ciphertext).
        let sane = Self.der(0x30, pbkdf2 + Self.der(0x30, salt + Self.der(0x02, [0x08, 0x00])))
        let doc = try #require(try KeyFile.read(Self.pem(Self.pkcs8(kdf: sane), label: "ENCRYPTED PRIVATE KEY")).first?.result.get())
        #expect(throws: KeyportError.wrongPassphrase) { try KeyFile.unlock(doc, passphrase: SecureBytes("pw")) }
    }

    // MARK: - Size bounds

    @Test func filesOverOneMebibyteAreRefusedOnEveryPath() throws {
        let dir = try TempDir()
        let line = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIK4OYqfdDq5sHUENLPm9MZmpwBVVFzS/kuOWhYEx6h1v c\n"
        let lines = (KeyFile.maximumSize / line.utf8.count) + 10
        let big = try dir.write("big", String(repeating: line, count: lines))
        #expect(throws: KeyportError.self) { try FileIO.read(big) }
        let exact = try dir.write("exact", String(repeating: "#", count: KeyFile.maximumSize))
        #expect(try FileIO.read(exact).count == KeyFile.maximumSize)
        // Standard input comes from the file itself (sh redirection), so that no pipe can fill up
        // while keyport is still reading.
        func viaStdin(_ args: [String], _ file: String) throws -> Tool.Output {
            try Tool.run("/bin/sh", ["-c", "exec \"$0\" \"$@\" - < \"$F\"".replacingOccurrences(of: "$F", with: file), Tool.keyportPath] + args)
        }
        for args in [["convert", "--to", "rfc4716"]] {
            for r in [try Tool.keyport(args + [big]), try viaStdin(args, big)] {
                #expect(r.status != 0, "\(args)")
                #expect(r.stderr.contains("larger than 1024 KiB"), "\(args): \(r.stderr)")
            }
        }
        // inspect streams line files as fingerprint does, from a file or standard input.
        for r in [try Tool.keyport(["inspect", "--json", big]), try viaStdin(["inspect", "--json"], big)] {
            #expect(r.status == 0 && r.stderr.isEmpty, "\(r.stderr)")
            #expect(r.stdout.split(separator: "\n").count == lines)
        }
        // lint reads key-line files past 1 MiB (large authorized_keys), but nothing else.
        for r in [try Tool.keyport(["lint", big]), try viaStdin(["lint"], big)] {
            #expect(r.stderr.isEmpty, "\(r.stderr)")
        }
        let junk = try dir.write("junk", String(repeating: "x", count: KeyFile.maximumSize + 10))
        let refused = try Tool.keyport(["lint", junk])
        #expect(refused.status != 0 && refused.stderr.contains("larger than 1024 KiB"), "\(refused.stderr)")
        // fingerprint streams line files of any size, file or stdin...
        let streamed = try Tool.keyport(["fingerprint", big])
        #expect(streamed.status == 0)
        #expect(streamed.stdout.split(separator: "\n").count == lines)
        #expect(try viaStdin(["fingerprint"], big).stdout.split(separator: "\n").count == lines)
        // ...but not a "line" without end: memory stays bounded.
        let endless = try dir.write("endless", "ssh-ed25519 " + String(repeating: "A", count: 3 << 20))
        let r = try viaStdin(["fingerprint"], endless)
        #expect(r.status == 65)
        #expect(r.stderr.contains("longer than 1024 KiB"))
        #expect(try Tool.keyport(["fingerprint", endless]).stderr.contains("longer than 1024 KiB"))
    }

    // MARK: - Private outputs

    @Test func privateOutputsAre0600PublicOnes0644() throws {
        let dir = try TempDir()
        let key = try sshKeygen(dir, name: "k", type: "ed25519")
        #expect(try Tool.keyport(["convert", "--to", "pkcs8", "--no-passphrase", "-o", dir.path("p8"), key]).status == 0)
        #expect(FileIO.mode(dir.path("p8")) == 0o600)
        #expect(try Tool.keyport(["convert", "--to", "openssh", "--public", "-o", dir.path("pub"), key]).status == 0)
        #expect(FileIO.mode(dir.path("pub")) == 0o644)
        #expect(Self.leftovers(dir.url.path).isEmpty)
    }

    @Test func failuresLeaveNothingBehindAndTheOriginalIntact() throws {
        let dir = try TempDir()
        let key = try sshKeygen(dir, name: "k", type: "ed25519", passphrase: "right-passphrase", extra: ["-a", "2"])
        let wrong = try dir.write("wrong", "wrong-passphrase\n")
        let right = try dir.write("right", "right-passphrase\n")
        let out = dir.path("out")
        // Wrong passphrase, encode failure (RFC 4716 holds no private key), bad input.
        let cases: [([String], Int32)] = [
            (["convert", "--to", "openssh", "--passphrase-file", wrong, "--no-passphrase", "-o", out, key], 77),
            (["convert", "--to", "rfc4716", "--passphrase-file", right, "--no-passphrase", "-o", out, key], 64),
            (["convert", "--to", "pem", "--passphrase-file", right, "-o", out, dir.path("k.pub") + "x"], 66),
        ]
        for (args, status) in cases {
            let r = try Tool.keyport(args)
            #expect(r.status == status, "\(args): \(r.stderr)")
            #expect(!dir.exists("out"))
            #expect(Self.leftovers(dir.url.path).isEmpty)
        }
        // With --force over an existing file, the same failures keep the original byte for byte.
        let original = try dir.write("out", "original\n", mode: 0o600)
        for (args, status) in cases {
            let r = try Tool.keyport(args + ["--force"])
            #expect(r.status == status)
            #expect(try dir.read("out") == "original\n")
        }
        _ = original
        #expect(Self.leftovers(dir.url.path).isEmpty)
    }

    /// Mounts a tmpfs (root only); nil when the system does not allow it.
    static func mountTmpfs(_ path: String, options: String) -> Bool {
        guard getuid() == 0 else { return false }
        return (try? Tool.run("/bin/mount", ["-t", "tmpfs", "-o", options, "tmpfs", path]).status) == 0
    }

    static func unmount(_ path: String) { _ = try? Tool.run("/bin/umount", [path]) }

    @Test func readOnlyDirectoryFailsCleanly() throws {
        let dir = try TempDir()
        let key = try sshKeygen(dir, name: "k", type: "ed25519")
        let ro = dir.path("ro")
        try FileManager.default.createDirectory(atPath: ro, withIntermediateDirectories: true)
        // Root ignores permission bits, so as root the directory is a read-only tmpfs; otherwise 0555.
        let mounted = Self.mountTmpfs(ro, options: "size=64k,mode=0755")
        defer { if mounted { Self.unmount(ro) } }
        try Data("original\n".utf8).write(to: URL(fileURLWithPath: ro + "/existing"))
        if mounted {
            #expect(try Tool.run("/bin/mount", ["-o", "remount,ro", ro]).status == 0)
        } else {
            try FileManager.default.setAttributes([.posixPermissions: 0o555], ofItemAtPath: ro)
        }
        defer { try? FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: ro) }
        // Root without mount(2) is not bound by permission bits: then the output directory is a
        // regular file, which fails the same way (the temporary file cannot be created).
        let target = mounted || getuid() != 0 ? ro : try dir.write("not-a-directory", "")
        let r = try Tool.keyport(["convert", "--to", "pem", "--no-passphrase", "-o", target + "/new", key])
        #expect(r.status == 66 || r.status == 73 || r.status == 74)
        #expect(r.stderr.contains("cannot create a file in"))
        guard target == ro else { return }
        let f = try Tool.keyport(["convert", "--to", "pem", "--no-passphrase", "--force", "-o", ro + "/existing", key])
        #expect(f.status != 0)
        #expect(try String(contentsOfFile: ro + "/existing", encoding: .utf8) == "original\n")
        #expect(Self.leftovers(ro).isEmpty)
        #expect(try FileManager.default.contentsOfDirectory(atPath: ro) == ["existing"])
    }

    @Test func fullDiskFailsCleanlyAndKeepsTheOriginal() throws {
        let dir = try TempDir()
        let key = try sshKeygen(dir, name: "k", type: "rsa", bits: 3072)
        let small = dir.path("small")
        try FileManager.default.createDirectory(atPath: small, withIntermediateDirectories: true)
        if Self.mountTmpfs(small, options: "size=8k") {
            defer { Self.unmount(small) }
            // 8 KiB = two pages: one for the original, one for a filler, none for the new file.
            try Data("original\n".utf8).write(to: URL(fileURLWithPath: small + "/existing"))
            try Data(repeating: 1, count: 4096).write(to: URL(fileURLWithPath: small + "/filler"))
            let r = try Tool.keyport(["convert", "--to", "pem", "--no-passphrase", "--force", "-o", small + "/existing", key])
            #expect(r.status == 74, "\(r.stderr)")
            #expect(r.stderr.contains("no space left on device"))
            #expect(try String(contentsOfFile: small + "/existing", encoding: .utf8) == "original\n")
            #expect(Self.leftovers(small).isEmpty)
        }
        // Everywhere (root or not): a file size limit makes write(2) fail with EFBIG half way.
        let existing = try dir.write("existing", "original\n")
        let keyport = Tool.keyportPath
        let r = try Tool.run("/bin/sh", ["-c", "ulimit -f 1 && exec \"$0\" convert --to pem --no-passphrase --force -o \"$1\" \"$2\"", keyport, existing, key])
        #expect(r.status == 74, "\(r.stderr)")
        #expect(r.stderr.contains("file too large"))
        #expect(try dir.read("existing") == "original\n")
        #expect(Self.leftovers(dir.url.path).isEmpty)
        // And standard output that cannot take the key is an error, not a silent success.
        let full = try Tool.run("/bin/sh", ["-c", "exec \"$0\" convert --to pem --no-passphrase \"$1\" > /dev/full", keyport, key])
        #expect(full.status == 74)
        #expect(full.stderr.contains("standard output"))
    }

    // MARK: - Secrets in output and core dumps

    @Test func passphrasesAndPrivateMaterialNeverAppearInMessages() throws {
        let dir = try TempDir()
        let passphrase = "Sekrit-Passphrase-4711"
        let ed = try sshKeygen(dir, name: "ed", type: "ed25519", passphrase: passphrase, extra: ["-a", "2"])
        let rsa = try sshKeygen(dir, name: "rsa", type: "rsa", bits: 2048, passphrase: passphrase, extra: ["-a", "2"])
        let right = try dir.write("right", passphrase + "\n")
        let wrong = try dir.write("wrong", passphrase + "-not\n")
        // The private material, as it could leak: hex (both cases) and base64 of the seed and of d,
        // and the unencrypted files' bodies.
        var secrets = [passphrase]
        for path in [ed, rsa] {
            let doc = try #require(try KeyFile.read(Array(Data(contentsOf: URL(fileURLWithPath: path)))).first?.result.get())
            let key = try #require(try KeyFile.unlock(doc, passphrase: SecureBytes(passphrase)).privateKey)
            let material: [UInt8]
            switch key.secret {
            case let .eddsa(seed): material = seed.bytes
            case let .rsa(d, _, _, _): material = d.bytes
            default: material = []
            }
            secrets += [Hex.encode(material), Hex.encode(material).uppercased(), Hex.encode(material, separator: ":"),
                        String(Base64.encode(material).prefix(24)), String(Hex.encode(material).prefix(24))]
        }
        // Unencrypted copies, then damaged variants of them: a cut armour, a truncated body, a flipped byte.
        for (name, path) in [("ed-plain", ed), ("rsa-plain", rsa)] {
            #expect(try Tool.keyport(["convert", "--to", "openssh", "--passphrase-file", right, "--no-passphrase", "-o", dir.path(name), path]).status == 0)
            let text = try dir.read(name)
            let body = text.split(separator: "\n").dropFirst().dropLast()
            // The last full lines hold the private section's end (Ed25519 sk, RSA p and q).
            secrets += body.suffix(4).dropLast().map { String($0.prefix(40)) }.filter { $0.count >= 40 }
            _ = try dir.write(name + "-noarmour", body.joined(separator: "\n") + "\n")
            _ = try dir.write(name + "-cut", text.split(separator: "\n").dropFirst(3).joined(separator: "\n") + "\n")
            _ = try dir.write(name + "-truncated", String(text.prefix(text.count / 2)))
            var flipped = Array(text.utf8)
            flipped[flipped.count / 2] = flipped[flipped.count / 2] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
            _ = try dir.write(name + "-flipped", String(decoding: flipped, as: UTF8.self))
        }
        var runs: [[String]] = []
        for path in [ed, rsa] {
            runs += [
                ["convert", "--to", "pem", "--passphrase-file", wrong, "--no-passphrase", path],
                ["convert", "--to", "rfc4716", "--passphrase-file", right, "--no-passphrase", path],
                ["convert", "--to", "ppk", "--passphrase-file", right, "--no-passphrase", "-o", dir.path("ed"), path],
                ["inspect", path], ["inspect", "--json", path], ["fingerprint", path], ["lint", path],
                ["convert", "--to", "openssh", "--public", "--passphrase-file", right, path],
            ]
        }
        for name in ["ed-plain", "rsa-plain"] {
            for variant in ["", "-noarmour", "-cut", "-truncated", "-flipped"] {
                runs += [["inspect", dir.path(name + variant)], ["inspect", "--json", dir.path(name + variant)],
                         ["fingerprint", dir.path(name + variant)], ["lint", dir.path(name + variant)], ["lint", "--format", "json", dir.path(name + variant)],
                         ["convert", "--to", "openssh", "--public", dir.path(name + variant)]]
            }
        }
        for args in runs {
            let r = try Tool.keyport(args)
            for secret in secrets {
                #expect(!r.stderr.contains(secret), "\(args) printed a secret on stderr: \(r.stderr)")
                #expect(!r.stdout.contains(secret), "\(args) printed a secret on stdout")
            }
        }
    }

    @Test func theToolRunsWithoutCoreDumps() throws {
        // keyport waits on its standard input here, long enough to look at its limits.
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Tool.keyportPath)
        process.arguments = ["convert", "--to", "openssh", "-"]
        let input = Pipe()
        process.standardInput = input
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer {
            try? input.fileHandleForWriting.close()
            process.waitUntilExit()
        }
        // "Max core file size   SOFT   HARD   bytes": both 0 once main() has run.
        var fields: [Substring] = []
        for _ in 0..<100 {
            let limits = (try? String(contentsOfFile: "/proc/\(process.processIdentifier)/limits", encoding: .utf8)) ?? ""
            fields = limits.split(separator: "\n").first { $0.hasPrefix("Max core file size") }?.split(separator: " ") ?? []
            if fields.count >= 6, fields[4] == "0", fields[5] == "0" { break }
            Thread.sleep(forTimeInterval: 0.05)
        }
        #expect(fields.count >= 6 && fields[4] == "0" && fields[5] == "0", "\(fields)")
    }

    // MARK: - One clear message per failure

    @Test func opensshWrongPassphraseDamagedTagAndTruncationAreTold() throws {
        for cipher in ["aes256-gcm@openssh.com", "chacha20-poly1305@openssh.com", "aes256-ctr"] {
            let bytes = try Self.opensshFile(rounds: 2, cipher: cipher)
            let doc = try #require(try KeyFile.read(bytes).first?.result.get())
            #expect(throws: KeyportError.wrongPassphrase) { try KeyFile.unlock(doc, passphrase: SecureBytes("not-it")) }
            #expect(try KeyFile.unlock(doc, passphrase: SecureBytes("pw")).privateKey != nil)
            // Damage the last byte of the body: the tag for AEAD ciphers, the padding for CTR.
            let lines = String(decoding: bytes, as: UTF8.self).split(separator: "\n").map(String.init)
            var body = try #require(Base64.decode(lines[1..<(lines.count - 1)].joined()))
            body[body.count - 1] ^= 0x01
            let damaged = Array((lines[0] + "\n" + Base64.encode(body, lineLength: 70) + "\n" + lines[lines.count - 1] + "\n").utf8)
            let damagedDoc = try #require(try KeyFile.read(damaged).first?.result.get())
            let opened = keyportError { try KeyFile.unlock(damagedDoc, passphrase: SecureBytes("pw")) }
            guard case let .integrityCheckFailed(message)? = opened else { Issue.record("\(cipher): a damaged file: \(String(describing: opened))"); continue }
            #expect(message.contains("damaged"))
            // Truncated body (armour kept).
            let cut = Array((lines[0] + "\n" + Base64.encode(body.prefix(body.count - 40), lineLength: 70) + "\n" + lines[lines.count - 1] + "\n").utf8)
            guard let error = keyportError({ try KeyFile.read(cut) }) else { Issue.record("\(cipher): a truncated file read"); continue }
            guard case .truncated = error else { Issue.record("\(cipher): truncation reported as \(error)"); continue }
        }
    }

    @Test func ppkWrongPassphraseDamagedMACAndTruncationAreTold() throws {
        let bytes = try Self.ppkFile()
        let doc = try #require(try KeyFile.read(bytes).first?.result.get())
        #expect(throws: KeyportError.wrongPassphrase) { try KeyFile.unlock(doc, passphrase: SecureBytes("not-it")) }
        let text = String(decoding: bytes, as: UTF8.self)
        let macLine = try #require(text.split(separator: "\n").first { $0.hasPrefix("Private-MAC: ") })
        let flipped = String(macLine.dropLast()) + (macLine.last == "0" ? "1" : "0")
        let damaged = try #require(try KeyFile.read(Array(text.replacingOccurrences(of: String(macLine), with: flipped).utf8)).first?.result.get())
        let opened = keyportError { try KeyFile.unlock(damaged, passphrase: SecureBytes("pw")) }
        guard case let .integrityCheckFailed(message)? = opened else { Issue.record("a damaged PPK: \(String(describing: opened))"); return }
        #expect(message.contains("damaged"))
        let cut = Array(text.split(separator: "\n").dropLast(2).joined(separator: "\n").utf8)
        let read = keyportError { try KeyFile.read(cut) }
        guard case .truncated? = read else { Issue.record("a truncated PPK: \(String(describing: read))"); return }
    }

    @Test func pemWrongPassphraseAndTruncationAreTold() throws {
        let dir = try TempDir()
        let key = try sshKeygen(dir, name: "k", type: "ecdsa")
        let pw = try dir.write("pw", "pw\n")
        for format in ["pem", "pkcs8"] {
            let out = dir.path("k.\(format)")
            #expect(try Tool.keyport(["convert", "--to", format, "--new-passphrase-file", pw, "-o", out, key]).status == 0)
            let bytes = try dir.bytes("k.\(format)")
            let doc = try #require(try KeyFile.read(bytes).first?.result.get())
            #expect(throws: KeyportError.wrongPassphrase) { try KeyFile.unlock(doc, passphrase: SecureBytes("not-it")) }
            #expect(try KeyFile.unlock(doc, passphrase: SecureBytes("pw")).privateKey != nil)
            // Truncated: the END line gone, and the body cut with the END line kept.
            let text = String(decoding: bytes, as: UTF8.self)
            var lines = text.split(separator: "\n").map(String.init)
            for cut in [Array(text.prefix(text.count / 2).utf8),
                        Array((lines.prefix(lines.count - 3) + [lines[lines.count - 1]]).joined(separator: "\n").utf8)] {
                do {
                    let docs = try KeyFile.read(cut)
                    _ = try KeyFile.unlock(try #require(try docs.first?.result.get()), passphrase: SecureBytes("pw"))
                    Issue.record("\(format): a truncated file opened")
                } catch let error as KeyportError {
                    switch error {
                    case .truncated: break
                    case let .malformed(_, _, reason): #expect(reason.contains("truncated") || reason.contains("base64"), "\(format): \(error)")
                    default: Issue.record("\(format): truncation reported as \(error)")
                    }
                }
            }
            // PEM and PKCS#8 carry no MAC: damaged ciphertext fails the padding or the structure,
            // which cannot be told from a wrong passphrase (documented).
            let middle = lines.count / 2
            lines[middle] = String(lines[middle].reversed())
            if let damaged = try? KeyFile.read(Array(lines.joined(separator: "\n").utf8)).first?.result.get() {
                #expect(throws: KeyportError.self) { try KeyFile.unlock(damaged, passphrase: SecureBytes("pw")) }
            }
        }
    }
}
