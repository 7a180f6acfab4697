import FuzzSupport
import Keyport

/// Any bytes as a public-key blob (plain keys and certificates): must decode or throw, never trap.
runFuzzer { bytes in
    guard let key = try? PublicKey(blob: bytes) else { return }
    _ = key.fingerprint(.sha256)
    _ = key.bits
    _ = Randomart.render(key, hash: .md5)
    // What decodes must re-encode to a blob that decodes to the same key.
    precondition((try? PublicKey(blob: key.blob)) == key)
}
