// The engine of `keyport fingerprint`, for the command-line tool and library users alike: every key
// of an input, in input order, rendered by FingerprintOutput. Line files stream through KeyInput,
// plain lines take LineFingerprinter's fast path and every other line the general parser; other
// key files are decoded whole and, when their public key is encrypted too, unlocked with the
// passphrase the caller supplies.

/// Renders the lines of a streamed line file: the fast path for plain lines, else the general one.
public struct FingerprintLineHandler: LineHandler {
    /// How keys are written.
    public let style: FingerprintStyle
    /// The input's name as printed.
    public let path: String
    private let fast = LineFingerprinter()
    /// Only for JSON: laying it out costs more than a one-key text run does.
    private let layout: LineFingerprinter.JSONLayout?

    /// A handler for lines of `path`; make one per worker thread.
    public init(path: String, style: FingerprintStyle) {
        self.path = path
        self.style = style
        layout = style.json ? LineFingerprinter.JSONLayout(style: style, fileName: FingerprintStyle.fileName(path)) : nil
    }

    /// Renders line `number` into `out` (or records why it is not a key).
    public mutating func handle(_ line: UnsafeBufferPointer<UInt8>, number: Int, into out: LineOutput) {
        // Only ssh-keygen's kinds hash the blob as read; the other tools' take the general path.
        if !style.randomart, style.hash.isSSHKeygen {
            let written: Int
            if let layout {
                written = out.write(maximumCount: LineFingerprinter.jsonCapacity(lineLength: line.count, layout: layout)) {
                    fast.renderJSON(line: line, number: number, layout: layout, into: $0)
                }
            } else {
                written = out.write(maximumCount: line.count + LineFingerprinter.outputSlack) {
                    fast.render(line: line, hash: style.hash, into: $0)
                }
            }
            if written > 0 {
                out.noteKey()
                return
            }
        }
        Self.general(line, number: number, path: path, style: style, into: out)
    }

    /// The general path for one line: parse, then `FingerprintOutput.render`.
    static func general(_ line: UnsafeBufferPointer<UInt8>, number: Int, path: String, style: FingerprintStyle, into out: LineOutput) {
        switch OpenSSHPublicFormat.parseLine(ArraySlice(line), lineNumber: number) {
        case .skip: break
        case let .failure(error): out.fail(line: number, error)
        case let .key(doc):
            out.noteKey()
            if let error = doc.publicKey?.certificateSignatureFailure {
                out.fail(line: number, error)
            } else if let key = doc.publicKey {
                do {
                    out.append(try FingerprintOutput.render(key, document: doc, path: path, style: style))
                } catch {
                    out.fail(line: number, Fingerprinter.keyportError(error, path: path))
                }
            }
        }
    }
}

/// Fingerprints every key of an input.
///
/// ```swift
/// var text: [UInt8] = []
/// Fingerprinter(style: FingerprintStyle(hash: .sha256)).run(
///     path: "authorized_keys", passphrase: { _ in nil },
///     output: { parts, _ in for p in parts { text.append(contentsOf: p) } }, report: { line, error in print(line ?? 0, error) })
/// ```
public struct Fingerprinter: Sendable {
    /// How keys are written.
    public var style: FingerprintStyle
    /// Also unlock (with `passphrase`) an openssh-key-v1 key whose public half is in clear, when its
    /// comment is unknown otherwise (it sits in the encrypted section and no `.pub` gives it): for
    /// callers that hold a passphrase anyway (`--passphrase-file`). A failure is reported and the
    /// key still printed, with "no comment".
    public var unlocksForComment = false

    /// A fingerprinter writing keys in `style`.
    public init(style: FingerprintStyle = FingerprintStyle()) { self.style = style }

    /// Reads `path` (`-` for standard input) once and renders every key in it.
    ///
    /// - Parameters:
    ///   - passphrase: asked for a key whose public half is encrypted too (PEM, PKCS#8); nil leaves
    ///     the key unread (reported as needing a passphrase). Its errors are reported.
    ///   - output: rendered bytes, in input order; for a line file, each chunk's as soon as it is
    ///     read. The flag is true when the input is a pipe or terminal: write such output out at
    ///     once, so that each key appears as soon as its line was read.
    ///   - report: every problem: a line that is not a key (with its number), a key that could not
    ///     be unlocked, or an input that could not be read or holds no key (line nil).
    ///   - repaired: for a key read only after undoing paste damage (`PasteRepair`), its line and
    ///     what was repaired ("repaired a UTF-8 byte-order mark …"); the key is still printed.
    public func run(path: String, passphrase: (KeyDocument) throws -> SecureBytes?,
                    output: (_ parts: [UnsafeRawBufferPointer], _ live: Bool) -> Void, report: (Int?, KeyportError) -> Void,
                    repaired: (Int?, String) -> Void = { _, _ in }) {
        let input: KeyInput
        do {
            input = try KeyInput(path: path)
        } catch {
            report(nil, Self.keyportError(error, path: path))
            return
        }
        if input.isLineFile {
            let style = style
            let live = !input.isRegularFile
            input.streamLines({ FingerprintLineHandler(path: path, style: style) }, emit: { output($0.map(\.written), live) }, report: report)
            return
        }
        var bytes: [UInt8] = []
        defer { SecureBytes.wipe(&bytes) }
        let entries: [KeyEntry]
        do {
            bytes = try input.readWhole()
            entries = try KeyFile.read(bytes)
        } catch {
            report(nil, Self.keyportError(error, path: path))
            return
        }
        var text = ""
        for entry in entries {
            var doc: KeyDocument
            switch entry.result {
            case let .success(d): doc = d
            case let .failure(error):
                report(entry.line, error)
                continue
            }
            for observation in doc.observations where observation.code == .pastedRepair { repaired(doc.line ?? entry.line, observation.message) }
            // A private key read from a place of public keys (a .pub or authorized_keys file,
            // standard input) is refused, as `ssh-keygen -lf -` refuses it: fail closed, name it.
            if let error = doc.exposure(at: path) {
                report(doc.line ?? entry.line, error)
                continue
            }
            // aws-sha1 hashes the private key: unlock an encrypted one for it.
            if doc.publicKey == nil || (style.hash.needsPrivateKey && doc.isLocked) {
                do {
                    guard let secret = try passphrase(doc) else { continue }
                    doc = try KeyFile.unlock(doc, passphrase: secret)
                } catch {
                    report(doc.line, Self.keyportError(error, path: path))
                    continue
                }
            }
            if path != "-" { doc = doc.withCommentFromPublicFile(beside: path, always: true) }
            if unlocksForComment, doc.isLocked, doc.commentSource == .unknown {
                do {
                    if let secret = try passphrase(doc) { doc = try KeyFile.unlock(doc, passphrase: secret) }
                } catch {
                    report(doc.line, Self.keyportError(error, path: path))
                }
            }
            guard let key = doc.publicKey else { continue }
            if let error = key.certificateSignatureFailure {
                report(doc.line, error)
                continue
            }
            do {
                text += try FingerprintOutput.render(key, document: doc, path: path, style: style)
            } catch {
                report(doc.line, Self.keyportError(error, path: path))
            }
        }
        text.withUTF8 { output([UnsafeRawBufferPointer($0)], false) }
    }

    static func keyportError(_ error: Error, path: String) -> KeyportError {
        (error as? KeyportError) ?? .io(path: path, reason: "\(error)")
    }
}
