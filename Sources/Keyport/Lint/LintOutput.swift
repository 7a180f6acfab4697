// Lint output as text: one line per finding (text), one JSON object per line (json), or a SARIF
// 2.1.0 log (https://docs.oasis-open.org/sarif/sarif/v2.1.0/sarif-v2.1.0.html) for code-scanning
// UIs. Pure functions returning strings; the CLI writes them.

/// Renders lint findings for people (text), for scripts (JSON lines) and for code-scanning UIs (SARIF).
public enum LintOutput {
    /// `FILE[:LINE]: severity rule-id: message — fix`, one per line.
    ///
    /// - Parameter severityStyle: how to write the severity word; the CLI passes a closure that
    ///   colours it on a terminal. The default writes the plain name.
    public static func text(_ findings: [Finding], severityStyle: (Severity) -> String = { $0.rawValue }) -> String {
        findings.map { f in
            // File names met while walking and messages quoting a key's fields come from input.
            "\(SafeText.escape(FileIO.displayName(f.file)))\(f.line.map { ":\($0)" } ?? ""): \(severityStyle(f.severity)) \(f.ruleID): \(SafeText.escape(f.message)) — \(SafeText.escape(f.fix))\n"
        }.joined()
    }

    /// One JSON object per finding per line: file, line (null when none), rule, severity, message, fix.
    public static func jsonLines(_ findings: [Finding]) -> String {
        findings.map { f in
            JSON.object([
                ("file", .string(f.file)), ("line", f.line.map { .int($0) } ?? .null), ("rule", .string(f.ruleID)),
                ("severity", .string(f.severity.rawValue)), ("message", .string(f.message)), ("fix", .string(f.fix)),
            ]).serialized + "\n"
        }.joined()
    }

    /// A SARIF 2.1.0 log with one run: the driver lists every rule of the registry (with the
    /// severity the policy gives it), each result points at its file and line.
    public static func sarif(_ findings: [Finding], policy: Policy = Policy(), toolVersion: String = KeyportVersion.current) -> String {
        sarifLog(findings.map { ($0, nil) }, policy: policy, toolVersion: toolVersion, invocation: nil)
    }

    /// The SARIF log of a whole run: each result carries its key (`type`, `bits`, `sha256`,
    /// `spki_sha256` in its `properties`), and one invocation says whether the run checked everything
    /// (`executionSuccessful`), names each path it could not read or unlock in
    /// `toolExecutionNotifications`, and holds the run's counts in `properties.summary`.
    public static func sarif(_ keys: [LintedKey], summary: LintSummary, problems: [(path: String, message: String)],
                             policy: Policy = Policy(), toolVersion: String = KeyportVersion.current) -> String {
        let notifications: [JSON] = problems.map { problem in
            .object([
                ("level", .string("error")),
                ("message", .object([("text", .string(problem.message))])),
                ("locations", .array([.object([("physicalLocation", .object([
                    ("artifactLocation", .object([("uri", .string(artifactURI(problem.path)))])),
                ]))])])),
            ])
        }
        let invocation = JSON.object([
            ("executionSuccessful", .bool(problems.isEmpty && summary.keys > 0)),
            ("toolExecutionNotifications", .array(notifications)),
            ("properties", .object([("summary", summaryObject(summary))])),
        ])
        // Only a place holding a key names one (a damaged line's results have no properties).
        let results = keys.flatMap { key in key.findings.map { ($0, key.key != nil || key.listed != nil ? key : nil) } }
        return sarifLog(results, policy: policy, toolVersion: toolVersion, invocation: invocation)
    }

    private static func sarifLog(_ findings: [(Finding, LintedKey?)], policy: Policy, toolVersion: String, invocation: JSON?) -> String {
        let rules = LintRegistry.all
        let ruleIndex = Dictionary(rules.enumerated().map { ($1.id, $0) }, uniquingKeysWith: { a, _ in a })
        let ruleObjects: [JSON] = rules.map { rule in
            var properties: [(String, JSON)] = [("category", .string(rule.category.rawValue))]
            if let reference = rule.reference { properties.append(("reference", .string(reference))) }
            return .object([
                ("id", .string(rule.id)),
                ("name", .string(rule.id)),
                ("shortDescription", .object([("text", .string(rule.title))])),
                ("fullDescription", .object([("text", .string(rule.rationale))])),
                ("help", .object([("text", .string("\(rule.rationale)\n\nFix: \(rule.fix)"))])),
                ("defaultConfiguration", .object([
                    ("level", .string((policy.severityOverrides[rule.id] ?? rule.severity).sarifLevel)),
                    ("enabled", .bool(policy.isEnabled(rule))),
                ])),
                ("properties", .object(properties)),
            ])
        }
        let results: [JSON] = findings.map { f, key in
            var region: [(String, JSON)] = []
            if let line = f.line, line > 0 { region.append(("startLine", .int(line))) }
            var physical: [(String, JSON)] = [("artifactLocation", .object([("uri", .string(artifactURI(f.file)))]))]
            if !region.isEmpty { physical.append(("region", .object(region))) }
            var result: [(String, JSON)] = [("ruleId", .string(f.ruleID))]
            if let index = ruleIndex[f.ruleID] { result.append(("ruleIndex", .int(index))) }
            result += [
                ("level", .string(f.severity.sarifLevel)),
                ("message", .object([("text", .string("\(f.message) — \(f.fix)"))])),
                ("locations", .array([.object([("physicalLocation", .object(physical))])])),
            ]
            if let key { result.append(("properties", .object(keyFields(key)))) }
            return .object(result)
        }
        let log = JSON.object([
            ("$schema", .string("https://json.schemastore.org/sarif-2.1.0.json")),
            ("version", .string("2.1.0")),
            ("runs", .array([.object([
                ("tool", .object([("driver", .object([
                    ("name", .string("keyport")),
                    ("version", .string(toolVersion)),
                    ("informationUri", .string("https://github.com/keyport/keyport")),
                    ("rules", .array(ruleObjects)),
                ]))])),
                ("results", .array(results)),
            ] + (invocation.map { [("invocations", .array([$0]))] } ?? []))])),
        ])
        return log.serialized + "\n"
    }

    /// A relative URI reference for a path (SARIF §3.10): percent-encodes what is not allowed
    /// unescaped; `-` (stdin) stays as it is.
    static func artifactURI(_ path: String) -> String {
        var out = ""
        for byte in path.utf8 {
            let c = Character(Unicode.Scalar(byte))
            if (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5a) || (byte >= 0x61 && byte <= 0x7a)
                || "-._~/".contains(c) {
                out.append(c)
            } else {
                out += "%" + String(byte >> 4, radix: 16, uppercase: true) + String(byte & 0xf, radix: 16, uppercase: true)
            }
        }
        return path.hasPrefix("/") ? "file://" + out : out
    }
}

/// A minimal JSON value with deterministic (insertion-ordered) objects and correct escaping.
enum JSON {
    case null
    case bool(Bool)
    case int(Int)
    case string(String)
    case array([JSON])
    case object([(String, JSON)])

    var serialized: String {
        var out = ""
        write(into: &out)
        return out
    }

    func write(into out: inout String) {
        switch self {
        case .null: out += "null"
        case let .bool(b): out += b ? "true" : "false"
        case let .int(i): out += String(i)
        case let .string(s): JSON.escape(s, into: &out)
        case let .array(items):
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += "," }
                item.write(into: &out)
            }
            out += "]"
        case let .object(members):
            out += "{"
            for (i, (key, value)) in members.enumerated() {
                if i > 0 { out += "," }
                JSON.escape(key, into: &out)
                out += ":"
                value.write(into: &out)
            }
            out += "}"
        }
    }

    /// RFC 8259 §7: quote, backslash and control characters (C0, DEL, C1) escaped; everything else as UTF-8.
    static func escape(_ s: String, into out: inout String) {
        out += "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            default:
                // DEL and the C1 controls too (legal raw in JSON, but obeyed by some terminals).
                if SafeText.isControl(scalar) || scalar.value == 0x2028 || scalar.value == 0x2029 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        out += "\""
    }
}

extension LintOutput {
    /// A string as a JSON string literal (RFC 8259 §7), for the command-line tool's JSON lines.
    public static func jsonQuote(_ text: String) -> String {
        var out = ""
        JSON.escape(text, into: &out)
        return out
    }
}
