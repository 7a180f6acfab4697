import Foundation
import Testing
@testable import Keyport

/// Issue 15 items 9 and 10: keys where and as people paste them, from keys made by the real tools.
@Suite struct PastedKeyTests {
    /// Private keys of every format, made by the tool that writes it: name → path.
    static func privateKeys(_ dir: TempDir) throws -> [(name: String, path: String)] {
        var keys: [(String, String)] = []
        keys.append(("openssh-key-v1", try sshKeygen(dir, name: "ed", type: "ed25519")))
        keys.append(("openssh-key-v1 encrypted", try sshKeygen(dir, name: "ed-enc", type: "ed25519", passphrase: "pass phrase")))
        keys.append(("PEM PKCS#1", try sshKeygen(dir, name: "rsa-pem", type: "rsa", bits: 2048, extra: ["-m", "PEM"])))
        let pkcs8 = dir.path("ec.p8")
        #expect(try Tool.run("/usr/bin/openssl", ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", pkcs8]).status == 0)
        keys.append(("PKCS#8", pkcs8))
        let encrypted = dir.path("ec-enc.p8")
        #expect(try Tool.run("/usr/bin/openssl", ["pkcs8", "-topk8", "-in", pkcs8, "-passout", "pass:secret", "-out", encrypted]).status == 0)
        keys.append(("PKCS#8 encrypted", encrypted))
        let ppk = dir.path("putty.ppk")
        #expect(try Tool.run("/usr/bin/puttygen", ["-q", "-t", "ed25519", "-C", "putty@example.com", "-o", ppk, "--new-passphrase", "/dev/null"]).status == 0)
        keys.append(("PPK", ppk))
        return keys
    }

    /// The lines of a private key file that carry key material (none may ever be printed).
    static func secretLines(_ text: String) -> [String] {
        text.split(separator: "\n").map(String.init).filter { line in
            line.count >= 20 && !line.hasPrefix("-----") && !line.contains(": ")
        }
    }

    static func expectNoKeyMaterial(_ output: Tool.Output, from key: String, _ context: String) {
        for line in secretLines(key) {
            #expect(!output.stdout.contains(line) && !output.stderr.contains(line), "\(context): key material printed")
        }
    }

    // MARK: - Item 10: a private key where a public key belongs

    /// A private key (every format) as a `.pub` file, as an authorized_keys file, pasted inside an
    /// authorized_keys file between public keys, or piped to `fingerprint -`: an error naming the
    /// file and line, exit 65, no key material, and every public key around it still printed as
    /// ssh-keygen prints it.
    @Test func privateKeyWherePublicKeysBelongIsRefusedByFingerprint() throws {
        let dir = try TempDir()
        let keys = try Self.privateKeys(dir)
        try sshKeygen(dir, name: "one", type: "ed25519", comment: "one@example.com")
        try sshKeygen(dir, name: "two", type: "ecdsa", comment: "two@example.com")
        let publicLines = [try dir.read("one.pub"), try dir.read("two.pub")]
        let onlyPublic = try dir.write("only-public", publicLines.joined())
        let peer = try Tool.run("/usr/bin/ssh-keygen", ["-lf", onlyPublic])
        #expect(peer.status == 0)
        for (name, path) in keys {
            let key = try String(contentsOfFile: path, encoding: .utf8)
            // The whole file is the private key.
            for place in ["leaked.pub", "authorized_keys"] {
                let file = try dir.write(place, key)
                let out = try Tool.keyport(["fingerprint", file])
                #expect(out.status == 65, "\(name) as \(place): \(out.stderr)")
                #expect(out.stdout.isEmpty, "\(name) as \(place)")
                let placeName = place == "authorized_keys" ? "an authorized_keys file" : "a .pub file"
                #expect(out.stderr.hasPrefix("keyport: \(file): private key where a public key belongs: \(placeName) holds "), "\(name): \(out.stderr)")
                #expect(out.stderr.split(separator: "\n").count == 1, "\(name): \(out.stderr)")
                Self.expectNoKeyMaterial(out, from: key, "\(name) as \(place)")
            }
            // Piped: ssh-keygen -lf - refuses a private key too.
            let piped = try Tool.keyport(["fingerprint", "-"], stdin: Data(key.utf8))
            #expect(piped.status == 65 && piped.stdout.isEmpty, "\(name) on stdin")
            #expect(piped.stderr.hasPrefix("keyport: (stdin): private key where a public key belongs: standard input holds"), "\(name): \(piped.stderr)")
            Self.expectNoKeyMaterial(piped, from: key, "\(name) on stdin")
            // Pasted between two public keys of an authorized_keys file: reported once, at its
            // first line; the public keys still print exactly as ssh-keygen prints them.
            let pasted = try dir.write("authorized_keys", publicLines[0] + key + publicLines[1])
            let out = try Tool.keyport(["fingerprint", pasted])
            #expect(out.status == 65, "\(name) pasted: \(out.stderr)")
            #expect(out.stdout == peer.stdout, "\(name) pasted")
            #expect(out.stderr.split(separator: "\n").count == 1, "\(name) pasted: \(out.stderr)")
            #expect(out.stderr.hasPrefix("keyport: \(pasted):2: private key where a public key belongs: "), "\(name) pasted: \(out.stderr)")
            Self.expectNoKeyMaterial(out, from: key, "\(name) pasted")
            // The same key given as what it is, a private key file, is fingerprinted as ssh-keygen does.
            if name.hasPrefix("openssh") || name == "PEM PKCS#1" {
                let own = try Tool.keyport(["fingerprint", path])
                let expected = try Tool.run("/usr/bin/ssh-keygen", ["-lf", path]).stdout
                #expect(own.status == 0 && own.stdout == expected, "\(name)")
            }
        }
    }

    /// lint over a directory reports `private-key-exposed` for authorized_keys files and *.pub
    /// files holding private keys (whole or pasted among public lines), and for `lint -`; a private
    /// key under its own name is not exposed.
    @Test func lintReportsExposedPrivateKeys() throws {
        let dir = try TempDir()
        let keys = try Self.privateKeys(dir)
        let publicLine = try dir.read("ed.pub")
        let tree = try TempDir()
        for (index, (_, path)) in keys.enumerated() {
            let key = try String(contentsOfFile: path, encoding: .utf8)
            _ = try tree.write("leak\(index).pub", key)
            try FileManager.default.createDirectory(atPath: tree.path("home\(index)/.ssh"), withIntermediateDirectories: true)
            _ = try tree.write("home\(index)/.ssh/authorized_keys", publicLine + key)
            _ = try tree.write("home\(index)/.ssh/id_own", key)
        }
        let text = try Tool.keyport(["lint", tree.url.path])
        #expect(text.status == 1)
        let exposed = text.stdout.split(separator: "\n").filter { $0.contains(" error private-key-exposed: ") }
        #expect(exposed.count == 2 * keys.count, "\(text.stdout)")
        for index in keys.indices {
            #expect(exposed.contains { $0.hasPrefix("\(tree.path("leak\(index).pub")): error private-key-exposed: a .pub file holds") })
            #expect(exposed.contains { $0.hasPrefix("\(tree.path("home\(index)/.ssh/authorized_keys")):2: error private-key-exposed: ") })
            #expect(!exposed.contains { $0.contains("id_own") })
        }
        for (name, path) in keys {
            Self.expectNoKeyMaterial(text, from: try String(contentsOfFile: path, encoding: .utf8), name)
        }
        let json = try Tool.keyport(["lint", "--format", "json", tree.url.path])
        #expect(json.status == 1)
        #expect(json.stdout.components(separatedBy: "\"rule\":\"private-key-exposed\"").count - 1 == 2 * keys.count)
        for (name, path) in keys {
            let piped = try Tool.keyport(["lint", "--format", "json", "-"], stdin: try Data(contentsOf: URL(fileURLWithPath: path)))
            #expect(piped.status == 1 && piped.stdout.contains("\"rule\":\"private-key-exposed\""), "\(name): \(piped.stdout)")
        }
        #expect(try Tool.keyport(["lint", "--explain", "private-key-exposed"]).stdout.contains("authorized_keys"))
    }
}
