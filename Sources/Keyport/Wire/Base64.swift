// Base64 (RFC 4648 §4) and hex, tuned for the hot path of bulk fingerprinting: table-driven, no
// Foundation, one allocation per call.

/// Standard Base64 with padding (RFC 4648 §4), as SSH and PEM use it.
public enum Base64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    /// 0...63 for alphabet bytes, 0xFE for '=', 0xFD for whitespace, 0xFF otherwise.
    private static let table: [UInt8] = {
        var t = [UInt8](repeating: 0xFF, count: 256)
        for (i, c) in alphabet.enumerated() { t[Int(c)] = UInt8(i) }
        t[Int(UInt8(ascii: "="))] = 0xFE
        for c in [UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"), UInt8(ascii: "\n")] { t[Int(c)] = 0xFD }
        return t
    }()

    /// True for the 64 alphabet bytes and `=`.
    static func isAlphabet(_ c: UInt8) -> Bool { table[Int(c)] < 0xFD || c == UInt8(ascii: "=") }

    /// Encodes with `=` padding; `lineLength` > 0 inserts `\n` after every that many characters.
    public static func encode<C: Collection>(_ data: C, lineLength: Int = 0) -> String where C.Element == UInt8 {
        if let s = data.withContiguousStorageIfAvailable({ encode(buffer: $0, lineLength: lineLength) }) { return s }
        return Array(data).withUnsafeBufferPointer { encode(buffer: $0, lineLength: lineLength) }
    }

    /// One pass over contiguous bytes into a String's own storage: whole 3-byte groups first, then
    /// the padded tail, then (for armour) the line breaks. The earlier per-character closure with a
    /// column check cost about 30 ns a byte (swift-benchmark, Benchmarks/).
    private static func encode(buffer data: UnsafeBufferPointer<UInt8>, lineLength: Int) -> String {
        let plain = (data.count + 2) / 3 * 4
        let breaks = lineLength > 0 && plain > 0 ? (plain - 1) / lineLength : 0
        return String(unsafeUninitializedCapacity: plain + breaks) { out in
            alphabet.withUnsafeBufferPointer { a in
                var o = 0, column = 0
                @inline(__always) func put(_ c: UInt8) {
                    if lineLength > 0 {
                        if column == lineLength { out[o] = UInt8(ascii: "\n"); o += 1; column = 0 }
                        column += 1
                    }
                    out[o] = c
                    o += 1
                }
                var i = 0
                let n = data.count
                while i + 3 <= n {
                    let v = UInt32(data[i]) << 16 | UInt32(data[i + 1]) << 8 | UInt32(data[i + 2])
                    put(a[Int(v >> 18)]); put(a[Int(v >> 12 & 63)]); put(a[Int(v >> 6 & 63)]); put(a[Int(v & 63)])
                    i += 3
                }
                if n - i == 1 {
                    let v = UInt32(data[i]) << 16
                    put(a[Int(v >> 18)]); put(a[Int(v >> 12 & 63)]); put(UInt8(ascii: "=")); put(UInt8(ascii: "="))
                } else if n - i == 2 {
                    let v = UInt32(data[i]) << 16 | UInt32(data[i + 1]) << 8
                    put(a[Int(v >> 18)]); put(a[Int(v >> 12 & 63)]); put(a[Int(v >> 6 & 63)]); put(UInt8(ascii: "="))
                }
                return o
            }
        }
    }

    /// Decodes base64. With `ignoringWhitespace`, spaces, tabs, CR and LF anywhere are skipped (armoured
    /// bodies); otherwise they are errors (single tokens). Padding is optional; data after padding and
    /// impossible lengths are errors. Returns nil when the input is not base64.
    public static func decode<C: Collection>(_ text: C, ignoringWhitespace: Bool = false) -> [UInt8]? where C.Element == UInt8 {
        var ok = false
        let out = [UInt8](unsafeUninitializedCapacity: Decoder.capacity(text.count)) { buffer, count in
            count = 0
            var decoder = Decoder()
            ok = decoder.feed(text, ignoringWhitespace: ignoringWhitespace, into: buffer, count: &count) && decoder.isComplete
        }
        return ok ? out : nil
    }

    /// Decodes the base64 in `pieces` (an armoured body's lines, whitespace skipped) straight into a
    /// buffer wiped when freed: no array ever holds the decoded bytes. Nil when it is not base64
    /// (the partial output is wiped too).
    static func decode<Piece: Collection>(secret pieces: [Piece]) -> SecureBytes? where Piece.Element == UInt8 {
        return try? SecureBytes(unsafeUninitializedCapacity: Decoder.capacity(pieces.reduce(0) { $0 + $1.count })) { raw in
            let buffer = raw.bindMemory(to: UInt8.self)
            var decoder = Decoder()
            var count = 0
            for piece in pieces where !decoder.feed(piece, ignoringWhitespace: true, into: buffer, count: &count) { throw Decoder.Invalid() }
            guard decoder.isComplete else { throw Decoder.Invalid() }
            return count
        }
    }

    /// Decoding state across pieces: the bits not yet output and the padding seen.
    struct Decoder {
        private var acc: UInt32 = 0
        private var bits = 0
        private var padding = 0

        /// Thrown out of a secure buffer's initialiser, which then wipes what was written.
        struct Invalid: Error {}

        /// The most bytes `characters` base64 characters decode to.
        static func capacity(_ characters: Int) -> Int { characters * 3 / 4 }

        /// No lone character is left over (6 leftover bits are not a valid encoding).
        var isComplete: Bool { bits < 6 }

        /// Decodes `text` into `out` from `count` on, advancing `count`; false when it is not base64.
        /// `out` must have room for `capacity` of every character fed so far.
        @inline(__always)
        mutating func feed<C: Sequence>(_ text: C, ignoringWhitespace: Bool, into out: UnsafeMutableBufferPointer<UInt8>,
                                        count: inout Int) -> Bool where C.Element == UInt8 {
            table.withUnsafeBufferPointer { t in
                for c in text {
                    let v = t[Int(c)]
                    if v < 64 {
                        if padding > 0 { return false }
                        acc = acc << 6 | UInt32(v)
                        bits += 6
                        if bits >= 8 {
                            bits -= 8
                            out[count] = UInt8(truncatingIfNeeded: acc >> UInt32(bits))
                            count += 1
                        }
                    } else if v == 0xFE {
                        padding += 1
                        if padding > 2 { return false }
                    } else if v == 0xFD && ignoringWhitespace {
                        continue
                    } else {
                        return false
                    }
                }
                return true
            }
        }
    }

    /// Decodes text; nil when it is not valid Base64.
    public static func decode(_ text: String, ignoringWhitespace: Bool = false) -> [UInt8]? {
        decode(Array(text.utf8), ignoringWhitespace: ignoringWhitespace)
    }
}

/// Lowercase hexadecimal.
public enum Hex {
    private static let digits = Array("0123456789abcdef".utf8)

    /// Hex digits, two per byte, with `separator` between bytes (`:` for MD5 fingerprints).
    public static func encode<C: Collection>(_ data: C, separator: String = "") -> String where C.Element == UInt8 {
        var out = [UInt8]()
        out.reserveCapacity(data.count * (2 + separator.utf8.count))
        let sep = Array(separator.utf8)
        var first = true
        for b in data {
            if !first { out.append(contentsOf: sep) }
            first = false
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 15)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Writes the hex digits of `data` at `dst` (two per byte, no separator); returns how many.
    /// For output written straight into a buffer (lint's JSON lists a million keys).
    static func write(_ data: some Collection<UInt8>, to dst: UnsafeMutablePointer<UInt8>) -> Int {
        var o = 0
        for b in data {
            dst[o] = digits[Int(b >> 4)]
            dst[o + 1] = digits[Int(b & 15)]
            o += 2
        }
        return o
    }

    /// Bytes from hex digits (either case); nil for odd length or other characters.
    public static func decode(_ text: String) -> [UInt8]? {
        let chars = Array(text.utf8)
        guard chars.count % 2 == 0 else { return nil }
        var out = [UInt8]()
        out.reserveCapacity(chars.count / 2)
        func nibble(_ c: UInt8) -> UInt8? {
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
            default: return nil
            }
        }
        var i = 0
        while i < chars.count {
            guard let hi = nibble(chars[i]), let lo = nibble(chars[i + 1]) else { return nil }
            out.append(hi << 4 | lo)
            i += 2
        }
        return out
    }
}
