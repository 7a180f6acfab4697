import Foundation
import Testing
@testable import Keyport

/// Usage errors as the README promises them: exit 64 and one `keyport:` line on standard error
/// (ending with where to find the help), nothing on standard output; help only when asked for.
@Suite struct UsageErrorTests {
    static func expectUsageError(_ args: [String], mentioning text: String? = nil, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let r = try Tool.keyport(args)
        #expect(r.status == 64, "\(args): \(r.status) \(r.stderr)", sourceLocation: sourceLocation)
        #expect(r.stdout.isEmpty, "\(args): \(r.stdout.prefix(200))", sourceLocation: sourceLocation)
        let lines = r.stderr.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == 2 && lines[1].isEmpty && lines[0].hasPrefix("keyport: "), "\(args): \(r.stderr)", sourceLocation: sourceLocation)
        if let text { #expect(r.stderr.contains(text), "\(args): \(r.stderr)", sourceLocation: sourceLocation) }
    }

    @Test func aDashClusterHoldingAnHIsAnUnknownOptionNotAHelpRequest() throws {
        let dir = try TempDir()
        let key = try sshKeygen(dir, name: "k", type: "ed25519")
        // What openssl users type, and file names that start with a dash.
        for cluster in ["-sha256", "-hv", "-sha1", "-dash.pub", "-vh"] {
            try Self.expectUsageError(["fingerprint", cluster, key + ".pub"], mentioning: "unknown option '\(cluster)'")
            try Self.expectUsageError(["inspect", cluster, key + ".pub"], mentioning: "unknown option '\(cluster)'")
        }
        try Self.expectUsageError(["lint", "-sha256", key + ".pub"], mentioning: "keyport lint --help")
        try Self.expectUsageError(["convert", "--to", "pem", "-sha256", key], mentioning: "unknown option")
    }

    @Test func unknownOptionsBadValuesAndMissingArgumentsAreOneLine() throws {
        let cases: [([String], String)] = [
            ([], "no command given"),
            (["fingerprint", "--bogus", "x"], "unknown option '--bogus'"),
            (["inspect", "-x", "x"], "unknown option '-x'"),
            (["--nope"], "unknown option"),
            (["fingerprint"], "missing"),
            (["inspect"], "missing"),
            (["convert", "x"], "--to"),
            (["convert", "--to", "pem"], "missing"),
            (["convert", "--to", "nonsense", "x"], "nonsense"),
            (["fingerprint", "-E", "sha3", "x"], "sha3"),
            (["generate", "-t"], "-t"),
            (["lint"], "give the key files or directories to check"),
        ]
        for (args, text) in cases { try Self.expectUsageError(args, mentioning: text) }
    }

    @Test func aMisspeltCommandGetsADidYouMean() throws {
        try Self.expectUsageError(["inspct", "x"], mentioning: "unknown command 'inspct'; did you mean 'inspect'?")
        try Self.expectUsageError(["fingerprnt", "x"], mentioning: "did you mean 'fingerprint'?")
        try Self.expectUsageError(["finger", "x"], mentioning: "did you mean 'fingerprint'?")
        try Self.expectUsageError(["lnt"], mentioning: "did you mean 'lint'?")
        try Self.expectUsageError(["xyzzy"], mentioning: "unknown command 'xyzzy'")
        try Self.expectUsageError(["help", "nosuch"], mentioning: "unknown command 'nosuch'")
    }

    @Test func helpAskedForIsHelpOnStandardOutput() throws {
        for args in [["--help"], ["-h"], ["fingerprint", "-h"], ["fingerprint", "--help"], ["help", "fingerprint"], ["help"]] {
            let r = try Tool.keyport(args)
            #expect(r.status == 0, "\(args): \(r.stderr)")
            #expect(r.stdout.contains("USAGE:"), "\(args)")
            #expect(r.stderr.isEmpty, "\(args)")
        }
        // After --, a word is an operand, never an option.
        let r = try Tool.keyport(["fingerprint", "--", "-h"])
        #expect(r.status == 66)
        #expect(r.stderr == "keyport: -h: no such file or directory\n")
    }
}
