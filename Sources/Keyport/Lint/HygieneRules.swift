// Hygiene rules: comments, authorized_keys content, and certificate validity.

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

package enum HygieneRules {
    static let commentMissing = LintRule(
        id: "comment-missing", category: .hygiene, severity: .warning,
        title: "Key without a comment",
        rationale: "Without a comment nobody can tell whose key a line in authorized_keys is, or when it can be removed. Many hosting providers ask for an email address.",
        fix: "set a comment: keyport comment -C you@example.com FILE (ssh-keygen -c -C you@example.com -f FILE, puttygen FILE -C you@example.com -o FILE), or edit the .pub / authorized_keys line",
        bad: "ssh-ed25519 AAAA…", good: "ssh-ed25519 AAAA… alice@example.com")
    static let commentNotEmail = LintRule(
        id: "comment-not-email", category: .hygiene, severity: .warning,
        title: "Key comment is not an email address",
        rationale: "An email address names the owner and a way to reach them; user@host comments from ssh-keygen's default say neither once the host is gone.",
        fix: "set the comment to the owner's email address: keyport comment -C you@example.com FILE (ssh-keygen -c -C you@example.com -f FILE)",
        bad: "ssh-ed25519 AAAA… alice@laptop", good: "ssh-ed25519 AAAA… alice@example.com")
    static let duplicateKey = LintRule(
        id: "duplicate-authorized-key", category: .hygiene, severity: .warning,
        title: "The same key twice in one authorized_keys file",
        rationale: "sshd accepts the key through whichever line matches first, so when one copy carries a from= or command= restriction and another does not, the restriction does nothing (reported as an error). Identical copies are only clutter.",
        fix: "keep one line per key, with the restrictions you intend",
        bad: "command=\"backup\" ssh-ed25519 AAAA…K\\nssh-ed25519 AAAA…K", good: "command=\"backup\" ssh-ed25519 AAAA…K",
        reference: "sshd(8) AUTHORIZED_KEYS FILE FORMAT")
    static let badOption = LintRule(
        id: "authorized-keys-bad-option", category: .hygiene, severity: .error,
        title: "Unknown or malformed authorized_keys option",
        rationale: "sshd rejects a line whose options it cannot parse, so the key silently stops working (or a misspelt restriction was never in force).",
        fix: "correct the option to one sshd(8) documents, or remove it",
        bad: "no-port-forward ssh-ed25519 AAAA…", good: "no-port-forwarding ssh-ed25519 AAAA…",
        reference: "sshd(8) AUTHORIZED_KEYS FILE FORMAT")
    static let expiryTimePassed = LintRule(
        id: "expiry-time-passed", category: .hygiene, severity: .warning,
        title: "authorized_keys expiry-time in the past",
        rationale: "sshd no longer accepts the key; the line is dead weight and hides which access is really granted.",
        fix: "remove the line, or renew the access with a new expiry-time",
        bad: "expiry-time=\"20200101\" ssh-ed25519 AAAA…", good: "expiry-time=\"20991231\" ssh-ed25519 AAAA…")
    static let certificateExpired = LintRule(
        id: "certificate-expired", category: .hygiene, severity: .error,
        title: "Certificate expired",
        rationale: "sshd and ssh refuse a certificate outside its validity interval.",
        fix: "have the CA sign a new certificate: ssh-keygen -s CA -I ID -V +52w KEY.pub",
        bad: "Valid: from 2020-01-01 to 2021-01-01", good: "Valid: from 2024-01-01 to 2099-01-01")
    static let certificateNotYetValid = LintRule(
        id: "certificate-not-yet-valid", category: .hygiene, severity: .warning,
        title: "Certificate not yet valid",
        rationale: "sshd and ssh refuse a certificate before its valid-after time; often a clock or -V mistake.",
        fix: "check the -V interval the CA used, or wait until it starts",
        bad: "Valid: from 2099-01-01", good: "Valid: from 2024-01-01")
    static let certificateSHA1 = LintRule(
        id: "certificate-sha1-signature", category: .hygiene, severity: .error,
        title: "Certificate signed with ssh-rsa (SHA-1)",
        rationale: "SHA-1 signatures are forgeable with chosen-prefix collisions (SHA-1 is a Shambles, 2020); OpenSSH 8.2 and later refuse ssh-rsa certificate signatures by default (CASignatureAlgorithms).",
        fix: "re-sign with ssh-keygen -s CA -t rsa-sha2-512 (or an Ed25519 CA)",
        bad: "signature algorithm ssh-rsa", good: "signature algorithm rsa-sha2-512",
        reference: "OpenSSH 8.2 release notes")

    static let rules = [commentMissing, commentNotEmail, duplicateKey, badOption, expiryTimePassed, certificateExpired,
                        certificateNotYetValid, certificateSHA1]

    // MARK: - Per key

    static func check(_ doc: KeyDocument, line: Int?, context: inout LintContext) {
        checkComment(doc, line: line, context: &context)
        if context.isAuthorizedKeys, doc.marker == nil, let optionText = doc.options ?? doc.hosts {
            checkOptions(optionText, line: line, context: &context)
        }
        if let cert = doc.publicKey?.certificate {
            checkCertificate(cert, line: line, context: &context)
        }
    }

    static func checkComment(_ doc: KeyDocument, line: Int?, context: inout LintContext) {
        switch doc.format {
        case .opensshPublic, .authorizedKeys, .ppk, .rfc4716: break
        // The openssh-key-v1 comment is inside the encrypted section.
        case .opensshPrivate where !doc.isLocked: break
        default: return // PEM, DER and known_hosts carry no owner comment
        }
        let comment = String(doc.comment.trimmingBlanks())
        if comment.isEmpty {
            context.report(commentMissing, line: line, "key has no comment")
        } else if !isEmailAddress(comment) {
            context.report(commentNotEmail, line: line, "comment \"\(PublicKey.printable(comment))\" is not an email address")
        }
    }

    /// local@domain.tld with no blanks, one @, a dot in the domain and no empty labels (also what
    /// `generate` checks before it suggests an address as the comment).
    package static func isEmailAddress(_ text: String) -> Bool {
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !text.contains(where: { $0.isWhitespace }) else { return false }
        let labels = parts[1].split(separator: ".", omittingEmptySubsequences: false)
        return labels.count >= 2 && labels.allSatisfy { !$0.isEmpty }
    }

    // MARK: - authorized_keys options

    /// Splits an options token at commas outside double quotes: `[(name, value or nil)]`.
    static func parseOptions(_ text: String) -> [(name: String, value: String?)] {
        var out: [(String, String?)] = []
        var current = ""
        var quoted = false
        var previous: Character = " "
        func flush() {
            if let eq = current.firstIndex(of: "=") {
                var value = String(current[current.index(after: eq)...])
                if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") { value = String(value.dropFirst().dropLast()) }
                out.append((String(current[..<eq]).lowercased(), value))
            } else {
                out.append((current.lowercased(), nil))
            }
            current = ""
        }
        for c in text {
            if c == "\"", previous != "\\" { quoted.toggle() }
            if c == ",", !quoted { flush() } else { current.append(c) }
            previous = c
        }
        flush()
        return out
    }

    /// Options that take a value, and those that must not (sshd auth-options.c).
    static let valueOptions: Set<String> = ["command", "environment", "expiry-time", "from", "permitlisten", "permitopen", "principals", "tunnel"]

    static func checkOptions(_ text: String, line: Int?, context: inout LintContext) {
        for (name, value) in parseOptions(text) {
            guard OpenSSHPublicFormat.optionNames.contains(name) else {
                context.report(badOption, line: line, "unknown authorized_keys option \"\(PublicKey.printable(name))\"; sshd rejects this line")
                continue
            }
            if valueOptions.contains(name) != (value != nil) {
                let need = value == nil ? "needs a value (\(name)=\"…\")" : "takes no value"
                context.report(badOption, line: line, "authorized_keys option \(name) \(need); sshd rejects this line")
                continue
            }
            if name == "expiry-time", let value {
                guard let expiry = parseExpiryTime(value) else {
                    context.report(badOption, line: line, "expiry-time \"\(PublicKey.printable(value))\" is not YYYYMMDD[HHMM[SS]][Z]; sshd rejects this line")
                    continue
                }
                if expiry <= context.now {
                    context.report(expiryTimePassed, line: line, "expiry-time \(value) has passed (\(iso(expiry))); sshd no longer accepts this key")
                }
            }
        }
    }

    /// sshd's parse_absolute_time: YYYYMMDD, YYYYMMDDHHMM or YYYYMMDDHHMMSS, local time, or UTC with
    /// a trailing Z.
    static func parseExpiryTime(_ text: String) -> Date? {
        var digits = Substring(text)
        var zone = TimeZone.current
        if digits.hasSuffix("Z") || digits.hasSuffix("z") {
            digits = digits.dropLast()
            zone = TimeZone(identifier: "UTC") ?? zone
        }
        guard [8, 12, 14].contains(digits.count), digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        let chars = Array(digits)
        func field(_ start: Int, _ length: Int) -> Int? {
            guard start + length <= chars.count else { return 0 }
            return Int(String(chars[start..<start + length]))
        }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        var parts = DateComponents()
        parts.year = field(0, 4); parts.month = field(4, 2); parts.day = field(6, 2)
        parts.hour = field(8, 2); parts.minute = field(10, 2); parts.second = field(12, 2)
        guard let month = parts.month, (1...12).contains(month), let day = parts.day, (1...31).contains(day),
              let hour = parts.hour, hour < 24, let minute = parts.minute, minute < 60, let second = parts.second, second < 61,
              parts.isValidDate(in: calendar) || second == 60 else { return nil }
        return calendar.date(from: parts)
    }

    static func iso(_ date: Date) -> String {
        date.formatted(.iso8601)
    }

    // MARK: - Certificates

    static func checkCertificate(_ cert: Certificate, line: Int?, context: inout LintContext) {
        let now = context.now.timeIntervalSince1970
        let seconds: UInt64 = now <= 0 ? 0 : UInt64(now)
        if seconds >= cert.validBefore {
            context.report(certificateExpired, line: line, "certificate \"\(PublicKey.printable(cert.keyID))\" expired at \(iso(Date(timeIntervalSince1970: Double(cert.validBefore))))")
        } else if seconds < cert.validAfter {
            context.report(certificateNotYetValid, line: line, "certificate \"\(PublicKey.printable(cert.keyID))\" is valid only from \(iso(Date(timeIntervalSince1970: Double(cert.validAfter))))")
        }
        if cert.signatureAlgorithm == "ssh-rsa" {
            context.report(certificateSHA1, line: line, "certificate \"\(PublicKey.printable(cert.keyID))\" is signed with ssh-rsa (RSA/SHA-1)")
        }
    }

    // MARK: - Whole file

    /// The same key on more than one line of an authorized_keys file.
    static func checkFile(_ context: inout LintContext) {
        guard context.isAuthorizedKeys else { return }
        var firstSeen: [UInt64: KeySighting] = [:]
        for sighting in repeatedKeys(context.input) {
            guard let first = firstSeen[sighting.hash] else {
                firstSeen[sighting.hash] = sighting
                continue
            }
            let firstLine = first.line.map { "line \($0)" } ?? "an earlier line"
            var differences: [String] = []
            for (bit, name) in [(UInt8(1), "from"), (2, "command")] where (first.restrictions ^ sighting.restrictions) & bit != 0 {
                differences.append(first.restrictions & bit != 0 ? "\(firstLine) restricts it with \(name)= and this line does not"
                                                                 : "this line restricts it with \(name)= and \(firstLine) does not")
            }
            if differences.isEmpty {
                context.report(duplicateKey, line: sighting.line, "the same key as \(firstLine)")
            } else if context.enabled(duplicateKey) {
                // Mixed restrictions defeat the restriction: an error unless the policy says otherwise.
                let severity = context.policy.severityOverrides[duplicateKey.id] ?? .error
                context.findings.append(Finding(file: context.input.path, line: sighting.line, ruleID: duplicateKey.id,
                                                severity: severity,
                                                message: "the same key as \(firstLine), but \(differences.joined(separator: "; ")): sshd accepts whichever line matches first, so the restriction is not enforced",
                                                fix: "delete the unrestricted copy"))
            }
        }
    }
}
