/// The one error type of the Keyport library.
///
/// Messages are lowercase, written for people, and never contain secret material. The command-line
/// tool prefixes them with `keyport: FILE[:LINE]: ` and maps each case to an exit code.
public enum KeyportError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The bytes are in a known format but a field is wrong.
    case malformed(format: String, field: String, reason: String)
    /// The data ends before a field is complete.
    case truncated(format: String, field: String)
    /// No supported format matches; `seen` says what the input looked like.
    case unrecognizedFormat(seen: String)
    /// A valid input that keyport does not handle (for example an SSH-1 key).
    case unsupported(String)
    /// The key is encrypted and no passphrase was supplied.
    case passphraseRequired(String)
    /// The passphrase does not open the key.
    case wrongPassphrase
    /// A MAC, tag, check integer or padding failed for a reason other than the passphrase.
    case integrityCheckFailed(String)
    /// The private half does not belong to the public half.
    case keyMismatch(String)
    /// The key cannot be written in the requested format.
    case cannotEncode(String)
    /// A file could not be read or written.
    case io(path: String, reason: String)
    /// The output exists and `--force` was not given.
    case outputExists(path: String)
    /// libcrypto or libargon2 reported a failure.
    case crypto(String)
    /// A usage problem found after argument parsing (conflicting options, missing passphrase source).
    case usage(String)

    /// A lowercase message for people; never contains secret material, and any text quoted from
    /// an input has its control characters escaped (`SafeText`), so the message is one safe line.
    public var description: String { SafeText.escape(message) }

    private var message: String {
        switch self {
        case let .malformed(format, field, reason):
            // "DER: DER: ..." and "public key line: line: ..." say the field twice.
            if format == field || format.hasSuffix(" " + field) { return "\(format): \(reason)" }
            return "\(format): \(field): \(reason)"
        case let .truncated(format, field): return "\(format): truncated data while reading \(field)"
        case let .unrecognizedFormat(seen): return "not a key file keyport knows: \(seen)"
        case let .unsupported(what): return what
        case let .passphraseRequired(what): return what
        case .wrongPassphrase: return "wrong passphrase"
        case let .integrityCheckFailed(what): return what
        case let .keyMismatch(what): return "private key does not match its public key: \(what)"
        case let .cannotEncode(what): return what
        case let .io(path, reason): return "\(path): \(reason)"
        case let .outputExists(path): return "\(path) exists; use --force to replace it"
        case let .crypto(what): return "crypto library: \(what)"
        case let .usage(what): return what
        }
    }
}
