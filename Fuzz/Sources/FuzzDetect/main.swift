import Keyport
#if canImport(Glibc)
import Glibc
#endif

/// Any bytes as a key file: detection plus whichever decoder it picks; never a trap.
func fuzz(_ data: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: count))
    guard let entries = try? KeyFile.read(bytes) else { return 0 }
    for case let .success(doc) in entries.map(\.result) {
        _ = doc.publicKey?.fingerprint(.sha256)
        if let key = doc.publicKey { _ = try? KeyFile.encode(key, to: .rfc4716, options: EncodeOptions(comment: doc.comment)) }
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
