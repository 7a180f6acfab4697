import Foundation
import Testing
@testable import Keyport

/// `fingerprint -E spki-sha256|aws-md5|aws-sha1` and the same values in `inspect`, against what
/// openssl computes from fresh keys: `openssl pkey -pubout -outform DER` hashed with SHA-256
/// (badkeys' key id) and MD5 (AWS EC2, imported keys), `openssl pkcs8 -topk8 -nocrypt -outform DER`
/// hashed with SHA-1 (AWS EC2, keys AWS created).
@Suite struct ExternalFingerprintTests {
    /// openssl's value of a shell pipeline over `key`: the hex after "= " (`openssl dgst -c`) or the
    /// first word (sha256sum).
    static func openssl(_ pipeline: String, _ key: String) throws -> String {
        let r = try Tool.run("sh", ["-c", pipeline, "sh", key])
        #expect(r.status == 0, "\(pipeline): \(r.stderr)")
        let out = r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        if let range = out.range(of: "= ") { return String(out[range.upperBound...]) }
        return String(out.split(separator: " ").first ?? "")
    }

    static func expected(_ key: String) throws -> (spki: String, md5: String, sha1: String) {
        (try openssl(#"openssl pkey -in "$1" -pubout -outform DER | sha256sum"#, key),
         try openssl(#"openssl pkey -in "$1" -pubout -outform DER | openssl dgst -md5 -c"#, key),
         try openssl(#"openssl pkcs8 -topk8 -nocrypt -in "$1" -outform DER | openssl sha1 -c"#, key))
    }

    /// Fresh private keys from openssl (PEM, readable by both tools) and their .pub from ssh-keygen.
    static func keys(_ dir: TempDir) throws -> [String] {
        let algorithms: [(String, [String])] = [
            ("rsa", ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"]),
            ("p256", ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"]),
            ("p384", ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"]),
            ("ed25519", ["-algorithm", "ED25519"]),
        ]
        return try algorithms.map { name, args in
            let path = dir.path(name)
            #expect(try Tool.run("openssl", ["genpkey"] + args + ["-out", path]).status == 0)
            // ssh-keygen 9.2 reads no PKCS#8 Ed25519: keyport writes that line (other tests hold it to ssh-keygen's).
            let pub = name == "ed25519" ? try Tool.keyport(["convert", "--to", "openssh", "--public", path]) : try Tool.run("ssh-keygen", ["-y", "-f", path])
            #expect(pub.status == 0, "\(pub.stderr)")
            try Data((pub.stdout.trimmingCharacters(in: .newlines) + " \(name)@example\n").utf8).write(to: URL(fileURLWithPath: path + ".pub"))
            return path
        }
    }

    @Test func fingerprintKindsMatchOpenSSL() throws {
        let dir = try TempDir()
        for key in try Self.keys(dir) {
            let want = try Self.expected(key)
            #expect(want.spki.count == 64 && want.md5.count == 47 && want.sha1.count == 59)
            let bits = try Tool.keyport(["fingerprint", key]).stdout.split(separator: " ").first.map(String.init) ?? "?"
            for (kind, value) in [("spki-sha256", want.spki), ("aws-md5", want.md5), ("AWS-SHA1", want.sha1)] {
                let r = try Tool.keyport(["fingerprint", "-E", kind, key])
                #expect(r.status == 0, "\(kind) \(key): \(r.stderr)")
                // ssh-keygen -l's layout, the value in place of the hash.
                let fields = r.stdout.split(separator: " ")
                #expect(fields.count >= 4 && fields[0] == bits[...] && fields[1] == value[...], "\(kind) \(key): \(r.stdout)")
            }
            // The public line has the two public kinds, the same values, and says it lacks aws-sha1.
            for (kind, value) in [("spki-sha256", want.spki), ("aws-md5", want.md5)] {
                let r = try Tool.keyport(["fingerprint", "-E", kind, key + ".pub"])
                #expect(r.status == 0 && r.stdout.split(separator: " ").dropFirst().first == value[...], "\(r.stdout)\(r.stderr)")
            }
            let noPrivate = try Tool.keyport(["fingerprint", "-E", "aws-sha1", key + ".pub"])
            #expect(noPrivate.status != 0 && noPrivate.stdout.isEmpty)
            #expect(noPrivate.stderr.contains(key + ".pub:1") && noPrivate.stderr.contains("private key"), "\(noPrivate.stderr)")

            let json = try Tool.keyport(["fingerprint", "--json", "-E", "aws-md5", key])
            let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
            #expect(object?["aws_md5"] as? String == want.md5)
            #expect((object?["sha256"] as? String)?.hasPrefix("SHA256:") == true)
        }
    }

    @Test func inspectShowsTheOtherToolsFingerprints() throws {
        let dir = try TempDir()
        let key = try Self.keys(dir)[0]
        let want = try Self.expected(key)
        let json = try Tool.keyport(["inspect", "--json", key])
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        #expect(object?["spki_sha256"] as? String == want.spki)
        #expect(object?["aws_md5"] as? String == want.md5)
        #expect(object?["aws_sha1"] as? String == want.sha1)
        let pubJSON = try Tool.keyport(["inspect", "--json", key + ".pub"])
        let pub = try JSONSerialization.jsonObject(with: Data(pubJSON.stdout.utf8)) as? [String: Any]
        #expect(pub?["aws_md5"] as? String == want.md5)
        #expect(pub?["aws_sha1"] is NSNull)
        let text = try Tool.keyport(["inspect", key + ".pub"]).stdout
        #expect(text.contains("spki-sha256:") && text.contains(want.spki) && text.contains(want.md5))
        #expect(text.contains("aws-sha1:") && text.contains("not available: needs the private key"))
        // lint's spki_sha256 is the same value.
        let lint = try Tool.keyport(["lint", "--format", "json", key + ".pub"])
        #expect(lint.stdout.contains("\"spki_sha256\":\"\(want.spki)\""))
    }

    @Test func awsSHA1OfAnEncryptedKeyNeedsItsPassphrase() throws {
        let dir = try TempDir()
        let encrypted = dir.path("enc"), plain = dir.path("plain")
        let pass = try dir.write("pass", "correct horse\n")
        #expect(try Tool.run("ssh-keygen", ["-q", "-t", "rsa", "-b", "2048", "-N", "correct horse", "-f", encrypted]).status == 0)
        // The same key unencrypted as PKCS#1 PEM, which openssl reads.
        try FileManager.default.copyItem(atPath: encrypted, toPath: plain)
        #expect(try Tool.run("ssh-keygen", ["-q", "-p", "-P", "correct horse", "-N", "", "-m", "PEM", "-f", plain]).status == 0)
        let locked = try Tool.keyport(["fingerprint", "-E", "aws-sha1", encrypted])
        #expect(locked.status != 0 && locked.stdout.isEmpty && locked.stderr.contains("encrypted"), "\(locked.stderr)")
        let unlocked = try Tool.keyport(["fingerprint", "-E", "aws-sha1", "--passphrase-file", pass, encrypted])
        #expect(unlocked.status == 0, "\(unlocked.stderr)")
        #expect(unlocked.stdout.split(separator: " ").dropFirst().first.map(String.init) == (try Self.expected(plain).sha1))
    }

    @Test func randomartIsOnlyForSSHKeygensKinds() throws {
        let dir = try TempDir()
        let key = try Self.keys(dir)[3]
        let r = try Tool.keyport(["fingerprint", "-v", "-E", "aws-md5", key])
        #expect(r.status == 64 && r.stdout.isEmpty)
    }

    @Test func securityKeysHaveNoX509Fingerprint() throws {
        let line = "sk-ssh-ed25519@openssh.com AAAAGnNrLXNzaC1lZDI1NTE5QG9wZW5zc2guY29tAAAAIEX/dQ0v4127bEo8eeG1EV0ApO2lWbSnN6RXusH/kIqfAAAABHNzaDo= sk\n"
        let doc = try #require(try KeyFile.read(Array(line.utf8)).first?.result.get())
        #expect(throws: KeyportError.self) { try doc.fingerprint(.spkiSHA256) }
        #expect(doc.publicKey?.fingerprint(.awsMD5) == "unavailable")
    }
}
