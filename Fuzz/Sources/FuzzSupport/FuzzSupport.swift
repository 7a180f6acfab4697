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
    let cheap = 1 << 16
    // A count too large for Int is nil: never cheap.
    func product(_ values: Int?...) -> Int {
        values.reduce(1) { total, value in
            guard let value else { return Int.max }
            let (n, overflow) = total.multipliedReportingOverflow(by: max(value, 1))
            return overflow ? Int.max : n
        }
    }
    switch doc.protection.kdf {
    case let .bcrypt(rounds, _): return rounds <= 64
    case let .argon2(a): return product(a.memory, a.passes) <= cheap
    case let .pbkdf2(_, iterations, _), let .pbes1(_, iterations, _), let .pkcs12(iterations, _): return product(iterations) <= cheap
    case let .scrypt(n, r, p, _): return product(n, r, p) <= cheap
    case .none, .ppkV2SHA1, .legacyMD5, .other: return true
    }
}

/// A private-key file of one format family: decode, unlock with a fixed passphrase, validate.
/// Inputs detected as another family (by `KeyFormat.name`) are skipped, so each harness explores its own decoder.
/// Errors are fine; traps are not.
public func fuzzPrivateKeyFile(_ bytes: [UInt8], formats: [String]) {
    guard formats.contains(KeyFile.detect(bytes).name), let entries = try? KeyFile.read(bytes) else { return }
    for case let .success(doc) in entries.map(\.result) where cheapToUnlock(doc) {
        if let unlocked = try? KeyFile.unlock(doc, passphrase: passphrase), let key = unlocked.privateKey {
            _ = try? key.validate()
        }
    }
}
