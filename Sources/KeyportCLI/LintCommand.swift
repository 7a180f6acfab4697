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
        for standard input (only when given: with no path, lint is a usage error even from a pipe, \
        so that a forgotten path never passes by checking nothing). Public-key checks need no passphrase; with --passphrase-file, encrypted \
        private keys are also opened for the private-half checks.

        In a directory, symbolic links are followed (a symlinked authorized_keys is checked under \
        its own name; a directory reached twice, as through a link loop, is walked once); FIFOs, \
        sockets and devices are skipped without being opened. Files that clearly hold no key \
        (no key read, no key marker, no key-like name) are skipped; a damaged key (broken armour, \
        a byte-order mark, indentation, a cut-off file) is a finding. A file or directory that \
        cannot be read, a dangling symbolic link and a link loop are reported and fail the run. \
        On a terminal or with -v, a summary line ends the run on standard error: keys checked, \
        files read, files skipped, files that could not be read, findings.

        Policy comes from the flags or a policy file (--policy FILE) of `key = value` lines: \
        min-rsa-bits, allow-curves, fail-on, fermat-steps, min-bcrypt-rounds, min-argon2-memory, \
        disable = rule-id, ..., severity.RULE-ID = error|warning|info. Flags override the file.

        EXIT STATUS: 1 a finding at or above --fail-on (this wins over every code below, so that no \
        finding hides behind another error); 0 otherwise, when every path was read and at least one \
        key was checked; 66 a path could not be read, or no key was found at all; 77 the \
        --passphrase-file passphrase did not open an encrypted key (its public-key checks still \
        ran); 65 the run's key-derivation budget had no room left to open an encrypted key (see \
        "Robustness" in the README); 64 usage.
        """
    )

    @Option(name: .long, help: "Output: text (one line per finding), json (one object per key per line, then a summary object) or sarif (SARIF 2.1.0).")
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

    @Flag(name: .long, help: "List every rule with its id, severity and title (with --format json: one object per rule); takes no path.")
    var listRules = false

    @Option(name: .long, help: ArgumentHelp("Explain one rule: rationale, fix and examples.", valueName: "rule-id"), completion: .list(LintRegistry.all.map(\.id)))
    var explain: String?

    @Flag(name: .shortAndLong, help: "Also name files with no findings (text) and skipped files, and end with the summary line (standard error).")
    var verbose = false

    @OptionGroup var unlock: UnlockOptions
    @OptionGroup var quietOption: QuietOption

    @Argument(help: ArgumentHelp("Key files or directories; - reads standard input.", valueName: "path"), completion: .file())
    var paths: [String] = []

    func validate() throws {
        try StandardInput.checkSingleUse(files: paths, passphraseFile: unlock.passphraseFile)
        // -q would silence what -v asks for (skipped files, the summary line): refused, not ignored.
        if verbose, quietOption.quiet { throw ValidationError("-q and -v cannot be used together (-q silences the summary and notes -v adds)") }
    }

    mutating func run() throws {
        quietOption.apply()
        var out = OutputBuffer()
        if listRules || explain != nil {
            // Both answer from the rule table alone: a path next to them would be silently ignored.
            guard paths.isEmpty else {
                throw ValidationError("\(listRules ? "--list-rules" : "--explain") takes no path; run keyport lint PATH... separately to check files")
            }
            // Nor does any policy or run option change their answer: refused, never ignored.
            let name = listRules ? "--list-rules" : "--explain"
            let unused: [(String, Bool)] = [
                ("--explain", listRules && explain != nil), ("--fail-on", failOn != nil), ("--min-rsa-bits", minRSABits != nil),
                ("--allow", allow != nil), ("--policy", policy != nil), ("--blocklist", blocklist != nil),
                ("--fermat-steps", fermatSteps != nil), ("-v", verbose), ("--passphrase-file", unlock.passphraseFile != nil),
                ("--format", explain != nil && format != .text),
            ]
            if let (option, _) = unused.first(where: { $0.1 }) {
                throw ValidationError("\(option) does not apply to \(name), which answers from the rule table alone\(option == "--format" ? " (--explain prints text)" : "")")
            }
        }
        if listRules {
            switch format {
            case .text: out.append(LintRegistry.listing)
            case .json: out.append(LintRegistry.jsonListing)
            case .sarif: throw ValidationError("--list-rules prints text or json; every SARIF log of a lint run lists the rules in tool.driver.rules")
            }
            out.flush()
            return
        }
        if let explain {
            guard let rule = LintRegistry.rule(explain) else { throw KeyportError.usage("unknown rule \"\(explain)\" (see --list-rules)") }
            out.append(rule.explanation + (rule.explanation.hasSuffix("\n") ? "" : "\n"))
            out.flush()
            return
        }
        // Standard input is read only when named (-), even from a pipe: a lint that found no
        // path must not pass by checking an empty or forgotten stdin (fingerprint and inspect agree).
        guard !paths.isEmpty else { throw ValidationError("give the key files or directories to check (- reads standard input), or --list-rules / --explain RULE") }

        var settings = Policy()
        if let policy { settings = try Policy.parse(String(decoding: FileIO.read(policy, limit: 1 << 16), as: UTF8.self)) }
        if let minRSABits { try settings.set("min-rsa-bits", String(minRSABits)) }
        if let allow { try settings.set("allow-curves", allow) }
        if let fermatSteps { try settings.set("fermat-steps", String(fermatSteps)) }
        if let failOn { settings.failOn = failOn }
        let list = try blocklist.map { try Blocklist(bytes: FileIO.read($0, limit: 1 << 30)) }

        var run = LintRun(walk: LintWalk(paths), verbose: verbose)
        let progress = Progress(total: run.walk.files.count)
        var linter = Linter(policy: settings, blocklist: list)
        // Keys that raise no finding are judged while read and not kept as documents (flat memory
        // for authorized_keys files of millions of lines); JSON and SARIF, which list every key,
        // keep what they name such a key by (57 bytes a key).
        let listing = format != .text
        var inputs: [LintInput] = []
        var passphrase: SecureBytes?
        for (index, file) in run.walk.files.enumerated() {
            progress.update("reading", index, of: run.walk.files.count)
            let input: LintInput
            do {
                input = try LintInput.read(path: file.path, checkingWith: linter, keepingKeyFields: listing)
            } catch {
                run.failToRead(file, error, verbose: verbose)
                continue
            }
            if !file.explicit, LintWalk.holdsNoKey(input) {
                run.skip(file.path, "holds no key", verbose: verbose)
                continue
            }
            inputs.append(unlocked(input, passphrase: &passphrase, run: &run))
        }
        linter.progress = { [progress] step in
            switch step {
            case let .checkedFiles(done, total): progress.update("checking", done, of: total)
            case let .sharingPrimes(moduli): progress.show("looking for shared RSA primes (batch GCD over \(moduli) moduli)")
            }
        }
        let findings = linter.lint(inputs)
        let summary = run.summary(inputs, findings: findings.count)
        progress.finish(summary: verbose || Terminal.stderrIsTerminal ? summary.line : nil)
        if summary.keys == 0 {
            Terminal.report(nil, "no key found in \(paths.count == 1 ? paths[0] : "the \(paths.count) paths given") (\(summary.line))")
        }

        switch format {
        case .text:
            let colour = Colour.standardOutput
            out.append(LintOutput.text(findings, severityStyle: { colour.paint($0) }))
            if verbose {
                let flagged = Set(findings.map(\.file))
                for input in inputs where !flagged.contains(input.path) { out.append("\(SafeText.escape(FileIO.displayName(input.path))): ok\n") }
            }
        case .json:
            LintOutput.jsonLines(inputs, findings) { out.append(bytes: $0) }
            out.append(LintOutput.jsonSummary(summary))
        case .sarif:
            out.append(LintOutput.sarif(inputs, findings, summary: summary, problems: run.problems, policy: settings, toolVersion: KeyportVersion.current))
        }
        out.flush()
        throw Self.exitCode(failed: settings.fails(findings), errors: run.exitCode, keys: summary.keys)
    }

    /// A finding at or above --fail-on decides the run (1): it is certain whatever else could not be
    /// checked, and a gate testing for 1 must see it. Otherwise a path that could not be read or a
    /// key that could not be unlocked (66, 77, ...), and a run that found no key at all (66), fail it.
    static func exitCode(failed: Bool, errors: ExitCode, keys: Int) -> ExitCode {
        if failed { return .findings }
        if errors != .success { return errors }
        return keys == 0 ? .noInput : .success
    }

    /// With --passphrase-file, the input with its encrypted keys opened; keys the passphrase does not
    /// open stay locked (their public-key checks still run) and are reported.
    func unlocked(_ input: LintInput, passphrase: inout SecureBytes?, run: inout LintRun) -> LintInput {
        var input = input
        if unlock.passphraseFile != nil {
            input.entries = input.entries.map { entry in
                guard case let .success(doc) = entry.result, doc.isLocked else { return entry }
                do {
                    return KeyEntry(line: entry.line, result: .success(try KeyFile.unlock(doc, passphrase: unlock.passphrase(for: input.path, document: doc, cache: &passphrase))))
                } catch KeyportError.unsupported(let what, reason: .kdfBudgetSpent) {
                    // The key is fine; the run has opened enough keys. Its public-key checks still run.
                    run.fail(input.path, line: entry.line, KeyportError.unsupported(what, reason: .kdfBudgetSpent))
                    return entry
                } catch let error as KeyportError where ExitCode.of(error) == .dataError {
                    // Damage found only once decrypted (a private half that does not match
                    // the public one) is a finding about this key, not a reason to drop the file.
                    return KeyEntry(line: entry.line, result: .failure(error))
                } catch {
                    run.fail(input.path, line: entry.line, error)
                    return entry
                }
            }
        }
        // PEM and PKCS#8 encrypt the public half too: without the passphrase nothing about
        // the key itself can be checked, which must not look like a clean result. (With
        // --passphrase-file, a key still locked here was already reported with the reason.)
        for entry in input.entries where unlock.passphraseFile == nil {
            guard case let .success(doc) = entry.result, doc.isLocked, doc.publicKey == nil else { continue }
            Terminal.warn("\(input.path)\(entry.line.map { ":\($0)" } ?? ""): \(doc.format.displayName) hides its public key too; only its protection was checked (give --passphrase-file to check the key)")
        }
        return input
    }
}

/// What a lint run could not read or unlock, what it skipped, and the exit code that follows.
struct LintRun {
    var walk: LintWalk
    private var reader = KeyReader()
    private var walkCode = ExitCode.success
    /// Paths that could not be read or keys that could not be unlocked, as reported.
    private(set) var problems: [(path: String, message: String)] = []

    init(walk: LintWalk, verbose: Bool) {
        self.walk = walk
        if verbose { for note in walk.skipped { Terminal.report(note.path, "skipped: \(note.reason)") } }
        // The walk itself found unreadable directories, dangling links and link loops.
        for note in walk.unreadable {
            Terminal.report(note.path, note.reason)
            problems.append((note.path, note.reason))
            walkCode = .noInput
        }
    }

    /// The worst exit code of the errors so far (.success when none).
    var exitCode: ExitCode { walkCode.rawValue > reader.exitCode.rawValue ? walkCode : reader.exitCode }

    /// A key that could not be unlocked (wrong passphrase, refused KDF cost).
    mutating func fail(_ path: String, line: Int?, _ error: Error) {
        reader.fail(path, line: line, error)
        problems.append((path, Self.message(error, path: path)))
    }

    /// A file that could not be read: reported and failing the run, except a file found while
    /// walking that is too large for a key file and not named like one (a log, an archive).
    mutating func failToRead(_ file: LintWalk.File, _ error: Error, verbose: Bool) {
        if !file.explicit, Self.isTooLarge(error), !LintWalk.hasKeyName(file.path) {
            skip(file.path, Self.message(error, path: file.path), verbose: verbose)
            return
        }
        walk.fail(file.path, Self.message(error, path: file.path))
        fail(file.path, line: nil, error)
    }

    mutating func skip(_ path: String, _ reason: String, verbose: Bool) {
        walk.skip(path, reason)
        if verbose { Terminal.report(path, "skipped: \(reason)") }
    }

    /// The counts of a run over `inputs`: every key read (as `LintOutput.keys` lists them, damaged
    /// lines and places of findings alone aside).
    func summary(_ inputs: [LintInput], findings: Int) -> LintSummary {
        var s = LintSummary()
        s.files = inputs.count
        s.keys = inputs.reduce(0) { sum, input in
            sum + input.cleanKeyCount + input.entries.count { if case .success = $0.result { return true } else { return false } }
        }
        s.skipped = walk.skipped.count
        s.unreadable = walk.unreadable.count
        s.errors = problems.count
        s.findings = findings
        return s
    }

    static func message(_ error: Error, path: String) -> String {
        if case let .io(errorPath, reason, _)? = error as? KeyportError, errorPath == path { return reason }
        return (error as? KeyportError)?.message ?? "\(error)"
    }

    static func isTooLarge(_ error: Error) -> Bool {
        (error as? KeyportError)?.kind == .io(.tooLarge)
    }
}

/// A one-line status on standard error, redrawn in place, only when standard error is a terminal
/// and the run is big enough to take a moment; pipes, files and CI logs get nothing. Redraws come at
/// most every `interval` seconds (a new phase is shown at once), so a fast run of thousands of files
/// writes a handful of lines, not one per file. Used from one thread at a time (the lint run is
/// synchronous), hence `@unchecked Sendable`.
final class Progress: @unchecked Sendable {
    let enabled: Bool
    /// The shortest time between two redraws of the same phase.
    let interval: Double
    private let clock: () -> Double
    private let write: (String) -> Void
    private var last = ""
    private var lastPhase = ""
    private var lastDraw = -Double.infinity
    /// Whether anything was drawn (and so must be cleared).
    private var drawn = false

    init(total: Int, threshold: Int = 50, enabled: Bool = Terminal.stderrIsTerminal, interval: Double = 0.1,
         clock: @escaping () -> Double = Progress.monotonicSeconds, write: @escaping (String) -> Void = Terminal.writeError) {
        self.enabled = enabled && !Terminal.quiet && total >= threshold
        self.interval = interval
        self.clock = clock
        self.write = write
    }

    /// `label done/total (percent%)`.
    func update(_ label: String, _ done: Int, of total: Int) {
        draw("\(label) \(done)/\(total) (\(done * 100 / max(total, 1))%)", phase: label)
    }

    /// A status line of its own phase (shown at once).
    func show(_ text: String) { draw(text, phase: text) }

    private func draw(_ text: String, phase: String) {
        guard enabled, text != last else { return }
        let now = clock()
        guard phase != lastPhase || now - lastDraw >= interval else { return }
        last = text
        lastPhase = phase
        lastDraw = now
        drawn = true
        write("\r\u{1B}[K" + text)
    }

    /// Clears the status line; then writes `summary` (if any) as the last line.
    func finish(summary: String?) {
        if drawn { write("\r\u{1B}[K") }
        drawn = false
        last = ""
        if let summary { write(summary + "\n") }
    }

    static func monotonicSeconds() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
    }
}
