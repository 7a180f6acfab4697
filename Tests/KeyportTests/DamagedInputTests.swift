import Foundation
import Testing
@testable import Keyport

// Damaged input is exit 65 with a message in words, never 70 with libcrypto's error text (issue
// 14.12). Each case starts from a file a real tool made (ssh-keygen, openssl, puttygen) and damages
// one field the way the fuzz campaign of the reliability review did.

@Suite struct DamagedInputTests {
    /// Runs keyport and checks the damaged-input contract: 65, one `keyport:` line naming the file,
    /// no libcrypto error line, and the expected words.
    private func expectDamaged(_ arguments: [String], file: String, mentions words: String,
                               sourceLocation: SourceLocation = #_sourceLocation) throws {
        let out = try Tool.keyport(arguments + [file])
        #expect(out.status == 65, "\(arguments): \(out.stderr)", sourceLocation: sourceLocation)
        #expect(out.stderr.hasPrefix("keyport: \(file)"), "\(out.stderr)", sourceLocation: sourceLocation)
        #expect(out.stderr.split(separator: "\n").count == 1, "\(out.stderr)", sourceLocation: sourceLocation)
        #expect(!out.stderr.contains("crypto library") && !out.stderr.contains("error:"), "\(out.stderr)", sourceLocation: sourceLocation)
        #expect(out.stderr.contains(words), "\(out.stderr)", sourceLocation: sourceLocation)
    }

    private func pemBody(_ text: String) -> [UInt8] {
        Base64.decode(Array(text.split(separator: "\n").filter { !$0.hasPrefix("-----") }.joined().utf8)[...])!
    }

    private func pem(_ label: String, _ der: [UInt8]) -> String {
        "-----BEGIN \(label)-----\n" + Base64.encode(der, lineLength: 64) + "\n-----END \(label)-----\n"
    }

    /// An Ed25519 key from openssl genpkey, encrypted by openssl pkcs8 -topk8 with `options` and the
    /// passphrase in the returned file; the EncryptedPrivateKeyInfo DER.
    private func opensslEncryptedKey(_ options: [String]) throws -> (TempDir, String, [UInt8]) {
        let dir = try TempDir()
        let pass = try dir.write("pass", "pw\n")
        let plain = dir.path("k.pem")
        #expect(try Tool.run("/usr/bin/openssl", ["genpkey", "-algorithm", "ED25519", "-out", plain]).status == 0)
        let encrypted = try Tool.run("/usr/bin/openssl", ["pkcs8", "-topk8", "-in", plain, "-passout", "file:" + pass] + options)
        #expect(encrypted.status == 0)
        return (dir, pass, pemBody(encrypted.stdout))
    }

    @Test func ecPointOffTheCurveIsDamagedInputWhenConverted() throws {
        let dir = try TempDir()
        _ = try sshKeygen(dir, name: "k", type: "ecdsa", bits: 256)
        let fields = try dir.read("k.pub").split(separator: " ")
        var blob = Base64.decode(Array(fields[1].utf8)[...])!
        blob[blob.count - 1] ^= 1 // the last byte of Y
        let file = try dir.write("off.pub", "\(fields[0]) \(Base64.encode(blob)) off\n")
        #expect(try Tool.run("/usr/bin/ssh-keygen", ["-lf", file]).status != 0)
        for target in ["pem", "pkcs8"] {
            try expectDamaged(["convert", "--to", target, "-o", dir.path("out-\(target)")], file: file, mentions: "not on the nistp256 curve")
            #expect(!dir.exists("out-\(target)"))
        }
    }

    @Test func pkcs8ParameterGarbageIsDamagedInput() throws {
        let (dir, pass, der) = try opensslEncryptedKey(["-v2", "aes-256-cbc", "-iter", "2048"])
        // The iteration count INTEGER 2048 (02 02 08 00) set to zero, and the IV's length cut.
        let iteration = der.firstRange(of: [0x02, 0x02, 0x08, 0x00])!
        var zero = der
        zero[iteration.lowerBound + 2] = 0; zero[iteration.lowerBound + 3] = 0
        let aes256 = der.firstRange(of: [0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x01, 0x2a])!
        var shortIV = der
        shortIV[aes256.upperBound + 1] = 0x08
        for (name, bytes) in [("iter0", zero), ("iv", shortIV)] {
            let file = try dir.write(name, pem("ENCRYPTED PRIVATE KEY", bytes))
            try expectDamaged(["inspect", "--passphrase-file", pass], file: file, mentions: "PKCS#8")
            try expectDamaged(["convert", "--to", "openssh", "--no-passphrase", "--passphrase-file", pass, "-o", dir.path("o-\(name)")], file: file, mentions: "PKCS#8")
        }
    }

    @Test func scryptBeyondLibcryptoMemoryCapIsSaidInWords() throws {
        let (dir, pass, original) = try opensslEncryptedKey(["-scrypt"])
        var der = original
        // scrypt-params SEQ{ salt, N 2^14 (02 02 40 00), r 8 (02 01 08), p 1 }: r = 32 needs 64 MiB.
        let r = der.firstRange(of: [0x02, 0x02, 0x40, 0x00, 0x02, 0x01, 0x08])!
        der[r.upperBound - 1] = 32
        let file = try dir.write("big.pem", pem("ENCRYPTED PRIVATE KEY", der))
        #expect(try Tool.run("/usr/bin/openssl", ["pkey", "-in", file, "-passin", "file:" + pass, "-noout"]).status != 0)
        try expectDamaged(["inspect", "--passphrase-file", pass], file: file, mentions: "MiB")
    }

    @Test(arguments: [("Argon2-Parallelism", "0", "lane"), ("Argon2-Memory", "7", "KiB"), ("Argon2-Salt", "0102", "Salt"), ("Argon2-Passes", "0", "Passes")])
    func argon2BelowLibargon2MinimumsIsDamagedInput(_ header: String, _ value: String, _ words: String) throws {
        let dir = try TempDir()
        let pass = try dir.write("pass", "pw\n")
        let key = dir.path("k.ppk")
        #expect(try Tool.run("/usr/bin/puttygen", ["-t", "ed25519", "-o", key, "--new-passphrase", pass]).status == 0)
        let text = try dir.read("k.ppk").split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.hasPrefix(header + ":") ? "\(header): \(value)" : String($0) }.joined(separator: "\n")
        let file = try dir.write("bad.ppk", text)
        try expectDamaged(["convert", "--to", "openssh", "--no-passphrase", "--passphrase-file", pass, "-o", dir.path("out")], file: file, mentions: words)
        #expect(!dir.exists("out"))
    }

    @Test func tooLargeFileHasTheSameCodeInEveryCommand() throws {
        let dir = try TempDir()
        let big = "-----BEGIN OPENSSH PRIVATE KEY-----\n" + String(repeating: String(repeating: "A", count: 70) + "\n", count: 16_000)
        let file = try dir.write("big", big)
        for command in [["inspect"], ["fingerprint"], ["lint"], ["convert", "--to", "openssh", "--no-passphrase", "-o", dir.path("out")]] {
            let out = try Tool.keyport(command + [file])
            #expect(out.status == 65, "\(command): \(out.stderr)")
            #expect(out.stderr.contains("larger than 1024 KiB"), "\(command): \(out.stderr)")
        }
        // A policy file over its own bound is named as such, not as "not a key file".
        let policy = try dir.write("policy", String(repeating: "# x\n", count: 20_000))
        _ = try sshKeygen(dir, name: "k", type: "ed25519")
        let lint = try Tool.keyport(["lint", "--policy", policy, dir.path("k.pub")])
        #expect(lint.status == 65 && !lint.stderr.contains("not a key file"), "\(lint.stderr)")
    }
}
