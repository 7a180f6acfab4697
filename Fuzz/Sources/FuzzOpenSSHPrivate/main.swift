import Keyport
#if canImport(Glibc)
import Glibc
#endif

let passphrase = SecureBytes("fuzz")

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

/// openssh-key-v1 input: decode, then unlock with a fixed passphrase; errors are fine, traps are not.
func fuzz(_ data: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: count))
    guard let entries = try? KeyFile.read(bytes) else { return 0 }
    for case let .success(doc) in entries.map(\.result) where cheapToUnlock(doc) {
        if let unlocked = try? KeyFile.unlock(doc, passphrase: passphrase), let key = unlocked.privateKey {
            _ = try? key.validate()
        }
    }
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
