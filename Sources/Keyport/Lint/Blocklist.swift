// A blocklist of published (compromised) keys, in the formats badkeys documents
// (github.com/badkeys/badkeys, docs/BLOCKLISTFORMAT.md), read from a file the user supplies.
// keyport bundles no list.
//
// BKHASH: SHA-256 of one number of the public key as big-endian bytes without leading zeros —
// RSA n; DSA y; ECDSA the x coordinate; Ed25519/Ed448 the raw public key bytes read as a big-endian
// integer (badkeys' choice). BKHASH120 / BKHASH64 are its first 15 / 8 bytes.
//
// Accepted files:
//   binary  badkeys `blocklist.dat`: sorted 16-byte records, BKHASH120 ‖ one-byte list id
//           (the size is a multiple of 16 and the content is not text)
//   text    one entry per line; `#` starts a comment line; blank lines are skipped:
//             <hex>[;label | whitespace label]   a BKHASH prefix of 8 to 32 bytes (16 to 64 hex
//                                                digits), e.g. badkeys `lookup.txt` lines (BKHASH64;path)
//             SHA256:<base64>[ label]            an OpenSSH SHA256 fingerprint of the key

/// Keys known to be compromised, loaded from `--blocklist FILE`.
public struct Blocklist: Sendable {
    /// Sorted 15-byte BKHASH120 values with their list id (binary form).
    private var records: [([UInt8], UInt8)] = []
    /// Text form: BKHASH prefixes by length in bytes, each with a label.
    private var prefixes: [Int: [[UInt8]: String]] = [:]
    /// OpenSSH SHA256 fingerprints (raw digests) with a label.
    private var fingerprints: [[UInt8]: String] = [:]

    /// Number of entries loaded.
    public var count: Int { records.count + prefixes.values.reduce(0) { $0 + $1.count } + fingerprints.count }

    /// Parses a blocklist file; throws `usage` naming the line of a bad entry.
    public init(bytes: [UInt8]) throws {
        let isText = bytes.allSatisfy { ($0 >= 0x20 && $0 < 0x7f) || $0 == 0x0a || $0 == 0x0d || $0 == 0x09 }
        if !isText {
            guard bytes.count % 16 == 0 else {
                throw KeyportError.usage("blocklist: binary file size \(bytes.count) is not a multiple of 16 (badkeys blocklist.dat records)")
            }
            records.reserveCapacity(bytes.count / 16)
            for start in stride(from: 0, to: bytes.count, by: 16) {
                records.append((Array(bytes[start..<start + 15]), bytes[start + 15]))
            }
            // badkeys ships it sorted; sorting again costs little and makes a hand-made file work.
            if !zip(records, records.dropFirst()).allSatisfy({ !Self.less($1.0, $0.0) }) {
                records.sort { Self.less($0.0, $1.0) }
            }
            return
        }
        for (number, raw) in String(decoding: bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = String(raw.trimmingBlanks())
            if line.isEmpty || line.hasPrefix("#") { continue }
            let token = String(line.prefix { $0 != ";" && $0 != " " && $0 != "\t" })
            var label = String(line.dropFirst(token.count).trimmingBlanks())
            if label.hasPrefix(";") { label = String(label.dropFirst().trimmingBlanks()) }
            if token.hasPrefix("SHA256:") {
                let b64 = String(token.dropFirst("SHA256:".count))
                let padded = b64 + String(repeating: "=", count: (4 - b64.count % 4) % 4)
                guard let digest = Base64.decode(padded), digest.count == 32 else {
                    throw KeyportError.usage("blocklist line \(number + 1): \"\(PublicKey.printable(token))\" is not a SHA256 fingerprint")
                }
                fingerprints[digest] = label.isEmpty ? "blocklist line \(number + 1)" : label
            } else {
                guard token.count % 2 == 0, (16...64).contains(token.count), let digest = Hex.decode(token) else {
                    throw KeyportError.usage("blocklist line \(number + 1): expected 16 to 64 hex digits (a BKHASH prefix) or SHA256:fingerprint, got \"\(PublicKey.printable(token))\"")
                }
                prefixes[digest.count, default: [:]][digest] = label.isEmpty ? "blocklist line \(number + 1)" : label
            }
        }
    }

    /// badkeys' BKHASH (full SHA-256) of a public key, or nil for key types it does not cover.
    public static func bkhash(_ key: PublicKey) -> [UInt8]? {
        var number: [UInt8]
        switch key.parts {
        case let .rsa(_, n): number = n
        case let .dsa(_, _, _, y): number = y
        case let .ecdsa(point), let .securityKeyECDSA(point, _):
            guard let size = key.algorithm.curveFieldBytes, point.count == 1 + 2 * size else { return nil }
            number = Array(point[1...size])
        case let .eddsa(pk), let .securityKeyEd25519(pk, _): number = pk
        }
        number = Array(number.drop { $0 == 0 })
        if number.isEmpty { number = [0] }
        return Digest.sha256.hash(number)
    }

    /// The label of the entry that lists this key, or nil.
    public func match(_ key: PublicKey) -> String? {
        if !fingerprints.isEmpty, let label = fingerprints[key.fingerprintDigest(.sha256)] { return label }
        guard let hash = Self.bkhash(key) else { return nil }
        for (length, table) in prefixes {
            if let label = table[Array(hash.prefix(length))] { return label }
        }
        if !records.isEmpty {
            let target = Array(hash.prefix(15))
            var low = 0, high = records.count
            while low < high {
                let mid = (low + high) / 2
                if Self.less(records[mid].0, target) { low = mid + 1 } else { high = mid }
            }
            if low < records.count, records[low].0 == target { return "badkeys blocklist id \(records[low].1)" }
        }
        return nil
    }

    private static func less(_ a: [UInt8], _ b: [UInt8]) -> Bool { a.lexicographicallyPrecedes(b) }
}
