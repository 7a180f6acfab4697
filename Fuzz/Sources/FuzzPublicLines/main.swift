import Keyport
#if canImport(Glibc)
import Glibc
#endif

/// One authorized_keys / known_hosts line; a parsed key must survive a .pub round trip.
func fuzz(_ data: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: count))
    if case let .key(doc) = OpenSSHPublicFormat.parseLine(bytes[...], lineNumber: 1), let key = doc.publicKey {
        let line = Array(OpenSSHPublicFormat.encode(key, comment: "c").utf8.dropLast())
        guard case let .key(again) = OpenSSHPublicFormat.parseLine(line[...], lineNumber: 1), again.publicKey == key else {
            fatalError("a parsed key did not survive a round trip")
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
