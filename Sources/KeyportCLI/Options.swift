import ArgumentParser
import Keyport

extension FingerprintHash: ExpressibleByArgument {
    public init?(argument: String) { self.init(name: argument) }
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
        let cipher = doc.protection.isEncrypted ? ", \(doc.protection.cipher)" : ""
        return (name.contains("encrypted") ? name : "encrypted " + name) + cipher
    }
}

/// `--new-passphrase-file` / `--no-passphrase`: how to protect outputs.
struct ProtectOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Encrypt the written private key with the passphrase on the first line of this file.", valueName: "file"), completion: .file())
    var newPassphraseFile: String?

    @Flag(name: .long, help: "Write the private key unencrypted.")
    var noPassphrase = false

    func validate() throws {
        if newPassphraseFile != nil, noPassphrase {
            throw ValidationError("--new-passphrase-file and --no-passphrase cannot be used together")
        }
    }

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
        if Terminal.canPrompt, let p = try Passphrase.promptNew(for: what) {
            return p.isEmpty ? nil : p
        }
        if required {
            throw KeyportError.passphraseRequired("no terminal to ask for the new passphrase: give --new-passphrase-file FILE, or --no-passphrase to remove it")
        }
        if inputWasEncrypted {
            throw KeyportError.usage("the input key is encrypted: give --new-passphrase-file FILE to keep it encrypted, or --no-passphrase to write it unencrypted")
        }
        return nil
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
    var exitCode: ExitCode = .ok

    mutating func fail(_ path: String, line: Int? = nil, _ error: Error) {
        let keyportError = (error as? KeyportError) ?? .io(path: path, reason: "\(error)")
        if case let .io(errorPath, reason) = keyportError, errorPath == path {
            Terminal.report(path, line: line, reason)
        } else {
            Terminal.report(path, line: line, keyportError.description)
        }
        let code = ExitCode.of(keyportError)
        if exitCode == .ok || code.rawValue > exitCode.rawValue { exitCode = code }
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
                case let .success(doc): keys.append(LoadedKey(path: path, document: doc))
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
