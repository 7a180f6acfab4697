import Keyport
#if canImport(Glibc)
import Glibc
#endif

/// Any bytes as a public-key blob (plain keys and certificates): must decode or throw, never trap.
func fuzz(_ data: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: count))
    if let key = try? PublicKey(blob: bytes) {
        _ = key.fingerprint(.sha256)
        _ = key.bits
        _ = Randomart.render(key, hash: .md5)
        // What decodes must re-encode to a blob that decodes to the same key.
        precondition((try? PublicKey(blob: key.blob)) == key)
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
