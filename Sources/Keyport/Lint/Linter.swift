// The lint engine: one call over all files of a run. Per-file and per-key rules run first, in input
// order; then the rules that need every key of the run at once (shared RSA primes by batch GCD).
//
//   let findings = Linter(policy: policy, blocklist: blocklist).lint(inputs)
//   let failed = policy.fails(findings)
//
// The engine prints nothing and touches no files: the caller reads each file, stats it, decodes it
// with `KeyFile.read`, and passes what it got (including a whole-file read error) as a `LintInput`.

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// One file to lint, as the caller read it.
public struct LintInput: Sendable {
    /// The path as the user named it (shown in findings); `-` for standard input.
    public var path: String
    /// `st_mode` of the file (only the permission bits are read), nil for stdin or when unknown.
    public var mode: UInt32?
    /// `st_mode` of the directory holding the file, for the authorized_keys directory rule.
    public var directoryMode: UInt32?
    /// What `KeyFile.read` returned (empty when it threw).
    public var entries: [KeyEntry]
    /// The error `KeyFile.read` threw for the file as a whole, if it did.
    public var readError: KeyportError?
    /// The first bytes of the file (a few hundred are enough). Optional: lets lint name SSH-1 and
    /// PPK v1 files when their decoders refused them, whatever the error said.
    public var head: [UInt8]?
    /// Keys of a streamed line file judged clean as they were read (see LintLines.swift): not in
    /// `entries`, kept only for the whole-file rules.
    var clean = CleanKeys()
    /// How many keys were judged clean while reading and are not in `entries` (0 unless the input
    /// was read with `read(path:checkingWith:)` and a linter).
    public var cleanKeyCount: Int { clean.count }

    /// An input from what the caller read and decoded itself.
    public init(path: String, mode: UInt32? = nil, directoryMode: UInt32? = nil, entries: [KeyEntry],
                readError: KeyportError? = nil, head: [UInt8]? = nil) {
        self.path = path
        self.mode = mode
        self.directoryMode = directoryMode
        self.entries = entries
        self.readError = readError
        self.head = head
    }

    /// Convenience for decoded documents (each keeps its own line number).
    public init(path: String, mode: UInt32? = nil, directoryMode: UInt32? = nil, documents: [KeyDocument]) {
        self.init(path: path, mode: mode, directoryMode: directoryMode,
                  entries: documents.map { KeyEntry(line: $0.line, result: .success($0)) })
    }

    /// Reads `path`, stats it and its directory, and decodes it: what the CLI does for each file
    /// argument. I/O errors (missing file, unreadable) are thrown, decode errors are kept for lint.
    ///
    /// authorized_keys and known_hosts files (a git server's, an admin's) stream through `KeyInput`
    /// as `fingerprint` reads them, whatever their size, each line on its own: a line too long to be
    /// a key is a failed entry with its number and the lines after it are read. Other files are read
    /// whole, up to `KeyFile.maximumSize`; so is a line file with no key in its first MiB.
    ///
    /// With `linter`, the per-key rules of plain key lines (Ed25519, ECDSA and RSA) run while the
    /// file is read, on every core, and a key that raises nothing is kept only as its line and a
    /// hash (`cleanKeyCount`), not in `entries`; an RSA key also as its modulus, which the
    /// shared-prime check of the whole run needs. Memory stays flat however long the file, beyond
    /// the moduli of its RSA keys. `linter.lint` of the input finds exactly what it finds without.
    /// What is lost is the key itself: with `keepingKeyFields` (for callers that list every key:
    /// `LintOutput.keys`, `LintOutput.jsonLines(_:_:write:)`, `LintOutput.sarif(_:_:summary:problems:policy:toolVersion:)`),
    /// each clean key also keeps what those name it by (type, bits, SHA256 fingerprint, SPKI
    /// SHA-256: 57 bytes a key, worked out by the reading workers), and they list it exactly as
    /// when the input is read without a linter. Without it they list a clean key with null fields.
    public static func read(path: String, checkingWith linter: Linter? = nil, keepingKeyFields: Bool = false) throws -> LintInput {
        let input = try KeyInput(path: path)
        let mode = FileIO.mode(path)
        let directory = path.lastIndex(of: "/").map { $0 == path.startIndex ? "/" : String(path[..<$0]) } ?? "."
        let directoryMode = path == "-" ? nil : FileIO.mode(directory)
        let head = Array(input.head.prefix(256))
        if input.isLineFile {
            var entries: [KeyEntry] = []
            var clean = CleanKeys()
            let keepingFields = linter != nil && keepingKeyFields
            if linter != nil, let size = input.fileSize { clean.reserve(forFileOf: size, keepingFields: keepingFields) }
            var readError: KeyportError?
            let judge = linter.map { LintLineJudge(policy: $0.policy, hasBlocklist: $0.blocklist != nil) }
            input.streamLines({ LintLineHandler(judge: judge, keepingFields: keepingFields) }, emit: { outputs in
                for output in outputs {
                    for (line, doc) in output.documents { entries.append(KeyEntry(line: line, result: .success(doc))) }
                    // Clean RSA keys are among the clean keys, in the same order, with their moduli.
                    var m = 0, start = 0
                    for (k, (line, hash)) in output.cleanKeys.enumerated() {
                        if m < output.cleanModuli.count, output.cleanModuli[m].line == line {
                            let end = output.cleanModuli[m].end
                            clean.append(line: line, hash: hash, modulus: output.cleanModulusBytes[start..<end])
                            m += 1
                            start = end
                        } else {
                            clean.append(line: line, hash: hash)
                        }
                        if keepingFields { clean.appendFields(output.cleanFields[(k * CleanKeys.Fields.size)..<((k + 1) * CleanKeys.Fields.size)]) }
                    }
                }
            }, report: { line, error in
                if let line { entries.append(KeyEntry(line: line, result: .failure(error))) } else { readError = error }
            })
            // No key in the first MiB (or an endless line that is no key line): not a key file.
            if input.stoppedEarly {
                throw KeyportError.io(path: path, reason: "larger than \(KeyFile.maximumSize / 1024) KiB; not a key file", cause: .tooLarge)
            }
            if readError != nil {
                entries.removeAll()
                clean = CleanKeys()
            }
            // Failed lines are reported apart from (and sometimes after) the keys: back to line order.
            entries.sort { ($0.line ?? 0) < ($1.line ?? 0) }
            var result = LintInput(path: path, mode: mode, directoryMode: directoryMode, entries: entries, readError: readError, head: head)
            result.clean = clean
            return result
        }
        var bytes = try input.readWhole()
        defer { wipe(&bytes) }
        do {
            return LintInput(path: path, mode: mode, directoryMode: directoryMode, entries: try KeyFile.read(bytes), head: head)
        } catch let error as KeyportError {
            return LintInput(path: path, mode: mode, directoryMode: directoryMode, entries: [], readError: error, head: head)
        }
    }
}

/// How far a `Linter.lint` run has got, for callers that show progress on a terminal.
public enum LintProgress: Sendable, Equatable {
    /// Per-file and per-key rules have run over `done` of `total` files.
    case checkedFiles(done: Int, total: Int)
    /// The shared-prime check (batch GCD) is starting over this many RSA moduli.
    case sharingPrimes(moduli: Int)
}

/// Runs every enabled rule over a set of files.
///
/// ```swift
/// let input = try LintInput.read(path: "id_rsa.pub")
/// let findings = Linter(policy: Policy()).lint([input])
/// for f in findings { print(f.severity, f.ruleID, f.message) }
/// ```
public struct Linter: Sendable {
    /// Which rules run, their severities and thresholds (minimum RSA bits, allowed curves, ...).
    public var policy: Policy
    /// Known-compromised keys to flag, if any.
    public var blocklist: Blocklist?
    /// The time certificate validity and expiry-time options are judged against.
    public var now: Date
    /// Called on the linting thread as the run advances; nil (the default) reports nothing.
    public var progress: (@Sendable (LintProgress) -> Void)?

    /// A linter with a policy (defaults: 2048-bit RSA minimum, NIST curves), an optional blocklist
    /// and the time to judge certificates against.
    public init(policy: Policy = Policy(), blocklist: Blocklist? = nil, now: Date = Date()) {
        self.policy = policy
        self.blocklist = blocklist
        self.now = now
    }

    /// All findings for the run, in input order (file, then line, then rule order).
    public func lint(_ inputs: [LintInput]) -> [Finding] {
        var perFile: [[Finding]] = []
        var moduli: [RSAModulusSite] = []
        let sharesPrimes = policy.isEnabled(WeakKeyRules.sharedPrime)
        for (fileIndex, input) in inputs.enumerated() {
            progress?(.checkedFiles(done: fileIndex, total: inputs.count))
            var context = LintContext(input: input, policy: policy, now: now, blocklist: blocklist)
            lintFile(&context)
            perFile.append(context.findings)
            // Batch GCD's input, only when it runs (its progress step too).
            if sharesPrimes { RSAModulusSite.collect(input, file: fileIndex, into: &moduli) }
        }
        progress?(.checkedFiles(done: inputs.count, total: inputs.count))
        if moduli.count >= 2 { progress?(.sharingPrimes(moduli: moduli.count)) }
        for (fileIndex, findings) in WeakKeyRules.sharedPrimes(moduli, inputs: inputs, policy: policy) {
            perFile[fileIndex].append(contentsOf: findings)
        }
        return perFile.flatMap { findings in
            // Stable: by line (file-level findings, with no line, first), keeping rule order.
            findings.enumerated().sorted { a, b in
                let la = a.element.line ?? 0, lb = b.element.line ?? 0
                return la != lb ? la < lb : a.offset < b.offset
            }.map(\.element)
        }
    }

    /// Convenience for one file (the shared-prime check then only sees that file's keys).
    public func lint(_ input: LintInput) -> [Finding] { lint([input]) }

    private func lintFile(_ context: inout LintContext) {
        let input = context.input
        if let error = input.readError {
            IntegrityRules.checkReadFailure(error, line: nil, context: &context)
        }
        ProtectionRules.checkFile(&context)
        HygieneRules.checkFile(&context)
        for entry in input.entries {
            switch entry.result {
            case let .failure(error):
                IntegrityRules.checkReadFailure(error, line: entry.line, context: &context)
            case let .success(doc):
                let line = entry.line ?? doc.line
                // A known_hosts `@revoked` line exists to refuse its key: a weak or damaged key there
                // is doing its job, and "replace this key" would be the wrong advice.
                if doc.marker == "@revoked" { continue }
                PolicyRules.check(doc, line: line, context: &context)
                ProtectionRules.check(doc, line: line, context: &context)
                HygieneRules.check(doc, line: line, context: &context)
                IntegrityRules.check(doc, line: line, context: &context)
                WeakKeyRules.check(doc, line: line, context: &context)
            }
        }
    }
}

/// Where an RSA modulus of the run was seen. The modulus of a clean streamed key is a slice of its
/// file's `CleanKeys`, not a copy.
struct RSAModulusSite {
    var file: Int
    var line: Int?
    var exponent: [UInt8]
    var modulus: ArraySlice<UInt8>

    /// e = 65537, every clean key's, shared.
    static let f4: [UInt8] = [0x01, 0x00, 0x01]

    /// The key's SHA256 fingerprint, worked out when a finding names it (few keys share a prime).
    var fingerprint: String { PublicKey(algorithm: .rsa, parts: .rsa(e: exponent, n: Array(modulus))).fingerprint() }

    /// Appends the RSA keys of `input`, documents and clean keys merged by line (a file read whole
    /// has no clean keys): the order the general path sees them in, which the findings' order and
    /// text follow.
    static func collect(_ input: LintInput, file: Int, into sites: inout [RSAModulusSite]) {
        var c = 0
        let clean = input.clean
        func takeClean(before line: Int?) {
            while c < clean.moduli.count, line.map({ clean.moduli[c].line < $0 }) ?? true {
                sites.append(RSAModulusSite(file: file, line: clean.moduli[c].line, exponent: f4, modulus: clean.modulus(c)))
                c += 1
            }
        }
        for entry in input.entries {
            guard case let .success(doc) = entry.result, let key = doc.publicKey, case let .rsa(e, n) = key.parts else { continue }
            let line = entry.line ?? doc.line
            if let line { takeClean(before: line) }
            sites.append(RSAModulusSite(file: file, line: line, exponent: e, modulus: n[...]))
        }
        takeClean(before: nil)
    }
}

/// What a rule check sees of one file, and where its findings go.
struct LintContext {
    let input: LintInput
    let policy: Policy
    let now: Date
    let blocklist: Blocklist?
    var findings: [Finding] = []
    /// Is this an authorized_keys file (by name, or because a line carries options)? Worked out once
    /// per file: the per-key rules ask for every line, and a scan each time made large files quadratic.
    let isAuthorizedKeys: Bool

    init(input: LintInput, policy: Policy, now: Date, blocklist: Blocklist?) {
        self.input = input
        self.policy = policy
        self.now = now
        self.blocklist = blocklist
        let name = input.path.split(separator: "/").last.map(String.init) ?? input.path
        isAuthorizedKeys = name.hasPrefix("authorized_keys")
            || input.entries.contains { if case let .success(doc) = $0.result { return doc.format == .authorizedKeys } else { return false } }
    }

    func enabled(_ rule: LintRule) -> Bool { policy.isEnabled(rule) }

    /// Records a finding unless the policy disables the rule. `fix` defaults to the rule's.
    mutating func report(_ rule: LintRule, line: Int?, _ message: String, fix: String? = nil) {
        guard let severity = policy.severity(of: rule) else { return }
        findings.append(Finding(file: input.path, line: line, ruleID: rule.id, severity: severity, message: message,
                                fix: fix ?? rule.fix))
    }

    /// Does the file hold a private key (decoded, locked, or a private format the decoder refused)?
    var holdsPrivateKey: Bool {
        if input.entries.contains(where: { (try? $0.result.get())?.isPrivate == true }) { return true }
        guard input.readError != nil, let head = input.head else { return false }
        let text = String(decoding: head, as: UTF8.self)
        return text.contains("PRIVATE KEY") || text.hasPrefix("PuTTY-User-Key-File-") || text.hasPrefix("SSH PRIVATE KEY FILE FORMAT")
    }
}

extension Linter {
    /// Lints files by path in one run (so the shared-prime check sees every RSA key across them):
    /// each file is read, stat'ed (for the permission rules) and decoded as the CLI does. Directories
    /// are not walked here; pass the files.
    ///
    /// - Throws: `KeyportError.io` when a file cannot be read. Files that are not valid keys are not
    ///   errors: they come back as findings.
    public func lint(paths: [String]) throws -> [Finding] {
        try lint(paths.map { try LintInput.read(path: $0) })
    }
}
