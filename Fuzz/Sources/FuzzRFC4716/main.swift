import Keyport
#if canImport(Glibc)
import Glibc
#endif

/// RFC 4716 input; a decoded key must re-encode and decode to the same key and comment.
func fuzz(_ data: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: count))
    guard let docs = try? RFC4716Format.decode(bytes) else { return 0 }
    for doc in docs {
        guard let key = doc.publicKey, !doc.comment.contains("\n"), !doc.comment.contains("\r") else { continue }
        let text = RFC4716Format.encode(key, comment: doc.comment)
        guard let back = try? RFC4716Format.decode(Array(text.utf8)), back.first?.publicKey == key else {
            fatalError("RFC 4716 round trip lost the key")
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
