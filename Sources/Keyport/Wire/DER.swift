// A minimal DER walker (ITU-T X.690 §8, §10) for what keyport must see without libcrypto: which
// structure a PEM body or DER file holds, and the encryption AlgorithmIdentifier of an encrypted
// PKCS#8 key (for `inspect` before a passphrase is known). Key material itself is parsed by libcrypto.
//
//   TLV:     tag (1 byte; high-tag-number form is refused)
//            length: 0x00-0x7F short form, or 0x81-0x84 followed by 1-4 big-endian length bytes
//            (indefinite length 0x80 is not DER and is refused)
//            content: `length` bytes
//
// Every read is bounds-checked and throws `KeyportError.malformed`/`.truncated` naming the field.

struct DERReader {
    static let sequence: UInt8 = 0x30
    static let integer: UInt8 = 0x02
    static let bitString: UInt8 = 0x03
    static let octetString: UInt8 = 0x04
    static let null: UInt8 = 0x05
    static let oid: UInt8 = 0x06

    private let bytes: ArraySlice<UInt8>
    private var offset: Int
    let context: String

    init(_ bytes: ArraySlice<UInt8>, context: String) {
        self.bytes = bytes
        self.offset = bytes.startIndex
        self.context = context
    }

    init(_ bytes: [UInt8], context: String) { self.init(bytes[...], context: context) }

    var isAtEnd: Bool { offset >= bytes.endIndex }
    /// Bytes read so far.
    var consumed: Int { offset - bytes.startIndex }
    var peekTag: UInt8? { isAtEnd ? nil : bytes[offset] }

    /// Reads one element; `expecting` checks the tag.
    mutating func read(_ field: String, expecting tag: UInt8? = nil) throws -> (tag: UInt8, content: ArraySlice<UInt8>) {
        guard offset < bytes.endIndex else { throw KeyportError.truncated(format: context, field: field) }
        let t = bytes[offset]
        if let tag, t != tag {
            throw KeyportError.malformed(format: context, field: field, reason: "expected DER tag 0x\(Hex.encode([tag])), found 0x\(Hex.encode([t]))")
        }
        guard t & 0x1F != 0x1F else { throw KeyportError.malformed(format: context, field: field, reason: "multi-byte DER tags are not used by key formats") }
        var i = offset + 1
        guard i < bytes.endIndex else { throw KeyportError.truncated(format: context, field: field) }
        let first = bytes[i]
        i += 1
        var length = 0
        if first < 0x80 {
            length = Int(first)
        } else {
            let count = Int(first & 0x7F)
            guard count >= 1, count <= 4 else {
                throw KeyportError.malformed(format: context, field: field, reason: count == 0 ? "indefinite length is not DER" : "length field too long")
            }
            guard bytes.endIndex - i >= count else { throw KeyportError.truncated(format: context, field: field) }
            for _ in 0..<count {
                length = length << 8 | Int(bytes[i])
                i += 1
            }
        }
        guard length <= bytes.endIndex - i else { throw KeyportError.truncated(format: context, field: field) }
        offset = i + length
        return (t, bytes[i..<(i + length)])
    }

    /// Reads one element and returns it whole (tag, length and content), for re-wrapping.
    mutating func readRaw(_ field: String) throws -> ArraySlice<UInt8> {
        let start = offset
        _ = try read(field)
        return bytes[start..<offset]
    }

    /// A DER length field.
    static func encodeLength(_ length: Int) -> [UInt8] {
        if length < 0x80 { return [UInt8(length)] }
        var magnitude: [UInt8] = []
        var rest = length
        while rest > 0 {
            magnitude.insert(UInt8(truncatingIfNeeded: rest), at: 0)
            rest >>= 8
        }
        return [0x80 | UInt8(magnitude.count)] + magnitude
    }

    /// Reads a SEQUENCE and returns a reader over its content.
    mutating func readSequence(_ field: String) throws -> DERReader {
        DERReader(try read(field, expecting: Self.sequence).content, context: context)
    }

    /// A non-negative INTEGER as a magnitude without leading zeros.
    mutating func readUnsigned(_ field: String) throws -> [UInt8] {
        let content = try read(field, expecting: Self.integer).content
        guard let first = content.first, first & 0x80 == 0 else {
            throw KeyportError.malformed(format: context, field: field, reason: content.isEmpty ? "empty integer" : "negative integer")
        }
        return Array(content.drop(while: { $0 == 0 }))
    }

    /// A small non-negative INTEGER (iteration counts, versions); nil when it does not fit in 62 bits.
    mutating func readSmallInt(_ field: String) throws -> Int? {
        let magnitude = try readUnsigned(field)
        guard magnitude.count <= 7 else { return nil }
        return magnitude.reduce(0) { $0 << 8 | Int($1) }
    }

    /// An OBJECT IDENTIFIER in dotted form.
    mutating func readOID(_ field: String) throws -> String {
        let content = try read(field, expecting: Self.oid).content
        guard let dotted = Self.dotted(content) else {
            throw KeyportError.malformed(format: context, field: field, reason: "invalid object identifier")
        }
        return dotted
    }

    static func dotted(_ content: ArraySlice<UInt8>) -> String? {
        var arcs: [UInt64] = []
        var value: UInt64 = 0
        var pending = false
        for b in content {
            guard value <= UInt64.max >> 7 else { return nil }
            value = value << 7 | UInt64(b & 0x7F)
            pending = b & 0x80 != 0
            if !pending {
                if arcs.isEmpty {
                    let first: UInt64 = value < 40 ? 0 : value < 80 ? 1 : 2
                    arcs.append(first)
                    arcs.append(value - first * 40)
                } else {
                    arcs.append(value)
                }
                value = 0
            }
        }
        guard !pending, !arcs.isEmpty else { return nil }
        return arcs.map(String.init).joined(separator: ".")
    }

    /// Length of the first complete TLV of `bytes`, or nil when the bytes do not start with one.
    static func firstElementLength(_ bytes: [UInt8]) -> Int? {
        var r = DERReader(bytes, context: "DER")
        guard (try? r.read("element")) != nil else { return nil }
        return r.consumed
    }
}
