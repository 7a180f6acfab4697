import Keyport
#if canImport(Glibc)
import Glibc
#endif

/// Runs the commonest one-key invocations without building ArgumentParser's command tree.
///
/// ArgumentParser discovers options by reflection (Mirror over every command and option group,
/// `as?` casts that scan the protocol-conformance tables of the whole binary) and checks every
/// argv for `--generate-completion-script` first. callgrind puts that at about 5 M instructions
/// before `run()` starts, more than everything `keyport fingerprint one.pub` does afterwards.
///
/// Only argument lists whose meaning is beyond doubt are taken here: `--version`, and
/// `fingerprint` with `-E sha256|md5`, `-v`/`--verbose`, `--json`, `--passphrase-file FILE`
/// (each at most once) and file operands that do not start with `-` (or are exactly `-`). Anything
/// else (help, `--`, `-E=md5`, combined short flags, repeated or unknown options, a missing file)
/// returns `nil` from `parse` and goes to ArgumentParser, which gives the same result or the usage
/// error. A test checks `parse` against ArgumentParser on a list of argument vectors.
enum QuickStart {
    enum Invocation: Equatable {
        case version
        case fingerprint(files: [String], hash: FingerprintHash, verbose: Bool, json: Bool, passphraseFile: String?)
    }

    static func parse(_ args: [String]) -> Invocation? {
        if args == ["--version"] { return .version }
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
                guard a == "-" || (!a.hasPrefix("-") && !a.isEmpty && a != "help") else { return nil }
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
        }
    }
}
