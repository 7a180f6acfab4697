internal import CLibcrypto

/// Secret bytes (passphrases, KDF output, decrypted sections, private key parts) in one buffer that is
/// wiped with `OPENSSL_cleanse` when the last reference goes away.
///
/// Copies taken with `bytes` are ordinary arrays and are not wiped; keep them short-lived.
public final class SecureBytes: @unchecked Sendable, Equatable, CustomStringConvertible {
    // Never mutated after init, so sharing across threads is safe.
    private let storage: UnsafeMutableRawBufferPointer

    /// Copies `bytes` into a private buffer (the caller should wipe its own copy).
    public init<C: Collection>(_ bytes: C) where C.Element == UInt8 {
        storage = UnsafeMutableRawBufferPointer.allocate(byteCount: max(bytes.count, 1), alignment: 16)
        storage.copyBytes(from: bytes)
        count = bytes.count
    }

    /// Lets `body` write the secret straight into the wiped-on-free buffer (as swift-crypto's
    /// SecureBytes does), so no temporary array ever holds it. `body` gets `capacity` bytes and
    /// returns how many it initialised.
    public init(unsafeUninitializedCapacity capacity: Int, initializingWith body: (UnsafeMutableRawBufferPointer) throws -> Int) rethrows {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(capacity, 1), alignment: 16)
        buffer.initializeMemory(as: UInt8.self, repeating: 0)
        do {
            let written = try body(UnsafeMutableRawBufferPointer(rebasing: buffer[0..<capacity]))
            precondition(written >= 0 && written <= capacity, "SecureBytes: initialised more than its capacity")
            storage = buffer
            count = written
        } catch {
            OPENSSL_cleanse(buffer.baseAddress, buffer.count)
            buffer.deallocate()
            throw error
        }
    }

    /// The UTF-8 bytes of `text`, e.g. a passphrase.
    public convenience init(_ text: String) { self.init(Array(text.utf8)) }

    /// Number of secret bytes.
    public let count: Int
    /// True for zero bytes (an empty passphrase).
    public var isEmpty: Bool { count == 0 }

    /// A copy of the secret. Prefer `withUnsafeBytes`.
    public var bytes: [UInt8] { Array(UnsafeRawBufferPointer(rebasing: storage[0..<count])) }

    /// Calls `body` with the secret bytes; do not let the pointer escape.
    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try body(UnsafeRawBufferPointer(rebasing: storage[0..<count]))
    }

    deinit {
        OPENSSL_cleanse(storage.baseAddress, storage.count)
        storage.deallocate()
    }

    /// Constant-time comparison.
    public static func == (a: SecureBytes, b: SecureBytes) -> Bool {
        guard a.count == b.count else { return false }
        return a.withUnsafeBytes { x in b.withUnsafeBytes { y in CRYPTO_memcmp(x.baseAddress, y.baseAddress, a.count) == 0 } }
    }

    /// Shows only the length: the secret never appears in logs or output.
    public var description: String { "SecureBytes(\(count) bytes, redacted)" }
}

/// Wipes an array that held secret material.
func wipe(_ bytes: inout [UInt8]) {
    bytes.withUnsafeMutableBytes { OPENSSL_cleanse($0.baseAddress, $0.count) }
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
