import ArgumentParser
import Keyport
#if canImport(Glibc)
import Glibc
#endif

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
        66 an input could not be read; 77 the --passphrase-file passphrase did not open an \
        encrypted key (its public-key checks still ran).
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

    @Option(name: .long, help: ArgumentHelp("Read the policy from this file.", valueName: "file"), completion: .file())
    var policy: String?

    @Option(name: .long, help: ArgumentHelp("Known-compromised keys, in badkeys' blocklist format or one SHA256: fingerprint per line.", valueName: "file"), completion: .file())
    var blocklist: String?

    @Option(name: .long, help: ArgumentHelp("Fermat factorisation steps per RSA key (default 100).", valueName: "n"))
    var fermatSteps: Int?

    @Flag(name: .long, help: "List every rule with its id, severity and title.")
    var listRules = false

    @Option(name: .long, help: ArgumentHelp("Explain one rule: rationale, fix and examples.", valueName: "rule-id"), completion: .list(LintRegistry.all.map(\.id)))
    var explain: String?

    @Flag(name: .shortAndLong, help: "Also report files and keys with no findings.")
    var verbose = false

    @OptionGroup var unlock: UnlockOptions
    @OptionGroup var quietOption: QuietOption

    @Argument(help: ArgumentHelp("Key files or directories; - reads standard input.", valueName: "path"), completion: .file())
    var paths: [String] = []

    mutating func run() throws {
        quietOption.apply()
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
        let progress = Progress(total: files.count)
        var inputs: [LintInput] = []
        var passphrase: SecureBytes?
        for (index, file) in files.enumerated() {
            progress.update("reading", index, of: files.count)
            do {
                var input = try LintInput.read(path: file.path)
                if !file.explicit, Self.isNotAKeyFile(input) { continue }
                if unlock.passphraseFile != nil {
                    input.entries = try input.entries.map { entry in
                        guard case let .success(doc) = entry.result, doc.isLocked else { return entry }
                        do {
                            return KeyEntry(line: entry.line, result: .success(try KeyFile.unlock(doc, passphrase: unlock.passphrase(for: file.path, document: doc, cache: &passphrase))))
                        } catch KeyportError.wrongPassphrase {
                            reader.fail(file.path, line: entry.line, KeyportError.wrongPassphrase)
                            return entry
                        } catch let error as KeyportError where ExitCode.of(error) == .dataError {
                            // Damage found only once decrypted (a private half that does not match
                            // the public one) is a finding about this key, not a reason to drop the file.
                            return KeyEntry(line: entry.line, result: .failure(error))
                        }
                    }
                }
                // PEM and PKCS#8 encrypt the public half too: without the passphrase nothing about
                // the key itself can be checked, which must not look like a clean result.
                for entry in input.entries {
                    guard case let .success(doc) = entry.result, doc.isLocked, doc.publicKey == nil else { continue }
                    Terminal.warn("\(file.path)\(entry.line.map { ":\($0)" } ?? ""): \(doc.format.displayName) hides its public key too; only its protection was checked (give --passphrase-file to check the key)")
                }
                inputs.append(input)
            } catch {
                if file.explicit { reader.fail(file.path, error) }
            }
        }
        var linter = Linter(policy: settings, blocklist: list)
        linter.progress = { [progress] step in
            switch step {
            case let .checkedFiles(done, total): progress.update("checking", done, of: total)
            case let .sharingPrimes(moduli): progress.show("looking for shared RSA primes (batch GCD over \(moduli) moduli)")
            }
        }
        let findings = linter.lint(inputs)
        progress.finish()

        switch format {
        case .text:
            let colour = Colour.standardOutput
            out.append(LintOutput.text(findings, severityStyle: { colour.paint($0) }))
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

    /// While walking a directory, files that are not key files (configs, logs, SARIF reports that
    /// quote a key type) are skipped; a file whose name says it holds keys is still reported.
    static func isNotAKeyFile(_ input: LintInput) -> Bool {
        if case .unrecognizedFormat? = input.readError { return true }
        let name = input.path.split(separator: "/").last.map(String.init) ?? input.path
        let keyish = name.hasSuffix(".pub") || name.hasSuffix(".ppk") || name.hasSuffix(".pem") || name.hasSuffix(".key")
            || name.hasPrefix("id_") || name.hasPrefix("authorized_keys") || name.hasPrefix("known_hosts")
        let nothingRead = input.readError != nil || input.entries.allSatisfy { if case .failure = $0.result { return true } else { return false } }
        return nothingRead && !keyish
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

/// A one-line status on standard error, redrawn in place, only when standard error is a terminal
/// and the run is big enough to take a moment; pipes, files and CI logs get nothing. Used from one
/// thread at a time (the lint run is synchronous), hence `@unchecked Sendable`.
final class Progress: @unchecked Sendable {
    let enabled: Bool
    private var last = ""

    init(total: Int, threshold: Int = 50) {
        enabled = Terminal.stderrIsTerminal && !Terminal.quiet && total >= threshold
    }

    /// `label done/total (percent%)`, redrawn only when the percentage changes.
    func update(_ label: String, _ done: Int, of total: Int) {
        show("\(label) \(done)/\(total) (\(done * 100 / max(total, 1))%)")
    }

    /// Any status line.
    func show(_ text: String) {
        guard enabled, text != last else { return }
        last = text
        Terminal.writeError("\r\u{1B}[K" + text)
    }

    /// Clears the status line so that what follows starts on a clean line.
    func finish() {
        if enabled, !last.isEmpty { Terminal.writeError("\r\u{1B}[K") }
        last = ""
    }
}
