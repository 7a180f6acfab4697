// Integrity rules: keys and files that are damaged or inconsistent, from the decoded model and from
// the observations decoders record while reading (so lint never parses a file twice). Every
// ObservationCode maps to one rule in `rule(for:)`; a new code must be placed there.

enum IntegrityRules {
    static let offCurve = LintRule(
        id: "ec-point-off-curve", category: .integrity, severity: .error,
        title: "EC public point not on its curve",
        rationale: "A point off the curve is no valid public key; using it in ECDH or letting peers accept it enables invalid-curve attacks, and ssh refuses it.",
        fix: "the file is corrupt or crafted: restore it from the source, or generate a new key",
        bad: "ecdsa-sha2-nistp256 with Y changed", good: "ssh-keygen -t ecdsa")
    static let explicitCurve = LintRule(
        id: "ec-explicit-parameters", category: .integrity, severity: .error,
        title: "EC key with explicit curve parameters",
        rationale: "Keys that spell out the curve instead of naming it can smuggle in a weak curve or generator (CVE-2020-0601 \"CurveBall\"); SSH only knows named curves.",
        fix: "re-export with a named curve: openssl ec -in FILE -param_enc named_curve -out NEW",
        bad: "openssl ecparam -param_enc explicit", good: "openssl ecparam -name prime256v1")
    static let keyMismatch = LintRule(
        id: "private-key-mismatch", category: .integrity, severity: .error,
        title: "Private half does not match the public half",
        rationale: "A file whose private and public parts disagree (n ≠ p·q, Q ≠ d·G, wrong seed) is corrupt or tampered with: signatures made with it fail or fault-leak the key.",
        fix: "restore the key from a backup, or generate a new one",
        bad: "openssh-key-v1 with another key's public blob", good: "ssh-keygen output")
    static let trailingData = LintRule(
        id: "trailing-data", category: .integrity, severity: .warning,
        title: "Trailing data after the key",
        rationale: "Bytes after the key or its armour are ignored by some tools and refused by others (ssh-keygen, PuTTY), so the file works in one place and not another; they can also be a sign of tampering.",
        fix: "remove everything after the END line (or after the key data)",
        bad: "-----END OPENSSH PRIVATE KEY-----garbage", good: "-----END OPENSSH PRIVATE KEY-----\\n")
    static let crlf = LintRule(
        id: "crlf-damage", category: .integrity, severity: .warning,
        title: "CR LF line endings, stray carriage returns or a missing final newline",
        rationale: "Files copied through Windows tools gain CR characters, and editors or copy-and-paste drop the final newline; OpenSSH refuses some of them (\"invalid format\": an openssh-key-v1 file with CR LF or without its final newline) and PuTTY others.",
        fix: "convert the line endings: dos2unix FILE (or tr -d '\\r'), and end the file with a newline",
        bad: "\"-----BEGIN OPENSSH PRIVATE KEY-----\\r\\n\"", good: "\"-----BEGIN OPENSSH PRIVATE KEY-----\\n\"")
    static let irregular = LintRule(
        id: "format-irregularity", category: .integrity, severity: .info,
        title: "Format irregularity noticed while decoding",
        rationale: "The file decodes, but not in the canonical way (non-minimal integers, unusual line width, ...); strict tools may refuse it.",
        fix: "re-encode the key with keyport convert or the tool that made it",
        bad: "mpint with a needless leading zero", good: "canonical encoding")
    static let unreadable = LintRule(
        id: "unreadable-key", category: .integrity, severity: .error,
        title: "Key that cannot be read",
        rationale: "A damaged line in authorized_keys or known_hosts is skipped by sshd and ssh without a word, so the access or host check it was meant for silently does not exist; a damaged key file cannot be used at all.",
        fix: "fix or remove the damaged key; keyport inspect FILE shows what is wrong",
        bad: "ssh-ed25519 AAAA(truncated)", good: "a complete key line")

    static let certificateSignature = LintRule(
        id: "certificate-signature-invalid", category: .integrity, severity: .error,
        title: "Certificate signature does not verify",
        rationale: "An OpenSSH certificate whose signature does not verify against the CA key inside it was altered after signing or never signed by that CA; sshd and ssh refuse it (ssh-keygen -l calls it not a public key file), so the access it should grant silently does not exist.",
        fix: "sign the key again with the CA: ssh-keygen -s CA_KEY -I ID [-n PRINCIPALS] KEY.pub",
        bad: "a certificate whose key id was edited", good: "ssh-keygen -s ca -I id key.pub")

    static let pastedRepaired = LintRule(
        id: "pasted-key-repaired", category: .integrity, severity: .warning,
        title: "Key damaged by copy and paste (repaired to read it)",
        rationale: "A key pasted through Notepad, an e-mail client, a terminal, YAML, Markdown or a CI secret gains a byte-order mark, CR characters, indentation or line breaks, or loses its line breaks. keyport undoes such damage when the key inside decodes and verifies, but ssh, sshd, ssh-keygen and PuTTY refuse the file (sshd skips such authorized_keys lines without a word).",
        fix: "write the key out again as its tool writes it: keyport convert --to openssh FILE -o NEW (add --public for a public key; --to ppk for PuTTY), and paste keys with their line breaks, unindented",
        bad: "a .pub line wrapped over three lines", good: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAA… user@host on one line")

    static let rules = [offCurve, explicitCurve, keyMismatch, certificateSignature, trailingData, crlf, irregular, unreadable, pastedRepaired]

    static func check(_ doc: KeyDocument, line: Int?, context: inout LintContext) {
        if let key = doc.publicKey {
            switch key.parts {
            case let .ecdsa(point), let .securityKeyECDSA(point, _):
                if context.enabled(offCurve), !ecPointIsOnCurve(algorithm: key.algorithm, point: point) {
                    context.report(offCurve, line: line, "the \(key.algorithm.curveName ?? "EC") public point is not on the curve")
                }
            default: break
            }
            if let cert = key.certificate, context.enabled(certificateSignature), case let .invalid(why) = cert.signatureStatus {
                context.report(certificateSignature, line: line, "the certificate signature (\(cert.signatureAlgorithm) by \(cert.signatureKey.fingerprint(.sha256))) is invalid: \(why)")
            }
        }
        if let privateKey = doc.privateKey, context.enabled(keyMismatch) {
            do {
                try privateKey.validate()
            } catch let error as KeyportError {
                context.report(keyMismatch, line: line, error.description)
            } catch {
                context.report(keyMismatch, line: line, "the private key could not be checked")
            }
        }
        for observation in doc.observations {
            context.report(rule(for: observation.code), line: line, observation.message)
        }
        // RFC 4716 text as the whole of an authorized_keys file reads as a key file, but sshd skips it.
        if doc.format == .rfc4716, context.isAuthorizedKeys, context.enabled(pastedRepaired),
           !doc.observations.contains(where: { $0.code == .pastedRepair }) {
            context.report(pastedRepaired, line: line, "RFC 4716 text in an authorized_keys file, which sshd skips: the key grants no access",
                           fix: "replace it with its OpenSSH line: keyport convert --to openssh FILE (ssh-keygen -i -f FILE)")
        }
    }

    /// The rule that reports an observation.
    static func rule(for code: ObservationCode) -> LintRule {
        switch code {
        case .explicitCurve: return explicitCurve
        case .trailingData, .ppkTrailingData: return trailingData
        case .crlf, .noFinalNewline, .ppkCRLF: return crlf
        case .pastedRepair: return pastedRepaired
        case .leadingText, .lineWidth, .severalKeys, .nonMinimalInteger, .ppkLeadingWhitespace, .ppkCommentEncoding,
             .ppkMACUppercase, .ppkLineWidth, .rfc4716LongLine:
            return irregular
        }
    }

    /// A file or line that did not decode: SSH-1 and PPK v1 are policy findings, a private half the
    /// decoder found not to match its public half (readers check every key they open) is
    /// private-key-mismatch; anything else is an unreadable key.
    static func checkReadFailure(_ error: KeyportError, line: Int?, context: inout LintContext) {
        let message = error.description
        let kind = error.kind
        if case .keyMismatch = error {
            context.report(keyMismatch, line: line, message)
            return
        }
        if case let .privateKeyExposed(what) = error {
            context.report(ProtectionRules.exposed, line: line, what)
            return
        }
        // A whole file's first bytes (not an error's text) also tell SSH-1 and PPK v1 apart: an SSH-1
        // public line (`bits e n comment`) alone in a file reads as unrecognised text.
        let head = line == nil ? context.input.head ?? [] : []
        let trimmedHead = head.drop(while: { $0 == 0x20 || (0x09...0x0D).contains($0) })
        let firstLine = trimmedHead.prefix { $0 != 0x0a }
        if kind == .unsupported(.ssh1) || trimmedHead.starts(with: Array("SSH PRIVATE KEY FILE FORMAT 1.1".utf8))
            || OpenSSHPublicFormat.isSSH1(Array(firstLine)[...]) {
            context.report(PolicyRules.ssh1, line: line, kind == .unsupported(.ssh1) ? message : "SSH-1 key: \(message)")
        } else if kind == .unsupported(.ppkVersion1) || trimmedHead.starts(with: Array("PuTTY-User-Key-File-1:".utf8)) {
            context.report(PolicyRules.ppkV1, line: line, kind == .unsupported(.ppkVersion1) ? message : "PuTTY key file version 1: \(message)")
        } else {
            context.report(unreadable, line: line, message)
        }
    }
}
