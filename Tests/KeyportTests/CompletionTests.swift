import Foundation
import Testing
@testable import Keyport
@testable import KeyportCLI

/// The completion scripts keyport generates, run by the real shells' completion machinery: file
/// names for every file argument and option, the values of the enumerated options.
@Suite struct CompletionTests {
    /// (words typed before the cursor, the word being completed, what must be offered, what must not).
    static let cases: [([String], String, [String], [String])] = [
        (["inspect"], "wo", ["work.ppk", "wobble.pub"], []),
        (["fingerprint", "--json"], "wo", ["work.ppk"], []),
        (["convert", "--to", "openssh"], "wo", ["work.ppk"], []),
        (["convert", "-o"], "wo", ["work.ppk"], []),
        (["convert", "--passphrase-file"], "wo", ["work.ppk"], []),
        (["convert", "--new-passphrase-file"], "wo", ["work.ppk"], []),
        (["lint"], "wo", ["work.ppk"], []),
        (["lint", "--policy"], "wo", ["work.ppk"], []),
        (["lint", "--blocklist"], "wo", ["work.ppk"], []),
        (["generate", "-f"], "wo", ["work.ppk"], []),
        (["generate", "--passphrase-file"], "wo", ["work.ppk"], []),
        (["passwd"], "wo", ["work.ppk"], []),
        (["comment", "-C", "x"], "wo", ["work.ppk"], []),
        (["generate", "-t"], "", ["rsa", "ecdsa", "ed25519", "dsa"], []),
        (["fingerprint", "-E"], "", ["sha256", "md5", "sha1", "sha512"], []),
        (["convert", "--to"], "", ["openssh", "rfc4716", "ppk", "pem", "pkcs8"], ["work.ppk"]),
        (["generate", "--format"], "", ["openssh", "ppk", "pem", "pkcs8"], ["rfc4716"]),
        (["lint", "--format"], "", ["text", "json", "sarif"], []),
        (["convert", "--ppk-version"], "", ["2", "3"], []),
        (["generate", "--ppk-version"], "", ["2", "3"], []),
        (["lint", "--explain"], "rsa-t", ["rsa-too-short"], ["rsa-roca"]),
    ]

    static func workspace() throws -> TempDir {
        let dir = try TempDir()
        _ = try dir.write("work.ppk", "x")
        _ = try dir.write("wobble.pub", "x")
        _ = try dir.write("other.txt", "x")
        return dir
    }

    static func script(_ shell: String, in dir: TempDir) throws -> String {
        let out = try Tool.keyport(["--generate-completion-script", shell])
        #expect(out.status == 0)
        return try dir.write("completion.\(shell)", out.stdout)
    }

    static func check(_ shell: String, _ offered: [String: [String]], valuesOnly: Bool = false) {
        for (before, current, must, mustNot) in cases where !valuesOnly || current != "wo" {
            let key = (before + [current]).joined(separator: " ")
            let got = Set(offered[key] ?? [])
            #expect(Set(must).isSubset(of: got), "\(shell): keyport \(key)<TAB> offered \(got.sorted())")
            #expect(Set(mustNot).isDisjoint(with: got), "\(shell): keyport \(key)<TAB> offered \(got.sorted())")
            if current == "wo" { #expect(!got.contains("other.txt"), "\(shell): \(key)") }
        }
    }

    @Test func bashCompletesFilesAndValues() throws {
        let dir = try Self.workspace()
        let script = try Self.script("bash", in: dir)
        var driver = "source '\(script)'\n"
        for (before, current, _, _) in Self.cases {
            let words = ["keyport"] + before + [current]
            let quoted = words.map { "'\($0)'" }.joined(separator: " ")
            driver += """
            COMP_WORDS=(\(quoted)); COMP_CWORD=\(words.count - 1); COMP_LINE="${COMP_WORDS[*]}"; COMP_POINT=${#COMP_LINE}; COMPREPLY=()
            _keyport keyport '\(current)' '\(words[words.count - 2])'
            echo "@@ \((before + [current]).joined(separator: " "))"; printf '%s\\n' "${COMPREPLY[@]}"

            """
        }
        let out = try Tool.run("/bin/bash", ["-c", driver], cwd: dir.url)
        #expect(out.status == 0, "\(out.stderr)")
        Self.check("bash", Self.parse(out.stdout))
    }

    @Test func fishCompletesFilesAndValues() throws {
        guard Tool.available("fish") else { Issue.record("fish is not installed (PACKAGES in scripts/dev)"); return }
        let dir = try Self.workspace()
        let script = try Self.script("fish", in: dir)
        var driver = "source '\(script)'\n"
        for (before, current, _, _) in Self.cases {
            let line = (["keyport"] + before + [current]).joined(separator: " ")
            driver += "echo '@@ \((before + [current]).joined(separator: " "))'; complete -C '\(line)'\n"
        }
        let out = try Tool.run("fish", ["--no-config", "-c", driver], cwd: dir.url)
        #expect(out.status == 0, "\(out.stderr)")
        // fish prints "candidate<TAB>description".
        Self.check("fish", Self.parse(out.stdout).mapValues { $0.map { String($0.split(separator: "\t").first ?? "") } })
    }

    /// zsh: the script loads in the real completion system (compinit) and hands every file
    /// argument and option to `_files`, and the enumerated values to the completer as a list.
    /// (Driving zsh's completion widget from a test, through zpty, is not done here.)
    @Test func zshScriptUsesFilesAndValueLists() throws {
        guard Tool.available("zsh") else { Issue.record("zsh is not installed (PACKAGES in scripts/dev)"); return }
        let dir = try Self.workspace()
        let script = try Self.script("zsh", in: dir)
        try FileManager.default.createDirectory(atPath: dir.path("fpath"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: script, toPath: dir.path("fpath/_keyport"))
        let load = try Tool.run("zsh", ["-f", "-c", "fpath=(\(dir.path("fpath")) $fpath); autoload -U compinit; compinit -u -D; (( $+_comps[keyport] )) && print ok"])
        #expect(load.stdout == "ok\n", "\(load.stderr)")
        let text = try String(contentsOfFile: script, encoding: .utf8)
        for option in ["--passphrase-file", "--new-passphrase-file", "--policy", "--blocklist"] {
            let lines = text.split(separator: "\n").filter { $0.contains("'\(option)[") }
            #expect(!lines.isEmpty && lines.allSatisfy { $0.hasSuffix(":_files'") }, "zsh: \(option)")
        }
        #expect(text.components(separatedBy: ":file:_files'").count - 1 >= 8, "zsh: file arguments")
        for values in ["rsa ecdsa ed25519 dsa", "sha256 md5 sha1 sha512", "openssh rfc4716 ppk pem pkcs8", "openssh ppk pem pkcs8", "text json sarif", "2 3"] {
            let list = "=('" + values.replacingOccurrences(of: " ", with: "' '") + "'"
            #expect(text.contains(list), "zsh: \(list)")
        }
    }

    static func parse(_ output: String) -> [String: [String]] {
        var offered: [String: [String]] = [:]
        var key = ""
        for raw in output.split(separator: "\n") {
            if raw.hasPrefix("@@ ") { key = String(raw.dropFirst(3)); offered[key] = []; continue }
            offered[key, default: []].append(String(raw))
        }
        return offered
    }
}
