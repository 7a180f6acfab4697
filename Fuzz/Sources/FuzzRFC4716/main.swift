import FuzzSupport
import Keyport

/// RFC 4716 input; a decoded key must re-encode and decode to the same key and comment.
runFuzzer { bytes in
    guard let docs = try? RFC4716Format.decode(bytes) else { return }
    for doc in docs {
        guard let key = doc.publicKey, !doc.comment.contains("\n"), !doc.comment.contains("\r") else { continue }
        let text = RFC4716Format.encode(key, comment: doc.comment)
        guard let back = try? RFC4716Format.decode(Array(text.utf8)), back.first?.publicKey == key else {
            fatalError("RFC 4716 round trip lost the key")
        }
    }
}
