import FuzzSupport
import Keyport

/// Any bytes as a key file: detection plus whichever decoder it picks; never a trap.
runFuzzer { bytes in
    guard let entries = try? KeyFile.read(bytes) else { return }
    for case let .success(doc) in entries.map(\.result) {
        _ = doc.publicKey?.fingerprint(.sha256)
        if let key = doc.publicKey { _ = try? KeyFile.encode(key, to: .rfc4716, options: EncodeOptions(comment: doc.comment)) }
    }
}
