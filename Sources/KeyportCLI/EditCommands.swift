import ArgumentParser
import Keyport
#if canImport(Glibc)
import Glibc
#endif

/// `keyport passwd FILE`: a new passphrase for a private key, in place (ssh-keygen -p, puttygen -P).
struct PasswdCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "passwd",
        abstract: "Change (add or remove) the passphrase of a private key file in place, as ssh-keygen -p does.",
        discussion: """
        Reads FILE (OpenSSH, PPK, PEM or PKCS#8), opens it with the old passphrase (from \
        --passphrase-file or asked on the terminal), and writes it back in the same format with \
        the new one (from --new-passphrase-file, or asked twice; --no-passphrase removes it). The \
        comment, the format (and PPK version) and the file's mode are kept; the file is replaced \
        atomically, so it is either the old file or the new one, never a mix.
        """
    )

    @OptionGroup var unlock: UnlockOptions
    @OptionGroup var protect: ProtectOptions<NewPassphraseFile>

    @Option(name: .long, help: ArgumentHelp("bcrypt rounds for an OpenSSH key (default: the file's, else 16).", valueName: "n"))
    var kdfRounds: Int?

    @OptionGroup var quietOption: QuietOption

    @Argument(help: ArgumentHelp("The private key file.", valueName: "file"), completion: .file())
    var file: String

    func validate() throws {
        if let kdfRounds, kdfRounds < 1 { throw ValidationError("--kdf-rounds must be at least 1") }
        if kdfRounds != nil, protect.noPassphrase { throw ValidationError("--kdf-rounds sets the cost of a passphrase; --no-passphrase writes none") }
    }

    mutating func run() throws {
        quietOption.apply()
        var edit = try KeyEdit(path: file, unlock: unlock)
        if let kdfRounds {
            guard edit.format == .openssh else {
                throw KeyportError.usage("--kdf-rounds sets the bcrypt cost of an OpenSSH key; \(file) is \(edit.document.format.displayName)")
            }
            edit.options.kdfRounds = kdfRounds
        }
        edit.options.passphrase = try protect.newPassphrase(for: file, inputWasEncrypted: false, required: true)
        if edit.options.passphrase == nil, kdfRounds != nil {
            throw KeyportError.usage("--kdf-rounds does not apply: the new passphrase is empty, so the key is written unencrypted")
        }
        try edit.write()
        if !Terminal.quiet {
            Terminal.writeError(edit.options.passphrase == nil ? "keyport: \(file): the key is now unencrypted\n"
                                                               : "keyport: \(file): passphrase changed\n")
        }
    }
}

/// `keyport comment -C TEXT FILE`: a new comment for a key, in place (ssh-keygen -c, puttygen -C).
struct CommentCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "comment",
        abstract: "Change the comment of a key file in place, as ssh-keygen -c does.",
        discussion: """
        OpenSSH private keys keep the comment inside the encrypted part and PPK files protect it \
        with their MAC, so an encrypted key needs its passphrase (--passphrase-file or the \
        terminal) and keeps it. A public key file of one key is rewritten with the new comment; \
        FILE.pub beside a private key is updated too when it holds the same key. PEM and PKCS#8 \
        have no place for a comment. The format, the passphrase and the file's mode are kept; \
        files are replaced atomically.
        """
    )

    @Option(name: .customShort("C"), help: ArgumentHelp("The new comment.", valueName: "comment"))
    var comment: String

    @OptionGroup var unlock: UnlockOptions
    @OptionGroup var quietOption: QuietOption

    @Argument(help: ArgumentHelp("The key file.", valueName: "file"), completion: .file())
    var file: String

    mutating func run() throws {
        quietOption.apply()
        var edit = try KeyEdit(path: file, unlock: unlock, publicAllowed: true)
        guard edit.document.format.storesComment else {
            throw KeyportError.usage("\(file): \(edit.document.format.displayName) has no place for a comment (keep it in \(file).pub)")
        }
        // The old passphrase protects the key again.
        edit.options.passphrase = edit.passphrase
        edit.options.comment = comment
        try edit.write()
        // The .pub beside a private key follows, as with ssh-keygen -c.
        let sibling = file + ".pub"
        if edit.document.isPrivate, let key = edit.document.publicKey, FileIO.exists(sibling),
           let entries = try? KeyFile.read(FileIO.read(sibling)), entries.count == 1,
           case let .success(pub)? = entries.first?.result, pub.publicKey == key, pub.format == .opensshPublic {
            let mode = FileIO.mode(sibling)
            try FileIO.writeAtomically(sibling, KeyFile.encode(key, to: .openssh, options: EncodeOptions(comment: comment)).bytes, secret: false, force: true)
            if let mode { chmod(sibling, mode_t(mode)) }
        }
        if !Terminal.quiet { Terminal.writeError("keyport: \(file): comment changed\n") }
    }
}

/// One key file read, opened and written back in its own format, for `passwd` and `comment`.
struct KeyEdit {
    let path: String
    var document: KeyDocument
    var passphrase: SecureBytes?
    var options: EncodeOptions
    let format: OutputFormat
    let mode: UInt32?

    init(path: String, unlock: UnlockOptions, publicAllowed: Bool = false) throws {
        guard path != "-" else { throw KeyportError.usage("give the key's file: a key on standard input cannot be changed in place") }
        self.path = path
        var reader = KeyReader()
        let keys = reader.load(path)
        if reader.exitCode != .success { throw reader.exitCode }
        guard keys.count == 1, let loaded = keys.first else {
            throw KeyportError.usage("\(path) holds \(keys.count) keys; only a file of one key can be changed in place")
        }
        var doc = loaded.document
        guard doc.isPrivate || (publicAllowed && doc.format == .opensshPublic) else {
            throw KeyportError.usage("\(path) holds no private key (\(doc.format.displayName))")
        }
        switch doc.format {
        case .opensshPrivate, .opensshPublic: format = .openssh
        case .ppk: format = .ppk
        case .pemTraditional: format = .pem
        case .pkcs8, .pkcs8Encrypted: format = .pkcs8
        default: throw KeyportError.usage("\(path): \(doc.format.displayName) cannot be written back; convert it to pem or pkcs8 instead")
        }
        if !doc.isLocked, unlock.passphraseFile != nil {
            throw KeyportError.usage("--passphrase-file does not apply: \(path) is not encrypted" + (publicAllowed ? "" : " (--new-passphrase-file gives the new passphrase)"))
        }
        if doc.isLocked {
            var cache: SecureBytes?
            let p = try unlock.passphrase(for: path, document: doc, cache: &cache)
            doc = try KeyFile.unlock(doc, passphrase: p)
            passphrase = p
        }
        document = doc
        options = EncodeOptions(comment: doc.comment)
        // What the file had, kept: its bcrypt rounds and its PPK version.
        if case let .bcrypt(rounds, _) = doc.protection.kdf, rounds > 0 { options.kdfRounds = rounds }
        if doc.format == .ppk, let version = doc.formatVersion { options.ppkVersion = version }
        mode = FileIO.mode(path)
    }

    /// Replaces the file atomically with the key in its format and the file's mode.
    mutating func write() throws {
        var encoded: EncodedKey
        if let key = document.privateKey {
            encoded = try KeyFile.encode(key, to: format, options: options)
        } else if let key = document.publicKey {
            encoded = try KeyFile.encode(key, to: .openssh, options: EncodeOptions(comment: options.comment))
        } else {
            throw KeyportError.passphraseRequired("the key is encrypted: give --passphrase-file FILE")
        }
        defer { SecureBytes.wipe(&encoded.bytes) }
        for warning in Set(encoded.warnings).sorted() { Terminal.warn(warning) }
        try FileIO.writeAtomically(path, encoded.bytes, secret: encoded.isSecret, force: true)
        if let mode { chmod(path, mode_t(mode)) }
    }
}
