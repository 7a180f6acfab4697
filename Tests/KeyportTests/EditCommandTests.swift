import Foundation
import Testing
@testable import Keyport

/// `keyport passwd` and `keyport comment`: in place, atomic, same format and mode; the peers read
/// the result with the new passphrase or comment.
@Suite struct EditCommandTests {
    static func mode(_ path: String) throws -> Int {
        (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int) ?? -1
    }

    @Test func passwdChangesAnOpenSSHKeyInPlace() throws {
        let dir = try TempDir()
        let key = try sshKeygen(dir, name: "k", type: "ed25519", comment: "me@example.com", passphrase: "old pass")
        let old = try dir.write("old", "old pass\n"), new = try dir.write("new", "new pass\n")
        chmod(key, 0o400)
        let out = try Tool.keyport(["passwd", "--passphrase-file", old, "--new-passphrase-file", new, key])
        #expect(out.status == 0, "\(out.stderr)")
        #expect(try Self.mode(key) == 0o400, "the mode is kept")
        let peer = try Tool.run("/usr/bin/ssh-keygen", ["-y", "-P", "new pass", "-f", key])
        #expect(peer.status == 0 && peer.stdout.hasSuffix(" me@example.com\n"), "\(peer.stderr)")
        #expect(try Tool.run("/usr/bin/ssh-keygen", ["-y", "-P", "old pass", "-f", key]).status != 0)
        #expect(try dir.read("k").hasPrefix("-----BEGIN OPENSSH PRIVATE KEY-----"))
        // Wrong old passphrase: 77, file untouched.
        let before = try dir.bytes("k")
        let wrong = try Tool.keyport(["passwd", "--passphrase-file", old, "--new-passphrase-file", new, key])
        #expect(try wrong.status == 77 && dir.bytes("k") == before)
        // Remove the passphrase.
        let none = try Tool.keyport(["passwd", "--passphrase-file", new, "--no-passphrase", "-q", key])
        #expect(none.status == 0 && none.stderr.isEmpty)
        #expect(try Tool.run("/usr/bin/ssh-keygen", ["-y", "-P", "", "-f", key]).status == 0)
        #expect(try dir.read("k.pub").hasSuffix(" me@example.com\n"))
    }

    @Test func passwdKeepsPPKVersionAndPuttygenReadsIt() throws {
        guard Tool.available("puttygen") else { return }
        let dir = try TempDir()
        let old = try dir.write("old", "old\n"), new = try dir.write("new", "new\n")
        let made = try Tool.run("puttygen", ["-t", "ed25519", "-C", "putty@example.com", "--ppk-param", "version=2",
                                             "--new-passphrase", old, "-o", dir.path("k.ppk")])
        #expect(made.status == 0, "\(made.stderr)")
        let out = try Tool.keyport(["passwd", "--passphrase-file", old, "--new-passphrase-file", new, dir.path("k.ppk")])
        #expect(out.status == 0, "\(out.stderr)")
        #expect(try dir.read("k.ppk").hasPrefix("PuTTY-User-Key-File-2: ssh-ed25519"))
        let peer = try Tool.run("puttygen", ["--old-passphrase", new, "-L", dir.path("k.ppk")])
        #expect(peer.status == 0 && peer.stdout.hasSuffix(" putty@example.com\n"), "\(peer.stderr)")
    }

    @Test func passwdWithoutTerminalOrNewPassphraseFailsClosed() throws {
        let dir = try TempDir()
        let key = try sshKeygen(dir, name: "k", type: "ed25519", passphrase: "")
        let before = try dir.bytes("k")
        // setsid: no controlling terminal at all.
        let out = try Tool.run("/usr/bin/setsid", ["-w", Tool.keyportPath, "passwd", key])
        #expect(out.status == 77 && out.stderr.contains("--new-passphrase-file"), "\(out.stderr)")
        #expect(try dir.bytes("k") == before)
        let stdin = try Tool.keyport(["passwd", "-"])
        #expect(stdin.status == 64)
        let rounds = try Tool.keyport(["passwd", "--no-passphrase", "--kdf-rounds", "32", key])
        #expect(rounds.status == 64 && rounds.stderr.contains("--kdf-rounds"))
    }

    @Test func commentChangesPrivateKeyAndItsPub() throws {
        let dir = try TempDir()
        let key = try sshKeygen(dir, name: "k", type: "ecdsa", comment: "old@example.com", passphrase: "pw")
        let pass = try dir.write("pass", "pw\n")
        let out = try Tool.keyport(["comment", "-Cnew@example.com", "--passphrase-file", pass, key])
        #expect(out.status == 0, "\(out.stderr)")
        let peer = try Tool.run("/usr/bin/ssh-keygen", ["-y", "-P", "pw", "-f", key])
        #expect(peer.stdout.hasSuffix(" new@example.com\n"), "the passphrase is kept: \(peer.stderr)")
        #expect(try dir.read("k.pub").hasSuffix(" new@example.com\n"))
        #expect(try Self.mode(key) == 0o600)
        // A public key file alone.
        let pub = try dir.write("other.pub", try dir.read("k.pub"), mode: 0o644)
        #expect(try Tool.keyport(["comment", "-C", "third", pub]).status == 0)
        #expect(try dir.read("other.pub").hasSuffix(" third\n") && Self.mode(pub) == 0o644)
        // PEM has no comment: refused, not dropped.
        let pem = dir.path("k.pem")
        #expect(try Tool.keyport(["convert", "--to", "pem", "--passphrase-file", pass, "--no-passphrase", "-q", "-o", pem, key]).status == 0)
        let refused = try Tool.keyport(["comment", "-C", "x", pem])
        #expect(refused.status == 64 && refused.stderr.contains("no place for a comment"))
    }

    @Test func lintFixesNameTheCommands() throws {
        let dir = try TempDir()
        let key = try sshKeygen(dir, name: "k", type: "ed25519", comment: "no-email", passphrase: "")
        let out = try Tool.keyport(["lint", "--fail-on", "info", key])
        #expect(out.stdout.contains("keyport passwd") && out.stdout.contains("ssh-keygen -p"))
        #expect(out.stdout.contains("keyport comment -C"))
    }
}
