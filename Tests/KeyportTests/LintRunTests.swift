import Foundation
import Testing
@testable import Keyport
@testable import KeyportCLI

// `keyport lint` over directories as an admin's CI gate runs it: every path read, skipped (counted)
// or reported as unreadable; a summary; the JSON and SARIF shapes; the exit code that decides the run.

/// Runs keyport with a time limit, so that a FIFO or a device that blocks fails the test instead of hanging it.
func keyportWithin(_ seconds: Int, _ arguments: [String]) throws -> Tool.Output {
    try Tool.run("timeout", [String(seconds), Tool.keyportPath] + arguments)
}

/// Runs keyport as an unprivileged user: root reads files whatever their mode, so the tests that
/// need "permission denied" drop to `nobody` (setpriv, util-linux) when they run as root.
func keyportUnprivileged(_ arguments: [String]) throws -> Tool.Output {
    guard getuid() == 0 else { return try Tool.keyport(arguments) }
    return try Tool.run("setpriv", ["--reuid=nobody", "--regid=nogroup", "--clear-groups", Tool.keyportPath] + arguments)
}

func jsonLines(_ text: String) throws -> [[String: Any]] {
    try text.split(separator: "\n").map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
}

@Suite struct LintDirectoryTests {
    /// sshd follows a symlinked authorized_keys, so lint does too (the review's repro: a weak key
    /// behind `d/authorized_keys -> ../t.pub` passed with exit 0).
    @Test func symlinkToAKeyFileIsFollowed() throws {
        let dir = try TempDir()
        let weak = try sshKeygen(dir, name: "weak", type: "rsa", bits: 1024)
        try FileManager.default.createDirectory(atPath: dir.path("d"), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: dir.path("d/authorized_keys"), withDestinationPath: weak + ".pub")
        let r = try Tool.keyport(["lint", dir.path("d")])
        #expect(r.status == 1, "\(r.stderr)")
        #expect(r.stdout.contains("d/authorized_keys:1: error rsa-too-short"), "\(r.stdout)")
    }

    /// A dangling link and a link loop are named on stderr and fail the run; a link back up the tree
    /// walks nothing twice; a FIFO, a socket-like node and a link to /dev/zero are never opened.
    @Test func linksLoopsFIFOsAndDevices() throws {
        let dir = try TempDir()
        let good = try sshKeygen(dir, name: "good", type: "ed25519")
        let d = dir.path("d")
        try FileManager.default.createDirectory(atPath: d + "/sub", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: good + ".pub", toPath: d + "/sub/good.pub")
        #expect(mkfifo(d + "/sub/pipe.pub", 0o644) == 0)
        try FileManager.default.createSymbolicLink(atPath: d + "/sub/zero.pub", withDestinationPath: "/dev/zero")
        try FileManager.default.createSymbolicLink(atPath: d + "/sub/up", withDestinationPath: "..")
        let clean = try keyportWithin(30, ["lint", "-v", d])
        #expect(clean.status == 0, "\(clean.stderr)")
        #expect(clean.stdout == "\(d)/sub/good.pub: ok\n", "\(clean.stdout)")
        #expect(clean.stderr.contains("\(d)/sub/pipe.pub: skipped: not a regular file (a FIFO)"), "\(clean.stderr)")
        #expect(clean.stderr.contains("\(d)/sub/zero.pub: skipped: not a regular file (a character device)"), "\(clean.stderr)")
        #expect(clean.stderr.contains("\(d)/sub/up: skipped: directory already checked"), "\(clean.stderr)")
        #expect(clean.stderr.hasSuffix("1 key checked in 1 file; 3 skipped; 0 findings\n"), "\(clean.stderr)")

        try FileManager.default.createSymbolicLink(atPath: d + "/authorized_keys", withDestinationPath: d + "/gone")
        try FileManager.default.createSymbolicLink(atPath: d + "/a", withDestinationPath: d + "/b")
        try FileManager.default.createSymbolicLink(atPath: d + "/b", withDestinationPath: d + "/a")
        let broken = try keyportWithin(30, ["lint", d])
        #expect(broken.status == 66, "\(broken.stderr)")
        #expect(broken.stderr.contains("keyport: \(d)/authorized_keys: dangling symbolic link\n"), "\(broken.stderr)")
        #expect(broken.stderr.contains("keyport: \(d)/a: symbolic link loop\n"), "\(broken.stderr)")
        #expect(broken.stdout.isEmpty)
    }

    /// As a user who may not read them, an unreadable file and an unreadable directory are named
    /// (`permission denied`) and the run exits 66 even though no key had a finding (review repro 03:
    /// nothing printed, exit 0, even with -v --fail-on info).
    @Test func unreadableFilesAndDirectoriesFailTheRun() throws {
        let dir = try TempDir()
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: dir.url.path)
        let weak = try sshKeygen(dir, name: "k", type: "rsa", bits: 1024)
        let good = try sshKeygen(dir, name: "g", type: "ed25519")
        let keys = dir.path("keys")
        try FileManager.default.createDirectory(atPath: keys + "/locked", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: weak + ".pub", toPath: keys + "/weak.pub")
        try FileManager.default.copyItem(atPath: good + ".pub", toPath: keys + "/good.pub")
        try FileManager.default.copyItem(atPath: weak + ".pub", toPath: keys + "/locked/also-weak.pub")
        for (path, mode) in [(keys, 0o755), (keys + "/good.pub", 0o644), (keys + "/weak.pub", 0o000), (keys + "/locked", 0o000)] {
            try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
        }
        defer { try? FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: keys + "/locked") }
        let r = try keyportUnprivileged(["lint", "-v", "--fail-on", "info", keys])
        #expect(r.status == 66, "\(r.stdout)\(r.stderr)")
        #expect(r.stderr.contains("keyport: \(keys)/weak.pub: permission denied\n"), "\(r.stderr)")
        #expect(r.stderr.contains("keyport: \(keys)/locked: permission denied\n"), "\(r.stderr)")
        #expect(r.stderr.contains("1 key checked in 1 file; 2 could not be read; 0 findings"), "\(r.stderr)")
        let json = try jsonLines(try keyportUnprivileged(["lint", "--format", "json", keys]).stdout)
        let summary = try #require(json.last?["summary"] as? [String: Int])
        #expect(summary == ["keys": 1, "files": 1, "skipped": 0, "unreadable": 2, "errors": 2, "findings": 0])
    }

    /// Files that look like damaged keys are findings wherever they are found; only files that
    /// clearly hold no key are skipped (and named with -v).
    @Test func damagedKeysFoundWhileWalkingAreFindings() throws {
        let dir = try TempDir()
        let key = try sshKeygen(dir, name: "k", type: "ed25519")
        let d = dir.path("d")
        try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        let privateText = try dir.read("k"), publicText = try dir.read("k.pub")
        _ = try Tool.run("/usr/bin/puttygen", [key, "-O", "private", "-o", dir.path("k.ppk")])
        var bom = Data([0xef, 0xbb, 0xbf])
        bom.append(try Data(contentsOf: URL(fileURLWithPath: dir.path("k.ppk"))))
        try bom.write(to: URL(fileURLWithPath: d + "/putty-backup"))
        _ = try dir.write("d/yaml-paste", "deploy_key: |\n" + privateText.split(separator: "\n").map { "  " + $0 }.joined(separator: "\n") + "\n")
        _ = try dir.write("d/cut", String(privateText.prefix(200)))
        let blob = publicText.split(separator: " ")[1]
        _ = try dir.write("d/wrapped", "ssh-ed25519 \(blob.prefix(40))\n\(blob.dropFirst(40)) me\n")
        _ = try dir.write("d/config", "Host *\n  User me\n")
        _ = try dir.write("d/report.sarif", "{\"message\":\"ssh-rsa AAAA is weak\"}\n")
        _ = try dir.write("d/cert.pem", "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n")
        let r = try Tool.keyport(["lint", "-v", d])
        #expect(r.status == 1)
        for name in ["putty-backup", "yaml-paste", "cut", "wrapped"] {
            #expect(r.stdout.contains("\(d)/\(name)") && r.stdout.contains("unreadable-key"), "\(name): \(r.stdout)")
        }
        for name in ["config", "report.sarif", "cert.pem"] {
            #expect(!r.stdout.contains(name), "\(name): \(r.stdout)")
            #expect(r.stderr.contains("keyport: \(d)/\(name): skipped: holds no key\n"), "\(name): \(r.stderr)")
        }
    }

    /// An empty directory, or one without keys, says so and does not pass (review items 20: nothing
    /// printed, exit 0).
    @Test func aRunThatFoundNoKeyFails() throws {
        let dir = try TempDir()
        try FileManager.default.createDirectory(atPath: dir.path("empty"), withIntermediateDirectories: true)
        let empty = try Tool.keyport(["lint", dir.path("empty")])
        #expect(empty.status == 66)
        #expect(empty.stderr == "keyport: no key found in \(dir.path("empty")) (0 keys checked in 0 files; 0 findings)\n", "\(empty.stderr)")
        try FileManager.default.createDirectory(atPath: dir.path("notes"), withIntermediateDirectories: true)
        _ = try dir.write("notes/readme.txt", "nothing here\n")
        let verbose = try Tool.keyport(["lint", "-v", dir.path("notes")])
        #expect(verbose.status == 66)
        #expect(verbose.stderr.contains("readme.txt: skipped: holds no key\n0 keys checked in 0 files; 1 skipped; 0 findings\n"), "\(verbose.stderr)")
        let json = try jsonLines(try Tool.keyport(["lint", "--format", "json", dir.path("notes")]).stdout)
        #expect(json.count == 1)
        #expect(json.first?["summary"] as? [String: Int] == ["keys": 0, "files": 0, "skipped": 1, "unreadable": 0, "errors": 0, "findings": 0])
    }
}

@Suite struct LintReportTests {
    /// Every key checked is in the JSON with `type`, `bits`, `sha256` (as `keyport fingerprint
    /// --json` and `ssh-keygen -l` print it) and `spki_sha256` (hex SHA-256 of the DER
    /// SubjectPublicKeyInfo, as `openssl pkey -pubin -outform DER | sha256sum` and badkeys' `-j`);
    /// clean keys too, with an empty findings array; then one summary object.
    @Test func jsonCarriesEveryKeyWithItsIdentity() throws {
        let dir = try TempDir()
        try sshKeygen(dir, name: "rsa", type: "rsa", bits: 1024)
        try sshKeygen(dir, name: "ecdsa", type: "ecdsa", bits: 384)
        _ = try dir.write("authorized_keys", try dir.read("rsa.pub") + dir.read("ecdsa.pub"))
        // ssh-keygen cannot export Ed25519 as SubjectPublicKeyInfo: openssl makes that key.
        _ = try Tool.run("openssl", ["genpkey", "-algorithm", "ED25519", "-out", dir.path("ed.pem")])
        let paths = [dir.path("authorized_keys"), dir.path("ed.pem")]
        let r = try Tool.keyport(["lint", "--format", "json"] + paths)
        #expect(r.status == 1)
        let objects = try jsonLines(r.stdout)
        try #require(objects.count == 4, "\(r.stdout)")
        let fingerprints = try jsonLines(try Tool.keyport(["fingerprint", "--json"] + paths).stdout)
        let peers = [
            "ssh-keygen -e -m PKCS8 -f '\(dir.path("rsa.pub"))' | openssl pkey -pubin -outform DER | sha256sum",
            "ssh-keygen -e -m PKCS8 -f '\(dir.path("ecdsa.pub"))' | openssl pkey -pubin -outform DER | sha256sum",
            "openssl pkey -in '\(dir.path("ed.pem"))' -pubout -outform DER | sha256sum",
        ]
        for (index, command) in peers.enumerated() {
            let o = objects[index]
            #expect(o["file"] as? String == fingerprints[index]["file"] as? String)
            #expect(o["line"] as? Int == fingerprints[index]["line"] as? Int)
            #expect(o["type"] as? String == fingerprints[index]["type"] as? String)
            #expect(o["bits"] as? Int == fingerprints[index]["bits"] as? Int)
            #expect(o["sha256"] as? String == fingerprints[index]["sha256"] as? String)
            let peer = try Tool.run("sh", ["-c", command])
            #expect(o["spki_sha256"] as? String == String(peer.stdout.prefix(64)), "\(command): \(peer.stderr)")
            let findings = try #require(o["findings"] as? [[String: Any]])
            #expect(findings.map { $0["rule"] as? String } == (index == 0 ? ["rsa-too-short"] : index == 2 ? ["private-key-unencrypted"] : []))
            for f in findings { #expect(Set(f.keys) == ["rule", "severity", "message", "fix"]) }
        }
        #expect(objects[3]["summary"] as? [String: Int] == ["keys": 3, "files": 2, "skipped": 0, "unreadable": 0, "errors": 0, "findings": 2])
    }

    /// The SubjectPublicKeyInfo is byte for byte what openssl writes, for every key type that has one.
    @Test func subjectPublicKeyInfoMatchesOpenSSL() throws {
        let dir = try TempDir()
        var cases: [(PublicKey, String)] = []
        for (type, bits) in [("rsa", 2048), ("dsa", 1024), ("ecdsa", 256), ("ecdsa", 384), ("ecdsa", 521)] {
            let name = "\(type)\(bits)"
            try sshKeygen(dir, name: name, type: type, bits: bits)
            let pem = try Tool.run("/usr/bin/ssh-keygen", ["-e", "-m", "PKCS8", "-f", dir.path(name + ".pub")])
            _ = try dir.write(name + ".spki", pem.stdout)
            cases.append((try readKey(dir.path(name + ".pub")), name + ".spki"))
        }
        for type in ["ED25519", "ED448"] {
            _ = try Tool.run("openssl", ["genpkey", "-algorithm", type, "-out", dir.path(type)])
            _ = try Tool.run("openssl", ["pkey", "-in", dir.path(type), "-pubout", "-out", dir.path(type + ".spki")])
            cases.append((try readKey(dir.path(type)), type + ".spki"))
        }
        for (key, file) in cases {
            _ = try Tool.run("openssl", ["pkey", "-pubin", "-in", dir.path(file), "-outform", "DER", "-out", dir.path(file + ".der")])
            #expect(key.subjectPublicKeyInfo == (try dir.bytes(file + ".der")), "\(file)")
        }
        let sk = PublicKey(algorithm: .skEd25519, parts: .securityKeyEd25519(publicKey: [UInt8](repeating: 1, count: 32), application: "ssh:"))
        #expect(sk.subjectPublicKeyInfo == nil)
    }

    /// SARIF carries the key on each result and the run's summary and unreadable paths in its invocation.
    @Test func sarifCarriesKeysSummaryAndWhatCouldNotBeRead() throws {
        let dir = try TempDir()
        let weak = try sshKeygen(dir, name: "weak", type: "rsa", bits: 1024)
        let r = try Tool.keyport(["lint", "--format", "sarif", weak + ".pub", dir.path("missing.pub")])
        #expect(r.status == 1)
        let log = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let run = try #require((log["runs"] as? [[String: Any]])?.first)
        let result = try #require((run["results"] as? [[String: Any]])?.first)
        let properties = try #require(result["properties"] as? [String: Any])
        #expect(properties["type"] as? String == "ssh-rsa" && properties["bits"] as? Int == 1024)
        #expect((properties["sha256"] as? String)?.hasPrefix("SHA256:") == true && (properties["spki_sha256"] as? String)?.count == 64)
        let invocation = try #require((run["invocations"] as? [[String: Any]])?.first)
        #expect(invocation["executionSuccessful"] as? Bool == false)
        let notes = try #require(invocation["toolExecutionNotifications"] as? [[String: Any]])
        #expect(notes.count == 1 && (notes.first?["message"] as? [String: Any])?["text"] as? String == "no such file or directory")
        let summary = (invocation["properties"] as? [String: Any])?["summary"] as? [String: Int]
        #expect(summary == ["keys": 1, "files": 1, "skipped": 0, "unreadable": 1, "errors": 1, "findings": 1])
    }

    /// `--list-rules --format json` lists the rules as JSON; a path next to --list-rules or --explain
    /// is a usage error, not silently ignored.
    @Test func listRulesAsJSONAndNoIgnoredPaths() throws {
        let list = try Tool.keyport(["lint", "--list-rules", "--format", "json"])
        #expect(list.status == 0)
        let rules = try jsonLines(list.stdout)
        #expect(rules.map { $0["id"] as? String } == LintRegistry.all.map(\.id))
        #expect(rules.allSatisfy { $0["severity"] is String && $0["title"] is String && $0["fix"] is String })
        let dir = try TempDir()
        let key = try sshKeygen(dir, name: "k", type: "ed25519") + ".pub"
        #expect(try Tool.keyport(["lint", "--list-rules", key]).status == 64)
        #expect(try Tool.keyport(["lint", "--explain", "rsa-too-short", key]).status == 64)
        #expect(try Tool.keyport(["lint", "--list-rules", "--format", "sarif"]).status == 64)
    }

    /// A finding is never hidden behind another exit code (review item 22): a weak key whose
    /// passphrase is wrong exits 1 with the finding and the passphrase error; the same with a strong
    /// key exits 77.
    @Test func aFindingWinsOverAnUnlockFailure() throws {
        let dir = try TempDir()
        let pass = try dir.write("pass", "right\n"), wrong = try dir.write("wrong", "nope\n")
        for (name, bits) in [("weak", "1024"), ("strong", "2048")] {
            let made = try Tool.run("/usr/bin/puttygen", ["-t", "rsa", "-b", bits, "-o", dir.path(name + ".ppk"), "--new-passphrase", pass])
            try #require(made.status == 0, "\(made.stderr)")
        }
        let weak = try Tool.keyport(["lint", "--passphrase-file", wrong, dir.path("weak.ppk")])
        #expect(weak.status == 1, "\(weak.stderr)")
        #expect(weak.stdout.contains("rsa-too-short") && weak.stderr.contains("wrong passphrase"))
        let strong = try Tool.keyport(["lint", "--passphrase-file", wrong, dir.path("strong.ppk")])
        #expect(strong.status == 77, "\(strong.stdout)\(strong.stderr)")
        #expect(LintCommand.exitCode(failed: true, errors: .noInput, keys: 1) == .findings)
        #expect(LintCommand.exitCode(failed: false, errors: .passphrase, keys: 1) == .passphrase)
        #expect(LintCommand.exitCode(failed: false, errors: .success, keys: 0) == .noInput)
        #expect(LintCommand.exitCode(failed: false, errors: .success, keys: 1) == .success)
    }
}

@Suite struct LintProgressTests {
    /// 10,000 updates within half a second draw at most 6 times (about 10 a second, plus the first
    /// of each phase), and the run ends with the summary line on a clean line (review item 30:
    /// 10,003 redraws for 5,000 files).
    @Test func redrawsAreThrottledAndEndWithTheSummary() {
        nonisolated(unsafe) var now = 0.0
        nonisolated(unsafe) var written: [String] = []
        let progress = Progress(total: 5000, enabled: true, clock: { now }, write: { written.append($0) })
        for i in 0..<5000 {
            progress.update("reading", i, of: 5000)
            now += 0.00005
        }
        for i in 0..<5000 {
            progress.update("checking", i, of: 5000)
            now += 0.00005
        }
        #expect(written.count <= 6, "\(written)")
        #expect(written.first == "\r\u{1B}[Kreading 0/5000 (0%)")
        #expect(written.contains("\r\u{1B}[Kchecking 0/5000 (0%)"))
        progress.finish(summary: "5000 keys checked in 5000 files; 0 findings")
        #expect(written.suffix(2) == ["\r\u{1B}[K", "5000 keys checked in 5000 files; 0 findings\n"])
        // Off a terminal nothing is drawn; the summary (asked for by -v) is still written.
        written = []
        let quiet = Progress(total: 5000, enabled: false, clock: { now }, write: { written.append($0) })
        quiet.update("reading", 1, of: 5000)
        quiet.finish(summary: "s")
        #expect(written == ["s\n"])
    }
}
