// What every libFuzzer harness shares: the driver hook and the private-key unlock routine.
import Keyport
#if canImport(Glibc)
import Glibc
#endif

// libFuzzer's driver, called from each harness's own main so that SwiftPM's executable entry point
// is kept (`-sanitize=fuzzer` would link libFuzzer's main(), which collides with it; see Fuzz/run).
@_silgen_name("LLVMFuzzerRunDriver")
private func runDriver(_ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                       _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> CInt

/// The harness's test function; a C callback cannot capture it, so it waits here.
nonisolated(unsafe) private var harness: (([UInt8]) -> Void)?

/// Runs libFuzzer with `body` as the test function (every input as bytes) and exits with its status.
public func runFuzzer(_ body: @escaping ([UInt8]) -> Void) -> Never {
    harness = body
    var argc = CommandLine.argc
    var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
    exit(runDriver(&argc, &argv) { data, count in
        guard let data else { return 0 }
        harness?(Array(UnsafeBufferPointer(start: data, count: count)))
        return 0
    })
}

private let passphrase = SecureBytes("fuzz")

/// Unlocking runs the file's KDF at the cost the file chooses (up to KDFLimits); a fuzzed cost
/// parameter would make every execution slow and report a "timeout" that is the KDF doing its job.
/// The bounds themselves are tested in RobustnessTests; here only cheap settings are unlocked.
func cheapToUnlock(_ doc: KeyDocument) -> Bool {
    let p = doc.protection.parameters
    func value(_ name: String) -> Int { p[name].flatMap { Int($0) } ?? 0 }
    if p["iterations"] == "huge" || p["N"] == "huge" { return false }
    func product(_ names: String...) -> Int {
        names.reduce(1) { total, name in
            let (n, overflow) = total.multipliedReportingOverflow(by: max(value(name), 1))
            return overflow ? Int.max : n
        }
    }
    return value("rounds") <= 64 && product("memory", "passes") <= 1 << 16 && value("iterations") <= 1 << 16
        && product("N", "r", "p") <= 1 << 16
}

/// A private-key file of one format family: decode, unlock with a fixed passphrase, validate.
/// Inputs detected as another family are skipped, so each harness explores its own decoder.
/// Errors are fine; traps are not.
public func fuzzPrivateKeyFile(_ bytes: [UInt8], kinds: [KeyFile.Kind]) {
    guard kinds.contains(KeyFile.detect(bytes)), let entries = try? KeyFile.read(bytes) else { return }
    for case let .success(doc) in entries.map(\.result) where cheapToUnlock(doc) {
        if let unlocked = try? KeyFile.unlock(doc, passphrase: passphrase), let key = unlocked.privateKey {
            _ = try? key.validate()
        }
    }
}
