import ArgumentParser
import Keyport
#if canImport(Glibc)
import Glibc
#endif

extension Severity: ExpressibleByArgument {}

struct LintCommand: ParsableCommand {
    enum OutputStyle: String, ExpressibleByArgument, CaseIterable { case text, json, sarif }

    static let configuration = CommandConfiguration(
        commandName: "lint",
        abstract: "Check keys against policy and for known weaknesses.",
        discussion: """
        Reads key files, directories (recursively), authorized_keys and known_hosts files, and - \
        for standard input. Public-key checks need no passphrase; with --passphrase-file, encrypted \
        private keys are also opened for the private-half checks. Files found while walking a \
        directory that are not key files are skipped quietly.

        Policy comes from the flags or a policy file (--policy FILE) of `key = value` lines: \
        min-rsa-bits, allow-curves, fail-on, fermat-steps, min-bcrypt-rounds, min-argon2-memory, \
        disable = rule-id, ..., severity.RULE-ID = error|warning|info. Flags override the file.

        EXIT STATUS: 0 nothing at or above --fail-on; 1 findings at or above it; 64 usage; \
        66 an input could not be read.
        """
    )

    @Option(name: .long, help: "Output: text (one line per finding), json (one object per line) or sarif (SARIF 2.1.0).")
    var format: OutputStyle = .text

    @Option(name: .long, help: "Exit 1 when a finding is at or above this severity: error, warning or info.")
    var failOn: Severity?

    @Option(name: .long, help: ArgumentHelp("Smallest acceptable RSA modulus (default 2048).", valueName: "bits"))
    var minRSABits: Int?

    @Option(name: .long, help: ArgumentHelp("ECDSA curves the policy allows, comma-separated (default nistp256,nistp384,nistp521).", valueName: "curves"))
    var allow: String?

    @Option(name: .long, help: ArgumentHelp("Read the policy from this file.", valueName: "file"))
    var policy: String?

    @Option(name: .long, help: ArgumentHelp("Known-compromised keys, in badkeys' blocklist format or one SHA256: fingerprint per line.", valueName: "file"))
    var blocklist: String?

    @Option(name: .long, help: ArgumentHelp("Fermat factorisation steps per RSA key (default 100).", valueName: "n"))
    var fermatSteps: Int?

    @Flag(name: .long, help: "List every rule with its id, severity and title.")
    var listRules = false

    @Option(name: .long, help: ArgumentHelp("Explain one rule: rationale, fix and examples.", valueName: "rule-id"))
    var explain: String?

    @Flag(name: .shortAndLong, help: "Also report files and keys with no findings.")
    var verbose = false

    @OptionGroup var unlock: UnlockOptions

    @Argument(help: ArgumentHelp("Key files or directories; - reads standard input.", valueName: "path"))
    var paths: [String] = []

    mutating func run() throws {
        var out = OutputBuffer()
        if listRules {
            out.append(LintRegistry.listing)
            out.flush()
            return
        }
        if let explain {
            guard let rule = LintRegistry.rule(explain) else { throw KeyportError.usage("unknown rule \"\(explain)\" (see --list-rules)") }
            out.append(rule.explanation + (rule.explanation.hasSuffix("\n") ? "" : "\n"))
            out.flush()
            return
        }
        guard !paths.isEmpty else { throw ValidationError("give at least one file or directory (or --list-rules)") }

        var settings = Policy()
        if let policy { settings = try Policy.parse(String(decoding: FileIO.read(policy, limit: 1 << 16), as: UTF8.self)) }
        if let minRSABits { try settings.set("min-rsa-bits", String(minRSABits)) }
        if let allow { try settings.set("allow-curves", allow) }
        if let fermatSteps { try settings.set("fermat-steps", String(fermatSteps)) }
        if let failOn { settings.failOn = failOn }
        let list = try blocklist.map { try Blocklist(bytes: FileIO.read($0, limit: 1 << 30)) }

        var reader = KeyReader()
        var files: [(path: String, explicit: Bool)] = []
        for path in paths {
            if path != "-", FileIO.isDirectory(path) { Self.walk(path, into: &files) } else { files.append((path, true)) }
        }
        let progress = Progress(total: files.count, label: "reading")
        var inputs: [LintInput] = []
        var passphrase: SecureBytes?
        for (index, file) in files.enumerated() {
            progress.update(index)
            do {
                var input = try LintInput.read(path: file.path)
                if !file.explicit, case .unrecognizedFormat? = input.readError { continue }
                if unlock.passphraseFile != nil {
                    input.entries = try input.entries.map { entry in
                        guard case let .success(doc) = entry.result, doc.isLocked else { return entry }
                        do {
                            return KeyEntry(line: entry.line, result: .success(try KeyFile.unlock(doc, passphrase: unlock.passphrase(for: file.path, document: doc, cache: &passphrase))))
                        } catch KeyportError.wrongPassphrase {
                            reader.fail(file.path, line: entry.line, KeyportError.wrongPassphrase)
                            return entry
                        }
                    }
                }
                inputs.append(input)
            } catch {
                if file.explicit { reader.fail(file.path, error) }
            }
        }
        progress.finish()
        if inputs.count > 1 { Progress.note("checking \(inputs.count) files (batch GCD over every RSA modulus)") }
        let findings = Linter(policy: settings, blocklist: list).lint(inputs)

        switch format {
        case .text:
            out.append(LintOutput.text(findings))
            if verbose {
                let flagged = Set(findings.map(\.file))
                for input in inputs where !flagged.contains(input.path) { out.append("\(input.path): ok\n") }
            }
        case .json:
            out.append(LintOutput.jsonLines(findings))
            if verbose {
                let flagged = Set(findings.map(\.file))
                for input in inputs where !flagged.contains(input.path) {
                    var o = JSONObject()
                    o.add("file", input.path)
                    o.add("line", nil as Int?)
                    o.add("rule", nil as String?)
                    o.add("severity", "ok")
                    o.add("message", "no findings")
                    out.append(o.text + "\n")
                }
            }
        case .sarif:
            out.append(LintOutput.sarif(findings, policy: settings, toolVersion: KeyportVersion.current))
        }
        out.flush()
        if reader.exitCode != .ok { throw ExitCodeError(reader.exitCode == .passphrase ? .passphrase : .noInput) }
        if settings.fails(findings) { throw ExitCodeError(.findings) }
    }

    /// Regular files below `directory`, in a stable order; symbolic links are not followed.
    static func walk(_ directory: String, into files: inout [(path: String, explicit: Bool)]) {
        guard let dir = opendir(directory) else { return }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name == "." || name == ".." { continue }
            names.append(name)
        }
        closedir(dir)
        for name in names.sorted() {
            let path = directory.hasSuffix("/") ? directory + name : directory + "/" + name
            var st = stat()
            guard lstat(path, &st) == 0 else { continue }
            switch st.st_mode & S_IFMT {
            case S_IFDIR: walk(path, into: &files)
            case S_IFREG: files.append((path, false))
            default: continue
            }
        }
    }
}

/// A one-line progress counter on standard error, only when it is a terminal.
final class Progress {
    let total: Int
    let label: String
    let enabled: Bool
    private var last = -1

    init(total: Int, label: String) {
        self.total = total
        self.label = label
        enabled = isatty(STDERR_FILENO) == 1 && total >= 50
    }

    func update(_ done: Int) {
        guard enabled else { return }
        let percent = done * 100 / max(total, 1)
        if percent != last {
            last = percent
            Terminal.writeError("\r\(label) \(done)/\(total) (\(percent)%)")
        }
    }

    func finish() { if enabled { Terminal.writeError("\r\u{1B}[K") } }

    static func note(_ text: String) {
        if isatty(STDERR_FILENO) == 1 { Terminal.writeError("keyport: \(text)\n") }
    }
}
