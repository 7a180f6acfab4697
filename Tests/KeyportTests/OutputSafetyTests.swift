import Foundation
import Testing
@testable import Keyport

/// Everything keyport prints: checked writes on standard output (a failed write is exit 74, a
/// closed pipe a quiet end) and one escaping rule for text that comes from an input.
@Suite struct OutputSafetyTests {
    static let ed = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIK4OYqfdDq5sHUENLPm9MZmpwBVVFzS/kuOWhYEx6h1v"

    /// Runs keyport through sh with `redirect` applied to its standard output.
    static func keyport(_ arguments: [String], stdout redirect: String) throws -> Tool.Output {
        try Tool.run("/bin/sh", ["-c", "exec \"$0\" \"$@\" \(redirect)", Tool.keyportPath] + arguments)
    }

    /// The command lines of every command that prints on standard output.
    static func printingCommands(_ dir: TempDir) throws -> [[String]] {
        let many = try dir.write("many.pub", String(repeating: "\(ed) me@example.com\n", count: 5000))
        let key = try sshKeygen(dir, name: "k", type: "ed25519")
        return [
            ["fingerprint", many], ["fingerprint", "--json", many], ["fingerprint", "-v", key],
            ["inspect", many], ["inspect", "--json", key],
            ["lint", "-v", key], ["lint", "--format", "sarif", key], ["lint", "--list-rules"],
            ["convert", "--to", "pem", "--no-passphrase", key], ["convert", "--to", "openssh", "-o", "-", "--public", key],
            ["generate", "-t", "ed25519", "--no-passphrase", "-f", dir.path("gen")],
            ["--help"], ["fingerprint", "--help"],
        ]
    }

    @Test func aFailedWriteOnStandardOutputIsExit74WithOneLine() throws {
        let dir = try TempDir()
        for args in try Self.printingCommands(dir) {
            for redirect in [">/dev/full", ">&-"] {
                let r = try Self.keyport(args, stdout: redirect)
                #expect(r.status == 74, "\(args) \(redirect): \(r.status) \(r.stderr)")
                // Notes (warnings, hints, lint's -v summary) may come first; the one error is this.
                let lines = r.stderr.split(separator: "\n").filter { $0.hasPrefix("keyport:") && !$0.contains("warning:") && !$0.contains("hint:") }
                #expect(lines == ["keyport: standard output: write failed: " + (redirect == ">&-" ? "bad file descriptor" : "no space left on device")],
                        "\(args) \(redirect): \(r.stderr)")
            }
        }
        // generate stops before writing any file when it cannot report what it wrote.
        #expect(!dir.exists("gen") && !dir.exists("gen.pub"))
    }

    /// A quick `convert` whose write fails ends with 74 every time, never with a crash: that exit
    /// runs libcrypto's clean-up, which must wait for its set-up on the warm-up thread (without
    /// the wait, signal 11 in a few runs of a hundred).
    @Test func aFailedWriteEndsAQuickConvertWith74EveryTime() throws {
        let dir = try TempDir()
        let key = try sshKeygen(dir, name: "k", type: "ed25519")
        let loop = "n=0; i=0; while [ $i -lt 150 ]; do \"$0\" convert --to pem --no-passphrase \"$1\" >/dev/full 2>/dev/null; "
            + "[ $? -eq 74 ] || n=$((n+1)); i=$((i+1)); done; echo $n"
        let r = try Tool.run("/bin/sh", ["-c", loop, Tool.keyportPath, key])
        #expect(r.stdout == "0\n", "runs of 150 that did not exit 74: \(r.stdout)")
    }

    @Test func aFullFilesystemIsExit74NotATruncatedSuccess() throws {
        let dir = try TempDir()
        let many = try dir.write("many.pub", String(repeating: "\(Self.ed) me@example.com\n", count: 5000))
        let small = dir.path("small")
        try FileManager.default.createDirectory(atPath: small, withIntermediateDirectories: true)
        guard RobustnessTests.mountTmpfs(small, options: "size=64k") else { return }
        defer { RobustnessTests.unmount(small) }
        for args in [["fingerprint", many], ["fingerprint", "--json", many], ["inspect", many]] {
            let r = try Self.keyport(args, stdout: "> '\(small)/out'")
            #expect(r.status == 74, "\(args): \(r.stderr)")
            #expect(r.stderr == "keyport: standard output: write failed: no space left on device\n")
        }
    }

    @Test func aClosedPipeEndsQuietlyAsUnixFiltersDo() throws {
        let dir = try TempDir()
        for args in try Self.printingCommands(dir) where args.first == "fingerprint" || args.first == "inspect" || args.first == "lint" {
            // The reader stops after one byte; keyport must die of SIGPIPE (141) without a word.
            let quoted = args.map { "'\($0)'" }.joined(separator: " ")
            let r = try Tool.run("/bin/bash", ["-c", "\"$0\" \(quoted) | head -c 1 >/dev/null; echo \"${PIPESTATUS[0]}\"", Tool.keyportPath])
            let status = Int32(r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
            // Output that fits the pipe may be written completely before the reader goes.
            #expect(status == 141 || status == 0, "\(args): \(r.stdout)")
            #expect(!r.stderr.contains("keyport:"), "\(args): \(r.stderr)")
        }
        // Even when SIGPIPE was ignored by the parent: EPIPE ends the run the same way.
        let many = dir.path("many.pub")
        let r = try Tool.run("/bin/bash", ["-c", "trap '' PIPE; \"$0\" fingerprint \"$1\" | head -c 1 >/dev/null; echo \"${PIPESTATUS[0]}\"", Tool.keyportPath, many])
        #expect(r.stdout == "141\n")
        #expect(r.stderr.isEmpty)
    }

    @Test func theWriterRecordsTheFirstFailureAndDropsTheRest() throws {
        let fd = open("/dev/full", O_WRONLY)
        defer { close(fd) }
        let writer = OutputWriter(fileDescriptor: fd, name: "standard output", capacity: 16)
        var calls: [Int32] = []
        writer.onFailure = { calls.append($0) }
        writer.write("short")
        #expect(writer.failure == nil)
        writer.write(String(repeating: "x", count: 100))
        writer.write(bytes: [UInt8](repeating: 1, count: 100))
        #expect(writer.failure == ENOSPC)
        #expect(calls == [ENOSPC])
        #expect(throws: KeyportError.io(path: "standard output", reason: "write failed: no space left on device", cause: .write(errno: ENOSPC))) { try writer.finish() }
    }

    // MARK: - Escaping

    /// Raw C0 (other than tab and the line feeds that end lines), DEL or C1 (as UTF-8) in output.
    static func rawControl(_ data: Data) -> String? {
        let bytes = Array(data)
        for (i, b) in bytes.enumerated() {
            if (b < 0x20 && b != 0x0a && b != 0x09) || b == 0x7f { return "byte \(b) at \(i)" }
            if b == 0xc2, i + 1 < bytes.count, (0x80...0x9f).contains(bytes[i + 1]) { return "C1 at \(i)" }
        }
        return nil
    }

    @Test func theOneRuleEscapesEveryControlCharacterAsOpenSSHDoes() {
        #expect(SafeText.escape("plain ascii, é and → pass") == "plain ascii, é and → pass")
        #expect(SafeText.escape("a\u{1B}]0;x\u{07}b") == "a\\033]0;x\\007b")
        #expect(SafeText.escape("tab\tcr\rlf\nnul\u{0}del\u{7F}") == "tab\tcr\\015lf\\012nul\\000del\\177")
        #expect(SafeText.escape("c1\u{9B}") == "c1\\302\\233")
        #expect(SafeText.escape(bytes: [0x61, 0xff, 0xc3, 0x28, 0xe2, 0x82]) == "a\\377\\303(\\342\\202")
        // Idempotent: escaped text holds no control character.
        let once = SafeText.escape("\u{1B}[2J\r\n")
        #expect(SafeText.escape(once) == once)
        #expect(SafeText.quote(String(repeating: "\u{1B}", count: 50), limit: 2) == "\\033\\033…")
        // JSON escapes DEL and C1 too.
        #expect(LintOutput.jsonQuote("a\u{7F}\u{85}\u{1B}") == "\"a\\u007f\\u0085\\u001b\"")
    }

    /// Reliability review repro 01: a hostile curve name, OSC sequences in comments, certificate
    /// key IDs, principals and options, a file name and an unknown key type.
    @Test func nothingFromAHostileFileReachesTheTerminalRaw() throws {
        let dir = try TempDir()
        func string(_ b: [UInt8]) -> [UInt8] { withUnsafeBytes(of: UInt32(b.count).bigEndian, Array.init) + b }
        let blob = string(Array("ecdsa-sha2-nistp256".utf8)) + string(Array("\u{1B}[2J\u{1B}]0;PWNED\u{07}".utf8)) + string([4] + [UInt8](repeating: 0x41, count: 64))
        let curve = try dir.write("curve.pub", "ecdsa-sha2-nistp256 \(Data(blob).base64EncodedString()) c\n")
        let hostile = "ok\u{1B}]0;PWNED\u{07}\u{1B}[8m\r\u{9B}"
        let comment = try sshKeygen(dir, name: "comment", type: "ed25519", comment: hostile)
        let ca = try sshKeygen(dir, name: "ca", type: "ed25519")
        let user = try sshKeygen(dir, name: "user", type: "ed25519")
        let sign = try Tool.run("/usr/bin/ssh-keygen", ["-q", "-s", ca, "-I", "id\u{1B}]0;x\u{07}\r\n", "-n", "p\u{1B}[2Jq,r\u{9B}",
                                                        "-O", "force-command=ls\u{1B}[8m", user + ".pub"])
        #expect(sign.status == 0, "\(sign.stderr)")
        let unknownType = try dir.write("type.pub", "ssh-ed25519\u{1B}]0;PWNED\u{07} AAAA c\n")
        let options = try dir.write("authorized_keys", "command=\"x\u{1B}[2J\" \(Self.ed) a\u{1B}b\n")
        let walked = dir.path("walk")
        try FileManager.default.createDirectory(atPath: walked, withIntermediateDirectories: true)
        try Data("\(Self.ed) me\u{1B}[31m\n".utf8).write(to: URL(fileURLWithPath: walked + "/id_\u{1B}]0;name\u{07}.pub"))

        let files = [curve, comment, comment + ".pub", user + "-cert.pub", unknownType, options]
        var runs: [[String]] = []
        for f in files {
            runs += [["inspect", f], ["fingerprint", f], ["fingerprint", "-v", f], ["lint", "-v", f],
                     ["inspect", "--json", f], ["fingerprint", "--json", f], ["lint", "--format", "json", f], ["lint", "--format", "sarif", f]]
        }
        runs += [["lint", "-v", walked], ["lint", "--format", "json", walked], ["lint", "--format", "sarif", walked], ["fingerprint", walked + "/nope\u{1B}[2J"]]
        for args in runs {
            let r = try Tool.keyport(args)
            #expect(Self.rawControl(r.stdoutBytes) == nil, "\(args) stdout: \(r.stdout.debugDescription)")
            #expect(Self.rawControl(Data(r.stderr.utf8)) == nil, "\(args) stderr: \(r.stderr.debugDescription)")
        }
        // The escapes are OpenSSH's, readable and the same everywhere.
        let inspect = try Tool.keyport(["inspect", user + "-cert.pub"]).stdout
        #expect(inspect.contains("Key ID: \"id\\033]0;x\\007\\015\\012\""))
        #expect(inspect.contains("p\\033[2Jq") && inspect.contains("r\\302\\233") && inspect.contains("ls\\033[8m"))
        let escapedComment = "ok\\033]0;PWNED\\007\\033[8m\\015\\302\\233"
        // Values line up after the longest row name ("spki-sha256").
        #expect(try Tool.keyport(["inspect", comment + ".pub"]).stdout.contains("comment:      " + escapedComment + "\n"))
        #expect(try Tool.keyport(["fingerprint", comment + ".pub"]).stdout.contains(" " + escapedComment + " (ED25519)"))
        #expect(try Tool.keyport(["inspect", curve]).stderr.contains("curve \\033[2J\\033]0;PWNED\\007 does not match"))
        #expect(try Tool.keyport(["lint", walked]).stdout.contains("id_\\033]0;name\\007.pub"))
        // JSON keeps the exact text, escaped by the encoder.
        let json = try Tool.keyport(["inspect", "--json", comment + ".pub"]).stdout
        let object = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
        #expect(object?["comment"] as? String == hostile)
    }
}
