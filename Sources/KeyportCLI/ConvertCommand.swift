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
        the public half (like ssh-keygen -y). Output goes to standard output unless -o is given; \
        -o writes atomically through an unnamed temporary file, so an interrupted or killed run \
        leaves nothing behind; private keys get mode 0600, public ones 0644 less the umask (as \
        ssh-keygen's). An existing file is never replaced without --force, and --force replaces \
        only a regular file or a symbolic link (the link itself): a directory, FIFO, socket or \
        device is refused. An encrypted input is never written unencrypted unless \
        --no-passphrase is given.
        """
    )

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

    @Option(name: .long, help: ArgumentHelp("bcrypt rounds for encrypted OpenSSH output.", valueName: "n"))
    var kdfRounds: Int = 16

    @Option(name: .long, help: ArgumentHelp("PPK version to write: 2 or 3.", valueName: "2|3"), completion: .list(["2", "3"]))
    var ppkVersion: Int = 3

    @Option(name: .long, help: ArgumentHelp("PPK v3 Argon2 parameters: passes=N,memory=KiB,parallelism=N,kdf=argon2id|argon2i|argon2d.", valueName: "list"))
    var ppkParam: String?

    @OptionGroup var unlock: UnlockOptions
    @OptionGroup var protect: ProtectOptions
    @OptionGroup var quietOption: QuietOption

    @Argument(help: ArgumentHelp("The key file; - reads standard input.", valueName: "file"), completion: .file())
    var file: String

    func validate() throws {
        try StandardInput.checkSingleUse([("the key file", file), ("--passphrase-file", unlock.passphraseFile),
                                          ("--new-passphrase-file", protect.newPassphraseFile)])
        guard ppkVersion == 2 || ppkVersion == 3 else { throw ValidationError("--ppk-version must be 2 or 3") }
        guard kdfRounds >= 1 else { throw ValidationError("--kdf-rounds must be at least 1") }
    }

    mutating func run() throws {
        quietOption.apply()
        var reader = KeyReader()
        let keys = reader.load(file)
        if reader.exitCode != .success { throw reader.exitCode }
        guard !keys.isEmpty else { throw ExitCode.dataError }

        var options = EncodeOptions(kdfRounds: kdfRounds, ppkVersion: ppkVersion)
        if let ppkParam { options.ppkArgon2 = try PPKParam.parse(ppkParam) }
        var result: [UInt8] = []
        // The encoded output may be a private key: wiped on every way out, errors included.
        defer { SecureBytes.wipe(&result) }
        var secret = false
        var warnings: [String] = []
        var passphrase: SecureBytes?
        let wantsPrivate = !`public` && keys.contains { $0.document.isPrivate }
        if wantsPrivate, keys.count > 1 {
            throw KeyportError.usage("\(file) holds \(keys.count) private keys; convert takes one")
        }
        // Before any passphrase is asked for or any KDF runs.
        if wantsPrivate { try KeyFile.requirePrivateCapable(to) }
        if let output { try FileIO.checkReplaceable(output, force: force) }
        for loaded in keys {
            var doc = loaded.document
            options.commentBytes = comment.map { Array($0.utf8) } ?? doc.commentBytes
            do {
                // --public of a key whose comment is encrypted (openssh-key-v1) unlocks it when a
                // passphrase file is at hand, to print the comment as ssh-keygen -y does.
                let wantsComment = comment == nil && doc.comment.isEmpty && unlock.passphraseFile != nil
                if doc.isPrivate, !`public` || doc.publicKey == nil || wantsComment, doc.isLocked {
                    doc = try KeyFile.unlock(doc, passphrase: unlock.passphrase(for: file, document: doc, cache: &passphrase))
                    if comment == nil { options.commentBytes = doc.commentBytes }
                }
                var encoded: EncodedKey
                if let key = doc.privateKey, !`public` {
                    options.passphrase = try protect.newPassphrase(for: output ?? "the new key", inputWasEncrypted: loaded.document.protection.isEncrypted)
                    encoded = try KeyFile.encode(key, to: to, options: options)
                } else if let key = doc.publicKey {
                    options.publicOnly = true
                    options.publicOfPrivate = loaded.document.isPrivate
                    encoded = try KeyFile.encode(key, to: to == .ppk ? .openssh : to, options: options)
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
        for warning in Set(warnings).sorted() { Terminal.warn(warning) }
    }
}
