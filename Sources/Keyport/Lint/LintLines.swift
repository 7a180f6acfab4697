// Lint of streamed line files (authorized_keys, known_hosts, .pub) in flat memory.
//
// The per-key rules of a plain key line (what `LineFingerprinter` takes: no options, hosts or
// marker, a canonical Ed25519, ECDSA or RSA blob, a printable ASCII comment) are judged in the
// streaming workers, on both cores, as the line is read. When they would raise nothing (the comment
// is an email address, the curve is allowed, the point is on its curve; for RSA at least the
// policy's bits, e = 65537, no small factor, no ROCA fingerprint, not factored by the Fermat steps;
// no blocklist), the key is kept only as its line and a 64-bit hash of its blob, for the one
// whole-file rule that needs every key (duplicate-authorized-key), and an RSA key also as its
// modulus bytes, for the one whole-run rule (shared primes by batch GCD; the fingerprint its
// finding names is worked out again from the modulus, for the few moduli that share a prime). Every
// other line (certificates, options, damaged lines, other key types, and any line that raises a
// finding) is decoded and kept as a document, and the rules run on it as for any file, so every
// finding is made by the same code in the same order. A differential test (LintStreamingTests)
// holds the two paths together.

#if canImport(Glibc)
import Glibc
#endif
import Dispatch

/// Keys of a streamed line file judged while it was read and found clean (see the file's header):
/// a 64-bit hash of each blob, in line order, and their lines as runs of consecutive lines (in
/// most files one run covers thousands of keys), not in `LintInput.entries`. 8 bytes a key; an
/// RSA key also its modulus and 16 bytes; with key fields kept (JSON and SARIF), 57 more.
struct CleanKeys: Sendable {
    private(set) var hashes: [UInt64] = []
    /// Runs of consecutive lines: the first line and the index of its key in `hashes`.
    private(set) var runs: [(line: Int, index: Int)] = []
    /// The clean RSA keys' moduli (big-endian, no leading zero) one after another, and each key's
    /// line and the end of its modulus there, in line order.
    private(set) var moduli: [(line: Int, end: Int)] = []
    private(set) var modulusBytes: [UInt8] = []
    /// When the input keeps key fields (JSON and SARIF list every key), each key's `Fields` record,
    /// in the order of `hashes`; else empty.
    private(set) var fields: [UInt8] = []
    /// The size of the file, when known: the moduli's room is reserved from it at the first one.
    private var fileSize = 0

    var count: Int { hashes.count }

    /// Room for the keys a file of `bytes` bytes can hold (a clean line has over 80 bytes, and a
    /// modulus takes under 3/4 of its line's bytes in base64), so the hashes and moduli never move
    /// while they grow: reserved pages that are never written cost no memory. The moduli's room is
    /// taken when the first one comes.
    mutating func reserve(forFileOf bytes: Int, keepingFields: Bool) {
        hashes.reserveCapacity(Self.room(bytes / 80 + 1, of: UInt64.self))
        fileSize = bytes
        if keepingFields { fields.reserveCapacity(Self.room((bytes / 80 + 1) * Fields.size, of: UInt8.self)) }
    }

    /// `count`, or fewer when that many would take more than an eighth of the machine's memory: the
    /// kernel refuses an allocation larger than memory and swap even if it is never touched (Swift
    /// then stops the process), and a file that large grows the array by doubling instead.
    static func room<T>(_ count: Int, of _: T.Type) -> Int {
        let memory = sysconf(Int32(_SC_PHYS_PAGES)) * sysconf(Int32(_SC_PAGESIZE))
        guard memory > 0 else { return count }
        return min(count, memory / 8 / MemoryLayout<T>.stride)
    }

    /// The `Fields` record of the key appended last.
    mutating func appendFields(_ record: some Collection<UInt8>) {
        fields.append(contentsOf: record)
    }

    /// Is `line` one of the clean keys' lines?
    func holds(line: Int) -> Bool {
        // The last run starting at or before `line`, by bisection.
        var low = 0, high = runs.count
        while low < high {
            let mid = (low + high) / 2
            if runs[mid].line <= line { low = mid + 1 } else { high = mid }
        }
        guard low > 0 else { return false }
        let run = runs[low - 1]
        let end = low < runs.count ? runs[low].index : hashes.count
        return line - run.line < end - run.index
    }

    mutating func append(line: Int, hash: UInt64) {
        if let last = runs.last, line == last.line + (hashes.count - last.index) {
            // Continues the run.
        } else {
            runs.append((line, hashes.count))
        }
        hashes.append(hash)
    }

    /// `append` for an RSA key with its modulus.
    mutating func append(line: Int, hash: UInt64, modulus: some Collection<UInt8>) {
        append(line: line, hash: hash)
        // Only a file with a clean RSA key reserves this much address space.
        if modulusBytes.capacity == 0, fileSize > 0 { modulusBytes.reserveCapacity(Self.room(fileSize / 4 * 3 + 4, of: UInt8.self)) }
        modulusBytes.append(contentsOf: modulus)
        moduli.append((line, modulusBytes.count))
    }

    /// The modulus of the `k`th clean RSA key (a slice: no copy).
    func modulus(_ k: Int) -> ArraySlice<UInt8> {
        modulusBytes[(k == 0 ? 0 : moduli[k - 1].end)..<moduli[k].end]
    }

    /// Every key's line, in order.
    func forEachLine(_ body: (_ index: Int, _ line: Int) -> Void) {
        for (r, run) in runs.enumerated() {
            let end = r + 1 < runs.count ? runs[r + 1].index : hashes.count
            for index in run.index..<end { body(index, run.line + (index - run.index)) }
        }
    }

    /// The first 8 bytes of the blob's SHA-256: the same key on two lines has the same hash; two
    /// different keys of a file of a million share one with probability about 2^-25.
    static func hash(_ blob: UnsafeRawBufferPointer) -> UInt64 {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 32) { d in
            Digest.sha256.hash(blob, into: d.baseAddress!, publicData: true)
            return hash(digest: d.baseAddress!)
        }
    }

    /// The hash of a blob from its SHA-256.
    static func hash(digest d: UnsafePointer<UInt8>) -> UInt64 {
        var h: UInt64 = 0
        for k in 0..<8 { h = h << 8 | UInt64(d[k]) }
        return h
    }

    /// The `index`th key as lint's JSON and SARIF output name it (nil when the input kept no
    /// fields); `rsa` counts the RSA keys before it (its modulus is the next).
    func listed(_ index: Int, rsa: inout Int) -> ListedKey? {
        guard !fields.isEmpty else { return nil }
        let key = ListedKey(clean: self, index: index, rsa: rsa)
        if key.algorithm == .rsa { rsa += 1 }
        return key
    }

    /// What lint's JSON and SARIF output name a clean key by (`LintOutput.keyFields`), worked out
    /// in the reading workers so that no document is kept: 57 bytes, its algorithm (an index in
    /// `algorithms`), the last 24 bytes of its blob's SHA-256 (the first 8 are its hash) and the
    /// SHA-256 of its SubjectPublicKeyInfo.
    enum Fields {
        static let size = 57
        static let algorithms: [KeyAlgorithm] = [.ed25519, .ecdsaP256, .ecdsaP384, .ecdsaP521, .rsa]

        /// Writes the record of a clean key's blob (canonical: LineFingerprinter checked it) at
        /// `record`; returns the blob's hash.
        static func write(_ algorithm: KeyAlgorithm, blob: UnsafePointer<UInt8>, count: Int, into record: UnsafeMutablePointer<UInt8>) -> UInt64 {
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 32) { d in
                let digest = d.baseAddress!
                Digest.sha256.hash(UnsafeRawBufferPointer(start: blob, count: count), into: digest, publicData: true)
                record[0] = UInt8(algorithms.firstIndex(of: algorithm)!)
                (record + 1).update(from: digest + 8, count: 24)
                spkiSHA256(algorithm, blob: blob, count: count, into: record + 25)
                return CleanKeys.hash(digest: digest)
            }
        }

        /// The DER of an Ed25519 or ECDSA SubjectPublicKeyInfo up to its key bytes, for keys of that
        /// many bytes: `PublicKey.subjectPublicKeyInfo` of a key of zeros without them (nothing else
        /// of the key is in the DER), so both ways give the same bytes.
        static let prefixes: [(algorithm: KeyAlgorithm, length: Int, der: [UInt8])] =
            [(KeyAlgorithm.ed25519, 32), (.ecdsaP256, 65), (.ecdsaP384, 97), (.ecdsaP521, 133)].map { algorithm, length in
                (algorithm, length, Array(key(algorithm, [UInt8](repeating: 0, count: length)).subjectPublicKeyInfo!.dropLast(length)))
            }

        /// An Ed25519 or ECDSA key from its key bytes.
        static func key(_ algorithm: KeyAlgorithm, _ bytes: [UInt8]) -> PublicKey {
            PublicKey(algorithm: algorithm, parts: algorithm == .ed25519 ? .eddsa(publicKey: bytes) : .ecdsa(point: bytes))
        }

        /// SHA-256 of the key's SubjectPublicKeyInfo, as `PublicKey.subjectPublicKeyInfoSHA256`.
        static func spkiSHA256(_ algorithm: KeyAlgorithm, blob: UnsafePointer<UInt8>, count: Int, into out: UnsafeMutablePointer<UInt8>) {
            func hash(_ der: [UInt8]) { der.withUnsafeBytes { Digest.sha256.hash($0, into: out, publicData: true) } }
            if algorithm == .rsa {
                // Clean keys have e = 65537.
                let n = LintLineJudge.rsaModulus(blob, count: count).modulus
                return hash(PublicKey(algorithm: .rsa, parts: .rsa(e: RSAModulusSite.f4, n: Array(n))).subjectPublicKeyInfo!)
            }
            // The key bytes are the blob's last string (Ed25519: type, key; ECDSA: type, curve, point).
            var o = 4 + LintLineJudge.stringLength(blob, at: 0)
            if algorithm != .ed25519 { o += 4 + LintLineJudge.stringLength(blob, at: o) }
            let key = UnsafeBufferPointer(start: blob + o + 4, count: LintLineJudge.stringLength(blob, at: o))
            guard let prefix = prefixes.first(where: { $0.algorithm == algorithm && $0.length == key.count })?.der else {
                return hash(Self.key(algorithm, Array(key)).subjectPublicKeyInfo!)
            }
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: prefix.count + key.count) { der in
                prefix.withUnsafeBufferPointer { der.baseAddress!.update(from: $0.baseAddress!, count: prefix.count) }
                (der.baseAddress! + prefix.count).update(from: key.baseAddress!, count: key.count)
                Digest.sha256.hash(UnsafeRawBufferPointer(der), into: out, publicData: true)
            }
        }
    }
}

/// A clean streamed key as `LintOutput` lists it: `type`, `bits`, `sha256` and `spki_sha256` from
/// its `CleanKeys.Fields` record (and an RSA key's modulus), written only when output.
struct ListedKey: Sendable {
    let clean: CleanKeys
    let index: Int
    /// The index of an RSA key's modulus in `clean`.
    let rsa: Int

    private var record: Int { index * CleanKeys.Fields.size }
    var algorithm: KeyAlgorithm { CleanKeys.Fields.algorithms[Int(clean.fields[record])] }
    var bits: Int { algorithm.fixedBits ?? PublicKey.bitLength(Array(clean.modulus(rsa))) }

    /// `SHA256:` and the blob's SHA-256 in unpadded base64 (`PublicKey.fingerprint`), at `dst`
    /// (50 bytes); returns the length.
    func writeSHA256(to dst: UnsafeMutablePointer<UInt8>) -> Int {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 32) { d in
            let hash = clean.hashes[index]
            for k in 0..<8 { d[k] = UInt8(truncatingIfNeeded: hash >> (56 - 8 * k)) }
            for k in 0..<24 { d[8 + k] = clean.fields[record + 1 + k] }
            (dst).update(from: Self.sha256Label, count: 7)
            return 7 + LineFingerprinter.writeBase64NoPadding(UnsafeBufferPointer(d), to: dst + 7)
        }
    }

    private static let sha256Label = Array("SHA256:".utf8)

    /// The SPKI SHA-256 in lowercase hex (`PublicKey.subjectPublicKeyInfoSHA256`), 64 bytes at `dst`.
    func writeSPKISHA256(to dst: UnsafeMutablePointer<UInt8>) -> Int {
        Hex.write(clean.fields[(record + 25)..<(record + 57)], to: dst)
    }

    /// `"type":…,"spki_sha256":"…"` as `LintOutput.keyFields` serializes them (no escape needed:
    /// ASCII letters, digits, `+/:-`), at `dst` (200 bytes); returns the length.
    func writeJSONMembers(to dst: UnsafeMutablePointer<UInt8>) -> Int {
        var o = 0
        func put(_ text: String) {
            var text = text
            text.withUTF8 { (dst + o).update(from: $0.baseAddress!, count: $0.count); o += $0.count }
        }
        put("\"type\":\"" + algorithm.sshName + "\",\"bits\":")
        o += LineFingerprinter.writeDecimal(bits, to: dst + o)
        put(",\"sha256\":\"")
        o += writeSHA256(to: dst + o)
        put("\",\"spki_sha256\":\"")
        o += writeSPKISHA256(to: dst + o)
        put("\"")
        return o
    }

    /// The four values as strings, for the general writer.
    var fields: (type: String, bits: Int, sha256: String, spkiSHA256: String) {
        func text(_ count: Int, _ write: (UnsafeMutablePointer<UInt8>) -> Int) -> String {
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: count) { b in
                String(decoding: UnsafeBufferPointer(start: b.baseAddress!, count: write(b.baseAddress!)), as: UTF8.self)
            }
        }
        return (algorithm.sshName, bits, text(64, writeSHA256), text(64, writeSPKISHA256))
    }
}

/// What the workers need of the policy to tell a clean plain line, worked out once per run.
struct LintLineJudge: Sendable {
    let allowsP256: Bool, allowsP384: Bool, allowsP521: Bool
    let checksCurvePoint: Bool
    let checksBlocklist: Bool
    /// RSA: the policy's minimum bits (0 when rsa-too-short is off), the weak-key tests that are on
    /// (Fermat: its steps, 0 when off), as `PolicyRules.check` and `WeakKeyRules.checkRSA` run them.
    let rsaMinBits: Int
    let checksSmallFactors: Bool, checksROCA: Bool
    let fermatSteps: Int

    init(policy: Policy, hasBlocklist: Bool) {
        allowsP256 = policy.allowedCurves.contains("nistp256")
        allowsP384 = policy.allowedCurves.contains("nistp384")
        allowsP521 = policy.allowedCurves.contains("nistp521")
        checksCurvePoint = policy.isEnabled(IntegrityRules.offCurve)
        checksBlocklist = hasBlocklist && policy.isEnabled(WeakKeyRules.blocklisted)
        rsaMinBits = policy.isEnabled(PolicyRules.rsaTooShort) ? policy.minRSABits : 0
        checksSmallFactors = policy.isEnabled(WeakKeyRules.smallFactors)
        checksROCA = policy.isEnabled(WeakKeyRules.roca)
        fermatSteps = policy.isEnabled(WeakKeyRules.fermat) ? policy.fermatSteps : 0
    }

    /// The length field of the SSH string at `o` of a blob LineFingerprinter checked.
    static func stringLength(_ blob: UnsafePointer<UInt8>, at o: Int) -> Int {
        Int(blob[o]) << 24 | Int(blob[o + 1]) << 16 | Int(blob[o + 2]) << 8 | Int(blob[o + 3])
    }

    /// The modulus of a canonical ssh-rsa blob (`string type, mpint e, mpint n`, as LineFingerprinter
    /// checked it) without its leading zero, and whether e is 65537.
    static func rsaModulus(_ blob: UnsafePointer<UInt8>, count: Int) -> (modulus: UnsafeBufferPointer<UInt8>, eIs65537: Bool) {
        func length(at o: Int) -> Int { stringLength(blob, at: o) }
        var o = 4 + length(at: 0)
        let eLength = length(at: o)
        let eIs65537 = eLength == 3 && blob[o + 4] == 1 && blob[o + 5] == 0 && blob[o + 6] == 1
        o += 4 + eLength + 4
        if blob[o] == 0 { o += 1 }
        return (UnsafeBufferPointer(start: blob + o, count: count - o), eIs65537)
    }

    /// True when the general path would raise no per-key finding for this plain line; false sends
    /// it there (always safe: that path makes every finding). The comment first: it costs least.
    func isClean(_ plain: LineFingerprinter.PlainLine, blob: UnsafePointer<UInt8>, line: UnsafeBufferPointer<UInt8>,
                 points: ECPointChecker) -> Bool {
        if checksBlocklist || !Self.commentIsEmail(line, from: plain.commentStart) { return false }
        switch plain.algorithm {
        case .ed25519:
            break
        case .ecdsaP256, .ecdsaP384, .ecdsaP521:
            let allowed = plain.algorithm == .ecdsaP256 ? allowsP256 : plain.algorithm == .ecdsaP384 ? allowsP384 : allowsP521
            guard allowed else { return false }
            if checksCurvePoint {
                // string type, string curve, string point (LineFingerprinter checked the layout).
                func length(at o: Int) -> Int { Self.stringLength(blob, at: o) }
                var o = 4 + length(at: 0)
                o += 4 + length(at: o)
                guard points.isOnCurve(algorithm: plain.algorithm, point: UnsafeBufferPointer(start: blob + o + 4, count: length(at: o))) else {
                    return false
                }
            }
        case .rsa:
            // PolicyRules.check: bits and exponent (any e but 65537 raises a finding or goes the
            // general way); then WeakKeyRules.checkRSA's tests, in its order.
            let (n, eIs65537) = Self.rsaModulus(blob, count: plain.blobLength)
            guard plain.bits >= rsaMinBits, eIs65537 else { return false }
            if checksSmallFactors || checksROCA || fermatSteps > 0 {
                let modulus = Array(n)
                if checksSmallFactors, !RSAWeakness.smallFactors(modulus: modulus).isEmpty { return false }
                if checksROCA, RSAWeakness.hasROCAFingerprint(modulus: modulus) { return false }
                if fermatSteps > 0, RSAWeakness.fermatFactor(modulus: modulus, steps: fermatSteps) != nil { return false }
            }
        default:
            return false
        }
        return true
    }

    /// `HygieneRules.isEmailAddress` of the comment as `checkComment` sees it, on the bytes of a
    /// plain line (printable ASCII: trailing spaces are the only blanks to trim).
    static func commentIsEmail(_ line: UnsafeBufferPointer<UInt8>, from start: Int) -> Bool {
        var end = line.count
        while end > start, line[end - 1] == UInt8(ascii: " ") { end -= 1 }
        var at = -1
        for k in start..<end {
            switch line[k] {
            case UInt8(ascii: " "): return false
            case UInt8(ascii: "@"):
                if at >= 0 { return false }
                at = k
            default: break
            }
        }
        guard at > start else { return false }
        // The domain: at least two labels, none empty.
        var dots = 0
        var previous = UInt8(ascii: ".")
        for k in (at + 1)..<end {
            if line[k] == UInt8(ascii: ".") {
                if previous == UInt8(ascii: ".") { return false }
                dots += 1
            }
            previous = line[k]
        }
        return dots > 0 && previous != UInt8(ascii: ".")
    }
}

/// Decodes the lines of a streamed line file for lint: with a judge, clean plain lines are kept
/// as `CleanKeys` (an RSA key with its modulus); every other key is kept as a document with its
/// line number.
struct LintLineHandler: LineHandler {
    let judge: LintLineJudge?
    /// Keep each clean key's `CleanKeys.Fields` too.
    let keepingFields: Bool
    private let fast = LineFingerprinter()
    private let points = ECPointChecker()

    init(judge: LintLineJudge?, keepingFields: Bool = false) {
        self.judge = judge
        self.keepingFields = keepingFields
    }

    mutating func handle(_ line: UnsafeBufferPointer<UInt8>, number: Int, into out: LineOutput) {
        if let judge, let plain = fast.scan(line), judge.isClean(plain, blob: fast.decodedBlob, line: line, points: points) {
            let hash: UInt64
            if keepingFields {
                hash = withUnsafeTemporaryAllocation(of: UInt8.self, capacity: CleanKeys.Fields.size) { record in
                    let hash = CleanKeys.Fields.write(plain.algorithm, blob: fast.decodedBlob, count: plain.blobLength, into: record.baseAddress!)
                    out.keepFields(UnsafeBufferPointer(record))
                    return hash
                }
            } else {
                hash = CleanKeys.hash(UnsafeRawBufferPointer(start: fast.decodedBlob, count: plain.blobLength))
            }
            if plain.algorithm == .rsa {
                out.keepClean(line: number, hash: hash, modulus: LintLineJudge.rsaModulus(fast.decodedBlob, count: plain.blobLength).modulus)
            } else {
                out.keepClean(line: number, hash: hash)
            }
            return
        }
        switch OpenSSHPublicFormat.parseLine(ArraySlice(line), lineNumber: number) {
        case .skip: break
        case let .failure(error): out.fail(line: number, error)
        case let .key(doc): out.keep(doc, line: number)
        }
    }
}

extension HygieneRules {
    /// The values that occur more than once in `values`: its halves sorted on two cores, then
    /// walked together (no merged copy). The copy `values` is 8 bytes a key, briefly.
    static func repeatedValues(_ values: consuming [UInt64]) -> Set<UInt64> {
        var values = values
        var repeated = Set<UInt64>()
        values.withUnsafeMutableBufferPointer { all in
            let n = all.count, half = n / 2
            nonisolated(unsafe) let buffer = all
            DispatchQueue.concurrentPerform(iterations: 2) { part in
                var piece = UnsafeMutableBufferPointer(rebasing: part == 0 ? buffer[0..<half] : buffer[half..<n])
                piece.sort()
            }
            var a = 0, b = half
            var previous: UInt64? = nil
            while a < half || b < n {
                let value: UInt64
                if b == n || (a < half && all[a] <= all[b]) {
                    value = all[a]; a += 1
                } else {
                    value = all[b]; b += 1
                }
                if value == previous { repeated.insert(value) }
                previous = value
            }
        }
        return repeated
    }

    /// One key of a file as duplicate-authorized-key compares them: blob hash, line, and whether
    /// its first `from=` and `command=` options carry a value (bits 0 and 1).
    struct KeySighting {
        var hash: UInt64
        var line: Int?
        var restrictions: UInt8
    }

    /// Every key of the file in file order (documents and clean keys merged by line), but only
    /// those whose blob hash occurs more than once: the common case of no duplicate costs one sort
    /// of the hashes and keeps no per-key record beyond them.
    static func repeatedKeys(_ input: LintInput) -> [KeySighting] {
        var documents: [KeySighting] = []
        for entry in input.entries {
            guard case let .success(doc) = entry.result, doc.marker == nil, let key = doc.publicKey else { continue }
            let options = parseOptions(doc.options ?? doc.hosts ?? "").filter { !$0.name.isEmpty }
            var restrictions: UInt8 = 0
            if options.first(where: { $0.name == "from" })?.value != nil { restrictions |= 1 }
            if options.first(where: { $0.name == "command" })?.value != nil { restrictions |= 2 }
            let hash = key.plainBlob.withUnsafeBytes { CleanKeys.hash($0) }
            documents.append(KeySighting(hash: hash, line: entry.line ?? doc.line, restrictions: restrictions))
        }
        let repeated = repeatedValues(input.clean.hashes + documents.map(\.hash))
        guard !repeated.isEmpty else { return [] }
        // Merge by line: documents are in line order for a streamed file, and a file read whole
        // has no clean keys.
        var out: [KeySighting] = []
        var d = 0
        let clean = input.clean
        clean.forEachLine { c, line in
            while d < documents.count, (documents[d].line ?? 0) < line {
                if repeated.contains(documents[d].hash) { out.append(documents[d]) }
                d += 1
            }
            if repeated.contains(clean.hashes[c]) { out.append(KeySighting(hash: clean.hashes[c], line: line, restrictions: 0)) }
        }
        for rest in documents[d...] where repeated.contains(rest.hash) { out.append(rest) }
        return out
    }
}
