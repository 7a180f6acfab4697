// Conveniences for library users: one call from a path to key documents, and from paths to lint
// findings. They add nothing the CLI needs (it reads and reports per key itself); they exist so the
// README's library example stays a few lines long.
//
//   let documents = try KeyFile.load(path: "id_ed25519.pub")
//   let key = documents[0].publicKey          // nil only for a locked PEM file
//   print(key?.fingerprint() ?? "?")          // SHA256:...
//   let pem = try KeyFile.encode(key!, to: .pem, options: EncodeOptions())
//   let findings = try Linter().lint(paths: ["id_ed25519.pub"])

extension KeyFile {
    /// Reads the key file at `path` (`-` for standard input) and returns every key in it, in file
    /// order. Encrypted private keys come back locked (`isLocked`) unless a passphrase is given.
    ///
    /// Strict: the first key that cannot be read fails the whole call. For files with many keys of
    /// which some may be damaged (authorized_keys, known_hosts), use `read(_:)`, which returns every
    /// line's result so the good keys still count.
    ///
    /// - Parameters:
    ///   - path: a file path, or `-` for standard input.
    ///   - passphrase: unlocks encrypted private keys; nil leaves them locked (their public half is
    ///     still available, except for encrypted PEM, which encrypts it too).
    /// - Throws: `KeyportError` (`io` for a missing or unreadable file, `unrecognizedFormat`,
    ///   `malformed`, `wrongPassphrase`, ...).
    public static func load(path: String, passphrase: SecureBytes? = nil) throws -> [KeyDocument] {
        try load(bytes: FileIO.read(path), passphrase: passphrase)
    }

    /// As `load(path:passphrase:)`, for bytes already in memory.
    public static func load(bytes: [UInt8], passphrase: SecureBytes? = nil) throws -> [KeyDocument] {
        try read(bytes).map { entry in
            let document = try entry.result.get()
            guard let passphrase, document.isLocked else { return document }
            return try unlock(document, passphrase: passphrase)
        }
    }

    /// Encodes a document's key: the private key when the document holds one (unlocked), else its
    /// public key. The document's comment is used unless `options.comment` is set.
    ///
    /// - Throws: `KeyportError.passphraseRequired` for a locked document (unlock it first), and what
    ///   the two `encode` functions throw.
    public static func encode(_ document: KeyDocument, to format: OutputFormat, options: EncodeOptions = EncodeOptions()) throws -> EncodedKey {
        var options = options
        if options.commentBytes.isEmpty { options.commentBytes = document.commentBytes }
        switch document.content {
        case let .privateKey(key): return try encode(key, to: format, options: options)
        case let .publicKey(key): return try encode(key, to: format, options: options)
        case .locked: throw KeyportError.passphraseRequired("the key is encrypted: unlock it with KeyFile.unlock(_:passphrase:) first")
        }
    }
}

extension KeyDocument {
    /// The comment `path.pub` gives a private key read from `path`, as ssh-keygen takes it
    /// (authfile.c sshkey_try_load_public): the first key of a regular file beside it, used only
    /// when it is the same key, its comment being the rest of the line up to the first CR.
    ///
    /// - Parameter always: take the `.pub` comment even when this document knows its own (the
    ///   precedence of `ssh-keygen -l`); otherwise only for a comment that is unknown (encrypted
    ///   openssh-key-v1) or that the format cannot hold (PEM, PKCS#8).
    /// - Returns: the document with `commentBytes` and `commentSource` (`.publicFile`) set, and
    ///   `verbatimComment` holding the comment as written (trailing blanks kept); itself otherwise.
    public func withCommentFromPublicFile(beside path: String, always: Bool) -> KeyDocument {
        guard isPrivate, let key = publicKey, always || commentSource == .unknown || !format.storesComment else { return self }
        let pubPath = path + ".pub"
        guard path != "-", var bytes = FileIO.readRegularFile(pubPath) else { return self }
        defer { SecureBytes.wipe(&bytes) }
        guard let entries = try? KeyFile.read(bytes), let pub = entries.lazy.compactMap({ try? $0.result.get() }).first,
              !pub.isPrivate, pub.publicKey == key else { return self }
        var document = self
        let verbatim = Array((pub.verbatimComment ?? pub.commentBytes).prefix { $0 != 0x0d && $0 != 0x0a })
        document.verbatimComment = verbatim
        document.commentBytes = pub.commentBytes
        document.commentSource = .publicFile(pubPath)
        return document
    }
}
