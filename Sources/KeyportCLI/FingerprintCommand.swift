import ArgumentParser
import Keyport
#if canImport(Glibc)
import Glibc
#endif

struct FingerprintCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fingerprint",
        abstract: "Print key fingerprints, line for line as ssh-keygen -l does.",
        discussion: """
        Reads public keys, authorized_keys and known_hosts files (every key, each with its line \
        number) and private keys of every supported format. Encrypted OpenSSH and PPK keys are \
        fingerprinted without a passphrase; encrypted PEM needs --passphrase-file. Bad lines are \
        reported on standard error and the good keys still printed; the exit status is then 65. \
        Line files of any size are streamed; a line over 1 MiB is reported by number and skipped, \
        and the keys after it are printed. From a pipe each key is printed as soon as its line \
        arrives (text and --json alike). A private key where a public key belongs (a .pub or \
        authorized_keys file, standard input) is refused with exit 65, naming the file and line, \
        never the key; give a private key as its own file.
        """
    )

    @Option(name: .customShort("E"), help: ArgumentHelp("Fingerprint hash: sha256 (default), md5, sha1 or sha512 as ssh-keygen; spki-sha256 (badkeys' key id), aws-md5 (AWS EC2, imported keys) or aws-sha1 (AWS EC2, keys AWS created; private keys only); in any case.", valueName: "hash"))
    var hash: FingerprintHash = .sha256

    @Flag(name: .shortAndLong, help: "Also print the randomart picture, as ssh-keygen -lv.")
    var verbose = false

    @Flag(name: .long, help: "One JSON object per key per line (file, line, type, bits, comment, sha256, and the -E hash).")
    var json = false

    @OptionGroup var keyFiles: KeyFileArguments

    mutating func run() throws {
        try Self.execute(files: keyFiles.files, hash: hash, verbose: verbose, json: json, passphraseFile: keyFiles.unlock.passphraseFile)
    }

    /// The command itself, callable without ArgumentParser (see `QuickStart`): the library's
    /// `Fingerprinter` over each file, its output to standard output (at once for pipes, so each
    /// key shows as soon as its line is read), its problems to standard error.
    static func execute(files: [String], hash: FingerprintHash, verbose: Bool, json: Bool, passphraseFile: String?) throws {
        if verbose, !hash.isSSHKeygen {
            throw KeyportError.usage("-v draws ssh-keygen's randomart, which exists only for -E sha256, md5, sha1 or sha512")
        }
        var reader = KeyReader()
        var out = OutputBuffer()
        var passphrase: SecureBytes?
        var fingerprinter = Fingerprinter(style: FingerprintStyle(hash: hash, randomart: verbose, json: json))
        // With a passphrase at hand, an encrypted openssh-key-v1 key's comment is read too.
        fingerprinter.unlocksForComment = passphraseFile != nil
        for path in files {
            fingerprinter.run(path: path, passphrase: { doc in
                try UnlockOptions.passphrase(file: passphraseFile, for: path, document: doc, cache: &passphrase)
            }, output: { parts, live in
                out.append(parts: parts)
                if live { out.flush() }
            }, report: { line, error in
                reader.fail(path, line: line, error)
            }, repaired: { line, what in
                Terminal.warn(path, line: line, what)
            })
        }
        out.flush()
        if reader.exitCode != .success { throw reader.exitCode }
    }
}
