#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Buffered output to a file descriptor where every write is checked.
///
/// Output goes out in blocks of `capacity` bytes (large blocks straight through, several at once
/// with `writev`). The first failed write (a full disk, `/dev/full`, EIO, a closed pipe) is kept in
/// `failure` and everything after it is dropped, so a caller can stop early and must call `finish()`
/// (or look at `failure`) before it reports success: output that did not reach its destination is
/// never taken for output that did. The writer prints nothing else and never exits; what to do on
/// a failure is the caller's decision (the `keyport` tool exits 74, or quietly for a closed pipe).
///
/// The buffer is wiped after every flush, as it may hold a private key on its way out. One writer
/// per destination keeps output in order; it is not safe to use from two threads at once.
public final class OutputWriter: @unchecked Sendable {
    /// The file descriptor written to.
    public let fileDescriptor: Int32
    /// The name used in the error `finish()` throws ("standard output").
    public let name: String
    /// The `errno` of the first failed write, if any.
    public private(set) var failure: Int32?
    /// Called once, with the errno, at the first failed write (after `failure` is set).
    public var onFailure: ((Int32) -> Void)?

    private var buffer: [UInt8] = []
    private let capacity: Int

    /// A writer for `fileDescriptor` that flushes every `capacity` bytes.
    public init(fileDescriptor: Int32, name: String, capacity: Int = 1 << 16) {
        self.fileDescriptor = fileDescriptor
        self.name = name
        self.capacity = capacity
        buffer.reserveCapacity(capacity)
    }

    /// Appends the UTF-8 of `text`.
    public func write(_ text: String) {
        guard failure == nil else { return }
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= capacity { flush() }
    }

    /// Appends `bytes`; a block of `capacity` bytes or more goes out directly, without a copy.
    public func write<Bytes: Collection>(bytes: Bytes) where Bytes.Element == UInt8 {
        guard failure == nil else { return }
        if bytes.count >= capacity {
            flush()
            let done: Void? = bytes.withContiguousStorageIfAvailable { write(parts: [UnsafeRawBufferPointer($0)]) }
            if done == nil { Array(bytes).withUnsafeBytes { write(parts: [$0]) } }
            return
        }
        buffer.append(contentsOf: bytes)
        if buffer.count >= capacity { flush() }
    }

    /// Appends several blocks in order: small totals through the buffer, large ones in `writev`
    /// calls of up to 1024 blocks each.
    public func write(parts: [UnsafeRawBufferPointer]) {
        guard failure == nil else { return }
        let total = parts.reduce(0) { $0 + $1.count }
        if total < capacity {
            for part in parts where part.count > 0 { buffer.append(contentsOf: part) }
            if buffer.count >= capacity { flush() }
            return
        }
        flush()
        var vectors = parts.filter { $0.count > 0 }.map { iovec(iov_base: UnsafeMutableRawPointer(mutating: $0.baseAddress!), iov_len: $0.count) }
        var first = 0
        while first < vectors.count, failure == nil {
            let n = vectors.withUnsafeBufferPointer { v in writev(fileDescriptor, v.baseAddress! + first, Int32(min(v.count - first, 1024))) }
            if n <= 0 {
                if n < 0, errno == EINTR { continue }
                fail(n < 0 ? errno : EIO)
                return
            }
            // Skip what was written; a partly written vector is shortened.
            var left = n
            while left > 0, first < vectors.count {
                if left >= vectors[first].iov_len {
                    left -= vectors[first].iov_len
                    first += 1
                } else {
                    vectors[first].iov_base += left
                    vectors[first].iov_len -= left
                    left = 0
                }
            }
        }
    }

    /// Writes out what is buffered.
    public func flush() {
        guard !buffer.isEmpty else { return }
        // The buffer may have held a private key (convert to standard output): wiped, not just emptied.
        defer { discardBuffer() }
        guard failure == nil else { return }
        var offset = 0
        while offset < buffer.count {
            let n = buffer.withUnsafeBytes { Glibc.write(fileDescriptor, $0.baseAddress! + offset, $0.count - offset) }
            if n <= 0 {
                if n < 0, errno == EINTR { continue }
                fail(n < 0 ? errno : EIO)
                return
            }
            offset += n
        }
    }

    /// Flushes, then throws `KeyportError.io` naming the first failed write, if any.
    public func finish() throws {
        flush()
        if let failure {
            throw KeyportError.io(path: name, reason: "write failed: \(FileIO.errorText(failure))", cause: .write(errno: failure))
        }
    }

    private func fail(_ code: Int32) {
        failure = code
        discardBuffer()
        onFailure?(code)
    }

    private func discardBuffer() {
        wipe(&buffer)
        buffer.removeAll(keepingCapacity: true)
    }
}
