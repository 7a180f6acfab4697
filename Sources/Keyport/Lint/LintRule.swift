// Lint rules as data. Each rule is one `LintRule` value with a stable kebab-case id; the check that
// raises it lives in the category file next to its description (PolicyRules, ProtectionRules,
// HygieneRules, IntegrityRules, WeakKeyRules). `LintRegistry.all` is the one flat list that
// `--list-rules`, `--explain ID`, SARIF rule metadata and the policy file's rule names read.

/// How bad a finding is. Ordered: info < warning < error.
public enum Severity: String, Sendable, CaseIterable, Codable, Comparable {
    /// In increasing order of severity.
    case info, warning, error

    /// Orders `info < warning < error`.
    public static func < (a: Severity, b: Severity) -> Bool { a.rank < b.rank }
    private var rank: Int {
        switch self {
        case .info: return 0
        case .warning: return 1
        case .error: return 2
        }
    }

    /// The SARIF 2.1.0 `level` for this severity.
    public var sarifLevel: String {
        switch self {
        case .info: return "note"
        case .warning: return "warning"
        case .error: return "error"
        }
    }
}

/// The group a rule belongs to (also the file its check lives in).
public enum RuleCategory: String, Sendable, CaseIterable, Codable {
    /// Key policy (sizes, curves), protection at rest, file hygiene, integrity of the file, known weak keys.
    case policy, protection, hygiene, integrity, weakKey = "weak-key"
}

/// The static description of one rule.
public struct LintRule: Sendable, Hashable, Identifiable {
    /// Stable kebab-case id, as used by `--explain`, policy files and output.
    public let id: String
    /// The group the rule belongs to.
    public let category: RuleCategory
    /// Default severity (a policy may override it).
    public let severity: Severity
    /// One line, for `--list-rules` and SARIF `shortDescription`.
    public let title: String
    /// Why it matters, for `--explain` and SARIF `fullDescription`.
    public let rationale: String
    /// What to do about it; also the `fix` of every finding this rule raises unless the finding says
    /// something more specific.
    public let fix: String
    /// A short example that triggers the rule and one that does not (documentation; the tests build
    /// real inputs of both kinds).
    public let badExample: String
    /// An example that passes the rule.
    public let goodExample: String
    /// Where the rule comes from (CVE, paper, manual page), if anywhere.
    public let reference: String?

    /// Describes a rule; used by the rule tables.
    public init(id: String, category: RuleCategory, severity: Severity, title: String, rationale: String,
                fix: String, bad: String, good: String, reference: String? = nil) {
        self.id = id
        self.category = category
        self.severity = severity
        self.title = title
        self.rationale = rationale
        self.fix = fix
        self.badExample = bad
        self.goodExample = good
        self.reference = reference
    }

    /// Rules are equal when their ids are.
    public static func == (a: LintRule, b: LintRule) -> Bool { a.id == b.id }
    /// Hashes the id.
    public func hash(into hasher: inout Hasher) { hasher.combine(id) }

    /// The multi-line text `keyport lint --explain ID` prints.
    public var explanation: String {
        var text = "\(id) (\(severity.rawValue), \(category.rawValue)): \(title)\n\n\(rationale)\n\nFix: \(fix)\n"
        text += "\nTriggers on:  \(badExample)\nPasses:       \(goodExample)\n"
        if let reference { text += "\nReference: \(reference)\n" }
        return text
    }
}

/// Every rule, in a stable order (category, then as written).
public enum LintRegistry {
    /// Every rule keyport has.
    public static let all: [LintRule] = PolicyRules.rules + ProtectionRules.rules + HygieneRules.rules
        + IntegrityRules.rules + WeakKeyRules.rules

    private static let byID: [String: LintRule] = Dictionary(all.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })

    /// The rule with this id, or nil.
    public static func rule(_ id: String) -> LintRule? { byID[id] }

    /// `--list-rules` text: one line per rule, `id  severity  title`.
    public static var listing: String {
        let width = all.map(\.id.count).max() ?? 0
        func pad(_ s: String, _ n: Int) -> String { s + String(repeating: " ", count: max(0, n - s.count)) }
        return all.map { pad($0.id, width) + "  " + pad($0.severity.rawValue, 7) + "  " + $0.title }
            .joined(separator: "\n") + "\n"
    }
}

/// One problem found in one file.
public struct Finding: Sendable, Equatable, Hashable, Codable {
    /// The file as the user named it.
    public var file: String
    /// 1-based line for line-oriented files, else nil.
    public var line: Int?
    /// The id of the rule that found it.
    public var ruleID: String
    /// Severity after the policy's overrides.
    public var severity: Severity
    /// What is wrong, naming the key (type, bits, fingerprint) where it helps.
    public var message: String
    /// What to do about it.
    public var fix: String

    /// A finding with every field given.
    public init(file: String, line: Int?, ruleID: String, severity: Severity, message: String, fix: String) {
        self.file = file
        self.line = line
        self.ruleID = ruleID
        self.severity = severity
        self.message = message
        self.fix = fix
    }
}
