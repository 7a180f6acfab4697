internal import CKeyportSys
internal import CLibcrypto

/// Secret bytes (passphrases, KDF output, decrypted sections, private key parts) in storage that is
/// wiped with `OPENSSL_cleanse` before it is freed: when the last copy goes away, and when the buffer
/// grows (the old storage is wiped as it is let go).
///
/// A value type with copy-on-write storage, as swift-crypto's `SecureBytes` is: copies share one
/// buffer until one of them is changed. Secrets can be written straight into it
/// (`init(unsafeUninitializedCapacity:initializingWith:)`, `append(unsafeUninitializedCapacity:initializingWith:)`),
/// so no temporary array ever holds them. Copies taken with `bytes` are ordinary arrays and are not
/// wiped; keep them short-lived.
///
/// Every access to the bytes (and every copy, growth and wipe) ends by zeroing the CPU's vector
/// registers: memcpy and the ciphers move secrets through them, and what stays there reaches memory
/// later (a thread created next inherits the registers, lazy symbol binding spills them onto the
/// stack, a core dump records them).
public struct SecureBytes: Sendable, Equatable, CustomStringConvertible {
    private var storage: Storage

    /// Empty, with room for `capacity` bytes before the first growth.
    public init(capacity: Int = 0) {
        storage = Storage(capacity: capacity)
    }

    /// Copies `bytes` into a private buffer (the caller should wipe its own copy).
    public init<C: Collection>(_ bytes: C) where C.Element == UInt8 {
        storage = Storage(capacity: bytes.count)
        append(contentsOf: bytes)
    }

    /// Lets `body` write the secret straight into the wiped-on-free buffer (as swift-crypto's
    /// SecureBytes does), so no temporary array ever holds it. `body` gets `capacity` bytes and
    /// returns how many it initialised.
    public init(unsafeUninitializedCapacity capacity: Int, initializingWith body: (UnsafeMutableRawBufferPointer) throws -> Int) rethrows {
        storage = Storage(capacity: capacity)
        try append(unsafeUninitializedCapacity: capacity, initializingWith: body)
    }

    /// The UTF-8 bytes of `text`, e.g. a passphrase.
    public init(_ text: String) { self.init(Array(text.utf8)) }

    /// Number of secret bytes.
    public var count: Int { storage.count }
    /// True for zero bytes (an empty passphrase).
    public var isEmpty: Bool { count == 0 }
    /// Bytes the buffer holds before it must grow.
    public var capacity: Int { storage.capacity }

    /// A copy of the secret. Prefer `withUnsafeBytes`.
    public var bytes: [UInt8] { withUnsafeBytes { Array($0) } } // withUnsafeBytes clears the registers

    /// Calls `body` with the secret bytes; do not let the pointer escape.
    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        defer { keyport_clear_vector_registers() }
        return try body(UnsafeRawBufferPointer(rebasing: storage.buffer[0..<storage.count]))
    }

    /// Calls `body` with the secret bytes to change them in place (this copy only); do not let the
    /// pointer escape.
    public mutating func withUnsafeMutableBytes<R>(_ body: (UnsafeMutableRawBufferPointer) throws -> R) rethrows -> R {
        makeUnique(capacity: count)
        defer { keyport_clear_vector_registers() }
        return try body(UnsafeMutableRawBufferPointer(rebasing: storage.buffer[0..<storage.count]))
    }

    /// Bytes `range` of the secret, as a secret of their own (e.g. a key and an IV out of one KDF
    /// output), copied from buffer to buffer only.
    public subscript(range: Range<Int>) -> SecureBytes {
        precondition(range.lowerBound >= 0 && range.upperBound <= count, "SecureBytes: range out of bounds")
        return withUnsafeBytes { SecureBytes(UnsafeRawBufferPointer(rebasing: $0[range])) }
    }

    /// Makes room for at least `capacity` bytes in all; the old storage is wiped when it is let go.
    public mutating func reserveCapacity(_ capacity: Int) {
        makeUnique(capacity: capacity)
    }

    /// Appends `bytes`, growing as needed (growth wipes the old storage).
    public mutating func append<C: Collection>(contentsOf bytes: C) where C.Element == UInt8 {
        append(unsafeUninitializedCapacity: bytes.count) { tail in
            tail.copyBytes(from: bytes)
            return bytes.count
        }
    }

    /// Appends another secret, copied from buffer to buffer only.
    public mutating func append(_ other: SecureBytes) {
        other.withUnsafeBytes { append(contentsOf: $0) }
    }

    /// Appends one byte.
    public mutating func append(_ byte: UInt8) {
        append(contentsOf: CollectionOfOne(byte))
    }

    /// Lets `body` write up to `capacity` more bytes straight after the current ones (cipher or KDF
    /// output); `body` returns how many it initialised. If it throws, nothing is appended and what
    /// it wrote is wiped.
    public mutating func append(unsafeUninitializedCapacity capacity: Int, initializingWith body: (UnsafeMutableRawBufferPointer) throws -> Int) rethrows {
        precondition(capacity >= 0, "SecureBytes: negative capacity")
        defer { keyport_clear_vector_registers() }
        let (total, overflow) = count.addingReportingOverflow(capacity)
        precondition(!overflow, "SecureBytes: capacity overflow")
        makeUnique(capacity: total)
        let tail = UnsafeMutableRawBufferPointer(rebasing: storage.buffer[count..<count + capacity])
        do {
            let written = try body(tail)
            precondition(written >= 0 && written <= capacity, "SecureBytes: initialised more than its capacity")
            storage.count += written
            // Bytes `body` wrote beyond what it reports are wiped now, not when the buffer goes.
            if written < capacity { OPENSSL_cleanse(tail.baseAddress.map { $0 + written }, capacity - written) }
        } catch {
            OPENSSL_cleanse(tail.baseAddress, tail.count)
            throw error
        }
    }

    /// Ensures this copy owns its storage alone and that it holds at least `capacity` bytes. A new
    /// buffer at least doubles, so appending byte by byte stays linear; the old one, if no other
    /// copy holds it, is wiped as it is freed.
    private mutating func makeUnique(capacity: Int) {
        let unique = isKnownUniquelyReferenced(&storage)
        if unique, capacity <= storage.capacity { return }
        let grown = capacity > storage.capacity ? max(capacity, 2 * storage.capacity) : storage.capacity
        let copy = Storage(capacity: grown)
        copy.buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: storage.buffer[0..<storage.count]))
        copy.count = storage.count
        storage = copy
        keyport_clear_vector_registers()
    }

    /// Constant-time comparison.
    public static func == (a: SecureBytes, b: SecureBytes) -> Bool {
        guard a.count == b.count else { return false }
        return a.withUnsafeBytes { x in b.withUnsafeBytes { y in CRYPTO_memcmp(x.baseAddress, y.baseAddress, a.count) == 0 } }
    }

    /// Equal as big-endian unsigned integers: leading zero bytes do not count (formats pad fixed-size
    /// fields differently). Constant time in the bytes after the leading zeros.
    public func hasSameMagnitude(as other: SecureBytes) -> Bool {
        withUnsafeBytes { a in
            other.withUnsafeBytes { b in
                let x = a.drop(while: { $0 == 0 }), y = b.drop(while: { $0 == 0 })
                guard x.count == y.count else { return false }
                return x.isEmpty || CRYPTO_memcmp(a.baseAddress! + x.startIndex, b.baseAddress! + y.startIndex, x.count) == 0
            }
        }
    }

    /// Shows only the length: the secret never appears in logs or output.
    public var description: String { "SecureBytes(\(count) bytes, redacted)" }

    /// One buffer, zeroed when made and wiped before it is freed.
    private final class Storage: @unchecked Sendable {
        // @unchecked: mutated only through a SecureBytes that holds the one reference to it
        // (makeUnique copies first otherwise), so no two threads ever write or read-while-writing.
        let buffer: UnsafeMutableRawBufferPointer
        var count = 0
        var capacity: Int { buffer.count }

        init(capacity: Int) {
            buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(capacity, 1), alignment: 16)
            buffer.initializeMemory(as: UInt8.self, repeating: 0)
        }

        deinit {
            OPENSSL_cleanse(buffer.baseAddress, buffer.count)
            buffer.deallocate()
            keyport_clear_vector_registers()
        }
    }
}

/// Wipes an array that held secret material.
func wipe(_ bytes: inout [UInt8]) {
    bytes.withUnsafeMutableBytes { OPENSSL_cleanse($0.baseAddress, $0.count) }
    keyport_clear_vector_registers()
}

/// Appends `more` to `out`, which holds secret material: when `out` must grow, its old storage is
/// wiped (Array's own growth frees it as it is).
func appendWiping<C: Collection>(_ out: inout [UInt8], _ more: C) where C.Element == UInt8 {
    if out.count + more.count > out.capacity {
        var bigger: [UInt8] = []
        bigger.reserveCapacity(max(2 * out.capacity, out.count + more.count))
        bigger.append(contentsOf: out)
        wipe(&out)
        out = bigger
    }
    out.append(contentsOf: more)
}

/// Constant-time equality for MACs and tags.
func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
    guard a.count == b.count else { return false }
    return CRYPTO_memcmp(a, b, a.count) == 0
}

extension SecureBytes {
    /// Wipes an array that held secret material (OPENSSL_cleanse, which the optimiser keeps).
    public static func wipe(_ bytes: inout [UInt8]) { Keyport.wipe(&bytes) }
}
