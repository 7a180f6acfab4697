// SSH wire encoding, RFC 4251 §5: uint32, uint64, string, mpint, name-list.
//
//   uint32   4 bytes big-endian
//   string   uint32 length, then that many bytes
//   mpint    string holding a two's-complement big-endian integer, minimal length
//   name-list string of comma-separated names
//
// Every read is bounds-checked and throws `KeyportError.truncated` / `.malformed` naming the field.
// Lengths are checked against the bytes actually present before anything is allocated.

/// A cursor over SSH wire bytes. Reads never trap: a short buffer throws an error naming the field.
public struct SSHReader: Sendable {
    /// Everything being read.
    public let bytes: [UInt8]
    /// Index of the next byte to read.
    public private(set) var offset: Int
    /// Used in error messages ("openssh-key-v1", "public key blob", ...).
    public var context: String

    /// A reader at the start of `bytes`; `context` names the structure in errors.
    public init(_ bytes: [UInt8], context: String = "ssh wire data") {
        self.bytes = bytes
        self.offset = 0
        self.context = context
    }

    /// Bytes not yet read.
    public var remaining: Int { bytes.count - offset }
    /// True when every byte has been read.
    public var isAtEnd: Bool { offset >= bytes.count }

    /// Reads one byte.
    public mutating func readByte(_ field: String) throws -> UInt8 {
        guard remaining >= 1 else { throw KeyportError.truncated(format: context, field: field) }
        defer { offset += 1 }
        return bytes[offset]
    }

    /// Reads a big-endian uint32.
    public mutating func readUInt32(_ field: String) throws -> UInt32 {
        guard remaining >= 4 else { throw KeyportError.truncated(format: context, field: field) }
        let o = offset
        offset += 4
        return UInt32(bytes[o]) << 24 | UInt32(bytes[o + 1]) << 16 | UInt32(bytes[o + 2]) << 8 | UInt32(bytes[o + 3])
    }

    /// Reads a big-endian uint64.
    public mutating func readUInt64(_ field: String) throws -> UInt64 {
        let hi = try readUInt32(field)
        let lo = try readUInt32(field)
        return UInt64(hi) << 32 | UInt64(lo)
    }

    /// Reads exactly `count` raw bytes.
    public mutating func readRaw(_ count: Int, _ field: String) throws -> [UInt8] {
        guard count >= 0, remaining >= count else { throw KeyportError.truncated(format: context, field: field) }
        defer { offset += count }
        return Array(bytes[offset..<offset + count])
    }

    /// Reads a `string` and returns its bytes.
    public mutating func readString(_ field: String) throws -> [UInt8] {
        let (start, count) = try readStringRange(field)
        return Array(bytes[start..<start + count])
    }

    /// Reads a `string` and returns where its content lies, without copying.
    public mutating func readStringRange(_ field: String) throws -> (start: Int, count: Int) {
        let length = try readUInt32(field)
        guard Int(length) <= remaining else {
            throw KeyportError.truncated(format: context, field: "\(field) (length \(length), \(remaining) byte\(remaining == 1 ? "" : "s") left)")
        }
        let start = offset
        offset += Int(length)
        return (start, Int(length))
    }

    /// Reads a `string` that must be UTF-8 text.
    public mutating func readText(_ field: String) throws -> String {
        let raw = try readString(field)
        guard let text = String(validating: raw, as: UTF8.self) else {
            throw KeyportError.malformed(format: context, field: field, reason: "not valid UTF-8")
        }
        return text
    }

    /// Reads an `mpint` that must be non-negative and returns its magnitude without leading zeros.
    public mutating func readMPInt(_ field: String) throws -> [UInt8] {
        let raw = try readString(field)
        if let first = raw.first, first & 0x80 != 0 {
            throw KeyportError.malformed(format: context, field: field, reason: "negative integer")
        }
        return Array(raw.drop(while: { $0 == 0 }))
    }

    /// Reads a secret `string` (an EdDSA private key, a security-key handle) straight into
    /// `SecureBytes`: no temporary copy is left behind.
    public mutating func readSecretString(_ field: String) throws -> SecureBytes {
        let (start, count) = try readStringRange(field)
        return secure(start..<start + count)
    }

    /// Reads a secret `mpint` (RSA d, p, q, iqmp; DSA x; an EC scalar) straight into `SecureBytes`,
    /// as `readMPInt` does (non-negative, leading zeros dropped), without temporary copies.
    public mutating func readSecretMPInt(_ field: String) throws -> SecureBytes {
        let (start, count) = try readStringRange(field)
        if count > 0, bytes[start] & 0x80 != 0 {
            throw KeyportError.malformed(format: context, field: field, reason: "negative integer")
        }
        var first = start
        while first < start + count, bytes[first] == 0 { first += 1 }
        return secure(first..<start + count)
    }

    private func secure(_ range: Range<Int>) -> SecureBytes {
        bytes.withUnsafeBytes { SecureBytes(UnsafeRawBufferPointer(rebasing: $0[range])) }
    }

    /// Reads a comma-separated name-list; empty names are an error.
    public mutating func readNameList(_ field: String) throws -> [String] {
        let text = try readText(field)
        if text.isEmpty { return [] }
        let names = text.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        if names.contains(where: \.isEmpty) {
            throw KeyportError.malformed(format: context, field: field, reason: "empty name in name-list")
        }
        return names
    }

    /// Throws unless every byte has been consumed.
    public func expectEnd(_ what: String) throws {
        if remaining > 0 {
            throw KeyportError.malformed(format: context, field: what, reason: "\(remaining) unexpected trailing byte\(remaining == 1 ? "" : "s")")
        }
    }
}

/// Builds SSH wire bytes. Integers are written as minimal mpints.
public struct SSHWriter: Sendable {
    /// What has been written so far.
    public private(set) var bytes: [UInt8] = []

    /// An empty writer with room for `capacity` bytes.
    public init(capacity: Int = 256) { bytes.reserveCapacity(capacity) }

    /// Appends one byte.
    public mutating func writeByte(_ value: UInt8) { reserve(1); bytes.append(value) }

    /// Makes room for `count` more bytes. A writer may hold private fields: when it grows, the old
    /// storage is wiped before it is freed (Array's own growth would free it as it is).
    private mutating func reserve(_ count: Int) {
        guard bytes.count + count > bytes.capacity else { return }
        var bigger: [UInt8] = []
        bigger.reserveCapacity(max(2 * bytes.capacity, bytes.count + count))
        bigger.append(contentsOf: bytes)
        wipe(&bytes)
        bytes = bigger
    }

    /// Appends a big-endian uint32.
    public mutating func writeUInt32(_ value: UInt32) {
        reserve(4)
        bytes.append(UInt8(truncatingIfNeeded: value >> 24))
        bytes.append(UInt8(truncatingIfNeeded: value >> 16))
        bytes.append(UInt8(truncatingIfNeeded: value >> 8))
        bytes.append(UInt8(truncatingIfNeeded: value))
    }

    /// Appends a big-endian uint64.
    public mutating func writeUInt64(_ value: UInt64) {
        writeUInt32(UInt32(truncatingIfNeeded: value >> 32))
        writeUInt32(UInt32(truncatingIfNeeded: value))
    }

    /// Appends bytes without a length prefix.
    public mutating func writeRaw<C: Collection>(_ raw: C) where C.Element == UInt8 { reserve(raw.count); bytes.append(contentsOf: raw) }

    /// Appends a string: uint32 length, then the bytes.
    public mutating func writeString<C: Collection>(_ raw: C) where C.Element == UInt8 {
        writeUInt32(UInt32(raw.count))
        writeRaw(raw)
    }

    /// Appends a secret as a string, copied from its buffer only into this writer's.
    public mutating func writeString(_ secret: SecureBytes) {
        secret.withUnsafeBytes { writeString($0) }
    }

    /// Appends a secret magnitude as an mpint, copied from its buffer only into this writer's.
    public mutating func writeMPInt(_ secret: SecureBytes) {
        secret.withUnsafeBytes { writeMPInt($0) }
    }

    /// Appends the UTF-8 bytes of `text` as a string.
    public mutating func writeString(_ text: String) { writeString(Array(text.utf8)) }

    /// Writes a non-negative magnitude as an mpint: leading zeros stripped, one 0x00 added when the
    /// top bit is set, zero as the empty string.
    public mutating func writeMPInt(_ magnitude: [UInt8]) {
        magnitude.withUnsafeBytes { writeMPInt($0) }
    }

    private mutating func writeMPInt(_ magnitude: UnsafeRawBufferPointer) {
        let trimmed = magnitude.drop(while: { $0 == 0 })
        if let first = trimmed.first, first & 0x80 != 0 {
            writeUInt32(UInt32(trimmed.count + 1))
            writeByte(0)
        } else {
            writeUInt32(UInt32(trimmed.count))
        }
        writeRaw(trimmed)
    }

    /// Appends a comma-separated name-list.
    public mutating func writeNameList(_ names: [String]) { writeString(names.joined(separator: ",")) }

    /// Moves what was written into `SecureBytes` and wipes this writer's buffer, which is left
    /// empty: for a private section, read from then on only through the secret buffer.
    public mutating func finishSecret() -> SecureBytes {
        let secret = SecureBytes(bytes)
        wipe(&bytes)
        bytes = []
        return secret
    }

    /// Writes a string whose content is produced by `body` (lengths filled in afterwards).
    public mutating func writeNested(_ body: (inout SSHWriter) -> Void) {
        var inner = SSHWriter()
        body(&inner)
        writeString(inner.bytes)
    }
}
