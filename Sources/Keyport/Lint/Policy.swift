// Lint policy (thresholds, allowed curves, which rules run and how severe they are) and the finding
// type every rule produces.

/// What lint enforces. The defaults follow current OpenSSH and NIST guidance; every field can be set
/// from a policy file (see `Policy.parse`) or, by the CLI, from flags.
///
/// Policy file format (`keyport lint --policy FILE`): UTF-8 text, one `key = value` per line; blank
/// lines and lines starting with `#` are ignored; keys are case-insensitive; unknown keys and bad
/// values are errors that name the line. Keys:
///
///     min-rsa-bits = 2048            # RSA moduli shorter than this raise rsa-too-short
///     allow-curves = nistp256, nistp384, nistp521   # ECDSA curves allowed (ecdsa-curve-not-allowed)
///     fail-on = error                # error | warning | info: the lowest severity that fails the run
///     fermat-steps = 100             # steps of the bounded Fermat factorisation (0 turns it off)
///     min-bcrypt-rounds = 16         # openssh-key-v1 bcrypt_pbkdf rounds below this are weak
///     min-argon2-memory = 8192       # PPK v3 Argon2 memory in KiB below this is weak
///     disable = comment-not-email, comment-missing   # rule ids that do not run (repeatable)
///     severity.RULE-ID = warning     # change one rule's severity
public struct Policy: Sendable, Equatable {
    /// Smallest acceptable RSA modulus in bits (default 2048).
    public var minRSABits: Int = 2048
    /// Curve identifiers as in SSH blobs (`nistp256`, `nistp384`, `nistp521`).
    public var allowedCurves: Set<String> = ["nistp256", "nistp384", "nistp521"]
    /// Findings at or above this severity make the run fail (exit 1).
    public var failOn: Severity = .error
    /// Fermat factorisation steps tried per RSA key (catches primes too close together).
    public var fermatSteps: Int = 100
    /// Smallest acceptable bcrypt_pbkdf rounds for openssh-key-v1 files.
    public var minBcryptRounds: Int = 16
    /// KiB.
    public var minArgon2Memory: Int = 8192
    /// Rule ids that do not run.
    public var disabledRules: Set<String> = []
    /// Per-rule severities replacing the defaults, by rule id.
    public var severityOverrides: [String: Severity] = [:]

    /// The default policy.
    public init() {}

    /// The severity findings of `rule` get under this policy, or nil when the rule is disabled.
    public func severity(of rule: LintRule) -> Severity? {
        if disabledRules.contains(rule.id) { return nil }
        return severityOverrides[rule.id] ?? rule.severity
    }

    /// False when the rule is disabled.
    public func isEnabled(_ rule: LintRule) -> Bool { !disabledRules.contains(rule.id) }

    /// Does this set of findings fail the run?
    public func fails(_ findings: [Finding]) -> Bool { findings.contains { $0.severity >= failOn } }

    /// Parses a policy file (format above), starting from the defaults.
    public static func parse(_ text: String) throws -> Policy {
        var policy = Policy()
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            try policy.apply(line: String(rawLine), number: index + 1)
        }
        return policy
    }

    /// Applies one `key = value` setting (also what the CLI can use for flags).
    public mutating func set(_ key: String, _ value: String) throws {
        try apply(key: key.lowercased(), value: value, where: "policy")
    }

    private mutating func apply(line raw: String, number: Int) throws {
        let line = String(raw.trimmingBlanks())
        if line.isEmpty || line.hasPrefix("#") { return }
        guard let eq = line.firstIndex(of: "=") else {
            throw KeyportError.usage("policy line \(number): expected key = value, got \"\(PublicKey.printable(line))\"")
        }
        let key = line[..<eq].trimmingBlanks().lowercased()
        let value = String(line[line.index(after: eq)...].trimmingBlanks())
        try apply(key: key, value: value, where: "policy line \(number)")
    }

    private mutating func apply(key: String, value: String, where place: String) throws {
        func integer(min: Int) throws -> Int {
            guard let n = Int(value), n >= min else {
                throw KeyportError.usage("\(place): \(key) needs a whole number of at least \(min), got \"\(PublicKey.printable(value))\"")
            }
            return n
        }
        func severity(_ text: String) throws -> Severity {
            guard let s = Severity(rawValue: text.lowercased()) else {
                throw KeyportError.usage("\(place): severity must be error, warning or info, got \"\(PublicKey.printable(text))\"")
            }
            return s
        }
        func list() -> [String] { value.split(separator: ",").map { String($0.trimmingBlanks()) }.filter { !$0.isEmpty } }
        func knownRule(_ id: String) throws -> String {
            guard LintRegistry.rule(id) != nil else {
                throw KeyportError.usage("\(place): unknown rule \"\(PublicKey.printable(id))\" (see --list-rules)")
            }
            return id
        }
        switch key {
        case "min-rsa-bits": minRSABits = try integer(min: 0)
        case "allow-curves", "allow":
            let curves = list()
            for curve in curves where KeyAlgorithm.ecdsa(curve: curve) == nil {
                throw KeyportError.usage("\(place): unknown curve \"\(PublicKey.printable(curve))\" (nistp256, nistp384, nistp521)")
            }
            allowedCurves = Set(curves)
        case "fail-on": failOn = try severity(value)
        case "fermat-steps": fermatSteps = try integer(min: 0)
        case "min-bcrypt-rounds": minBcryptRounds = try integer(min: 0)
        case "min-argon2-memory": minArgon2Memory = try integer(min: 0)
        case "disable":
            for id in list() { disabledRules.insert(try knownRule(id)) }
        default:
            if key.hasPrefix("severity.") {
                let id = try knownRule(String(key.dropFirst("severity.".count)))
                severityOverrides[id] = try severity(value)
            } else {
                throw KeyportError.usage("\(place): unknown setting \"\(PublicKey.printable(key))\"")
            }
        }
    }
}
