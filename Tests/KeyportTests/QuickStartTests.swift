import ArgumentParser
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
}
