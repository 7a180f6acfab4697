// Protection rules: how a private key is kept at rest, and file permissions sshd and ssh insist on.

enum ProtectionRules {
    static let unencrypted = LintRule(
        id: "private-key-unencrypted", category: .protection, severity: .warning,
        title: "Private key stored without a passphrase",
        rationale: "Anyone who can read the file (a backup, a stolen laptop, a compromised account) can use the key. Host keys and unattended automation keys are the usual exceptions; disable the rule for those paths.",
        fix: "add a passphrase: keyport passwd FILE (ssh-keygen -p -f FILE, or puttygen FILE -P -o FILE for PPK)",
        bad: "ssh-keygen -N '' -f id_ed25519", good: "ssh-keygen -N 'long passphrase' -f id_ed25519")
    static let legacyPEM = LintRule(
        id: "legacy-pem-encryption", category: .protection, severity: .warning,
        title: "Legacy PEM encryption (MD5 key derivation, DES)",
        rationale: "Traditional PEM encryption (Proc-Type: 4,ENCRYPTED) derives the key with a single MD5 round (EVP_BytesToKey, count 1), so passphrases can be guessed at GPU speed; DES and 3DES ciphers are weaker still.",
        fix: "re-encrypt in the openssh-key-v1 format: ssh-keygen -p -f FILE (writes bcrypt_pbkdf), or PKCS#8 with scrypt",
        bad: "DEK-Info: DES-EDE3-CBC,…", good: "openssh-key-v1 with aes256-ctr and bcrypt")
    static let brokenCipher = LintRule(
        id: "private-key-cipher-broken", category: .protection, severity: .error,
        title: "Private key encrypted with DES, RC2 or RC4",
        rationale: "DES has a 56-bit key, RC2 and RC4 as PKCS#5/PKCS#12 use them 40 to 128 bits with known weaknesses: the encryption can be broken without the passphrase (DES and 40-bit keys by exhaustive search). OpenSSL 3 keeps these ciphers only in its legacy provider.",
        fix: "re-encrypt with a current scheme: ssh-keygen -p -f FILE (openssh-key-v1 with bcrypt), or openssl pkcs8 -topk8 -v2 aes-256-cbc -scrypt",
        bad: "openssl pkcs8 -topk8 -v1 PBE-MD5-DES", good: "openssl pkcs8 -topk8 -v2 aes-256-cbc")
    static let tripleDES = LintRule(
        id: "private-key-cipher-3des", category: .protection, severity: .warning,
        title: "Private key encrypted with triple DES",
        rationale: "3DES has a 64-bit block and an effective strength of 112 bits (80 for two-key 3DES); NIST withdrew it (SP 800-131A rev. 2), and it is slow, which tempts low KDF costs.",
        fix: "re-encrypt with AES: ssh-keygen -p -f FILE, or openssl pkcs8 -topk8 -v2 aes-256-cbc",
        bad: "openssl pkcs8 -topk8 -v1 PBE-SHA1-3DES", good: "openssl pkcs8 -topk8 -v2 aes-256-cbc")
    static let ppkV2 = LintRule(
        id: "ppk-v2-protection", category: .protection, severity: .warning,
        title: "PuTTY key file version 2 encryption",
        rationale: "PPK v2 derives the AES key from the passphrase with two unsalted SHA-1 hashes, so passphrases can be guessed very fast; PPK v3 uses Argon2.",
        fix: "re-save with current puttygen (puttygen FILE -o FILE --ppk-param version=3) or convert to openssh-key-v1",
        bad: "PuTTY-User-Key-File-2 with aes256-cbc", good: "PuTTY-User-Key-File-3 with Argon2id")
    static let bcryptRounds = LintRule(
        id: "bcrypt-rounds-low", category: .protection, severity: .warning,
        title: "Too few bcrypt_pbkdf rounds",
        rationale: "openssh-key-v1 stretches the passphrase with bcrypt_pbkdf; fewer rounds than ssh-keygen's default of 16 make each passphrase guess cheaper.",
        fix: "re-encrypt with more rounds: keyport passwd --kdf-rounds 64 FILE (ssh-keygen -p -a 64 -f FILE)",
        bad: "ssh-keygen -a 4", good: "ssh-keygen -a 16")
    static let argon2Memory = LintRule(
        id: "argon2-memory-low", category: .protection, severity: .warning,
        title: "Too little Argon2 memory in a PPK v3 file",
        rationale: "Argon2's resistance to GPU and ASIC guessing comes from its memory cost; puttygen uses 8192 KiB by default.",
        fix: "re-save with puttygen FILE -o FILE --ppk-param memory=8192 (or more)",
        bad: "Argon2-Memory: 1024", good: "Argon2-Memory: 8192")
    static let filePermissions = LintRule(
        id: "private-key-permissions", category: .protection, severity: .error,
        title: "Private key file readable by group or others",
        rationale: "Other users on the machine can copy the key. ssh refuses such a file (\"UNPROTECTED PRIVATE KEY FILE\") when its mode allows any group or other access.",
        fix: "chmod 600 FILE",
        bad: "mode 0644", good: "mode 0600")
    static let authorizedKeysWritable = LintRule(
        id: "authorized-keys-writable", category: .protection, severity: .error,
        title: "authorized_keys or its directory writable by group or others",
        rationale: "Anyone who can write the file or its directory can add a key and log in as the user. sshd's StrictModes refuses such files, which also locks the owner out.",
        fix: "chmod go-w FILE and its directory (usually chmod 600 ~/.ssh/authorized_keys; chmod 700 ~/.ssh)",
        bad: "mode 0666", good: "mode 0600",
        reference: "sshd_config(5) StrictModes")

    static let exposed = LintRule(
        id: "private-key-exposed", category: .protection, severity: .error,
        title: "Private key where a public key belongs",
        rationale: "authorized_keys files, .pub files and what is piped to public-key tools are shared: copied to servers, committed, pasted into web forms. A private key there is readable by everyone who sees them, and whoever holds it logs in wherever its public key is authorized. \"Never share your private key\" is every hosting provider's first rule.",
        fix: "remove the private key and put its public key there instead (keyport convert --to openssh --public FILE, or ssh-keygen -y -f FILE); treat the key as exposed: generate a new one and replace the old one everywhere it is authorized",
        bad: "cat id_ed25519 >> ~/.ssh/authorized_keys", good: "cat id_ed25519.pub >> ~/.ssh/authorized_keys")

    static let rules = [unencrypted, legacyPEM, brokenCipher, tripleDES, ppkV2, bcryptRounds, argon2Memory, filePermissions, authorizedKeysWritable, exposed]

    static func checkFile(_ context: inout LintContext) {
        let input = context.input
        if let mode = input.mode, context.holdsPrivateKey, mode & 0o077 != 0 {
            context.report(filePermissions, line: nil, "private key file has mode \(octal(mode & 0o777)): group or others can read it and ssh refuses to use it")
        }
        if context.isAuthorizedKeys {
            if let mode = input.mode, mode & 0o022 != 0 {
                context.report(authorizedKeysWritable, line: nil, "authorized_keys file has mode \(octal(mode & 0o777)): writable by \(writers(mode))")
            }
            if let mode = input.directoryMode, mode & 0o022 != 0 {
                context.report(authorizedKeysWritable, line: nil, "the directory holding this authorized_keys file has mode \(octal(mode & 0o777)): writable by \(writers(mode))")
            }
        }
    }

    static func check(_ doc: KeyDocument, line: Int?, context: inout LintContext) {
        guard doc.isPrivate else { return }
        if context.enabled(exposed), case let .privateKeyExposed(what)? = doc.exposure(at: context.input.path) {
            context.report(exposed, line: line, what)
        }
        let p = doc.protection
        if !p.isEncrypted {
            // A security-key file holds only a handle: the secret never leaves the authenticator.
            if doc.publicKey?.algorithm.isSecurityKey != true {
                context.report(unencrypted, line: line, "private key is stored without a passphrase")
            }
            return
        }
        let legacyKDF: Bool
        switch p.kdf {
        case .legacyMD5, .pbes1(hash: .md5, _, _): legacyKDF = true
        default: legacyKDF = false
        }
        if legacyKDF || p.cipher.isDESFamily {
            var what: [String] = []
            if case .legacyMD5 = p.kdf {
                what.append("one MD5 round of key derivation")
            } else if legacyKDF {
                // PKCS#8 PBES1 (PBKDF1-MD5): iterated, but MD5 with a 64-bit salt and at most DES.
                what.append("\(p.kdfName) key derivation")
            }
            if p.cipher.isDESFamily { what.append("\(p.cipherName) cipher") }
            let scheme = doc.format == .pemTraditional ? "legacy PEM encryption" : "legacy PKCS#8 encryption (PBES1)"
            context.report(legacyPEM, line: line, "\(scheme): \(what.joined(separator: " and "))")
        }
        switch p.cipher {
        case .des, .rc2, .rc4:
            context.report(brokenCipher, line: line, "the key is encrypted with \(p.cipherName), which can be broken without the passphrase")
        case .tripleDES, .twoKeyTripleDES:
            context.report(tripleDES, line: line, "the key is encrypted with \(p.cipherName) (triple DES)")
        default:
            break
        }
        if doc.format == .ppk, doc.formatVersion == 2 {
            context.report(ppkV2, line: line, "PPK v2 encryption: the key is derived with unsalted SHA-1")
        }
        if case let .bcrypt(rounds, _) = p.kdf, rounds < context.policy.minBcryptRounds {
            context.report(bcryptRounds, line: line, "bcrypt_pbkdf with \(rounds) rounds, below the minimum of \(context.policy.minBcryptRounds)")
        }
        if case let .argon2(a) = p.kdf, a.memory < context.policy.minArgon2Memory {
            context.report(argon2Memory, line: line, "Argon2 memory of \(a.memory) KiB, below the minimum of \(context.policy.minArgon2Memory) KiB")
        }
    }

    static func octal(_ mode: UInt32) -> String {
        let digits = String(mode, radix: 8)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }

    static func writers(_ mode: UInt32) -> String {
        switch (mode & 0o020 != 0, mode & 0o002 != 0) {
        case (true, true): return "group and others"
        case (true, false): return "group"
        default: return "others"
        }
    }
}
