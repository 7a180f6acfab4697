import FuzzSupport
import Keyport
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

let linter = Linter(now: Date(timeIntervalSince1970: 1_800_000_000))

/// A whole authorized_keys / known_hosts file: every line is parsed (options, markers, host patterns,
/// quotes), then the lint engine runs over the result (option values such as expiry-time and from=
/// are parsed only there). Line numbers must increase; errors are fine, traps are not.
runFuzzer { bytes in
    var entries: [KeyEntry] = []
    var last = 0
    OpenSSHPublicFormat.decodeLines(bytes) { number, line in
        precondition(number > last, "line numbers must increase")
        last = number
        switch line {
        case .skip: break
        case let .key(doc): entries.append(KeyEntry(line: number, result: .success(doc)))
        case let .failure(error): entries.append(KeyEntry(line: number, result: .failure(error)))
        }
    }
    _ = linter.lint(LintInput(path: "authorized_keys", mode: 0o600, directoryMode: 0o700, entries: entries,
                              head: Array(bytes.prefix(256))))
}
