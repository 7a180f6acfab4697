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

    /// zsh: the script is loaded by the real completion system (compinit) in an interactive zsh on
    /// a pseudo-terminal (zsh/zpty), each case is typed and TAB pressed, and the matches zsh's own
    /// machinery (_arguments, _files, matching against the typed prefix) hands to `compadd` are
    /// captured: the list the user would be offered.
    @Test func zshCompletesFilesAndValues() throws {
        guard Tool.available("zsh") else { Issue.record("zsh is not installed (PACKAGES in scripts/dev)"); return }
        let dir = try Self.workspace()
        let script = try Self.script("zsh", in: dir)
        try FileManager.default.createDirectory(atPath: dir.path("fpath"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: script, toPath: dir.path("fpath/_keyport"))
        // Runs inside the interactive zsh: compinit, then a TAB widget that completes, notes the
        // end of the completion and clears the line for the next case. compadd is wrapped to
        // record the matches (calls with -O, -A or -D only filter and pass through, unrecorded).
        _ = try dir.write("init.zsh", #"""
            PROMPT='' RPROMPT='' PS2=''
            bindkey -e
            unsetopt autolist listambiguous automenu beep
            fpath=(\#(dir.path("fpath")) $fpath)
            autoload -U compinit && compinit -u -D
            compadd() {
                if [[ ${@[1,(i)(-|--)]} == *-(O|A|D)\ * ]]; then
                    builtin compadd "$@"
                    return
                fi
                local -a __hits
                builtin compadd -A __hits "$@"
                (( $#__hits )) && print -rl -- "${__hits[@]}" >> $CAPTURE
                builtin compadd "$@"
            }
            _capture_done() { print -r -- '@@done' >> $CAPTURE }
            _capture_tab() {
                comppostfuncs=(_capture_done)
                zle complete-word
                BUFFER='' CURSOR=0
            }
            zle -N _capture_tab
            bindkey '^I' _capture_tab
            print -r -- '@@ready' >> $CAPTURE

            """#)
        _ = try dir.write("cases", Self.cases.map { ($0.0 + [$0.1]).joined(separator: " ") + "\n" }.joined())
        // Drives it: types each case and TAB, waits (at most 10 s) for the completion to end,
        // draining the terminal output so that zsh never blocks on a full pty.
        _ = try dir.write("driver.zsh", #"""
            zmodload zsh/zpty || exit 2
            export CAPTURE=$PWD/capture
            : > $CAPTURE
            zpty z zsh -f -i
            zpty -w z "source $PWD/init.zsh"
            waitfor() {
                local i
                for i in {1..200}; do
                    zpty -rt z junk 2>/dev/null
                    (( $(grep -c "^$2\$" $CAPTURE) >= $1 )) && return 0
                    sleep 0.05
                done
                return 1
            }
            waitfor 1 @@ready || { print -u2 "zsh did not load the completion system"; exit 3 }
            integer n=0
            while IFS= read -r line; do
                print -r -- "@@ $line" >> $CAPTURE
                zpty -w -n z "keyport $line"$'\t'
                (( n++ ))
                waitfor $n @@done || { print -u2 "no completion for: keyport $line"; exit 4 }
            done < cases
            zpty -d z
            grep -v '^@@done$' $CAPTURE | grep -v '^@@ready$'

            """#)
        let out = try Tool.run("zsh", ["-f", dir.path("driver.zsh")], cwd: dir.url)
        #expect(out.status == 0, "\(out.stderr)")
        let offered = Self.parse(out.stdout)
        #expect(offered.count == Self.cases.count, "\(out.stdout)")
        Self.check("zsh", offered)
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
