import Foundation
import Testing
@testable import Keyport
@testable import KeyportCLI

/// Every command of README's Recipes section runs, as written, against real files made for it, on a
/// terminal (a pty answers the passphrase prompts), with keyport on PATH; and the policy recipes
/// give the right answers.
@Suite struct ReadmeRecipeTests {
    static let readme = JSONContract.repository.appendingPathComponent("README.md")

    /// The shell lines of the ```sh blocks under "## Recipes", comments and blank lines left out.
    static func recipeLines() throws -> [String] {
        let text = try String(contentsOf: readme, encoding: .utf8)
        guard let start = text.range(of: "\n## Recipes\n") else { return [] }
        let section = text[start.upperBound...].components(separatedBy: "\n## ").first ?? ""
        var lines: [String] = []
        var inShell = false
        for line in section.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("```") { inShell = line == "```sh"; continue }
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if inShell, !trimmed.isEmpty, !trimmed.hasPrefix("#") { lines.append(String(line)) }
        }
        return lines
    }

    @Test func everyRecipeRunsAndTheAnswersAreRight() throws {
        guard Tool.available("jq"), Tool.available("puttygen") else { Issue.record("jq and puttygen are needed"); return }
        let lines = try Self.recipeLines()
        #expect(lines.count >= 20, "\(lines.count) recipe lines")
        let dir = try TempDir()
        let fm = FileManager.default
        for sub in ["bin", "home/.ssh", "work/keys"] { try fm.createDirectory(atPath: dir.path(sub), withIntermediateDirectories: true) }
        try fm.createSymbolicLink(atPath: dir.path("bin/keyport"), withDestinationPath: Tool.keyportPath)
        func fixture(_ name: String) throws -> String { try String(contentsOf: fixturesURL.appendingPathComponent(name), encoding: .utf8) }
        let weak = try fixture("public/rsa-1024.pub")
        let authorized = "no-pty " + (try fixture("public/ed25519.pub")) + (try fixture("public/rsa-2048.pub")) + (try fixture("public/ecdsa-256.pub")) + weak
        _ = try dir.write("work/id_rsa.pub", weak)
        _ = try dir.write("work/authorized_keys", authorized)
        _ = try dir.write("home/.ssh/authorized_keys", authorized)
        for name in ["rsa-2048", "ed25519", "ecdsa-256", "rsa-1024"] { _ = try dir.write("work/keys/\(name).pub", try fixture("public/\(name).pub")) }
        _ = try dir.write("work/keys/copy-of-ed25519.pub", try fixture("public/ed25519.pub"))
        _ = try dir.write("work/keyport.policy", "min-rsa-bits = 2048\nallow-curves = nistp256, nistp384\nfail-on = warning\ndisable = comment-not-email\n")
        try fm.copyItem(atPath: fixturesURL.appendingPathComponent("ppk/rsa1024-v2.ppk").path, toPath: dir.path("work/work.ppk"))
        _ = try dir.write("work/pass.txt", "puttypass\n")
        _ = try dir.write("work/new.txt", "puttypass\n")

        var script = "cd '\(dir.path("work"))' && export HOME='\(dir.path("home"))' PATH='\(dir.path("bin"))':\"$PATH\" || exit 99\n"
        for (i, line) in lines.enumerated() {
            script += "echo '@@BEGIN \(i)'\n\(line)\necho \"@@STATUS \(i) $?\"\n"
        }
        let (screen, _) = try TerminalPromptTests.onTerminal(script, answer: "puttypass", timeout: 240)
        let text = screen.replacingOccurrences(of: "\r\n", with: "\n")
        func output(_ i: Int) -> String {
            guard let a = text.range(of: "@@BEGIN \(i)\n"), let b = text.range(of: "@@STATUS \(i) ", range: a.upperBound..<text.endIndex) else { return "" }
            return String(text[a.upperBound..<b.lowerBound])
        }
        for (i, line) in lines.enumerated() {
            let status = text.components(separatedBy: "@@STATUS \(i) ").dropFirst().first?.prefix { $0.isNumber }
            // lint exits 1 when it finds what the recipe is there to find.
            let allowed: Set<String> = line.hasPrefix("keyport lint") && !line.contains("--list-rules") && !line.contains("--explain") ? ["0", "1"] : ["0"]
            #expect(status.map { allowed.contains(String($0)) } == true, "recipe `\(line)` exited \(status.map(String.init) ?? "never"):\n\(output(i))")
        }
        // The policy recipe flags the RSA key under 2048 bits, and only it (not Ed25519 or ECDSA).
        let policy = try #require(lines.firstIndex { $0.contains("select(.type == \"ssh-rsa\" and .bits < 2048)") })
        let weakLine = authorized.split(separator: "\n", omittingEmptySubsequences: false).count - 1
        #expect(output(policy).split(separator: "\n").map(String.init).filter { !$0.isEmpty } == ["authorized_keys:\(weakLine) \(try Self.sha256(weak))"])
        // Duplicates are found by fingerprint.
        let duplicates = try #require(lines.firstIndex { $0.contains("group_by(.sha256)") })
        #expect(output(duplicates).contains("keys/copy-of-ed25519.pub keys/ed25519.pub"))
        // The converted key went round: same fingerprint as the PPK, and passwd/comment kept it.
        #expect(fm.fileExists(atPath: dir.path("home/.ssh/id_work")) && fm.fileExists(atPath: dir.path("work/id_work.ppk")))
        let peer = try Tool.run("/usr/bin/ssh-keygen", ["-y", "-P", "puttypass", "-f", dir.path("home/.ssh/id_work")])
        #expect(peer.stdout.hasSuffix(" me@example.com\n"), "\(peer.stderr)")
    }

    static func sha256(_ line: String) throws -> String {
        let out = try Tool.keyport(["fingerprint", "--json", "-"], stdin: Data(line.utf8))
        let object = try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any]
        return object?["sha256"] as? String ?? ""
    }
}

/// One man page per command, named as git names its pages, none empty, each with the sections a
/// reader looks for and every exit code its command can return.
@Suite struct ManPageTests {
    static let man = JSONContract.repository.appendingPathComponent("man/man1")

    @Test func everyCommandHasACompletePage() throws {
        let pages = Set(try FileManager.default.contentsOfDirectory(atPath: Self.man.path))
        let commands = KeyportCommand.configuration.subcommands.map { $0.configuration.commandName ?? "" }
        #expect(pages == Set(["keyport.1"] + commands.map { "keyport-\($0).1" }), "\(pages.sorted())")
        for page in pages {
            let text = try String(contentsOf: Self.man.appendingPathComponent(page), encoding: .utf8)
            for section in ["NAME", "SYNOPSIS", "DESCRIPTION", "EXIT STATUS", "EXAMPLES", "ENVIRONMENT", "FILES", "SEE ALSO"] {
                #expect(text.contains(".Sh \(section)\n") || text.contains(".Sh \"\(section)\"\n"), "\(page): no \(section)")
            }
            for word in ["NO_COLOR", "OPENSSL_CONF", "Xr ssh-keygen 1", "Xr puttygen 1"] { #expect(text.contains(word), "\(page): \(word)") }
            #expect(!text.contains(".Ex -std"), "\(page): the generic exit status")
            #expect(text.range(of: #"keyport\.(inspect|fingerprint|convert|lint|generate|help|passwd|comment)\b"#, options: .regularExpression) == nil, "\(page): an old page name")
        }
        // Every code a command can return is listed on its page (codes from the sysexits table).
        let codes: [String: [Int]] = ["inspect": [0, 64, 65, 66, 70, 74, 77], "fingerprint": [0, 64, 65, 66, 70, 74, 77],
                                      "convert": [0, 64, 65, 66, 70, 73, 74, 77], "lint": [0, 1, 64, 66, 70, 74, 77],
                                      "generate": [0, 64, 65, 70, 73, 74, 77], "passwd": [0, 64, 65, 66, 70, 73, 74, 77],
                                      "comment": [0, 64, 65, 66, 70, 73, 74, 77]]
        for (command, list) in codes {
            let text = try String(contentsOf: Self.man.appendingPathComponent("keyport-\(command).1"), encoding: .utf8)
            let exitStatus = text.components(separatedBy: ".Sh \"EXIT STATUS\"").last?.components(separatedBy: ".Sh ").first ?? ""
            for code in list { #expect(exitStatus.contains(".It \(code)\n"), "keyport-\(command)(1) does not list exit \(code)") }
        }
        // man renders each page without complaint.
        if Tool.available("man") {
            for page in pages {
                let out = try Tool.run("/bin/sh", ["-c", "MANWIDTH=80 man -l \"$0\" 2>&1 >/dev/null", Self.man.appendingPathComponent(page).path])
                #expect(out.stdout.isEmpty, "\(page): \(out.stdout)")
            }
        }
    }
}
