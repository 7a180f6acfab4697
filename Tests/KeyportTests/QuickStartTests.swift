import ArgumentParser
import Foundation
import Testing
@testable import KeyportCLI
@testable import Keyport

/// The argv fast path must agree with ArgumentParser on everything it takes, and leave the rest.
@Suite struct QuickStartTests {
    @Test func takesOnlyWhatArgumentParserReadsTheSameWay() throws {
        let taken: [[String]] = [
            ["fingerprint", "a.pub"], ["fingerprint", "-E", "md5", "a.pub", "b"], ["fingerprint", "a", "-E", "sha256"],
            ["fingerprint", "-v", "a"], ["fingerprint", "--verbose", "--json", "-"], ["fingerprint", "--passphrase-file", "p", "k"],
            ["fingerprint", "-E", "SHA256", "a"], ["fingerprint", "-E", "Md5", "a"],
        ]
        for args in taken {
            guard case let .fingerprint(files, hash, verbose, json, passphraseFile)? = QuickStart.parse(args) else {
                Issue.record("not taken: \(args)"); continue
            }
            let parsed = try #require(try KeyportCommand.parseAsRoot(args) as? FingerprintCommand)
            #expect(files == parsed.keyFiles.files)
            #expect(hash == parsed.hash)
            #expect(verbose == parsed.verbose)
            #expect(json == parsed.json)
            #expect(passphraseFile == parsed.keyFiles.unlock.passphraseFile)
        }
        #expect(QuickStart.parse(["--version"]) == .version)
        let left: [[String]] = [
            [], ["fingerprint"], ["fingerprint", "--help"], ["fingerprint", "-h", "a"], ["fingerprint", "--", "-a"],
            ["fingerprint", "-E=md5", "a"], ["fingerprint", "-Emd5", "a"],
            ["fingerprint", "-E", "md5", "-E", "md5", "a"], ["fingerprint", "-vv", "a"], ["fingerprint", "help"],
            ["fingerprint", "--passphrase-file", "-v", "a"], ["inspect", "a"], ["--version", "x"], ["fingerprint", "", "a"],
        ]
        for args in left { #expect(QuickStart.parse(args) == nil, "taken: \(args)") }
    }

    /// convert command lines: what QuickStart takes is field for field what ArgumentParser decodes,
    /// with the same validation; everything else is left to ArgumentParser.
    @Test func convertTakesOnlyWhatArgumentParserReadsTheSameWay() throws {
        let taken: [[String]] = [
            ["convert", "--to", "openssh", "k"], ["convert", "k", "--to", "PPK"],
            ["convert", "--to", "putty", "-o", "out.ppk", "--ppk-version", "2", "--new-passphrase-file", "np", "k"],
            ["convert", "--to", "openssh", "--no-passphrase", "--passphrase-file", "p", "k"],
            ["convert", "--to", "pem", "--output", "-", "-q", "-"], ["convert", "-", "--to", "pkcs8", "--passphrase-file", "p"],
            ["convert", "--public", "--to", "rfc4716", "--comment", "hello world", "--quiet", "k"],
            ["convert", "--to", "openssh", "--kdf-rounds", "100", "--new-passphrase-file", "np", "-o", "o", "--force", "k"],
            ["convert", "--to", "ppk", "--ppk-param", "passes=2,memory=64", "--ppk-version", "3", "k"],
            ["convert", "--to", "openssh", "--comment", "", "k"], ["convert", "--to", "openssh", "--comment", "a=b", "k=v"],
            ["convert", "--to", "openssh", "--kdf-rounds", "+5", "k"], ["convert", "--to", "openssh", "--passphrase-file", "-", "k"],
        ]
        for args in taken {
            guard case let .convert(quick)? = QuickStart.parse(args) else { Issue.record("not taken: \(args)"); continue }
            let parsed = try #require(try KeyportCommand.parseAsRoot(args) as? ConvertCommand, "\(args)")
            #expect(quick == QuickStart.ConvertArguments(parsed), "\(args)")
            // Every property of the built command is assigned (reading one that is not traps).
            #expect(QuickStart.ConvertArguments(quick.command) == quick, "\(args)")
            #expect(throws: Never.self) { try Self.validate(quick.command) }
        }
        // Taken, but refused by validate(): run() is never reached and ArgumentParser says why.
        let invalid: [[String]] = [
            ["convert", "--to", "openssh", "--force", "k"], ["convert", "--to", "ppk", "--ppk-version", "4", "k"],
            ["convert", "--to", "openssh", "--kdf-rounds", "0", "k"],
            ["convert", "--to", "openssh", "--new-passphrase-file", "np", "--no-passphrase", "k"],
            ["convert", "--to", "openssh", "--passphrase-file", "-", "-"], ["convert", "--to", "ppk", "--new-passphrase-file", "-", "-"],
        ]
        for args in invalid {
            guard case let .convert(quick)? = QuickStart.parse(args) else { Issue.record("not taken: \(args)"); continue }
            var quickError: Error?
            do { try Self.validate(quick.command) } catch { quickError = error }
            var parserError: Error?
            do { _ = try KeyportCommand.parseAsRoot(args) } catch { parserError = error }
            let q = try #require(quickError, "\(args) passes validate()"), p = try #require(parserError, "\(args) parses")
            #expect(KeyportCommand.message(for: q) == KeyportCommand.message(for: p), "\(args)")
        }
        let left: [[String]] = [
            ["convert"], ["convert", "k"], ["convert", "--to", "openssh"], ["convert", "--to", "openssh", "a", "b"],
            ["convert", "--help"], ["convert", "-h", "--to", "pem", "k"], ["convert", "--to", "pem", "--", "k"],
            ["convert", "--to=pem", "k"], ["convert", "--to", "pem", "--output=o", "k"], ["convert", "--to", "pem", "-qo", "x", "k"],
            ["convert", "--to", "pem", "-q", "-q", "k"], ["convert", "--to", "pem", "--quiet", "-q", "k"],
            ["convert", "--to", "pem", "--to", "pem", "k"], ["convert", "--to", "pem", "-o", "a", "--output", "b", "k"],
            ["convert", "--to", "pem", "--unknown", "k"], ["convert", "--to", "pem", "--comment", "-x", "k"],
            ["convert", "--to", "pem", "-o", "-x", "k"], ["convert", "--to", "nosuch", "k"], ["convert", "--to", "pem", "--kdf-rounds", "ten", "k"],
            ["convert", "--to", "pem", "--kdf-rounds", "-1", "k"], ["convert", "--to", "pem", "--ppk-version", "", "k"],
            ["convert", "--to", "pem", "help"], ["convert", "help"], ["convert", "--to", "pem", ""], ["convert", "--to", "pem", "--version", "k"],
            ["convert", "--to", "pem", "--generate-completion-script", "bash"], ["convert", "--to", "pem", "-vq", "k"], ["convert", "--to"],
            ["convert", "--to", "pem", "k", "--output"], ["convert", "--to", "pem", "--comment", "help", "k"], ["convert", "--to", "-", "k"],
            ["help", "convert"], ["convert", "--to", "pem", "--passphrase-file", "--no-passphrase", "k"],
        ]
        for args in left { #expect(QuickStart.parse(args) == nil, "taken: \(args)") }
    }

    /// QuickStart knows every option convert has, and no other (the dump is ArgumentParser's).
    @Test func convertOptionsAreArgumentParsers() throws {
        let dump = try Tool.keyport(["convert", "--experimental-dump-help"])
        let root = try #require(try JSONSerialization.jsonObject(with: dump.stdoutBytes) as? [String: Any])
        let command = try #require(root["command"] as? [String: Any])
        var spellings: [String] = []
        for argument in command["arguments"] as? [[String: Any]] ?? [] {
            let kind = try #require(argument["kind"] as? String)
            for name in argument["names"] as? [[String: Any]] ?? [] {
                let text = try #require(name["name"] as? String)
                let spelling = (name["kind"] as? String == "short" ? "-" : "--") + text
                if ["--help", "-h", "--version"].contains(spelling) { continue }
                spellings.append(spelling)
                #expect(QuickStart.convertOption(spelling)?.takesValue == (kind == "option"), "\(spelling)")
            }
        }
        #expect(spellings.count == 14, "\(spellings)")
    }

    /// The same command line, once through QuickStart and once through ArgumentParser (an `=`
    /// spelling QuickStart leaves alone): the same output, messages and exit status.
    @Test func convertRunsAlikeOnBothPaths() throws {
        let dir = try TempDir()
        let key = fixturesURL.appendingPathComponent("openssh/ed25519-aes256ctr").path
        let pass = try dir.write("pass", "fixture pass\n"), wrong = try dir.write("wrong", "nope\n")
        let cases: [(args: [String], status: Int32)] = [
            (["--no-passphrase", "--passphrase-file", pass, key], 0),           // a conversion
            (["--public", "--passphrase-file", pass, key], 0),                  // with the decrypted comment
            (["-q", "--no-passphrase", "--passphrase-file", pass, key], 0),
            (["--comment", "x", "--no-passphrase", key], 64),                   // refused in run()
            (["--force", "--passphrase-file", pass, key], 64),                  // refused by validate()
            (["--kdf-rounds", "0", key], 64),
            (["--passphrase-file", "-", "-"], 64),
            (["--new-passphrase-file", pass, "--no-passphrase", key], 64),     // ProtectOptions.validate()
            (["--no-passphrase", "--passphrase-file", wrong, key], 77),
            (["--no-passphrase", dir.path("missing")], 66),
            (["-o", wrong, "--no-passphrase", "--passphrase-file", pass, key], 73),  // exists, no --force
        ]
        for (to, quickTo) in [("pkcs8", "pkcs8"), ("rfc4716", "RFC4716")] {
            for (rest, status) in cases {
                let quick = ["convert", "--to", quickTo] + rest
                let forced = ["convert", "--to=\(to)"] + rest
                #expect(QuickStart.parse(quick) != nil && QuickStart.parse(forced) == nil, "\(quick)")
                let a = try Tool.keyport(quick), b = try Tool.keyport(forced)
                #expect(a.status == b.status && a.stdoutBytes == b.stdoutBytes && a.stderr == b.stderr, "\(quick): \(a) / \(b)")
                if to == "pkcs8" { #expect(a.status == status, "\(quick): \(a.stderr)") }
            }
        }
        // -o writes the same file, with the same mode and messages.
        let runs = try [("quick", ["convert", "--to", "pem", "-o"]), ("forced", ["convert", "--to=pem", "-o"])].map { name, args in
            try Tool.keyport(args + [dir.path(name), "--no-passphrase", "--passphrase-file", pass, key])
        }
        #expect(runs[0].status == 0 && runs[0].stdout.isEmpty && runs[0].stderr == runs[1].stderr && runs[1].status == 0)
        #expect(try dir.bytes("quick") == dir.bytes("forced"))
        let modes = try ["quick", "forced"].map { try FileManager.default.attributesOfItem(atPath: dir.path($0))[.posixPermissions] as? Int }
        #expect(modes == [0o600, 0o600])
    }

    /// ArgumentParser's validation of a decoded convert command: the option groups, then the command.
    static func validate(_ command: ConvertCommand) throws {
        var command = command
        try command.unlock.validate()
        try command.protect.validate()
        try command.quietOption.validate()
        try command.validate()
    }
}

extension QuickStart.ConvertArguments {
    /// Every field of a decoded command, to compare with what QuickStart read.
    init(_ c: ConvertCommand) {
        self.init(to: c.to, output: c.outputOption, comment: c.comment, force: c.force, public: c.public, kdfRounds: c.kdfRounds,
                  ppkVersion: c.ppkVersion, ppkParam: c.ppkParam, passphraseFile: c.unlock.passphraseFile,
                  newPassphraseFile: c.protect.newPassphraseFile, noPassphrase: c.protect.noPassphrase,
                  quiet: c.quietOption.quiet, file: c.file)
    }
}
