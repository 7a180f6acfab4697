import ArgumentParser
import Keyport

extension FingerprintHash: ExpressibleByArgument {
    public init?(argument: String) { self.init(name: argument) }
}

/// The key files a reading command takes and the passphrase file that unlocks them (fingerprint,
/// inspect), with the rule that standard input is read at most once.
struct KeyFileArguments: ParsableArguments {
    @OptionGroup var unlock: UnlockOptions

    @Argument(help: ArgumentHelp("Key files; - reads standard input.", valueName: "file"), completion: .file())
    var files: [String]

    func validate() throws {
        try StandardInput.checkSingleUse(files: files, passphraseFile: unlock.passphraseFile)
    }
}

/// `--passphrase-file`: how to unlock encrypted inputs.
struct UnlockOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Read the passphrase of encrypted input keys from the first line of this file.", valueName: "file"), completion: .file())
    var passphraseFile: String?

    /// The passphrase for `path`, from the file or a no-echo prompt; throws when neither is possible.
    func passphrase(for path: String, document: KeyDocument? = nil, cache: inout SecureBytes?) throws -> SecureBytes {
        try Self.passphrase(file: passphraseFile, for: path, document: document, cache: &cache)
    }

    static func passphrase(file passphraseFile: String?, for path: String, document: KeyDocument? = nil, cache: inout SecureBytes?) throws -> SecureBytes {
        if let cache { return cache }
        if let passphraseFile {
            let p = try Passphrase.fromFile(passphraseFile)
            cache = p
            return p
        }
        if let p = Passphrase.prompt("Enter passphrase for \(FileIO.displayName(path)): ") {
            return p
        }
        throw KeyportError.passphraseRequired("\(document.map(Self.describeLocked) ?? "the key is encrypted"): give --passphrase-file FILE (or run on a terminal to be asked)")
    }

    /// "PKCS#8 encrypted private key, AES-256-CBC": what the user has in hand, for the message that
    /// asks for a passphrase.
    static func describeLocked(_ doc: KeyDocument) -> String {
        let name = doc.format.displayName
        let cipher = doc.protection.isEncrypted ? ", \(doc.protection.cipherName)" : ""
        return (name.contains("encrypted") ? name : "encrypted " + name) + cipher
    }
}

/// The option naming the file of the new passphrase. convert and passwd call it
/// `--new-passphrase-file`, as their `--passphrase-file` opens the input key; generate, which has no
/// input key, calls it `--passphrase-file`.
protocol NewPassphraseFileOption {
    /// The long name, without the dashes.
    static var name: String { get }
    /// The option's help line.
    static var help: String { get }
}

/// `--new-passphrase-file` (convert, passwd).
enum NewPassphraseFile: NewPassphraseFileOption {
    static let name = "new-passphrase-file"
    static let help = "Encrypt the written private key with the passphrase on the first line of this file."
}

/// `--passphrase-file` of generate.
enum NewKeyPassphraseFile: NewPassphraseFileOption {
    static let name = "passphrase-file"
    static let help = "Encrypt the new key with the passphrase on the first line of this file."
}

/// The passphrase file (named by `FileOption`) / `--no-passphrase`: how to protect a written private
/// key (convert, passwd, generate), with the refusals and the prompt they share.
struct ProtectOptions<FileOption: NewPassphraseFileOption>: ParsableArguments {
    @Option(name: .customLong(FileOption.name), help: ArgumentHelp(FileOption.help, valueName: "file"), completion: .file())
    var newPassphraseFile: String?

    @Flag(name: .long, help: "Write the private key unencrypted.")
    var noPassphrase = false

    /// `--new-passphrase-file` or `--passphrase-file`, for messages.
    var fileOption: String { "--" + FileOption.name }

    func validate() throws {
        if newPassphraseFile != nil, noPassphrase {
            throw ValidationError("\(fileOption) and --no-passphrase cannot be used together")
        }
    }

    /// Whether the new passphrase can be had at all: from a file, as none (--no-passphrase), or
    /// asked for on a terminal.
    var hasSource: Bool { newPassphraseFile != nil || noPassphrase || Terminal.canPrompt }

    /// The output passphrase: nil for unencrypted. `inputWasEncrypted` keeps an encrypted key from
    /// being written in the clear by accident.
    /// `required`: without a source nor a terminal, fail instead of writing the key unencrypted
    /// (`passwd`).
    func newPassphrase(for what: String, inputWasEncrypted: Bool, required: Bool = false) throws -> SecureBytes? {
        if noPassphrase { return nil }
        if let newPassphraseFile {
            let p = try Passphrase.fromFile(newPassphraseFile)
            // An empty file is no passphrase, which for an encrypted input needs --no-passphrase.
            if p.isEmpty, inputWasEncrypted {
                throw KeyportError.usage("\(newPassphraseFile): the new passphrase is empty, which would write the encrypted key unencrypted; give --no-passphrase for that")
            }
            return p.isEmpty ? nil : p
        }
        if Terminal.canPrompt, let p = try Passphrase.promptNew(for: what, allowEmpty: !inputWasEncrypted) {
            return p.isEmpty ? nil : p
        }
        if required {
            throw KeyportError.passphraseRequired("no terminal to ask for the new passphrase: give \(fileOption) FILE, or --no-passphrase to remove it")
        }
        if inputWasEncrypted {
            throw KeyportError.usage("the input key is encrypted: give \(fileOption) FILE to keep it encrypted, or --no-passphrase to write it unencrypted")
        }
        return nil
    }
}

/// Standard input can be read only once: at most one of the key files and the passphrase files may
/// be `-` (a passphrase read from it would swallow the key, or the other way round).
enum StandardInput {
    static func checkSingleUse(_ uses: [(name: String, value: String?)]) throws {
        let readers = uses.filter { $0.value == "-" }.map(\.name)
        if readers.count > 1 {
            throw ValidationError("\(readers.joined(separator: " and ")) cannot both read standard input (-)")
        }
    }

    /// The key-file operands and --passphrase-file of fingerprint, inspect and lint.
    static func checkSingleUse(files: [String], passphraseFile: String?) throws {
        try checkSingleUse([("the key file", files.contains("-") ? "-" : nil), ("--passphrase-file", passphraseFile)])
    }
}

/// A key read from a file, with what the command needs to report about it.
struct LoadedKey {
    var path: String
    var document: KeyDocument
    var line: Int? { document.line }
}

/// Reads files and reports per-key failures; tracks the worst exit code.
struct KeyReader {
    var exitCode: ExitCode = .success

    mutating func fail(_ path: String, line: Int? = nil, _ error: Error) {
        let keyportError = (error as? KeyportError) ?? .io(path: path, reason: "\(error)")
        if case let .io(errorPath, reason, _) = keyportError, errorPath == path {
            Terminal.report(path, line: line, reason)
        } else {
            Terminal.report(path, line: line, keyportError.message)
        }
        let code = ExitCode.of(keyportError)
        if exitCode == .success || code.rawValue > exitCode.rawValue { exitCode = code }
    }

    /// Every key in the file (read whole from `input` when given, else opened here); failures are
    /// reported and skipped.
    mutating func load(_ path: String, input: KeyInput? = nil) -> [LoadedKey] {
        do {
            var bytes = try input?.readWhole() ?? FileIO.read(path)
            // The file may be an unencrypted private key; documents keep their own copies.
            defer { SecureBytes.wipe(&bytes) }
            let entries = try KeyFile.read(bytes)
            var keys: [LoadedKey] = []
            for entry in entries {
                switch entry.result {
                case let .success(doc):
                    for observation in doc.observations where observation.code == .pastedRepair {
                        Terminal.warn(path, line: doc.line ?? entry.line, observation.message)
                    }
                    keys.append(LoadedKey(path: path, document: doc))
                case let .failure(error): fail(path, line: entry.line, error)
                }
            }
            return keys
        } catch {
            fail(path, error)
            return []
        }
    }
}

/// `--ppk-param`, puttygen's option for the Argon2 settings of a PPK v3 file.
enum PPKParam {
    /// Parses the `--ppk-param` text: comma-separated `kdf=argon2id|argon2i|argon2d`, `memory=KiB`
    /// (alias `mem`), `passes=N`, `parallelism=N` (alias `parallel`), as puttygen's `--ppk-param`
    /// spells them. Left-out values take puttygen's defaults; without `passes` the result has
    /// `passes == 0`, which the PPK writer reads as "tune passes to about 100 ms".
    static func parse(_ text: String) throws -> Argon2Parameters {
        var result = Argon2Parameters(passes: 0)
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            let pair = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = pair[0].trimmingBlanks().lowercased()
            guard pair.count == 2 else {
                throw KeyportError.usage("--ppk-param: \"\(PublicKey.printable(String(item)))\" is not NAME=VALUE (names: kdf, memory, passes, parallelism)")
            }
            let value = String(pair[1].trimmingBlanks())
            func number(_ minimum: Int, _ maximum: Int) throws -> Int {
                guard let n = Int(value), n >= minimum, n <= maximum else {
                    throw KeyportError.usage("--ppk-param: \(name) must be a whole number from \(minimum) to \(maximum), not \"\(PublicKey.printable(value))\"")
                }
                return n
            }
            switch name {
            case "kdf":
                guard let flavor = Argon2Parameters.Flavor.allCases.first(where: { $0.rawValue.lowercased() == value.lowercased() }) else {
                    throw KeyportError.usage("--ppk-param: kdf must be argon2id, argon2i or argon2d, not \"\(PublicKey.printable(value))\"")
                }
                result.flavor = flavor
            case "memory", "mem": result.memory = try number(8, KDFLimits.argon2Memory)
            case "passes": result.passes = try number(1, Int(UInt32.max))
            case "parallelism", "parallel": result.parallelism = try number(1, 0xFF_FFFF)
            case "version":
                throw KeyportError.usage("--ppk-param: give the PPK version with --ppk-version 2|3")
            case "time":
                throw KeyportError.usage("--ppk-param: time= is not supported; give passes=N, or leave passes out to tune them to about 100 ms as puttygen does")
            default:
                throw KeyportError.usage("--ppk-param: unknown parameter \"\(PublicKey.printable(name))\" (names: kdf, memory, passes, parallelism)")
            }
        }
        guard result.memory >= 8 * result.parallelism else {
            throw KeyportError.usage("--ppk-param: Argon2 needs memory of at least 8 KiB per lane (\(8 * result.parallelism) KiB for parallelism \(result.parallelism))")
        }
        return result
    }

}
