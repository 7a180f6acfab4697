import ArgumentParser
import Keyport
#if canImport(Glibc)
import Glibc
#endif

struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Tell what a key file is: format, type, bits, comment, fingerprints, encryption.",
        discussion: """
        For certificates it also shows what ssh-keygen -L shows. Encrypted OpenSSH and PPK keys are \
        inspected without a passphrase (their public part is in clear); encrypted PEM keys need \
        --passphrase-file for the key itself, and without it inspect still names the format and \
        the encryption. authorized_keys and known_hosts files of any size are streamed as \
        fingerprint reads them; a line over 1 MiB is reported by number and skipped.
        """
    )

    @Flag(name: .long, help: "One JSON object per key per line.")
    var json = false

    @OptionGroup var keyFiles: KeyFileArguments

    mutating func run() throws {
        var reader = KeyReader()
        var out = OutputBuffer()
        var passphrase: SecureBytes?
        var first = true
        for path in keyFiles.files {
            // authorized_keys and known_hosts files of any size stream line by line, as in fingerprint.
            let input: KeyInput
            do { input = try KeyInput(path: path) } catch { reader.fail(path, error); continue }
            if input.isLineFile {
                let live = !input.isRegularFile
                input.streamLines({ InspectLineHandler(command: self, path: path) }, emit: { outputs in
                    for part in outputs.map(\.written) where !part.isEmpty {
                        // Records are separated by a blank line: each starts with one, but the first.
                        out.append(parts: [first && !json ? UnsafeRawBufferPointer(rebasing: part.dropFirst()) : part])
                        first = false
                    }
                    if live { out.flush() }
                }, report: { line, error in reader.fail(path, line: line, error) })
                continue
            }
            for loaded in reader.load(path, input: input) {
                var doc = loaded.document
                var note: String?
                if doc.publicKey == nil || doc.commentSource == .unknown && (keyFiles.unlock.passphraseFile != nil || Terminal.canPrompt)
                    && doc.withCommentFromPublicFile(beside: path, always: false).commentSource == .unknown {
                    if keyFiles.unlock.passphraseFile != nil || Terminal.canPrompt {
                        do {
                            doc = try KeyFile.unlock(doc, passphrase: keyFiles.unlock.passphrase(for: path, document: doc, cache: &passphrase))
                        } catch {
                            reader.fail(path, line: doc.line, error)
                        }
                    } else {
                        note = "the public key is encrypted too: give --passphrase-file to see it"
                        reader.fail(path, line: doc.line, KeyportError.passphraseRequired(
                            "\(UnlockOptions.describeLocked(doc)): the public key is encrypted too; give --passphrase-file FILE to see it"))
                    }
                }
                if path != "-" { doc = doc.withCommentFromPublicFile(beside: path, always: false) }
                if json {
                    out.append(jsonText(doc, path: path) + "\n")
                } else {
                    if !first { out.append("\n") }
                    out.append(text(doc, path: path, note: note))
                }
                first = false
            }
        }
        out.flush()
        if reader.exitCode != .success { throw reader.exitCode }
    }

    func text(_ doc: KeyDocument, path: String, note: String?) -> String {
        var rows: [(String, String)] = []
        rows.append(("format", doc.format.displayName))
        if let key = doc.publicKey {
            rows.append(("type", "\(key.sshType) (\(key.displayType))"))
            rows.append(("bits", String(key.bits)))
        }
        rows.append(("comment", Self.commentText(doc)))
        rows.append(("private", doc.isPrivate ? "yes" : "no"))
        rows.append(("encrypted", doc.protection.isEncrypted ? "yes" : "no"))
        if doc.protection.isEncrypted {
            rows.append(("cipher", doc.protection.cipherName))
            rows.append(("kdf", doc.protection.kdfName))
            // Formats describe their KDF parameters in `details`; show the raw ones only otherwise.
            if doc.details.isEmpty {
                for (k, v) in Self.kdfParameters(doc.protection) { rows.append(("kdf \(k)", v.text)) }
            }
        }
        // A format's own detail (PPK's "kdf", openssh-key-v1's "cipher" ...) says more than the
        // generic row of the same name: it replaces that row instead of repeating it.
        for (k, v) in doc.details {
            if let index = rows.firstIndex(where: { $0.0 == k }) { rows[index].1 = v } else { rows.append((k, v)) }
        }
        if let options = doc.options { rows.append(("options", options)) }
        if let hosts = doc.hosts { rows.append(("hosts", hosts)) }
        if let marker = doc.marker { rows.append(("marker", marker)) }
        if let key = doc.publicKey {
            rows.append(("sha256", key.fingerprint(.sha256)))
            rows.append(("md5", key.fingerprint(.md5)))
            for kind in Self.otherFingerprints { rows.append((kind.rawValue, Self.otherFingerprint(kind, doc) ?? "(not available: \(Self.unavailableReason(kind, doc)))")) }
            rows.append(("public key", FingerprintOutput.visEscaped(Self.publicLine(key, doc))))
        }
        if let note { rows.append(("note", note)) }
        for observation in doc.observations { rows.append(("observation", observation.message)) }
        // Every value may quote the input (comment, options, hosts, details): one escaping rule.
        var out = SafeText.escape(FileIO.displayName(path)) + (doc.keyLine.map { ":\($0)" } ?? "") + "\n"
        let width = (rows.map { $0.0.count }.max() ?? 0) + 2
        for (k, v) in rows {
            out += "  " + k + ":" + String(repeating: " ", count: width - k.count) + SafeText.escape(v) + "\n"
        }
        if let cert = doc.publicKey?.certificate, let key = doc.publicKey {
            out += Self.certificateText(cert, key: key)
        }
        return out
    }

    /// The comment row: escaped as ssh-keygen -l escapes it, and saying where it came from when the
    /// key's file does not hold it.
    static func commentText(_ doc: KeyDocument) -> String {
        switch doc.commentSource {
        case .unknown: return "(unknown: it is in the encrypted part; give --passphrase-file to read it)"
        case let .publicFile(pubPath): return FingerprintOutput.visEscaped(doc.commentBytes) + " (from \(pubPath))"
        case .file: return doc.commentBytes.isEmpty ? "(none)" : FingerprintOutput.visEscaped(doc.commentBytes)
        }
    }

    /// The public line as `ssh-keygen -y` prints it, without its newline; the comment's bytes as stored.
    static func publicLine(_ key: PublicKey, _ doc: KeyDocument) -> [UInt8] {
        Array(OpenSSHPublicFormat.encode(key, comment: doc.commentSource == .unknown ? [] : doc.commentBytes, blankWhenEmpty: false).dropLast())
    }

    /// The certificate block as `ssh-keygen -L` prints it.
    static func certificateText(_ cert: Certificate, key: PublicKey) -> String {
        var out = "  certificate:\n"
        let pad = "        "
        out += pad + "Type: \(key.sshType) \(cert.kind == .user ? "user" : "host") certificate\n"
        out += pad + "Public key: \(key.displayType) \(key.fingerprint(.sha256))\n"
        // Key ID, principals, options and extensions are the certificate's own strings.
        let safe = SafeText.escape
        out += pad + "Signing CA: \(cert.signatureKey.displayType) \(cert.signatureKey.fingerprint(.sha256)) (using \(safe(cert.signatureAlgorithm)))\n"
        out += pad + "Key ID: \"\(safe(cert.keyID))\"\n"
        out += pad + "Serial: \(cert.serial)\n"
        out += pad + "Valid: \(validity(cert))\n"
        out += pad + "Principals: " + (cert.principals.isEmpty ? "(none)\n" : "\n" + cert.principals.map { pad + "        \(safe($0))\n" }.joined())
        out += pad + "Critical Options: " + (cert.criticalOptions.isEmpty ? "(none)\n" : "\n" + cert.criticalOptions.map { pad + "        \(safe($0.name))" + ($0.value.isEmpty ? "" : " \(safe($0.value))") + "\n" }.joined())
        out += pad + "Extensions: " + (cert.extensions.isEmpty ? "(none)\n" : "\n" + cert.extensions.map { pad + "        \(safe($0.name))" + ($0.value.isEmpty ? "" : " \(safe($0.value))") + "\n" }.joined())
        // After the lines ssh-keygen -L prints, which stay together for those who compare them.
        switch cert.signatureStatus {
        case .valid: out += pad + "Signature: valid (verified against the signing CA key)\n"
        case let .invalid(why): out += pad + "Signature: INVALID: \(why)\n"
        }
        return out
    }

    static func validity(_ cert: Certificate) -> String {
        if cert.isForever { return "forever" }
        if cert.validAfter == 0 { return "before \(timestamp(cert.validBefore))" }
        if cert.validBefore == UInt64.max { return "after \(timestamp(cert.validAfter))" }
        return "from \(timestamp(cert.validAfter)) to \(timestamp(cert.validBefore))"
    }

    /// Local time as YYYY-MM-DDTHH:MM:SS, as ssh-keygen prints certificate validity.
    static func timestamp(_ seconds: UInt64) -> String {
        var t = time_t(clamping: seconds)
        var tmValue = tm()
        localtime_r(&t, &tmValue)
        func two(_ v: Int32) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return "\(tmValue.tm_year + 1900)-\(two(tmValue.tm_mon + 1))-\(two(tmValue.tm_mday))T\(two(tmValue.tm_hour)):\(two(tmValue.tm_min)):\(two(tmValue.tm_sec))"
    }

    /// schema/keyport.schema.json#/$defs/inspect: every member always present, null when it does
    /// not apply or is unknown.
    func jsonText(_ doc: KeyDocument, path: String) -> String {
        var o = JSONObject()
        o.add("file", FileIO.displayName(path))
        o.add("line", doc.keyLine)
        o.add("format", doc.format.rawValue)
        o.add("format_version", Self.formatVersion(doc))
        o.add("type", doc.publicKey?.sshType)
        o.add("bits", doc.publicKey?.bits)
        // null when unknown (encrypted, no .pub beside it); comment_from names the .pub it came from.
        o.add("comment", doc.knownCommentBytes.map(FingerprintOutput.jsonText))
        if case let .publicFile(pubPath) = doc.commentSource { o.add("comment_from", pubPath) }
        o.add("private", doc.isPrivate)
        o.add("encrypted", doc.protection.isEncrypted)
        o.add("cipher", doc.protection.isEncrypted ? doc.protection.cipherName : nil)
        o.add("kdf", doc.protection.isEncrypted ? doc.protection.kdfName : nil)
        let parameters = Self.kdfParameters(doc.protection)
        if parameters.isEmpty || !doc.protection.isEncrypted {
            o.add("kdf_parameters", nil as String?)
        } else {
            var p = JSONObject()
            for (k, v) in parameters {
                switch v {
                case let .number(n): p.add(k, n)
                case let .text(t): p.add(k, t)
                }
            }
            o.add("kdf_parameters", raw: p.text)
        }
        o.add("sha256", doc.publicKey?.fingerprint(.sha256))
        o.add("md5", doc.publicKey?.fingerprint(.md5))
        for kind in Self.otherFingerprints { o.add(kind.jsonName, Self.otherFingerprint(kind, doc)) }
        o.add("public_key", doc.publicKey.map { FingerprintOutput.jsonText(Self.publicLine($0, doc)) })
        o.add("options", raw: doc.optionList.map(JSONObject.array) ?? "null")
        o.add("hosts", raw: doc.hostPatterns.map(JSONObject.array) ?? "null")
        o.add("marker", doc.marker)
        o.add("details", raw: Self.jsonDetails(doc).text)
        if let cert = doc.publicKey?.certificate {
            func named(_ items: [(name: String, value: String)]) -> String {
                "[" + items.map { item in
                    var n = JSONObject()
                    n.add("name", item.name)
                    n.add("value", item.value.isEmpty ? nil : item.value)
                    return n.text
                }.joined(separator: ",") + "]"
            }
            var c = JSONObject()
            c.add("kind", cert.kind == .user ? "user" : "host")
            c.add("key_id", cert.keyID)
            c.add("serial", raw: String(cert.serial))
            c.add("valid_after", raw: String(cert.validAfter))
            c.add("valid_before", raw: String(cert.validBefore))
            c.add("principals", raw: JSONObject.array(cert.principals))
            c.add("critical_options", raw: named(cert.criticalOptions.map { ($0.name, $0.value) }))
            c.add("extensions", raw: named(cert.extensions.map { ($0.name, $0.value) }))
            c.add("signing_ca", cert.signatureKey.fingerprint(.sha256))
            c.add("signing_ca_type", cert.signatureKey.sshType)
            c.add("signature_algorithm", cert.signatureAlgorithm)
            c.add("signature_valid", cert.signatureStatus == .valid)
            o.add("certificate", raw: c.text)
        } else {
            o.add("certificate", nil as String?)
        }
        return o.text
    }

    /// The version of its format the file states (PPK 2 or 3), nil for formats without one.
    static func formatVersion(_ doc: KeyDocument) -> Int? {
        doc.formatVersion ?? doc.details.first { $0.0 == "ppk version" }.flatMap { Int($0.1) }
    }

    /// Details that only this format states: what repeats a top-level member (cipher, KDF and its
    /// parameters, encryption, the PPK version) is left out; the key's place in a file of several
    /// private keys becomes two numbers.
    static func jsonDetails(_ doc: KeyDocument) -> JSONObject {
        let repeated: Set<String> = ["cipher", "kdf", "rounds", "salt", "encrypted", "encryption", "ppk version"]
        var d = JSONObject()
        for (k, v) in doc.details where !repeated.contains(k) && !k.hasPrefix("argon2") {
            if k == "key" {
                let parts = v.split(separator: " ")
                if parts.count == 3, let index = Int(parts[0]), let count = Int(parts[2]) {
                    d.add("key_index", index)
                    d.add("key_count", count)
                    continue
                }
            }
            d.add(k.replacingSpaces(), v)
        }
        return d
    }
}

extension InspectCommand {
    /// One KDF parameter: a count (nil when the file's value does not fit 62 bits) or text.
    enum Parameter {
        case number(Int?)
        case text(String)

        var text: String {
            switch self {
            case let .number(n): return n.map(String.init) ?? "over 2^62"
            case let .text(t): return t
            }
        }
    }

    /// The KDF's parameters under their JSON names, sorted by name; salts and IVs in hex.
    static func kdfParameters(_ protection: Protection) -> [(String, Parameter)] {
        var out: [(String, Parameter)] = []
        if let salt = protection.kdf.salt { out.append(("salt", .text(Hex.encode(salt)))) }
        switch protection.kdf {
        case let .bcrypt(rounds, _):
            out.append(("rounds", .number(rounds)))
        case let .argon2(a):
            out += [("memory", .number(a.memory)), ("passes", .number(a.passes)), ("parallelism", .number(a.parallelism))]
        case let .pbkdf2(_, iterations, _):
            out += [("iterations", .number(iterations)), ("scheme", .text("PBES2"))]
        case let .scrypt(n, r, p, _):
            out += [("N", .number(n)), ("r", .number(r)), ("p", .number(p)), ("scheme", .text("PBES2"))]
        case let .pbes1(_, iterations, _), let .pkcs12(iterations, _):
            out += [("iterations", .number(iterations)), ("scheme", .text("PBES1"))]
        case let .legacyMD5(iv):
            out.append(("iv", .text(Hex.encode(iv))))
        case .none, .ppkV2SHA1, .other:
            break
        }
        return out.sorted { $0.0 < $1.0 }
    }
}

/// Renders the keys of a streamed line file as `inspect` does, each record after a blank line.
struct InspectLineHandler: LineHandler {
    let command: InspectCommand
    let path: String

    mutating func handle(_ line: UnsafeBufferPointer<UInt8>, number: Int, into out: LineOutput) {
        switch OpenSSHPublicFormat.parseLine(ArraySlice(line), lineNumber: number) {
        case .skip: break
        case let .failure(error): out.fail(line: number, error)
        case let .key(doc):
            out.noteKey()
            out.append(command.json ? command.jsonText(doc, path: path) + "\n" : "\n" + command.text(doc, path: path, note: nil))
        }
    }
}

extension String {
    func trimmingTrailingNewline() -> String { hasSuffix("\n") ? String(dropLast()) : self }
    func replacingSpaces() -> String { String(map { $0 == " " ? "_" : $0 }) }
}

extension InspectCommand {
    /// The other tools' fingerprints `inspect` shows after ssh-keygen's two.
    static let otherFingerprints: [FingerprintHash] = FingerprintHash.allCases.filter { !$0.isSSHKeygen }

    /// The fingerprint of `kind` of the document's key, nil when it has none (see `unavailableReason`).
    static func otherFingerprint(_ kind: FingerprintHash, _ doc: KeyDocument) -> String? {
        try? doc.fingerprint(kind)
    }

    /// Why `otherFingerprint` is nil, in a few words for the text output.
    static func unavailableReason(_ kind: FingerprintHash, _ doc: KeyDocument) -> String {
        if doc.publicKey?.subjectPublicKeyInfo == nil { return "no X.509 form" }
        if !doc.isPrivate { return "needs the private key" }
        return "the private key is encrypted"
    }
}
