import ArgumentParser
import Foundation
import Testing
@testable import KeyportCLI
@testable import Keyport

/// Habits of ssh-keygen and puttygen users: attached short-option values, enumerated values in any
/// case, `putty` for `ppk`, `-q`.
@Suite struct CLIHabitsTests {
    @Test func attachedValuesAreSplitOnlyWhereTheyAreValues() {
        let cases: [([String], [String])] = [
            (["fingerprint", "-Emd5", "a"], ["fingerprint", "-E", "md5", "a"]),
            (["fingerprint", "-vEsha1", "a"], ["fingerprint", "-v", "-E", "sha1", "a"]),
            (["fingerprint", "-vE", "md5", "a"], ["fingerprint", "-v", "-E", "md5", "a"]),
            (["generate", "-b4096", "-fkey", "-Cme@example.com", "-tRSA"], ["generate", "-b", "4096", "-f", "key", "-C", "me@example.com", "-t", "RSA"]),
            (["generate", "-qted25519"], ["generate", "-q", "-t", "ed25519"]),
            (["convert", "--to", "pem", "-oout.pem", "k"], ["convert", "--to", "pem", "-o", "out.pem", "k"]),
            // Values of options are never split, nor anything after --, nor what is no option here.
            (["generate", "-C", "-bx", "-f", "-Cy"], ["generate", "-C", "-bx", "-f", "-Cy"]),
            (["convert", "--comment", "-ofile", "k"], ["convert", "--comment", "-ofile", "k"]),
            (["fingerprint", "--", "-Emd5"], ["fingerprint", "--", "-Emd5"]),
            (["fingerprint", "-sha256", "a"], ["fingerprint", "-sha256", "a"]),
            (["fingerprint", "-hv", "a"], ["fingerprint", "-hv", "a"]),
            (["fingerprint", "-vh", "a"], ["fingerprint", "-vh", "a"]),
            (["inspect", "-Emd5"], ["inspect", "-Emd5"]),
            (["lint", "-vq", "d"], ["lint", "-vq", "d"]),
            (["nosuch", "-Emd5"], ["nosuch", "-Emd5"]),
        ]
        for (input, expected) in cases { #expect(ShortOptions.split(input) == expected, "\(input)") }
    }

    /// The table of short options the splitter knows is ArgumentParser's own, command by command.
    @Test func splitterKnowsExactlyTheParsersShortOptions() throws {
        let dump = try Tool.keyport(["--experimental-dump-help"])
        let root = try #require(try JSONSerialization.jsonObject(with: dump.stdoutBytes) as? [String: Any])
        let subcommands = try #require((root["command"] as? [String: Any])?["subcommands"] as? [[String: Any]])
        var seen: Set<String> = []
        for command in subcommands {
            let name = try #require(command["commandName"] as? String)
            if name == "help" { continue }
            seen.insert(name)
            var valued: Set<Character> = [], flags: Set<Character> = [], long: Set<String> = []
            for argument in command["arguments"] as? [[String: Any]] ?? [] {
                let kind = argument["kind"] as? String
                for n in argument["names"] as? [[String: Any]] ?? [] {
                    guard let text = n["name"] as? String else { continue }
                    if n["kind"] as? String == "short", let c = text.first {
                        if kind == "option" { valued.insert(c) } else { flags.insert(c) }
                    } else if n["kind"] as? String == "long", kind == "option" {
                        long.insert("--" + text)
                    }
                }
            }
            #expect(ShortOptions.valued[name] == valued, "\(name): short options with values")
            #expect(ShortOptions.flags[name] == flags, "\(name): short flags")
            #expect(long.isSubset(of: ShortOptions.longValued), "\(name): \(long.subtracting(ShortOptions.longValued))")
        }
        #expect(seen == Set(ShortOptions.valued.keys))
    }

    /// QuickStart and ArgumentParser see the same split words and read them alike.
    @Test func quickStartAgreesOnAttachedValues() throws {
        for raw in [["fingerprint", "-Emd5", "a"], ["fingerprint", "-vEsha512", "a", "b"], ["fingerprint", "-EMD5", "--json", "-"]] {
            let args = ShortOptions.split(raw)
            guard case let .fingerprint(files, hash, verbose, json, _)? = QuickStart.parse(args) else {
                Issue.record("not taken: \(raw)"); continue
            }
            let parsed = try #require(try KeyportCommand.parseAsRoot(args) as? FingerprintCommand)
            #expect(files == parsed.keyFiles.files && hash == parsed.hash && verbose == parsed.verbose && json == parsed.json)
        }
    }

    @Test func attachedValuesWorkEndToEnd() throws {
        let dir = try TempDir()
        let pub = fixturesURL.appendingPathComponent("public/rsa-2048.pub").path
        let spaced = try Tool.keyport(["fingerprint", "-E", "md5", pub])
        let attached = try Tool.keyport(["fingerprint", "-Emd5", pub])
        #expect(attached.status == 0 && attached.stdout == spaced.stdout && spaced.stdout.contains("MD5:"))
        let generated = try Tool.keyport(["generate", "-ted25519", "-f\(dir.path("k"))", "-Cme@example.com", "--no-passphrase", "-q"])
        #expect(generated.status == 0, "\(generated.stderr)")
        #expect(try dir.read("k.pub").hasSuffix(" me@example.com\n"))
        let rsa = try Tool.keyport(["generate", "-trsa", "-b3072", "-f\(dir.path("r"))", "--no-passphrase", "-q", "-Cr@example.com"])
        #expect(rsa.status == 0)
        #expect(try Tool.keyport(["fingerprint", dir.path("r.pub")]).stdout.hasPrefix("3072 "))
        let converted = try Tool.keyport(["convert", "--to", "pem", "-o\(dir.path("k.pem"))", "-q", dir.path("k")])
        #expect(converted.status == 0 && dir.exists("k.pem"))
    }

    @Test func enumeratedValuesInAnyCaseAndPuttyForPPK() throws {
        let dir = try TempDir()
        let key = fixturesURL.appendingPathComponent("openssh/ed25519-plain").path
        let upper = try Tool.keyport(["convert", "--to", "OpenSSH", "--public", key])
        #expect(upper.status == 0 && upper.stdout.hasPrefix("ssh-ed25519 "))
        let putty = try Tool.keyport(["convert", "--to", "PuTTY", "--no-passphrase", "-o", dir.path("k.ppk"), key])
        #expect(putty.status == 0, "\(putty.stderr)")
        #expect(try dir.read("k.ppk").hasPrefix("PuTTY-User-Key-File-3: ssh-ed25519"))
        let lint = try Tool.keyport(["lint", "--format", "JSON", "--fail-on", "Warning", fixturesURL.appendingPathComponent("public/rsa-1024.pub").path])
        #expect(lint.stdout.hasPrefix("{"), "\(lint.stderr)")
        let generate = try Tool.keyport(["generate", "-t", "Ed25519", "--format", "PPK", "-f", dir.path("g.ppk"), "--no-passphrase", "-q", "-C", "g@example.com"])
        #expect(generate.status == 0, "\(generate.stderr)")
        let bad = try Tool.keyport(["convert", "--to", "puttyx", key])
        #expect(bad.status == 64)
    }

    @Test func quietSilencesNotesAndWarnings() throws {
        let dir = try TempDir()
        let loud = try Tool.keyport(["generate", "-t", "ed25519", "-f", dir.path("a"), "--no-passphrase", "-C", "not-an-email"])
        #expect(loud.status == 0 && !loud.stdout.isEmpty && loud.stderr.contains("hint"))
        let quiet = try Tool.keyport(["generate", "-q", "-t", "ed25519", "-f", dir.path("b"), "--no-passphrase", "-C", "not-an-email"])
        #expect(quiet.status == 0 && quiet.stdout.isEmpty && quiet.stderr.isEmpty)
        // PEM has no comment: convert says so, unless -q.
        let warned = try Tool.keyport(["convert", "--to", "pem", "--no-passphrase", dir.path("a")])
        #expect(warned.status == 0 && warned.stderr.contains("warning"))
        let silent = try Tool.keyport(["convert", "--quiet", "--to", "pem", "--no-passphrase", dir.path("a")])
        #expect(silent.status == 0 && silent.stderr.isEmpty && silent.stdout == warned.stdout)
        // Errors are still reported under -q.
        let missing = try Tool.keyport(["convert", "-q", "--to", "pem", dir.path("nosuch")])
        #expect(missing.status == 66 && missing.stderr.hasPrefix("keyport:"))
    }
}

/// `--version` names the C libraries keyport runs with, as the bug-report section asks.
@Suite struct VersionTests {
    @Test func versionNamesTheLibraries() throws {
        for arguments in [["--version"], ["inspect", "--version"]] {
            let out = try Tool.keyport(arguments)
            let lines = out.stdout.split(separator: "\n").map(String.init)
            #expect(out.status == 0)
            #expect(lines.first == KeyportVersion.current)
            // The same libcrypto `openssl version` reports (the one on this machine).
            var openssl = try Tool.run("openssl", ["version"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            // "OpenSSL 3.0.x … (Library: OpenSSL 3.0.y …)" when the tool and the library differ.
            if let library = openssl.range(of: "(Library: ") { openssl = String(openssl[library.upperBound...].dropLast()) }
            #expect(lines.contains("libcrypto: " + openssl), "\(lines) vs \(openssl)")
            #expect(lines.contains { $0.hasPrefix("libargon2: Argon2 version 1.3") })
            #expect(lines.contains { $0.hasPrefix("GMP: ") && $0.dropFirst(5).first?.isNumber == true })
        }
    }
}

/// Passphrases are asked on the terminal (/dev/tty) even when standard input is a pipe or a file,
/// as ssh-keygen and openssl do; with no terminal at all, the clear error and exit 77.
@Suite struct TerminalPromptTests {
    /// Runs `command` (a shell line; $K is keyport) in a new session whose controlling terminal is a
    /// pty, answers every passphrase prompt with `answer`, and returns what the terminal showed
    /// and the exit status.
    static func onTerminal(_ command: String, answer: String, timeout: Int = 30) throws -> (screen: String, status: Int32) {
        let script = """
        import os, pty, sys, select, time
        pid, fd = pty.fork()
        if pid == 0:
            os.environ["K"] = sys.argv[1]
            os.execv("/bin/sh", ["sh", "-c", sys.argv[2]])
        screen = b""
        answered = 0
        deadline = time.time() + int(sys.argv[4])
        while time.time() < deadline:
            r, _, _ = select.select([fd], [], [], 0.2)
            if r:
                try:
                    chunk = os.read(fd, 4096)
                except OSError:
                    break
                if not chunk:
                    break
                screen += chunk
                if screen.count(b"Enter ") > answered:
                    answered = screen.count(b"Enter ")
                    os.write(fd, sys.argv[3].encode() + b"\\n")
        _, status = os.waitpid(pid, 0)
        sys.stdout.write(screen.decode("utf-8", "replace"))
        sys.exit(os.waitstatus_to_exitcode(status))
        """
        let out = try Tool.run("/usr/bin/python3", ["-c", script, Tool.keyportPath, command, answer, String(timeout)])
        return (out.stdout, out.status)
    }

    @Test func promptUsesTheTerminalWhenStandardInputIsAPipe() throws {
        let pem = fixturesURL.appendingPathComponent("pem/rsa1024-legacy-aes128.pem").path
        // The key arrives on standard input; the passphrase comes from the terminal.
        let (screen, status) = try Self.onTerminal("cat '\(pem)' | \"$K\" fingerprint -", answer: "fixture pass")
        #expect(status == 0, "\(screen)")
        #expect(screen.contains("Enter passphrase for (stdin)"))
        #expect(screen.contains("1024 SHA256:"))
        #expect(!screen.contains("fixture pass"), "no echo")
        // Converting a piped PPK asks on the terminal too.
        let ppk = fixturesURL.appendingPathComponent("ppk/rsa1024-v2.ppk").path
        let converted = try Self.onTerminal("\"$K\" convert --to openssh --public - < '\(ppk)'", answer: "puttypass")
        #expect(converted.status == 0 && converted.screen.contains("ssh-rsa AAAA"), "\(converted.screen)")
    }

    @Test func noTerminalAtAllIsTheClearError() throws {
        let pem = fixturesURL.appendingPathComponent("pem/rsa1024-legacy-aes128.pem").path
        let out = try Tool.run("/bin/sh", ["-c", "exec /usr/bin/setsid -w \"$0\" fingerprint - < \"$1\"", Tool.keyportPath, pem])
        #expect(out.status == 77)
        #expect(out.stderr.contains("--passphrase-file"))
    }
}
