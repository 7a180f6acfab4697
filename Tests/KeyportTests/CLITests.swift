import Foundation
import Testing
@testable import Keyport

@Suite struct CLITests {
    let ed = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIK4OYqfdDq5sHUENLPm9MZmpwBVVFzS/kuOWhYEx6h1v"

    @Test func badLinesAreReportedWithLineNumbersAndGoodKeysStillPrinted() throws {
        let dir = try TempDir()
        let f = try dir.write("ak", "\(ed) one\nssh-ed25519 AAAA@@@@ broken\n\(ed) three\n")
        let r = try Tool.keyport(["fingerprint", f])
        #expect(r.status == 65)
        #expect(r.stdout.split(separator: "\n").count == 2)
        #expect(r.stderr.hasPrefix("keyport: \(f):2: "))
        #expect(r.stderr.split(separator: "\n").count == 1)
    }

    @Test func garbageFileGetsOneClearLine() throws {
        let dir = try TempDir()
        let f = try dir.write("x", "hello\nworld\n")
        let r = try Tool.keyport(["fingerprint", f])
        #expect(r.status == 65)
        #expect(r.stderr.hasPrefix("keyport: \(f): "))
        #expect(r.stderr.split(separator: "\n").count == 1)
        let missing = try Tool.keyport(["inspect", dir.path("nope")])
        #expect(missing.status == 66)
        #expect(missing.stderr == "keyport: \(dir.path("nope")): no such file or directory\n")
    }

    @Test func jsonHasTheDocumentedFields() throws {
        let dir = try TempDir()
        let f = try dir.write("k.pub", "no-pty \(ed) me \"quoted\"\n")
        let r = try Tool.keyport(["fingerprint", "--json", f])
        let obj = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
        #expect(obj["file"] as? String == f)
        #expect(obj["line"] as? Int == 1)
        #expect(obj["type"] as? String == "ssh-ed25519")
        #expect(obj["bits"] as? Int == 256)
        #expect(obj["comment"] as? String == "me \"quoted\"")
        #expect((obj["sha256"] as? String)?.hasPrefix("SHA256:") == true)
        #expect(obj["md5"] == nil, "MD5 only with -E md5")
        #expect(obj["options"] as? [String] == ["no-pty"])
        let md5 = try Tool.keyport(["fingerprint", "--json", "-E", "md5", f])
        let withMD5 = try JSONSerialization.jsonObject(with: Data(md5.stdout.utf8)) as! [String: Any]
        #expect((withMD5["md5"] as? String)?.hasPrefix("MD5:") == true)
        #expect(withMD5["sha256"] as? String == obj["sha256"] as? String)
        let inspect = try Tool.keyport(["inspect", "--json", f])
        let i = try JSONSerialization.jsonObject(with: Data(inspect.stdout.utf8)) as! [String: Any]
        #expect(i["format"] as? String == "authorized_keys")
        #expect(i["encrypted"] as? Bool == false)
    }

    @Test func convertWritesAtomicallyAndNeverOverwritesWithoutForce() throws {
        let dir = try TempDir()
        let f = try dir.write("k.pub", "\(ed) me\n")
        let out = dir.path("out.pub")
        #expect(try Tool.keyport(["convert", "--to", "rfc4716", "-o", out, f]).status == 0)
        let first = try dir.read("out.pub")
        let again = try Tool.keyport(["convert", "--to", "openssh", "--comment", "new", "-o", out, f])
        #expect(again.status == 73)
        #expect(again.stderr.contains("--force"))
        #expect(try dir.read("out.pub") == first)
        #expect(try Tool.keyport(["convert", "--to", "openssh", "--comment", "new", "--force", "-o", out, f]).status == 0)
        #expect(try dir.read("out.pub") == "\(ed) new\n")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir.url.path).filter { $0.hasPrefix(".keyport-") }
        #expect(leftovers.isEmpty)
    }

    @Test func convertOfBadInputWritesNoFile() throws {
        let dir = try TempDir()
        let f = try dir.write("bad.pub", "ssh-ed25519 AAAAC3Nza broken\n")
        let r = try Tool.keyport(["convert", "--to", "rfc4716", "-o", dir.path("out"), f])
        #expect(r.status == 65)
        #expect(!dir.exists("out"))
    }

    @Test func versionAndUsage() throws {
        #expect(try Tool.keyport(["--version"]).stdout.hasPrefix(KeyportVersion.current + "\n"))
        #expect(try Tool.keyport(["convert", "--to", "nonsense", "x"]).status == 64)
    }

    @Test func bulkStreamingMatchesSshKeygenOnAThousandKeys() throws {
        let dir = try TempDir()
        var text = ""
        for i in 0..<1500 {
            var seed = [UInt8](repeating: 0, count: 32)
            seed[0] = UInt8(i & 0xff); seed[1] = UInt8(i >> 8)
            var w = SSHWriter()
            w.writeString("ssh-ed25519"); w.writeString(Digest.sha256.hash(seed))
            text += "ssh-ed25519 \(Base64.encode(w.bytes)) key\(i)\n"
        }
        let f = try dir.write("big", text)
        let peer = try Tool.run("/usr/bin/ssh-keygen", ["-lf", f])
        let ours = try Tool.keyport(["fingerprint", f])
        #expect(ours.stdout == peer.stdout)
    }
}

@Suite struct LintCLITests {
    @Test func policyExitCodesAndFormats() throws {
        let dir = try TempDir()
        let weak = try sshKeygen(dir, name: "weak", type: "rsa", bits: 1024)
        let good = try sshKeygen(dir, name: "good", type: "ed25519")
        let r = try Tool.keyport(["lint", weak + ".pub"])
        #expect(r.status == 1)
        #expect(r.stdout.contains(": error rsa-too-short: "))
        #expect(try Tool.keyport(["lint", good + ".pub"]).status == 0)
        #expect(try Tool.keyport(["lint", "--min-rsa-bits", "1024", weak + ".pub"]).status == 0)
        // Warnings only fail with --fail-on warning.
        let noEmail = try dir.write("c.pub", try dir.read("good.pub").replacingOccurrences(of: "test@example.com", with: "laptop"))
        #expect(try Tool.keyport(["lint", noEmail]).status == 0)
        #expect(try Tool.keyport(["lint", "--fail-on", "warning", noEmail]).status == 1)
        let json = try Tool.keyport(["lint", "--format", "json", weak + ".pub"])
        let objects = try json.stdout.split(separator: "\n").map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        #expect(objects.count == 2 && objects.last?["summary"] != nil)
        let findings = objects.first?["findings"] as? [[String: Any]]
        #expect(findings?.first?["rule"] as? String == "rsa-too-short" && findings?.first?["severity"] as? String == "error")
        let sarif = try Tool.keyport(["lint", "--format", "sarif", weak + ".pub"])
        let log = try JSONSerialization.jsonObject(with: Data(sarif.stdout.utf8)) as! [String: Any]
        #expect(log["version"] as? String == "2.1.0")
    }

    @Test func directoriesAreWalkedAndNonKeyFilesSkipped() throws {
        let dir = try TempDir()
        try sshKeygen(dir, name: "weak", type: "rsa", bits: 1024)
        _ = try dir.write("config", "Host *\n  User me\n")
        let r = try Tool.keyport(["lint", dir.url.path])
        #expect(r.status == 1)
        #expect(r.stdout.contains("weak.pub:1: error rsa-too-short"))
        #expect(!r.stdout.contains("config"))
        #expect(r.stderr.isEmpty)
    }

    @Test func listAndExplainRules() throws {
        let list = try Tool.keyport(["lint", "--list-rules"])
        #expect(list.status == 0)
        for rule in LintRegistry.all { #expect(list.stdout.contains(rule.id)) }
        let explain = try Tool.keyport(["lint", "--explain", "rsa-too-short"])
        #expect(explain.status == 0 && explain.stdout.contains("2048"))
        #expect(try Tool.keyport(["lint", "--explain", "no-such-rule"]).status == 64)
    }
}

@Suite struct LintWalkTests {
    @Test func walkedNonKeyFilesAreSkippedButDamagedKeyFilesReported() throws {
        let dir = try TempDir()
        _ = try dir.write("report.sarif", "{\"message\":\"ssh-rsa AAAA is weak\"}\n")
        _ = try dir.write("bad.pub", "ssh-ed25519 AAAAbroken x\n")
        let r = try Tool.keyport(["lint", dir.url.path])
        #expect(r.stdout.contains("bad.pub:1: error unreadable-key"))
        #expect(!r.stdout.contains("report.sarif"))
    }
}

@Suite struct ReviewRegressionTests {
    /// A known_hosts file whose first host starts with '0' (0x30, the DER SEQUENCE tag) is text.
    @Test func knownHostsStartingWithZeroIsNotDER() throws {
        let dir = try TempDir()
        let line = try String(contentsOf: fixturesURL.appendingPathComponent("public/ed25519.pub"), encoding: .utf8)
            .split(separator: " ").prefix(2).joined(separator: " ")
        let f = try dir.write("kh", "0.0.0.0 \(line)\n")
        let ours = try Tool.keyport(["fingerprint", f])
        #expect(ours.status == 0)
        #expect(ours.stdout == (try Tool.run("/usr/bin/ssh-keygen", ["-lf", f])).stdout)
    }

    /// A base64 body line after a leading token (maybe private key material) is described, not echoed.
    @Test func base64TokensAreNotEchoedInErrors() throws {
        let dir = try TempDir()
        let secretish = "b3BlbnNzaC1rZXktdjEAAAAACmFlczI1Ni1jdHIAAAAGYmNyeXB0AAAAGAAAABDaAWWUb6"
        let f = try dir.write("x", "host \(secretish)\n")
        let r = try Tool.keyport(["fingerprint", f])
        #expect(r.status != 0)
        #expect(!r.stderr.contains(String(secretish.prefix(16))))
    }

    /// PPK v3 files asking for more Argon2 lanes than keyport starts threads for are refused.
    @Test func argon2ParallelismIsBounded() throws {
        #expect(throws: KeyportError.self) {
            try KeyDerivation.argon2(Argon2Parameters(flavor: .argon2id, memory: 8192, passes: 1, parallelism: 1000,
                                                      salt: [UInt8](repeating: 1, count: 16)),
                                     passphrase: SecureBytes("x"), length: 80)
        }
    }
}

@Suite struct Base64StrictnessTests {
    /// Key lines are read as strictly as OpenSSH's b64_pton: missing or extra padding is not a key.
    @Test func paddingIsCheckedAsSshKeygenDoes() throws {
        let dir = try TempDir()
        let fields = try String(contentsOf: fixturesURL.appendingPathComponent("public/ecdsa-256.pub"), encoding: .utf8).split(separator: " ")
        let type = String(fields[0]), b64 = String(fields[1])
        #expect(b64.hasSuffix("="))
        var text = ""
        for variant in [b64, String(b64.dropLast()), b64 + "=", b64 + "A", "AAAA" + b64] { text += "\(type) \(variant) c\n" }
        let f = try dir.write("keys", text)
        let ours = try Tool.keyport(["fingerprint", f])
        let peer = try Tool.run("/usr/bin/ssh-keygen", ["-lf", f])
        #expect(ours.stdout == peer.stdout)
        #expect(ours.stdout.split(separator: "\n").count == 1)
        #expect(ours.stderr.split(separator: "\n").count == 4)
    }
}
