import ArgumentParser
import Keyport
#if canImport(Glibc)
import Glibc
#endif

struct ConvertCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "convert",
        abstract: "Convert a key between formats.",
        discussion: """
        Public keys convert to openssh (a .pub line) and rfc4716, and to pem/pkcs8 public forms. \
        Private keys convert to openssh (openssh-key-v1), ppk, pem and pkcs8; --public writes only \
        the public half (like ssh-keygen -y), and --to rfc4716 of a private key writes its public \
        key (like ssh-keygen -e and puttygen -p, saying so on standard error). An RFC 4716 \
        Comment header holds the key's comment, as puttygen -p writes it; a private key without \
        one gets the header ssh-keygen -e writes ("2048-bit RSA, converted by USER@HOST from OpenSSH"). \
        Every option must apply to what is written: --kdf-rounds to an encrypted openssh output, \
        --ppk-version and --ppk-param to ppk, --new-passphrase-file and --no-passphrase to a \
        private output, --passphrase-file to an encrypted input when a private key is written, \
        --comment to a format that stores one, --force to -o; anything else is refused as a usage \
        error (64). Output goes to standard output unless -o is given; \
        -o writes atomically through an unnamed temporary file, so an interrupted or killed run \
        leaves nothing behind; private keys get mode 0600, public ones 0644 less the umask (as \
        ssh-keygen's). An existing file is never replaced without --force, and --force replaces \
        only a regular file or a symbolic link (the link itself): a directory, FIFO, socket or \
        device is refused. An encrypted input is never written unencrypted unless \
        --no-passphrase is given.
        """
    )

    // QuickStart builds this command without ArgumentParser: a new option belongs in
    // QuickStart.ConvertArguments too (QuickStartTests fails until it is there).
    @Option(name: .long, help: "Output format, in any case (putty is ppk).")
    var to: OutputFormat

    @Option(name: [.short, .customLong("output")], help: ArgumentHelp("Write to this file instead of standard output (- is standard output).", valueName: "file"), completion: .file())
    var outputOption: String?

    /// The output file; nil for standard output (`-o -` too, as `-` reads standard input).
    var output: String? { outputOption == "-" ? nil : outputOption }

    @Option(name: .long, help: "Set the comment of the written key.")
    var comment: String?

    @Flag(name: .long, help: "Replace the output file if it exists.")
    var force = false

    @Flag(name: .long, help: "Write only the public key.")
    var `public` = false

    @Option(name: .long, help: ArgumentHelp("bcrypt rounds for encrypted OpenSSH output (default 16).", valueName: "n"))
    var kdfRounds: Int?

    @Option(name: .long, help: ArgumentHelp("PPK version to write: 2 or 3 (default 3).", valueName: "2|3"), completion: .list(["2", "3"]))
    var ppkVersion: Int?

    @Option(name: .long, help: ArgumentHelp("PPK v3 Argon2 parameters: passes=N,memory=KiB,parallelism=N,kdf=argon2id|argon2i|argon2d.", valueName: "list"))
    var ppkParam: String?

    @OptionGroup var unlock: UnlockOptions
    @OptionGroup var protect: ProtectOptions<NewPassphraseFile>
    @OptionGroup var quietOption: QuietOption

    @Argument(help: ArgumentHelp("The key file; - reads standard input.", valueName: "file"), completion: .file())
    var file: String

    func validate() throws {
        try StandardInput.checkSingleUse([("the key file", file), ("--passphrase-file", unlock.passphraseFile),
                                          ("--new-passphrase-file", protect.newPassphraseFile)])
        if let ppkVersion, ppkVersion != 2, ppkVersion != 3 { throw ValidationError("--ppk-version must be 2 or 3") }
        if let kdfRounds, kdfRounds < 1 { throw ValidationError("--kdf-rounds must be at least 1") }
        if force, output == nil { throw ValidationError("--force replaces the -o file; standard output needs no --force") }
    }

    /// Refuses every option that would not change what is written (issue 16: options are honoured
    /// or refused, never ignored). `privateOutput`: a private key is written; `encryptedInput`: some
    /// input key is encrypted. Runs before any passphrase is asked for.
    func checkOptionsApply(privateOutput: Bool, encryptedInput: Bool) throws {
        let what = "the output (a public key)"
        func refuse(_ option: String, _ reason: String) throws -> Never {
            throw KeyportError.usage("\(option) does not apply: \(reason)")
        }
        if to == .ppk, !privateOutput {
            throw KeyportError.usage("--to ppk writes a private key, and \(`public` ? "--public asks for the public key" : "\(file) holds no private key"); --to openssh or --to rfc4716 writes a public key")
        }
        if kdfRounds != nil {
            if !privateOutput || to != .openssh {
                try refuse("--kdf-rounds", "it sets the bcrypt cost of an encrypted --to openssh private key, and the output is " + (privateOutput ? to.rawValue : "a public key"))
            }
            if protect.noPassphrase { try refuse("--kdf-rounds", "--no-passphrase writes the key unencrypted") }
        }
        if ppkVersion != nil, !privateOutput || to != .ppk {
            try refuse("--ppk-version", "the output is \(to.rawValue), not ppk")
        }
        if ppkParam != nil {
            if !privateOutput || to != .ppk { try refuse("--ppk-param", "the output is \(to.rawValue), not ppk") }
            if ppkVersion == 2 { try refuse("--ppk-param", "PPK version 2 has no Argon2 (it uses --ppk-version 3)") }
            if protect.noPassphrase { try refuse("--ppk-param", "--no-passphrase writes the key unencrypted, with no key derivation") }
        }
        if !privateOutput {
            if protect.noPassphrase { try refuse("--no-passphrase", "\(what) has no passphrase") }
            if protect.newPassphraseFile != nil { try refuse("--new-passphrase-file", "\(what) has no passphrase") }
        }
        // Only where it could be taken for the new passphrase (a private key written from an
        // unencrypted one); ssh-keygen -y -P habits with a public output are fine.
        if unlock.passphraseFile != nil, !encryptedInput, privateOutput {
            try refuse("--passphrase-file", "the input key is not encrypted (--new-passphrase-file encrypts the output)")
        }
        if comment != nil, [.pem, .pkcs8].contains(to) {
            try refuse("--comment", "\(to == .pem ? "PEM" : "PKCS#8") has no place for a comment")
        }
    }

    /// The Comment header `ssh-keygen -e` writes (sshkey_size, sshkey_type, the user and host name,
    /// cut to 60 bytes as its buffer does), for an RFC 4716 output of a key with no comment, so that
    /// the file is byte for byte what ssh-keygen -e writes.
    static func sshKeygenExportComment(_ key: PublicKey) -> [UInt8] {
        let text = "\(key.bits)-bit \(key.displayType), converted by \(GenerateCommand.defaultComment()) from OpenSSH"
        return Array(text.utf8.prefix(60))
    }

    mutating func run() throws {
        quietOption.apply()
        var reader = KeyReader()
        let keys = reader.load(file)
        if reader.exitCode != .success { throw reader.exitCode }
        guard !keys.isEmpty else { throw ExitCode.dataError }

        var options = EncodeOptions(kdfRounds: kdfRounds ?? 16, ppkVersion: ppkVersion ?? 3)
        if let ppkParam { options.ppkArgon2 = try PPKParam.parse(ppkParam) }
        var result: [UInt8] = []
        // The encoded output may be a private key: wiped on every way out, errors included.
        defer { SecureBytes.wipe(&result) }
        var secret = false
        var warnings: [String] = []
        var passphrase: SecureBytes?
        let holdsPrivate = keys.contains { $0.document.isPrivate }
        // RFC 4716 holds public keys only: a private key gives its public key, as ssh-keygen -e
        // and puttygen -p write it.
        let publicOnly = `public` || to == .rfc4716
        let wantsPrivate = !publicOnly && holdsPrivate
        if wantsPrivate, keys.count > 1 {
            throw KeyportError.usage("\(file) holds \(keys.count) private keys; convert takes one")
        }
        // Before any passphrase is asked for or any KDF runs.
        try checkOptionsApply(privateOutput: wantsPrivate, encryptedInput: keys.contains { $0.document.protection.isEncrypted })
        if wantsPrivate { try KeyFile.requirePrivateCapable(to) }
        if let output { try FileIO.checkReplaceable(output, force: force) }
        for loaded in keys {
            var doc = loaded.document
            options.commentBytes = comment.map { Array($0.utf8) } ?? doc.commentBytes
            do {
                // --public of a key whose comment is encrypted (openssh-key-v1) unlocks it when a
                // passphrase file is at hand, to print the comment as ssh-keygen -y does.
                let wantsComment = comment == nil && doc.comment.isEmpty && unlock.passphraseFile != nil
                if doc.isPrivate, !publicOnly || doc.publicKey == nil || wantsComment, doc.isLocked {
                    doc = try KeyFile.unlock(doc, passphrase: unlock.passphrase(for: file, document: doc, cache: &passphrase))
                    if comment == nil { options.commentBytes = doc.commentBytes }
                }
                var encoded: EncodedKey
                if let key = doc.privateKey, !publicOnly {
                    options.passphrase = try protect.newPassphrase(for: output ?? "the new key", inputWasEncrypted: loaded.document.protection.isEncrypted)
                    // An empty new passphrase (at the prompt, or an empty file) writes no KDF.
                    if options.passphrase == nil, kdfRounds != nil || ppkParam != nil {
                        throw KeyportError.usage("\(kdfRounds != nil ? "--kdf-rounds" : "--ppk-param") does not apply: the new passphrase is empty, so the key is written unencrypted")
                    }
                    encoded = try KeyFile.encode(key, to: to, options: options)
                } else if let key = doc.publicKey {
                    // A public file keeps what it holds (no comment round-trips as none); a
                    // private key is exported as ssh-keygen -e exports it.
                    if to == .rfc4716, loaded.document.isPrivate, comment == nil, options.commentBytes.isEmpty {
                        options.commentBytes = Self.sshKeygenExportComment(key)
                    }
                    options.publicOnly = true
                    options.publicOfPrivate = loaded.document.isPrivate
                    encoded = try KeyFile.encode(key, to: to, options: options)
                } else {
                    throw KeyportError.passphraseRequired("the key is encrypted: give --passphrase-file FILE")
                }
                result += encoded.bytes
                SecureBytes.wipe(&encoded.bytes)
                secret = secret || encoded.isSecret
                warnings += encoded.warnings
            } catch {
                reader.fail(file, line: doc.line, error)
                throw reader.exitCode
            }
        }
        if let output {
            try FileIO.writeAtomically(output, result, secret: secret, force: force, unnamed: OutputFiles.unnamed)
        }
        if output == nil {
            // A failed write ends the run only after `result` (perhaps a private key) is wiped.
            let writer = StandardOutput.writer
            writer.onFailure = nil
            writer.write(bytes: result)
            writer.flush()
            writer.onFailure = StandardOutput.failed
            if let code = writer.failure {
                SecureBytes.wipe(&result)
                StandardOutput.failed(code)
            }
        }
        // After the write, so that a failed write is not preceded by notes about its content.
        if to == .rfc4716, !`public`, holdsPrivate, !Terminal.quiet {
            Terminal.writeError("keyport: RFC 4716 holds public keys only: wrote the public key (as ssh-keygen -e does)\n")
        }
        for warning in Set(warnings).sorted() { Terminal.warn(warning) }
    }
}
