import Keyport
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// A whole authorized_keys / known_hosts file: every line is parsed (options, markers, host patterns,
/// quotes), then the lint engine runs over the result (option values such as expiry-time and from=
/// are parsed only there). Line numbers must increase; errors are fine, traps are not.
let linter = Linter(now: Date(timeIntervalSince1970: 1_800_000_000))

func fuzz(_ data: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: count))
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
    return 0
}

// libFuzzer's driver, called from our own main so that SwiftPM's executable entry point is kept.
@_silgen_name("LLVMFuzzerRunDriver")
func runDriver(_ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
               _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> CInt

var argc = CommandLine.argc
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(runDriver(&argc, &argv) { data, count in
    guard let data else { return 0 }
    return fuzz(data, count)
})
