// authorized_keys options and host patterns, checked against what the real sshd decides.

import Foundation
import Keyport
import KeyportNIOSSH
import NIOSSH
import Testing

@Suite("authorized_keys for swift-nio-ssh servers")
struct AuthorizedKeysTests {
    static let ed25519 = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBIjYgA0C8dmXLEqm4kVNwrsLy8ggA+UdgT4a0LLa71x"

    @Test func optionsAreParsedIntoAList() throws {
        let file = """
            # a comment line
            restrict,pty,command="echo \\"hi\\", there",from="10.0.0.0/8,!10.1.2.3,*.example.com",environment="A=1",environment="A=2" \(Self.ed25519) deploy@ci
            NO-PTY,Permitopen="db:5432",permitopen="cache:6379",expiry-time="20300101Z",principals="alice,bob" \(Self.ed25519) second

            """
        let authorized = try AuthorizedKeys(bytes: Array(file.utf8))
        #expect(authorized.skipped.isEmpty)
        try #require(authorized.keys.count == 2)
        let first = authorized.keys[0]
        #expect(first.line == 2)
        #expect(first.comment == "deploy@ci")
        #expect(first.options.map(\.name) == ["restrict", "pty", "command", "from", "environment", "environment"])
        #expect(first.forcedCommand == "echo \"hi\", there")
        #expect(first.fromPatterns == "10.0.0.0/8,!10.1.2.3,*.example.com")
        #expect(first.environment.map { "\($0.name)=\($0.value)" } == ["A=1"])
        #expect(first.options[2].description == #"command="echo \"hi\", there""#)
        // restrict denies everything; the later pty allows the terminal again.
        #expect(first.permits(.pty))
        #expect(!first.permits(.portForwarding) && !first.permits(.agentForwarding) && !first.permits(.x11Forwarding) && !first.permits(.userRC))
        #expect(first.allowsConnection(from: "10.9.8.7"))
        #expect(!first.allowsConnection(from: "10.1.2.3"))
        #expect(!first.allowsConnection(from: "192.0.2.1"))
        #expect(first.allowsConnection(from: "192.0.2.1", hostname: "build.example.com"))
        let second = authorized.keys[1]
        #expect(!second.permits(.pty) && second.permits(.portForwarding))
        #expect(second.permitOpen == ["db:5432", "cache:6379"])
        #expect(second.principals == ["alice", "bob"])
        #expect(second.expiry == Date(timeIntervalSince1970: 1_893_456_000))
        #expect(!second.isExpired(at: Date(timeIntervalSince1970: 1_800_000_000)))
        #expect(second.isExpired(at: Date(timeIntervalSince1970: 1_900_000_000)))
        let key = try NIOSSHPublicKey(openSSHPublicKey: Self.ed25519)
        #expect(authorized.entry(for: key, from: "10.0.0.1")?.line == 2)
        #expect(authorized.entry(for: key, from: "192.0.2.1")?.line == 3)
        #expect(authorized.entry(for: key, from: "192.0.2.1", at: Date(timeIntervalSince1970: 1_900_000_000)) == nil)
    }

    @Test func linesSshdRefusesAreSkippedWithTheReason() throws {
        let rsa = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQC+HisQp9FWDiLmmCOIuv83FJYZ7Hag9URd7etmiU0NmHPHmxH64iCYz93alJjxQlceeRllieFNSDfAQDWXuB1Xb6iHaTK1pJnFS16jPpMal4uR1QC/O5USACUssuwYeIllLpyky96n3Yl0btLMUevfKYqNjv53uHn6u2zbU8HbtQ=="
        let file = """
            bogus-option \(Self.ed25519) unknown option
            command=unquoted \(Self.ed25519) value without quotes
            command="a",command="b" \(Self.ed25519) twice
            pty="yes" \(Self.ed25519) flag with a value
            \(rsa) an rsa key
            @cert-authority \(Self.ed25519) a known_hosts marker
            from="127.0.0.1" \(Self.ed25519) good

            """
        let authorized = try AuthorizedKeys(bytes: Array(file.utf8))
        #expect(authorized.keys.map(\.line) == [7])
        #expect(authorized.skipped.map(\.line) == [1, 2, 3, 4, 5, 6])
        let messages = authorized.skipped.map { "\($0.error)" }
        #expect(messages[0] == "line 1: bad authorized_keys options: unknown option \"bogus-option\"")
        #expect(messages[1] == "line 2: bad authorized_keys options: the value of command is not in double quotes")
        #expect(messages[2] == "line 3: bad authorized_keys options: command given twice")
        #expect(messages[3] == "line 4: bad authorized_keys options: pty takes no value")
        #expect(messages[4] == "ssh-rsa keys cannot be used with swift-nio-ssh: it supports only ssh-ed25519 and ecdsa-sha2-nistp256/384/521 keys")
        #expect(authorized.skipped[4].error as? KeyportNIOSSHError == .unsupportedKeyType("ssh-rsa"))
        #expect(throws: KeyportError.self) { try AuthorizedKeys(bytes: Array("not a key file\n".utf8)) }
    }

    @Test func hostPatternsMatchAsOpenSSH() {
        #expect(HostPatterns.matches("host.example.com", pattern: "*.example.com"))
        #expect(!HostPatterns.matches("example.com", pattern: "*.example.com"))
        #expect(HostPatterns.matches("a1", pattern: "a?"))
        #expect(HostPatterns.matches("abcbcd", pattern: "a*bcd"))
        #expect(HostPatterns.matchList("Host.Example.COM", "other,*.example.com") == 1)
        #expect(HostPatterns.matchList("bad.example.com", "*.example.com,!bad.example.com") == -1)
        #expect(HostPatterns.matchAddressList("192.168.1.7", "192.168.0.0/16") == 1)
        #expect(HostPatterns.matchAddressList("192.168.1.7", "192.168.1.0/33") == -2)
        #expect(HostPatterns.matchAddressList("2001:db8::1", "2001:db8::/32") == 1)
        #expect(HostPatterns.matchAddressList("2001:db9::1", "2001:db8::/32") == 0)
        #expect(HostPatterns.knownHostsName(host: "Example.com", port: 22) == "example.com")
        #expect(HostPatterns.knownHostsName(host: "example.com", port: 2222) == "[example.com]:2222")
    }

    /// Each key gets a from= pattern; the real sshd decides whether 127.0.0.1 may log in with it, and
    /// `AuthorizedKey.allowsConnection` must decide the same.
    @Test func fromPatternsDecideAsSshd() throws {
        let lab = try Lab.get()
        let patterns = [
            "127.0.0.1", "127.0.0.0/8", "10.0.0.0/8", "!127.0.0.1,*", "*,!127.0.0.1", "127.0.0.*", "127.0.0.?",
            "localhost", "::1,127.0.0.1/32", "127.0.0.0/33", "127.0.0.1/8", "127.0.0.2,!127.0.0.1", "*",
            "[127.0.0.1]", "127.0.0.1/32,!10.0.0.0/8", "127.*.1", "!10.0.0.1",
        ]
        // openssl's PKCS#8 files hold the same keys as its SEC1 files: one line per distinct key, or
        // sshd would take the first line of a key whose options allow it.
        var seen: Set<String> = []
        let keys = Array(lab.manifest.filter { $0.isSupported && seen.insert($0.publicLine).inserted }.prefix(patterns.count))
        try #require(keys.count == patterns.count)
        let lines = zip(keys, patterns).map { "from=\"\($1)\",command=\"echo forced for \($0.file)\" \($0.publicLine) \($0.file)\n" }.joined()
        let authorized = try AuthorizedKeys(bytes: Array(lines.utf8))
        #expect(authorized.skipped.isEmpty)
        let server = try SSHServer(authorizedKeys: lines)
        for (index, key) in keys.enumerated() {
            let entry = authorized.keys[index]
            let result = try server.exec(key: key.path, passphraseFile: key.passphraseFile, ["echo", "not forced"])
            let sshdAllowed = result.status == 0
            #expect(entry.allowsConnection(from: "127.0.0.1") == sshdAllowed, "from=\"\(patterns[index])\": sshd \(sshdAllowed ? "allowed" : "refused") (\(result.stderr))")
            if sshdAllowed {
                // sshd ran the forced command instead of the requested one.
                #expect(result.stdout == "forced for \(key.file)\n")
                #expect(entry.forcedCommand == "echo forced for \(key.file)")
            }
        }
    }
}
