// Logins to a real OpenSSH server through swift-nio-ssh (the NIOSSHExec example), with keys made by
// ssh-keygen, puttygen and openssl in every format, and the ways a login must fail.

import Foundation
import Keyport
import KeyportNIOSSH
import NIOSSH
import Testing

/// The keys make-keys.sh made, the sshd that authorizes them, and what the test needs to know.
final class Lab: @unchecked Sendable {
    struct Key: Sendable, CustomTestStringConvertible {
        let file: String
        let passphraseFile: String?
        let publicLine: String
        let path: String
        var testDescription: String { file }
        var isSupported: Bool { !file.hasPrefix("rsa") }
    }

    let keys: TempDir
    let manifest: [Key]
    let server: SSHServer

    /// One lab for the whole run: making the keys costs seconds, starting sshd little.
    static let shared: Result<Lab, any Error> = Result { try Lab() }

    static func get() throws -> Lab { try shared.get() }

    private init() throws {
        keys = try TempDir("keyport-niossh-keys")
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("make-keys.sh").path
        try Tool.must("/bin/sh", [script, keys.url.path])
        let dir = keys
        manifest = try dir.read("MANIFEST").split(separator: "\n").map { line in
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            return Key(file: fields[0], passphraseFile: fields[1] == "-" ? nil : dir.path(fields[1]),
                       publicLine: fields[2], path: dir.path(fields[0]))
        }
        // Every key is authorized (RSA too: sshd would take it; swift-nio-ssh cannot offer it).
        let authorized = manifest.map { "\($0.publicLine) \($0.file)\n" }.joined()
        server = try SSHServer(authorizedKeys: authorized)
    }

    func key(_ file: String) throws -> Key {
        guard let key = manifest.first(where: { $0.file == file }) else { throw TestFailure("no key \(file) in the manifest") }
        return key
    }

    /// The file names, for parameterized tests (evaluated before the lab exists).
    static let supportedFiles: [String] = {
        var files: [String] = []
        for type in ["ed25519", "p256", "p384", "p521"] {
            var formats = ["openssh", "openssh-enc", "ppk2.ppk", "ppk2-enc.ppk", "ppk3.ppk", "ppk3-enc.ppk", "pkcs8.pem", "pkcs8-enc.pem"]
            if type != "ed25519" { formats += ["sec1.pem", "sec1-enc.pem"] }
            files += formats.map { "\(type)-\($0)" }
        }
        return files
    }()

    static let rsaFiles = ["rsa-openssh", "rsa-openssh-enc", "rsa-ppk2.ppk", "rsa-ppk3-enc.ppk", "rsa-pkcs8.pem", "rsa-pkcs8-enc.pem"]
}

@Suite("Logins to a real sshd through swift-nio-ssh")
struct LoginTests {
    /// The decisive case: a passphrase-protected PPK v3 key from puttygen (Argon2id) logs in.
    @Test func puttygenPPKv3WithPassphraseLogsIn() throws {
        let lab = try Lab.get()
        let key = try lab.key("ed25519-ppk3-enc.ppk")
        #expect(try String(contentsOfFile: key.path, encoding: .utf8).contains("Key-Derivation: Argon2id"))
        let result = try lab.server.exec(key: key.path, passphraseFile: key.passphraseFile, ["echo", "logged in as", "$(id -un)"])
        #expect(result.status == 0, "\(result.stderr)\n\(lab.server.log)")
        #expect(result.stdout == "logged in as \(lab.server.user)\n")
        #expect(lab.server.log.contains("Accepted publickey for \(lab.server.user)"))
    }

    /// The README's "From Swift" lines, as written there, on the lab's files.
    @Test func readmeLinesWork() throws {
        let lab = try Lab.get()
        let file = try lab.key("ed25519-ppk3-enc.ppk")
        let passphrase = try String(contentsOfFile: file.passphraseFile!, encoding: .utf8)
        let key = try NIOSSHPrivateKey(keyFile: file.path, passphrase: SecureBytes(passphrase))
        let offer = NIOSSHUserAuthenticationOffer(username: "deploy", serviceName: "ssh-connection", offer: .privateKey(.init(privateKey: key)))
        let serverAuth = try KnownHosts(path: lab.server.knownHosts).validator(host: "127.0.0.1", port: lab.server.port)
        #expect(offer.username == "deploy")
        try serverAuth.knownHosts.validate(hostKey: try NIOSSHPublicKey(openSSHPublicKey: lab.server.hostKeyLine), host: "127.0.0.1", port: lab.server.port)
        #expect(throws: KeyportNIOSSHError.self) {
            try serverAuth.knownHosts.validate(hostKey: key.publicKey, host: "127.0.0.1", port: lab.server.port)
        }
    }

    /// Every supported type in every format, encrypted and not, from the tool that writes it.
    @Test(arguments: Lab.supportedFiles)
    func everyFormatLogsIn(_ file: String) throws {
        let lab = try Lab.get()
        let key = try lab.key(file)
        let result = try lab.server.exec(key: key.path, passphraseFile: key.passphraseFile, ["echo", file])
        #expect(result.status == 0, "\(file): \(result.stderr)")
        #expect(result.stdout == "\(file)\n")
        // The remote user's shell start-up files may write to stderr; nothing else should.
        #expect(!result.stderr.contains("NIOSSHExec"))
    }

    /// The bridge's key has exactly the public key the tool that made the file states.
    @Test(arguments: Lab.supportedFiles)
    func bridgeKeyMatchesToolsPublicKey(_ file: String) throws {
        let lab = try Lab.get()
        let key = try lab.key(file)
        let passphrase = try key.passphraseFile.map { SecureBytes(try String(contentsOfFile: $0, encoding: .utf8)) }
        let nioKey = try NIOSSHPrivateKey(keyFile: key.path, passphrase: passphrase)
        #expect(nioKey.publicKey == (try NIOSSHPublicKey(openSSHPublicKey: key.publicLine)))
    }

    @Test func outputStreamsAndExitStatusPassThrough() throws {
        let lab = try Lab.get()
        let key = try lab.key("p256-openssh")
        // Words are joined with spaces and the remote shell runs them, as with ssh.
        let result = try lab.server.exec(key: key.path, ["echo", "to stdout;", "echo", "to stderr", ">&2;", "exit", "7"])
        #expect(result.status == 7)
        #expect(result.stdout == "to stdout\n")
        #expect(result.stderr.hasSuffix("to stderr\n"))
        let large = try lab.server.exec(key: key.path, ["head", "-c", "300000", "/dev/zero", "|", "tr", "'\\0'", "x"])
        #expect(large.status == 0)
        #expect(large.stdout.utf8.count == 300_000 && large.stdout.allSatisfy { $0 == "x" })
    }

    @Test func wrongPassphraseFailsClearly() throws {
        let lab = try Lab.get()
        let wrong = try lab.keys.write("wrong-passphrase.txt", "not the passphrase")
        for file in ["ed25519-ppk3-enc.ppk", "p384-openssh-enc", "p521-pkcs8-enc.pem", "p256-sec1-enc.pem"] {
            let result = try lab.server.exec(key: try lab.key(file).path, passphraseFile: wrong, ["true"])
            #expect(result.status == 77, "\(file): \(result.stderr)")
            #expect(result.stderr == "NIOSSHExec: \(lab.keys.path(file)): wrong passphrase\n")
        }
        let missing = try lab.server.exec(key: try lab.key("ed25519-openssh-enc").path, ["true"])
        #expect(missing.status == 77)
        #expect(missing.stderr.contains("the key is encrypted; give its passphrase with --passphrase-file"))
    }

    @Test func unauthorizedKeyIsRefused() throws {
        let lab = try Lab.get()
        let result = try lab.server.exec(key: lab.keys.path("stranger"), ["true"])
        #expect(result.status == 255)
        #expect(result.stderr == "NIOSSHExec: [127.0.0.1]:\(lab.server.port): permission denied: the server did not accept the key for user \(lab.server.user)\n")
        #expect(result.stdout == "")
    }

    @Test func otherUserIsRefused() throws {
        let lab = try Lab.get()
        let result = try lab.server.exec(key: try lab.key("ed25519-openssh").path, user: "nobody", ["true"])
        #expect(result.status == 255)
        #expect(result.stderr.contains("permission denied: the server did not accept the key for user nobody"))
    }

    @Test func changedHostKeyIsRefused() throws {
        let lab = try Lab.get()
        let other = try TempDir()
        try Tool.must("/usr/bin/ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", other.path("other")])
        let otherKey = try other.read("other.pub").split(separator: " ").prefix(2).joined(separator: " ")
        let knownHosts = try other.write("known_hosts", "# not this server's key\n[127.0.0.1]:\(lab.server.port) \(otherKey)\n")
        let result = try lab.server.exec(key: try lab.key("ed25519-openssh").path, knownHosts: knownHosts, ["echo", "should not run"])
        #expect(result.status == 255)
        #expect(result.stderr.hasPrefix("NIOSSHExec: [127.0.0.1]:\(lab.server.port): host key for [127.0.0.1]:\(lab.server.port) has changed: the server offered ED25519 SHA256:"))
        #expect(result.stderr.contains("known_hosts line 2 names"))
        #expect(result.stdout == "")
    }

    @Test func unknownHostIsRefused() throws {
        let lab = try Lab.get()
        let dir = try TempDir()
        // The right key, but for port 22 and for another host: neither names this server.
        let knownHosts = try dir.write("known_hosts", "127.0.0.1 \(lab.server.hostKeyLine)\n[localhost]:\(lab.server.port) \(lab.server.hostKeyLine)\n")
        let result = try lab.server.exec(key: try lab.key("ed25519-openssh").path, knownHosts: knownHosts, ["echo", "should not run"])
        #expect(result.status == 255)
        #expect(result.stderr.contains("no known_hosts entry for [127.0.0.1]:\(lab.server.port) with its host key ED25519 SHA256:"))
        let empty = try dir.write("empty", "")
        #expect(try lab.server.exec(key: try lab.key("ed25519-openssh").path, knownHosts: empty, ["true"]).status == 255)
    }

    @Test func hashedAndPatternKnownHostsAreAccepted() throws {
        let lab = try Lab.get()
        let dir = try TempDir()
        // ssh-keygen -H hashes the names as ssh's HashKnownHosts does.
        let hashed = try dir.write("hashed", "[127.0.0.1]:\(lab.server.port) \(lab.server.hostKeyLine)\n")
        try Tool.must("/usr/bin/ssh-keygen", ["-q", "-H", "-f", hashed])
        #expect(try dir.read("hashed").hasPrefix("|1|"))
        #expect(try lab.server.exec(key: try lab.key("p521-openssh").path, knownHosts: hashed, ["true"]).status == 0)
        let pattern = try dir.write("pattern", "other.example,[127.0.0.?]:\(lab.server.port) \(lab.server.hostKeyLine)\n")
        #expect(try lab.server.exec(key: try lab.key("p521-openssh").path, knownHosts: pattern, ["true"]).status == 0)
        let negated = try dir.write("negated", "[127.0.0.*]:\(lab.server.port),![127.0.0.1]:\(lab.server.port) \(lab.server.hostKeyLine)\n")
        #expect(try lab.server.exec(key: try lab.key("p521-openssh").path, knownHosts: negated, ["true"]).status == 255)
        let revoked = try dir.write("revoked", "[127.0.0.1]:\(lab.server.port) \(lab.server.hostKeyLine)\n@revoked * \(lab.server.hostKeyLine)\n")
        let refused = try lab.server.exec(key: try lab.key("p521-openssh").path, knownHosts: revoked, ["true"])
        #expect(refused.status == 255)
        #expect(refused.stderr.contains("is revoked (@revoked on known_hosts line 2)"))
    }

    /// RSA keys fail before any connection, naming the type, whatever the file's format.
    @Test(arguments: Lab.rsaFiles)
    func rsaKeyFailsWithUnsupportedType(_ file: String) throws {
        let lab = try Lab.get()
        let key = try lab.key(file)
        let result = try lab.server.exec(key: key.path, passphraseFile: key.passphraseFile, ["true"])
        #expect(result.status == 65)
        #expect(result.stderr == "NIOSSHExec: \(key.path): ssh-rsa keys cannot be used with swift-nio-ssh: it supports only ssh-ed25519 and ecdsa-sha2-nistp256/384/521 keys\n")
    }
}
