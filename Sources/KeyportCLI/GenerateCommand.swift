import ArgumentParser
import CKeyportSys
import Keyport
#if canImport(Glibc)
import Glibc
#endif

struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Generate a new key pair, as ssh-keygen -t does.",
        discussion: """
        Writes FILE (the private key: mode 0600, atomically) and FILE.pub (the OpenSSH public \
        line, also for --format ppk; 0644 less the umask). Neither file is replaced without \
        --force (which replaces only regular files and symbolic links); if either exists nothing \
        is written. An interrupted run (SIGINT, SIGTERM, SIGHUP) removes what it wrote. Without -f the key goes to ~/.ssh/id_<type> (id_<type>.ppk for \
        --format ppk), asked for on a terminal. -f - is refused: a private key is a file of its \
        own, never written to standard output. --kdf-rounds applies to an encrypted openssh key \
        and --ppk-version to --format ppk; elsewhere they are refused (64), not ignored.

        Defaults: RSA 2048 bits with e = 65537; ECDSA 256 (also 384 and 521); Ed25519. DSA and RSA \
        below 2048 bits are refused unless --allow-weak is given. Keys come from libcrypto's \
        CSPRNG; RSA primes are checked (prime, far enough apart, d and CRT values consistent) and \
        the written file is read back and compared with the generated key before success is reported.

        The passphrase of the new key is asked twice on a terminal; without a terminal give \
        --passphrase-file FILE or --no-passphrase.
        """
    )

    @Option(name: .shortAndLong, help: ArgumentHelp("Key type: rsa, ecdsa or ed25519 (dsa with --allow-weak), in any case.", valueName: "type"), completion: .list(["rsa", "ecdsa", "ed25519", "dsa"]))
    var type: String = "rsa"

    @Option(name: .shortAndLong, help: ArgumentHelp("Key size: RSA 2048 and up (default 2048), ECDSA 256, 384 or 521 (default 256).", valueName: "bits"))
    var bits: Int?

    @Option(name: .customShort("C"), help: ArgumentHelp("Comment (default user@host); many hosting providers ask for your email address.", valueName: "comment"))
    var comment: String?

    @Option(name: .customShort("f"), help: ArgumentHelp("Private key file; the public key goes to FILE.pub.", valueName: "file"), completion: .file())
    var file: String?

    @Option(name: .long, help: ArgumentHelp("Private key format: openssh, ppk (or putty), pem or pkcs8, in any case.", valueName: "format"),
            completion: .list(["openssh", "ppk", "pem", "pkcs8"]))
    var format: OutputFormat = .openssh

    @Option(name: .long, help: ArgumentHelp("PPK version to write with --format ppk: 2 or 3 (default 3).", valueName: "2|3"), completion: .list(["2", "3"]))
    var ppkVersion: Int?

    @Option(name: .long, help: ArgumentHelp("bcrypt rounds for an encrypted OpenSSH key (default 16).", valueName: "n"))
    var kdfRounds: Int?

    @OptionGroup var protect: ProtectOptions<NewKeyPassphraseFile>

    @Flag(name: .long, help: "Replace FILE and FILE.pub if they exist.")
    var force = false

    @Flag(name: .long, help: "Allow DSA and RSA below 2048 bits (with a warning).")
    var allowWeak = false

    @OptionGroup var quietOption: QuietOption

    func validate() throws {
        if let ppkVersion, ppkVersion != 2, ppkVersion != 3 { throw ValidationError("--ppk-version must be 2 or 3") }
        if let kdfRounds, kdfRounds < 1 { throw ValidationError("--kdf-rounds must be at least 1") }
        guard format != .rfc4716 else { throw ValidationError("--format must be openssh, ppk, pem or pkcs8 (RFC 4716 holds public keys only)") }
        // Options that would change nothing are refused, never ignored (issue 16).
        if kdfRounds != nil, format != .openssh { throw ValidationError("--kdf-rounds sets the bcrypt cost of an encrypted --format openssh key, not of \(format.rawValue)") }
        if kdfRounds != nil, protect.noPassphrase { throw ValidationError("--kdf-rounds sets the cost of a passphrase; --no-passphrase writes none") }
        if ppkVersion != nil, format != .ppk { throw ValidationError("--ppk-version applies to --format ppk, not \(format.rawValue)") }
        // A private key is a file of its own, mode 0600, read back after writing: never a stream.
        if file == "-" {
            throw ValidationError("-f -: a private key is not written to standard output; give -f FILE (FILE.pub gets the public key)")
        }
    }

    mutating func run() throws {
        quietOption.apply()
        let (algorithm, size) = try resolveAlgorithm()
        // Without a terminal nobody can be asked: fail before touching any file.
        if !protect.hasSource {
            throw KeyportError.passphraseRequired("no terminal to ask for the new key's passphrase: give --passphrase-file FILE or --no-passphrase")
        }
        let path = try resolvePath(algorithm)
        let publicPath = path + ".pub"
        for p in [path, publicPath] { try FileIO.checkReplaceable(p, force: force) }
        let keyComment = comment ?? Self.defaultComment()
        if !HygieneRules.isEmailAddress(keyComment), !Terminal.quiet {
            Terminal.writeError("keyport: hint: the comment \"\(SafeText.escape(keyComment))\" is not an email address; many hosting providers ask for one (-C you@example.com)\n")
        }
        let passphrase = try protect.newPassphrase(for: path, inputWasEncrypted: false, required: true)
        if passphrase == nil, kdfRounds != nil {
            throw KeyportError.usage("--kdf-rounds does not apply: the passphrase is empty, so the key is written unencrypted")
        }

        var out = OutputBuffer()
        if !Terminal.quiet {
            out.append("Generating public/private \(algorithm.family) key pair.\n")
            out.flush()
        }
        let key = try KeyGenerator.generate(algorithm: algorithm, bits: size)

        let options = EncodeOptions(comment: keyComment, passphrase: passphrase, kdfRounds: kdfRounds ?? 16, ppkVersion: ppkVersion ?? 3)
        var encoded = try KeyFile.encode(key, to: format, options: options)
        defer { SecureBytes.wipe(&encoded.bytes) }
        for warning in Set(encoded.warnings).sorted() { Terminal.warn(warning) }
        let publicLine = try KeyFile.encode(key.publicKey, to: .openssh, options: EncodeOptions(comment: keyComment))

        // Which files this run created, so a failure removes only what it wrote. Until the pair
        // is written and read back, SIGINT, SIGTERM, SIGHUP and SIGQUIT remove new files too: an
        // interrupted run leaves no private key without its .pub or its check.
        let existedBefore = FileIO.exists(path)
        let slots = [path, publicPath].filter { !FileIO.exists($0) }.map { (p: String) in keyport_pending_add(p) }
        defer { for slot in slots { keyport_pending_remove(slot) } }
        try FileIO.writeAtomically(path, encoded.bytes, secret: true, force: force, unnamed: OutputFiles.unnamed)
        do {
            try FileIO.writeAtomically(publicPath, publicLine.bytes, secret: false, force: force, unnamed: OutputFiles.unnamed)
        } catch {
            if !existedBefore { unlink(path) }
            throw error
        }
        do {
            try Self.verify(path: path, publicPath: publicPath, key: key, passphrase: passphrase)
        } catch {
            // A file that does not read back as the key is worse than no file.
            unlink(path)
            unlink(publicPath)
            throw KeyportError.keyMismatch("the written key does not read back as the generated key (\(error)); both files were removed")
        }

        // -q: the files and the exit status say it all, as with ssh-keygen -q.
        if Terminal.quiet { return }
        out.append("Your identification has been saved in \(SafeText.escape(path))\n")
        out.append("Your public key has been saved in \(SafeText.escape(publicPath))\n")
        out.append("The key fingerprint is:\n")
        out.append("\(key.publicKey.fingerprint(.sha256)) \(SafeText.escape(keyComment))\n")
        out.append("The key's randomart image is:\n")
        out.append(Randomart.render(key.publicKey, hash: .sha256) + "\n")
        out.flush()
    }

    // MARK: - Choices

    /// The algorithm and size from -t and -b, with the weak-key policy applied.
    func resolveAlgorithm() throws -> (KeyAlgorithm, Int?) {
        switch type.lowercased() {
        case "rsa":
            let size = bits ?? 2048
            guard KeyGenerator.rsaBitRange.contains(size) else {
                throw KeyportError.usage("RSA keys must have \(KeyGenerator.rsaBitRange.lowerBound) to \(KeyGenerator.rsaBitRange.upperBound) bits")
            }
            if size < 2048 {
                guard allowWeak else { throw KeyportError.usage("RSA keys below 2048 bits are weak and refused; use -b 2048 or more (or --allow-weak)") }
                Terminal.warn("RSA \(size) is below 2048 bits: weak, refused by current OpenSSH servers' defaults and most policies")
            }
            return (.rsa, size)
        case "ecdsa":
            switch bits ?? 256 {
            case 256: return (.ecdsaP256, nil)
            case 384: return (.ecdsaP384, nil)
            case 521: return (.ecdsaP521, nil)
            default: throw KeyportError.usage("ECDSA keys are 256, 384 or 521 bits")
            }
        case "ed25519":
            guard bits == nil || bits == 256 else { throw KeyportError.usage("Ed25519 keys have a fixed size; leave out -b") }
            return (.ed25519, nil)
        case "dsa":
            guard allowWeak else { throw KeyportError.usage("DSA keys are weak (1024 bits, SHA-1) and disabled in OpenSSH; refused (use --allow-weak to make one anyway)") }
            guard bits == nil || bits == 1024 else { throw KeyportError.usage("DSA keys are 1024 bits") }
            Terminal.warn("DSA keys are weak and OpenSSH no longer accepts them by default")
            return (.dsa, nil)
        default:
            throw KeyportError.usage("unknown key type \"\(type)\": use rsa, ecdsa or ed25519")
        }
    }

    /// -f, else ~/.ssh/id_<type>, offered on a terminal as ssh-keygen does.
    func resolvePath(_ algorithm: KeyAlgorithm) throws -> String {
        if let file {
            guard !file.isEmpty else { throw KeyportError.usage("-f needs a file name") }
            return file
        }
        guard let home = Self.homeDirectory() else { throw KeyportError.usage("no home directory known: give -f FILE") }
        let directory = home + "/.ssh"
        let path = directory + "/id_" + algorithm.family + (format == .ppk ? ".ppk" : "")
        if Terminal.stdinIsTerminal {
            Terminal.writeError("Enter file in which to save the key (\(path)): ")
            if let answer = readLine(), !answer.isEmpty { return answer }
        }
        if !FileIO.isDirectory(directory) {
            guard mkdir(directory, 0o700) == 0 else {
                throw KeyportError.io(path: directory, reason: "cannot create the directory: \(FileIO.errorText())", cause: .create(errno: errno))
            }
            if !Terminal.quiet { Terminal.writeError("Created directory '\(directory)'.\n") }
        }
        return path
    }

    // MARK: - Read-back

    /// Reads both written files and insists they hold exactly the generated key.
    static func verify(path: String, publicPath: String, key: PrivateKey, passphrase: SecureBytes?) throws {
        guard let entry = try KeyFile.read(FileIO.read(path)).first, case var .success(document) = entry.result else {
            throw KeyportError.keyMismatch("no key in the written file")
        }
        if document.isLocked {
            guard let passphrase else { throw KeyportError.keyMismatch("the written file is encrypted but no passphrase was given") }
            document = try KeyFile.unlock(document, passphrase: passphrase)
        } else if passphrase != nil {
            throw KeyportError.keyMismatch("the written file is not encrypted")
        }
        guard let readBack = document.privateKey else { throw KeyportError.keyMismatch("the written file holds no private key") }
        guard readBack.publicKey == key.publicKey, readBack.secret.hasSameValues(as: key.secret) else {
            throw KeyportError.keyMismatch("the key read back differs")
        }
        try readBack.validate()
        guard let publicEntry = try KeyFile.read(FileIO.read(publicPath)).first, case let .success(publicDocument) = publicEntry.result,
              publicDocument.publicKey == key.publicKey else {
            throw KeyportError.keyMismatch("the .pub file does not hold the public key")
        }
    }

    // MARK: - Environment

    static func homeDirectory() -> String? {
        if let home = getenv("HOME"), home.pointee != 0 { return String(cString: home) }
        guard let pw = getpwuid(getuid()), let dir = pw.pointee.pw_dir else { return nil }
        return String(cString: dir)
    }

    /// user@host, as ssh-keygen writes it.
    static func defaultComment() -> String {
        var user = "user"
        if let pw = getpwuid(getuid()), let name = pw.pointee.pw_name { user = String(cString: name) }
        else if let env = getenv("USER") { user = String(cString: env) }
        var buffer = [CChar](repeating: 0, count: 256)
        let host = gethostname(&buffer, buffer.count - 1) == 0
            ? String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self) : "localhost"
        return "\(user)@\(host)"
    }
}
