// The allocation-free fast path of bulk fingerprinting: one OpenSSH public line in, the
// `ssh-keygen -l` output line (or the `fingerprint --json` object) out.
//
//   line:    keytype SP+ base64(blob) [SP+ comment]        (sshkey_read; blanks are SP or TAB)
//   output:  bits SP fingerprint SP comment-or-"no comment" SP "(" TYPE ")" LF
//
// The general path (OpenSSHPublicFormat.parseLine, then PublicKey and KeyDocument values, then
// FingerprintOutput) allocates a dozen objects per line and re-encodes the blob before hashing it.
// Profiles of 100,000-key files show that work, not the hash, is what costs. Most lines of real
// authorized_keys files are plain and canonical, and for those the decoded blob *is* the canonical
// blob ssh-keygen hashes, so this path checks the wire structure in place and hashes the bytes as
// decoded. It accepts only what the general path accepts and renders identically; anything else
// (options or host patterns before the key, markers, certificates, non-minimal integers, non-ASCII
// or control characters in the comment, any error) returns 0 and the caller takes the general
// path, so errors and unusual lines are handled in exactly one place. The JSON object is written
// member by member from `FingerprintStyle.jsonFields`, the list the general encoder follows too.

internal import CKeyportSys
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Renders `ssh-keygen -l` lines and `fingerprint --json` objects for plain public-key lines
/// without allocating per line.
///
/// One instance per thread; it owns a reusable decode buffer.
public final class LineFingerprinter {
    /// Longest blob handled here (an 16384-bit RSA key is about 2 KiB); longer lines go the general way.
    public static let maximumBlob = 8192
    private let blob: UnsafeMutablePointer<UInt8>

    /// The blob decoded by the last successful `scan` (lint's fast path reads it).
    var decodedBlob: UnsafePointer<UInt8> { UnsafePointer(blob) }

    /// A fingerprinter with its own blob buffer; use one per thread.
    public init() { blob = .allocate(capacity: Self.maximumBlob) }
    deinit { blob.deallocate() }

    private static let decodeTable: [UInt8] = {
        var t = [UInt8](repeating: 0xFF, count: 256)
        for (i, c) in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8.enumerated() { t[Int(c)] = UInt8(i) }
        return t
    }()
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    /// Each byte's two lowercase hex digits, and each number below 100's two decimal digits.
    nonisolated(unsafe) private static let hexPairs: UnsafeMutablePointer<UInt8> = {
        let hex = Array("0123456789abcdef".utf8)
        let t = UnsafeMutablePointer<UInt8>.allocate(capacity: 512)
        for b in 0..<256 { t[2 * b] = hex[b >> 4]; t[2 * b + 1] = hex[b & 15] }
        return t
    }()
    nonisolated(unsafe) private static let decimalPairs: UnsafeMutablePointer<UInt8> = {
        let t = UnsafeMutablePointer<UInt8>.allocate(capacity: 200)
        for n in 0..<100 { t[2 * n] = UInt8(ascii: "0") + UInt8(n / 10); t[2 * n + 1] = UInt8(ascii: "0") + UInt8(n % 10) }
        return t
    }()

    /// Room `render(line:hash:into:)` may need beyond the length of the line itself.
    public static let outputSlack = 160

    /// Appends the `ssh-keygen -l` line for `line` (without its LF) to `out` and returns true, or
    /// returns false, leaving `out` unchanged, when the line needs the general path.
    public func append(line: UnsafeBufferPointer<UInt8>, hash: FingerprintHash, to out: inout [UInt8]) -> Bool {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: line.count + Self.outputSlack) { tmp in
            let n = render(line: line, hash: hash, into: tmp.baseAddress!)
            guard n > 0 else { return false }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: tmp[0..<n]))
            return true
        }
    }

    /// A line this path takes: the key's algorithm and bits, the decoded blob's length (the blob is
    /// in `decodedBlob` until the next scan), and where the comment starts.
    struct PlainLine {
        var algorithm: KeyAlgorithm
        var bits: Int
        var blobLength: Int
        var commentStart: Int
    }

    /// Decodes and checks `line`; nil when it needs the general path.
    func scan(_ line: UnsafeBufferPointer<UInt8>) -> PlainLine? {
        let space = UInt8(ascii: " "), tab = UInt8(ascii: "\t"), cr = UInt8(ascii: "\r")
        let end = line.count
        var i = 0
        while i < end, line[i] == space || line[i] == tab { i += 1 }
        // Type token.
        let typeStart = i
        while i < end, line[i] != space, line[i] != tab { i += 1 }
        guard i < end, let names = Self.plainName(UnsafeBufferPointer(rebasing: line[typeStart..<i])) else { return nil }
        let algorithm = names.algorithm
        while i < end, line[i] == space || line[i] == tab { i += 1 }
        // Base64 token; trailing CRs belong to the line ending. Whole quanta of four alphabet
        // characters are decoded while scanning; the rest of the token (padding, CRs, a short last
        // quantum) is then checked and decoded as a whole.
        let b64Start = i
        // Blocks of 16 alphabet characters in vector registers first (CKeyportSys/base64.c); it
        // stops where this loop would find a non-alphabet character, and this loop goes on there.
        let quanta = keyport_base64_decode_quanta(line.baseAddress! + i, end - i, blob, Self.maximumBlob)
        i += 4 * quanta
        var o = 3 * quanta
        let tables = Self.quantumTables
        while i + 4 <= end, o + 3 <= Self.maximumBlob {
            let v = tables[Int(line[i])] | tables[256 + Int(line[i + 1])] | tables[512 + Int(line[i + 2])] | tables[768 + Int(line[i + 3])]
            guard v & 0xFF00_0000 == 0 else { break }
            blob[o] = UInt8(truncatingIfNeeded: v >> 16)
            blob[o + 1] = UInt8(truncatingIfNeeded: v >> 8)
            blob[o + 2] = UInt8(truncatingIfNeeded: v)
            o += 3; i += 4
        }
        let restStart = i
        while i < end, line[i] != space, line[i] != tab { i += 1 }
        var b64End = i
        while b64End > restStart, line[b64End - 1] == cr { b64End -= 1 }
        // Whole 4-character groups only, as OpenSSH's b64_pton; anything else takes the general path.
        guard (b64End - b64Start) % 4 == 0 else { return nil }
        while i < end, line[i] == space || line[i] == tab { i += 1 }
        let commentStart = i
        guard let restLength = decode(UnsafeBufferPointer(rebasing: line[restStart..<b64End]), into: o, decoded: restStart - b64Start),
              let bits = Self.checkCanonical(UnsafeBufferPointer(start: blob, count: o + restLength), names) else { return nil }
        // The comment as ssh-keygen prints it: verbatim (trailing blanks kept) when it is plain
        // printable ASCII; a CR or any other control or non-ASCII byte goes the general way.
        for k in commentStart..<end where line[k] &- 0x20 >= 0x5f { return nil }
        return PlainLine(algorithm: algorithm, bits: bits, blobLength: o + restLength, commentStart: commentStart)
    }

    /// Writes the fingerprint of the decoded blob (`SHA256:…`, `MD5:aa:…`) at `dst`; returns its length.
    private func writeFingerprint(blobLength: Int, hash: FingerprintHash, to dst: UnsafeMutablePointer<UInt8>) -> Int {
        var o = 0
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 64) { d in
            let p = d.baseAddress!
            hash.digest.hash(UnsafeRawBufferPointer(start: blob, count: blobLength), into: p, publicData: true)
            if hash == .md5 {
                // Every member of `fingerprint --json` has it: two table bytes and a colon per byte.
                var w = Self.copy("MD5:", to: dst, at: 0)
                let pairs = Self.hexPairs
                for k in 0..<16 {
                    let b = 2 * Int(p[k])
                    dst[w] = pairs[b]; dst[w + 1] = pairs[b + 1]; dst[w + 2] = UInt8(ascii: ":")
                    w += 3
                }
                o = w - 1
            } else {
                switch hash {
                case .sha1: o = Self.copy("SHA1:", to: dst, at: o)
                case .sha512: o = Self.copy("SHA512:", to: dst, at: o)
                default: o = Self.copy("SHA256:", to: dst, at: o)
                }
                o += Self.writeBase64NoPadding(UnsafeBufferPointer(start: p, count: hash.digest.size), to: dst + o)
            }
        }
        return o
    }

    /// Writes the `ssh-keygen -l` line for `line` (without its LF) to `dst`, which must have room
    /// for `line.count + outputSlack` bytes, and returns its length; 0 when the line needs the
    /// general path.
    public func render(line: UnsafeBufferPointer<UInt8>, hash: FingerprintHash, into dst: UnsafeMutablePointer<UInt8>) -> Int {
        guard let plain = scan(line) else { return 0 }
        let space = UInt8(ascii: " ")
        let end = line.count
        var o = Self.writeDecimal(plain.bits, to: dst)
        dst[o] = space; o += 1
        o += writeFingerprint(blobLength: plain.blobLength, hash: hash, to: dst + o)
        dst[o] = space; o += 1
        let commentStart = plain.commentStart
        if commentStart < end, line[commentStart] != UInt8(ascii: "#") {
            (dst + o).update(from: line.baseAddress! + commentStart, count: end - commentStart)
            o += end - commentStart
        } else {
            o = Self.copy("no comment", to: dst, at: o)
        }
        dst[o] = space; dst[o + 1] = UInt8(ascii: "("); o += 2
        o = Self.copy(Self.displayName(plain.algorithm), to: dst, at: o)
        dst[o] = UInt8(ascii: ")"); dst[o + 1] = UInt8(ascii: "\n"); o += 2
        return o
    }

    /// The constant parts of `fingerprint --json` objects for one file and style, worked out once:
    /// each member's prefix (`{"file":"…"`, `,"line":`, …) in `style.jsonFields` order. Members
    /// a plain key line does not have are written as `FingerprintOutput.json` writes them for such
    /// a line: left out, or `null` into the prefix.
    public struct JSONLayout: Sendable {
        /// Every prefix, one after the other; `members` says where each ends and what follows it
        /// (one array for all, so a line costs no reference counting).
        let bytes: [UInt8]
        let members: [(end: Int, field: FingerprintStyle.JSONField?)]
        let randomart: Bool
        /// Bytes of the constant parts, for sizing the output.
        let constantBytes: Int

        /// The layout for keys of the file named `fileName` (as printed) in `style`.
        public init(style: FingerprintStyle, fileName: String) {
            var bytes: [UInt8] = []
            var members: [(end: Int, field: FingerprintStyle.JSONField?)] = []
            var pending = "{"
            var separator = ""
            for field in style.jsonFields {
                let absent: Bool
                switch field {
                case .options, .hosts, .marker, .randomart, .commentFrom: absent = true
                default: absent = false
                }
                if absent && !field.nullWhenAbsent { continue }
                pending += separator + "\"" + field.name + "\":"
                separator = ","
                if absent {
                    pending += "null"
                } else if field == .file {
                    // Constant for the file: part of the prefix.
                    JSON.escape(fileName, into: &pending)
                } else if field == .format {
                    // Every line this path takes is a plain public-key line.
                    JSON.escape(FormatID.opensshPublic.rawValue, into: &pending)
                } else {
                    bytes += pending.utf8
                    members.append((bytes.count, field))
                    pending = ""
                }
            }
            bytes += (pending + "}\n").utf8
            members.append((bytes.count, nil))
            self.bytes = bytes
            self.members = members
            randomart = style.randomart
            constantBytes = bytes.count
        }
    }

    /// Room `renderJSON` may need for a line of `length` bytes: every comment byte may be escaped,
    /// and the fingerprints come on top of the layout's constant parts.
    public static func jsonCapacity(lineLength length: Int, layout: JSONLayout) -> Int { 2 * length + layout.constantBytes + 512 }

    /// Writes the `fingerprint --json` line (object and LF) for `line`, line `number` of the file
    /// `layout` was made for, to `dst`, which must have room for `jsonCapacity(lineLength:layout:)`
    /// bytes; returns its length, 0 when the line needs the general path. Members follow the
    /// layout, valued as `FingerprintOutput.json` values them for a plain key line (no options,
    /// hosts or marker; format `openssh-public`).
    public func renderJSON(line: UnsafeBufferPointer<UInt8>, number: Int, layout: JSONLayout, into dst: UnsafeMutablePointer<UInt8>) -> Int {
        // The picture is drawn by the general path only.
        guard !layout.randomart, let plain = scan(line) else { return 0 }
        return layout.bytes.withUnsafeBufferPointer { constant in
        layout.members.withUnsafeBufferPointer { members in
        // `o` lives inside the closures: captured from outside, it would sit in a heap box and be
        // loaded and stored for every byte written.
        var o = 0
        var start = 0
        for (end, field) in members {
            (dst + o).update(from: constant.baseAddress! + start, count: end - start)
            o += end - start
            start = end
            guard let field else { break }
            switch field {
            case .line:
                o += Self.writeDecimal(number, to: dst + o)
            case .type:
                o = Self.copy(Self.quotedName(plain.algorithm), to: dst, at: o)
            case .bits:
                o += Self.writeDecimal(plain.bits, to: dst + o)
            case .comment:
                o = Self.writeComment(line, from: plain.commentStart, to: dst, at: o)
            case let .fingerprint(hash):
                dst[o] = UInt8(ascii: "\""); o += 1
                o += writeFingerprint(blobLength: plain.blobLength, hash: hash, to: dst + o)
                dst[o] = UInt8(ascii: "\""); o += 1
            case .file, .format, .options, .hosts, .marker, .randomart, .commentFrom:
                // Constant or absent: already in the prefixes.
                break
            }
        }
        return o
        }
        }
    }

    /// The comment of a plain line as a JSON string: without trailing blanks; printable ASCII
    /// (scan made sure), so only the quote and the backslash need escaping, and a comment with
    /// neither (nearly all) is copied in one piece.
    @inline(__always)
    private static func writeComment(_ line: UnsafeBufferPointer<UInt8>, from commentStart: Int,
                                     to dst: UnsafeMutablePointer<UInt8>, at start: Int) -> Int {
        let base = line.baseAddress!
        var end = line.count
        while end > commentStart, base[end - 1] == UInt8(ascii: " ") { end -= 1 }
        var o = start
        dst[o] = UInt8(ascii: "\""); o += 1
        var plain = true
        for k in commentStart..<end where base[k] == UInt8(ascii: "\"") || base[k] == UInt8(ascii: "\\") {
            plain = false
            break
        }
        if plain {
            if end > commentStart { (dst + o).update(from: base + commentStart, count: end - commentStart) }
            o += max(0, end - commentStart)
        } else {
            for k in commentStart..<end {
                let c = base[k]
                if c == UInt8(ascii: "\"") || c == UInt8(ascii: "\\") { dst[o] = UInt8(ascii: "\\"); o += 1 }
                dst[o] = c; o += 1
            }
        }
        dst[o] = UInt8(ascii: "\""); o += 1
        return o
    }

    /// The JSON string of the SSH name of each algorithm `checkCanonical` takes (no escaping needed;
    /// FingerprintEngineTests compares every line this path takes with the general encoder).
    private static func quotedName(_ algorithm: KeyAlgorithm) -> StaticString {
        switch algorithm {
        case .rsa: return "\"ssh-rsa\""
        case .ecdsaP256: return "\"ecdsa-sha2-nistp256\""
        case .ecdsaP384: return "\"ecdsa-sha2-nistp384\""
        case .ecdsaP521: return "\"ecdsa-sha2-nistp521\""
        default: return "\"ssh-ed25519\""
        }
    }

    @inline(__always)
    private static func copy(_ text: StaticString, to dst: UnsafeMutablePointer<UInt8>, at o: Int) -> Int {
        (dst + o).update(from: text.utf8Start, count: text.utf8CodeUnitCount)
        return o + text.utf8CodeUnitCount
    }

    /// `KeyAlgorithm.displayName` of the algorithms this path takes, as static bytes.
    private static func displayName(_ algorithm: KeyAlgorithm) -> StaticString {
        switch algorithm {
        case .rsa: return "RSA"
        case .ecdsaP256, .ecdsaP384, .ecdsaP521: return "ECDSA"
        default: return "ED25519"
        }
    }

    /// The algorithms this path takes, with their SSH names and curve names as static bytes (the
    /// per-line compare neither makes nor copies a String: `allCases` and `rawValue` allocated and
    /// released on every line).
    typealias PlainName = (algorithm: KeyAlgorithm, name: StaticString, curve: StaticString?)
    private static let plainAlgorithms: [PlainName] = [
        (.ed25519, "ssh-ed25519", nil), (.rsa, "ssh-rsa", nil),
        (.ecdsaP256, "ecdsa-sha2-nistp256", "nistp256"), (.ecdsaP384, "ecdsa-sha2-nistp384", "nistp384"),
        (.ecdsaP521, "ecdsa-sha2-nistp521", "nistp521"),
    ]

    /// The plain algorithm named by a line's type token, with its names; nil for every other name
    /// (certificates, DSA, security keys, Ed448 and unknown names take the general path).
    static func plainName(_ token: UnsafeBufferPointer<UInt8>) -> PlainName? {
        for entry in plainAlgorithms where bytesEqual(token, entry.name) { return entry }
        return nil
    }

    @inline(__always)
    private static func bytesEqual(_ bytes: UnsafeBufferPointer<UInt8>, _ text: StaticString) -> Bool {
        bytes.count == text.utf8CodeUnitCount && memcmp(bytes.baseAddress!, text.utf8Start, bytes.count) == 0
    }

    /// Per position in a quantum of four characters, each character's 6 bits shifted into place,
    /// or 0xFF000000 for a character outside the alphabet.
    nonisolated(unsafe) private static let quantumTables: UnsafeMutablePointer<UInt32> = {
        let t = UnsafeMutablePointer<UInt32>.allocate(capacity: 1024)
        t.initialize(repeating: 0xFF00_0000, count: 1024)
        for (i, c) in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8.enumerated() {
            for q in 0..<4 { t[q * 256 + Int(c)] = UInt32(i) << (18 - 6 * q) }
        }
        return t
    }()

    /// Strict base64 (alphabet, optional correct padding) into the blob buffer at `offset`; nil for
    /// anything else, including what the general decoder would still accept. `decoded` characters
    /// of the token (a multiple of four, all in the alphabet) came before `text` and are already
    /// in the buffer; the checks below are those for the whole token.
    private func decode(_ text: UnsafeBufferPointer<UInt8>, into offset: Int, decoded: Int) -> Int? {
        var n = text.count
        if n >= 1, text[n - 1] == UInt8(ascii: "=") { n -= 1 }
        if n >= 1, text[n - 1] == UInt8(ascii: "=") { n -= 1 }
        // Padding, when present, must complete a quantum.
        if n != text.count, text.count % 4 != 0 { return nil }
        let total = decoded + n
        guard total > 0, n % 4 != 1, total / 4 * 3 + 2 <= Self.maximumBlob else { return nil }
        return Self.decodeTable.withUnsafeBufferPointer { t -> Int? in
            var o = offset, k = 0
            while k + 4 <= n {
                let a = t[Int(text[k])], b = t[Int(text[k + 1])], c = t[Int(text[k + 2])], d = t[Int(text[k + 3])]
                guard (a | b | c | d) & 0xC0 == 0 else { return nil }
                let v = UInt32(a) << 18 | UInt32(b) << 12 | UInt32(c) << 6 | UInt32(d)
                blob[o] = UInt8(truncatingIfNeeded: v >> 16)
                blob[o + 1] = UInt8(truncatingIfNeeded: v >> 8)
                blob[o + 2] = UInt8(truncatingIfNeeded: v)
                o += 3; k += 4
            }
            let rest = n - k
            if rest >= 2 {
                let a = t[Int(text[k])], b = t[Int(text[k + 1])]
                let c = rest == 3 ? t[Int(text[k + 2])] : 0
                guard (a | b | c) & 0xC0 == 0 else { return nil }
                let v = UInt32(a) << 18 | UInt32(b) << 12 | UInt32(c) << 6
                blob[o] = UInt8(truncatingIfNeeded: v >> 16); o += 1
                if rest == 3 { blob[o] = UInt8(truncatingIfNeeded: v >> 8); o += 1 }
            }
            return o - offset
        }
    }

    /// Walks the blob of a plain key of `names.algorithm` (the entry `plainName` found for the
    /// line, not looked up again) and returns its bits when it is exactly the canonical encoding
    /// `PublicKey.plainBlob` would produce (so hashing it as read is hashing what ssh-keygen
    /// hashes); nil otherwise.
    static func checkCanonical(_ b: UnsafeBufferPointer<UInt8>, _ names: PlainName) -> Int? {
        let algorithm = names.algorithm
        // The cursor is passed inout, not captured: a captured var is boxed and every access to
        // it checked for exclusivity at run time (swift_beginAccess, 5 % of a bulk run).
        var o = 0
        func string(_ o: inout Int) -> (start: Int, count: Int)? {
            guard b.count - o >= 4 else { return nil }
            let length = Int(b[o]) << 24 | Int(b[o + 1]) << 16 | Int(b[o + 2]) << 8 | Int(b[o + 3])
            guard length <= b.count - o - 4 else { return nil }
            defer { o += 4 + length }
            return (o + 4, length)
        }
        /// A minimal, positive mpint; returns its magnitude's bit length.
        func mpint(_ o: inout Int) -> Int? {
            guard let (s, n) = string(&o), n > 0, b[s] & 0x80 == 0 else { return nil }
            if b[s] == 0 {
                guard n >= 2, b[s + 1] & 0x80 != 0 else { return nil }
                return (n - 1) * 8
            }
            return (n - 1) * 8 + (8 - b[s].leadingZeroBitCount)
        }
        func equals(_ range: (start: Int, count: Int), _ text: StaticString) -> Bool {
            bytesEqual(UnsafeBufferPointer(rebasing: b[range.start..<range.start + range.count]), text)
        }
        guard let type = string(&o), equals(type, names.name) else { return nil }
        let bits: Int
        switch algorithm {
        case .rsa:
            // Degenerate moduli (even, longer than OpenSSH reads) are refused by the general path.
            guard let e = mpint(&o), e <= PublicParts.maximumIntegerBits, let n = mpint(&o), n <= PublicParts.maximumIntegerBits,
                  b[o - 1] & 1 == 1 else { return nil }
            bits = n
        case .ed25519:
            guard let pk = string(&o), pk.count == 32 else { return nil }
            bits = 256
        case .ecdsaP256, .ecdsaP384, .ecdsaP521:
            guard let curve = string(&o), let name = names.curve, equals(curve, name),
                  let point = string(&o), point.count == 1 + 2 * (algorithm.curveFieldBytes ?? 0), b[point.start] == 4,
                  let fixed = algorithm.fixedBits else { return nil }
            bits = fixed
        default:
            return nil
        }
        return o == b.count ? bits : nil
    }

    /// Writes `value` in decimal at `dst`; returns the number of digits.
    static func writeDecimal(_ value: Int, to dst: UnsafeMutablePointer<UInt8>) -> Int {
        var v = value.magnitude
        var n = 1
        var bound: UInt = 10
        while v >= bound {
            n += 1
            if bound > UInt.max / 10 { break }
            bound *= 10
        }
        // Two digits per step from the end (every JSON object has its line number).
        let pairs = decimalPairs
        var k = n
        while v >= 100 {
            let r = Int(v % 100)
            v /= 100
            k -= 2
            dst[k] = pairs[2 * r]; dst[k + 1] = pairs[2 * r + 1]
        }
        if v >= 10 {
            dst[k - 2] = pairs[2 * Int(v)]; dst[k - 1] = pairs[2 * Int(v) + 1]
        } else {
            dst[k - 1] = UInt8(ascii: "0") + UInt8(v)
        }
        return n
    }

    /// Base64 without padding at `dst`; returns the number of characters.
    static func writeBase64NoPadding(_ data: UnsafeBufferPointer<UInt8>, to dst: UnsafeMutablePointer<UInt8>) -> Int {
        alphabet.withUnsafeBufferPointer { a in
            var k = 0, o = 0
            while k + 3 <= data.count {
                let v = UInt32(data[k]) << 16 | UInt32(data[k + 1]) << 8 | UInt32(data[k + 2])
                dst[o] = a[Int(v >> 18)]; dst[o + 1] = a[Int(v >> 12 & 63)]
                dst[o + 2] = a[Int(v >> 6 & 63)]; dst[o + 3] = a[Int(v & 63)]
                k += 3; o += 4
            }
            let rest = data.count - k
            if rest > 0 {
                let v = UInt32(data[k]) << 16 | (rest == 2 ? UInt32(data[k + 1]) << 8 : 0)
                dst[o] = a[Int(v >> 18)]; dst[o + 1] = a[Int(v >> 12 & 63)]; o += 2
                if rest == 2 { dst[o] = a[Int(v >> 6 & 63)]; o += 1 }
            }
            return o
        }
    }

}
