import FuzzSupport
import Keyport

/// One authorized_keys / known_hosts line; a parsed key must survive a .pub round trip.
runFuzzer { bytes in
    if case let .key(doc) = OpenSSHPublicFormat.parseLine(bytes[...], lineNumber: 1), let key = doc.publicKey {
        let line = Array(OpenSSHPublicFormat.encode(key, comment: "c").utf8.dropLast())
        guard case let .key(again) = OpenSSHPublicFormat.parseLine(line[...], lineNumber: 1), again.publicKey == key else {
            fatalError("a parsed key did not survive a round trip")
        }
    }
}
