import Keyport
#if canImport(Glibc)
import Glibc
#endif

/// Runs the commonest one-key invocations without building ArgumentParser's command tree.
///
/// ArgumentParser discovers options by reflection (Mirror over every command and option group,
/// `as?` casts that scan the protocol-conformance tables of the whole binary) and checks every
/// argv for `--generate-completion-script` first. callgrind puts that at about 5 M instructions
/// before `run()` starts, more than everything `keyport fingerprint one.pub` does afterwards; for
/// `convert`, with its three option groups, about 13 M, on the critical path of a KDF unlock.
///
/// Only argument lists whose meaning is beyond doubt are taken here: `--version`;
/// `fingerprint` with `-E sha256|md5`, `-v`/`--verbose`, `--json`, `--passphrase-file FILE`
/// (each at most once) and file operands that do not start with `-` (or are exactly `-`); and
/// `convert` with `--to FORMAT` and exactly one file operand, plus any of its other options in
/// their plain spelling (`-o`/`--output`, `--comment`, `--force`, `--public`, `--kdf-rounds`,
/// `--ppk-version`, `--ppk-param`, `--passphrase-file`, `--new-passphrase-file`, `--no-passphrase`,
/// `-q`/`--quiet`), each at most once, values neither `help` nor starting with `-` (but `-` itself).
/// Anything else (help, `--`, `-E=md5`, `--to=pem`, combined short flags, repeated or unknown
/// options, a value the option's type refuses, a missing file or `--to`) returns `nil` from
/// `parse` and goes to ArgumentParser, which gives the same result or the usage error. A test
/// checks `parse` against ArgumentParser on a list of argument vectors.
///
/// `convert` runs the same `ConvertCommand` ArgumentParser would build: its properties assigned
/// (ArgumentParser's property wrappers take assignment), then the option groups' and the
/// command's `validate()` as ArgumentParser calls them, then `run()`. A command line that fails
/// validation is handed to ArgumentParser, which refuses it with its own words and exit code.
/// libcrypto's set-up runs on the other core meanwhile (`LibcryptoWarmUp`), as it does beside
/// ArgumentParser's parse on the other path.
enum QuickStart {
    enum Invocation: Equatable {
        case version
        case fingerprint(files: [String], hash: FingerprintHash, verbose: Bool, json: Bool, passphraseFile: String?)
        case convert(ConvertArguments)
    }

    /// What a `convert` command line says, option by option (nil or false where it is not given).
    struct ConvertArguments: Equatable {
        var to: OutputFormat
        var output: String?
        var comment: String?
        var force = false
        var `public` = false
        var kdfRounds: Int?
        var ppkVersion: Int?
        var ppkParam: String?
        var passphraseFile: String?
        var newPassphraseFile: String?
        var noPassphrase = false
        var quiet = false
        var file: String

        /// The command ArgumentParser would decode: every property assigned, as reading one that
        /// is not traps.
        var command: ConvertCommand {
            var unlock = UnlockOptions()
            unlock.passphraseFile = passphraseFile
            var protect = ProtectOptions<NewPassphraseFile>()
            protect.newPassphraseFile = newPassphraseFile
            protect.noPassphrase = noPassphrase
            var quietOption = QuietOption()
            quietOption.quiet = quiet
            var command = ConvertCommand()
            command.to = to
            command.outputOption = output
            command.comment = comment
            command.force = force
            command.public = `public`
            command.kdfRounds = kdfRounds
            command.ppkVersion = ppkVersion
            command.ppkParam = ppkParam
            command.unlock = unlock
            command.protect = protect
            command.quietOption = quietOption
            command.file = file
            return command
        }
    }

    /// The spelling of each `convert` option QuickStart reads (`-o` is `--output`, `-q` is
    /// `--quiet`), and whether it takes a value; nil for anything else.
    static func convertOption(_ word: String) -> (name: String, takesValue: Bool)? {
        switch word {
        case "--to", "--output", "--comment", "--kdf-rounds", "--ppk-version", "--ppk-param", "--passphrase-file",
             "--new-passphrase-file":
            return (word, true)
        case "-o": return ("--output", true)
        case "--force", "--public", "--no-passphrase", "--quiet": return (word, false)
        case "-q": return ("--quiet", false)
        default: return nil
        }
    }

    /// A word ArgumentParser reads as an operand or an option's value in every position.
    private static func isPlainValue(_ word: String) -> Bool {
        word == "-" || (!word.hasPrefix("-") && word != "help")
    }

    static func parseConvert(_ args: [String]) -> ConvertArguments? {
        var values: [String: String] = [:]
        var flags: Set<String> = []
        var file: String?
        var i = 1
        while i < args.count {
            let word = args[i]
            i += 1
            guard let (name, takesValue) = convertOption(word) else {
                // The one operand; an empty word is left to ArgumentParser as fingerprint does.
                guard file == nil, isPlainValue(word), !word.isEmpty else { return nil }
                file = word
                continue
            }
            if takesValue {
                guard values[name] == nil, i < args.count, isPlainValue(args[i]) else { return nil }
                values[name] = args[i]
                i += 1
            } else {
                guard flags.insert(name).inserted else { return nil }
            }
        }
        // The values through the very conversions ArgumentParser applies (ExpressibleByArgument).
        func number(_ name: String) -> Int?? {
            guard let text = values[name] else { return .some(nil) }
            return Int(argument: text).map { .some($0) }
        }
        guard let file, let toText = values["--to"], let to = OutputFormat(argument: toText),
              let kdfRounds = number("--kdf-rounds"), let ppkVersion = number("--ppk-version") else { return nil }
        return ConvertArguments(
            to: to, output: values["--output"], comment: values["--comment"], force: flags.contains("--force"),
            public: flags.contains("--public"), kdfRounds: kdfRounds, ppkVersion: ppkVersion, ppkParam: values["--ppk-param"],
            passphraseFile: values["--passphrase-file"], newPassphraseFile: values["--new-passphrase-file"],
            noPassphrase: flags.contains("--no-passphrase"), quiet: flags.contains("--quiet"), file: file)
    }

    static func parse(_ args: [String]) -> Invocation? {
        if args == ["--version"] { return .version }
        if args.first == "convert" { return parseConvert(args).map(Invocation.convert) }
        guard args.first == "fingerprint" else { return nil }
        var files: [String] = []
        var hash: FingerprintHash?
        var verbose = false, json = false
        var passphraseFile: String?
        var i = 1
        while i < args.count {
            let a = args[i]
            switch a {
            case "-E":
                guard hash == nil, i + 1 < args.count, let h = FingerprintHash(name: args[i + 1]) else { return nil }
                hash = h
                i += 1
            case "-v", "--verbose":
                guard !verbose else { return nil }
                verbose = true
            case "--json":
                guard !json else { return nil }
                json = true
            case "--passphrase-file":
                guard passphraseFile == nil, i + 1 < args.count, !args[i + 1].hasPrefix("-") else { return nil }
                passphraseFile = args[i + 1]
                i += 1
            default:
                guard isPlainValue(a), !a.isEmpty else { return nil }
                files.append(a)
            }
            i += 1
        }
        guard !files.isEmpty else { return nil }
        return .fingerprint(files: files, hash: hash ?? .sha256, verbose: verbose, json: json, passphraseFile: passphraseFile)
    }

    /// Runs the invocation when `parse` takes it; false leaves it to ArgumentParser.
    static func run(_ args: [String]) throws -> Bool {
        switch parse(args) {
        case nil:
            return false
        case .version:
            var out = OutputBuffer()
            out.append(KeyportCommand.versionText + "\n")
            out.flush()
            return true
        case let .fingerprint(files, hash, verbose, json, passphraseFile):
            try FingerprintCommand.execute(files: files, hash: hash, verbose: verbose, json: json, passphraseFile: passphraseFile)
            return true
        case let .convert(arguments):
            var command = arguments.command
            do {
                // In ArgumentParser's order: each option group as it is decoded, then the command.
                try command.unlock.validate()
                try command.protect.validate()
                try command.quietOption.validate()
                try command.validate()
            } catch {
                // ArgumentParser refuses the same words with its own message and exit code.
                return false
            }
            // libcrypto sets itself up on the other core while the key file is read and the KDF
            // runs, as it does beside ArgumentParser's parse (PPK's Argon2 leaves that core idle).
            let warmUp = LibcryptoWarmUp.start()
            defer { warmUp.wait() }
            try command.run()
            return true
        }
    }
}
