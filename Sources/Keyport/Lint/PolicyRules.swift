// Policy rules: algorithms and sizes the policy does not accept.

enum PolicyRules {
    static let rsaTooShort = LintRule(
        id: "rsa-too-short", category: .policy, severity: .error,
        title: "RSA key shorter than the policy minimum",
        rationale: "RSA moduli below 2048 bits are within reach of well-funded factoring efforts (RSA-768 was factored in 2009) and are refused by current OpenSSH (RequiredRSASize, default 1024) and by NIST SP 800-131A.",
        fix: "generate a new key: ssh-keygen -t ed25519 (or -t rsa -b 3072), then replace the old one everywhere it is authorized",
        bad: "ssh-keygen -t rsa -b 1024", good: "ssh-keygen -t rsa -b 3072",
        reference: "NIST SP 800-131A Rev. 2; ssh_config(5) RequiredRSASize")
    static let dsa = LintRule(
        id: "dsa", category: .policy, severity: .error,
        title: "DSA key",
        rationale: "OpenSSH disabled ssh-dss by default in 7.0 and removed DSA support in 9.8; DSA keys are fixed at 1024 bits and a single biased nonce reveals the private key.",
        fix: "replace it with an Ed25519 key: ssh-keygen -t ed25519",
        bad: "ssh-keygen -t dsa", good: "ssh-keygen -t ed25519",
        reference: "OpenSSH 9.8 release notes")
    static let rsaExponentInvalid = LintRule(
        id: "rsa-exponent-invalid", category: .policy, severity: .error,
        title: "RSA public exponent outside 2^16 < e < 2^256 or even",
        rationale: "FIPS 186-5 requires an odd e with 2^16 < e < 2^256. e = 1 is no encryption at all, an even e cannot be inverted, and small exponents such as 3 invite low-exponent attacks on careless padding (Bleichenbacher 2006 signature forgery, Coppersmith).",
        fix: "generate a new key with the standard exponent 65537 (every current tool's default)",
        bad: "e = 3", good: "e = 65537",
        reference: "FIPS 186-5 §A.1.1")
    static let rsaExponentUnusual = LintRule(
        id: "rsa-exponent-unusual", category: .policy, severity: .info,
        title: "RSA public exponent other than 65537",
        rationale: "Exponents in range are valid but unusual; some implementations handle only 65537, and an odd exponent can point at a hand-made or non-standard key generator.",
        fix: "nothing is required; prefer e = 65537 when the key is next rotated",
        bad: "e = 65539", good: "e = 65537")
    static let ecdsaCurve = LintRule(
        id: "ecdsa-curve-not-allowed", category: .policy, severity: .error,
        title: "ECDSA curve not allowed by the policy",
        rationale: "The policy restricts which NIST curves are acceptable (for example only P-384 for CNSA).",
        fix: "generate a key on an allowed curve (ssh-keygen -t ecdsa -b 384) or an Ed25519 key",
        bad: "nistp256 with allow-curves = nistp384", good: "nistp384 with allow-curves = nistp384")
    static let ssh1 = LintRule(
        id: "ssh1-key", category: .policy, severity: .error,
        title: "SSH protocol 1 key",
        rationale: "SSH-1 is broken (CRC-32 integrity, session-key attacks) and OpenSSH removed it in 7.6; its key files use weak encryption.",
        fix: "generate a new SSH-2 key: ssh-keygen -t ed25519",
        bad: "SSH PRIVATE KEY FILE FORMAT 1.1", good: "openssh-key-v1 file")
    static let ppkV1 = LintRule(
        id: "ppk-v1", category: .policy, severity: .error,
        title: "PuTTY key file version 1",
        rationale: "PPK v1 files (PuTTY before 0.52) use an unkeyed SHA-1 checksum instead of a MAC and weak key derivation; current PuTTY no longer writes them.",
        fix: "load and save the key with current puttygen (puttygen key.ppk -o new.ppk), which writes PPK v3",
        bad: "PuTTY-User-Key-File-1: ssh-rsa", good: "PuTTY-User-Key-File-3: ssh-ed25519")

    static let rules = [rsaTooShort, dsa, rsaExponentInvalid, rsaExponentUnusual, ecdsaCurve, ssh1, ppkV1]

    static func check(_ doc: KeyDocument, line: Int?, context: inout LintContext) {
        // SSH-1 keys and PPK v1 files never decode; they come to lint as read failures
        // (IntegrityRules.checkReadFailure), which report these two rules.
        guard let key = doc.publicKey else { return }
        switch key.parts {
        case let .rsa(e, n):
            let bits = PublicKey.bitLength(n)
            if bits < context.policy.minRSABits {
                context.report(rsaTooShort, line: line, "RSA key of \(bits) bits is below the minimum of \(context.policy.minRSABits)")
            }
            checkExponent(e, line: line, context: &context)
        case .dsa:
            context.report(dsa, line: line, "DSA key (\(key.bits) bits): ssh-dss is deprecated and removed from OpenSSH 9.8")
        case .ecdsa, .securityKeyECDSA:
            if let curve = key.algorithm.curveName, !context.policy.allowedCurves.contains(curve) {
                let allowed = context.policy.allowedCurves.sorted().joined(separator: ", ")
                context.report(ecdsaCurve, line: line, "ECDSA key on \(curve), which the policy does not allow (allowed: \(allowed.isEmpty ? "none" : allowed))")
            }
        default:
            break
        }
    }

    /// FIPS 186-5: odd e, 2^16 < e < 2^256.
    static func checkExponent(_ e: [UInt8], line: Int?, context: inout LintContext) {
        let bits = PublicKey.bitLength(e)
        let small: UInt64? = bits <= 64 ? e.reduce(UInt64(0)) { $0 << 8 | UInt64($1) } : nil
        let shown = small.map(String.init) ?? "a \(bits)-bit value"
        if let small, small <= 65536 {
            let why = small == 1 ? "e = 1 leaves messages unencrypted" : small % 2 == 0 ? "an even exponent cannot be inverted" : "a small exponent invites low-exponent attacks"
            context.report(rsaExponentInvalid, line: line, "RSA public exponent e = \(shown) is at most 65536 (\(why))")
        } else if e.last.map({ $0 & 1 == 0 }) ?? true {
            context.report(rsaExponentInvalid, line: line, "RSA public exponent e = \(shown) is even")
        } else if bits > 256 {
            context.report(rsaExponentInvalid, line: line, "RSA public exponent is \(shown), at least 2^256 (FIPS 186-5 wants e < 2^256)")
        } else if small != 65537 {
            context.report(rsaExponentUnusual, line: line, "RSA public exponent e = \(shown) instead of the usual 65537")
        }
    }
}
