/// The one error type of the Keyport library.
///
/// Messages are lowercase, written for people, never contain secret material and name no
/// command-line option (the tool adds its own hints). Programs branch on `kind`, never on the text:
/// the command-line tool derives its exit codes and lint its rules from it.
public enum KeyportError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The bytes are in a known format but a field is wrong.
    case malformed(format: String, field: String, reason: String)
    /// The data ends before a field is complete.
    case truncated(format: String, field: String)
    /// No supported format matches; `seen` says what the input looked like.
    case unrecognizedFormat(seen: String)
    /// A valid input that keyport does not handle (for example an SSH-1 key); `reason` says which.
    case unsupported(String, reason: Unsupported = .other)
    /// The key is encrypted and no passphrase was supplied.
    case passphraseRequired(String)
    /// The passphrase does not open the key.
    case wrongPassphrase
    /// A MAC, tag, check integer or padding failed for a reason other than the passphrase.
    case integrityCheckFailed(String)
    /// The private half does not belong to the public half.
    case keyMismatch(String)
    /// Private key material where only public keys belong (an authorized_keys file, a `.pub` file,
    /// standard input of a command that takes public keys); the message names the format, never
    /// the key material.
    case privateKeyExposed(String)
    /// The key cannot be written in the requested format; `remedy` says what would work instead.
    case cannotEncode(String, remedy: Remedy = .none)
    /// A file could not be read or written; `cause` says which step failed and with which errno.
    case io(path: String, reason: String, cause: IOCause = .other)
    /// The output exists and the caller did not ask to replace it.
    case outputExists(path: String)
    /// libcrypto or libargon2 reported a failure.
    case crypto(String)
    /// A request that cannot be carried out as asked (conflicting settings, missing passphrase source).
    case usage(String)

    /// What kind of failure this is: the one thing programs branch on.
    public enum Kind: Sendable, Hashable {
        /// The input is not a valid key: malformed, truncated, unrecognised, failing its MAC or check,
        /// or a private half that does not match its public half.
        case damagedInput
        /// A valid input keyport does not handle.
        case unsupported(Unsupported)
        /// The input asks for more key-derivation work than keyport spends (see `KDFLimits`).
        case costRefused
        /// The key is encrypted and no passphrase was given.
        case passphraseRequired
        /// The passphrase does not open the key.
        case wrongPassphrase
        /// Reading or writing a file failed.
        case io(IOCause)
        /// The request cannot be carried out as asked (including a key that cannot be written in the
        /// requested format).
        case usage
        /// libcrypto or libargon2 failed where it should not.
        case `internal`
    }

    /// Why an input is not supported.
    public enum Unsupported: Sendable, Hashable {
        /// An SSH protocol 1 key (public line or private file).
        case ssh1
        /// A PuTTY key file of version 1.
        case ppkVersion1
        /// A PuTTY key file of a version newer than keyport knows.
        case ppkVersionNewer
        /// An SSH.com (SSH2) private key.
        case sshComPrivateKey
        /// A key type keyport does not know or the format cannot hold.
        case keyType
        /// A cipher keyport (or libcrypto) does not have.
        case cipher
        /// A key-derivation function keyport does not have.
        case kdf
        /// A key-derivation cost above `KDFLimits`.
        case costAboveLimit
        /// A key-derivation cost within `KDFLimits` that the run's budget (`KDFLimits.runBudget`) has
        /// no room left for: the key itself is fine, the run has opened enough keys.
        case kdfBudgetSpent
        /// A key size or shape outside what keyport handles (multi-prime RSA, huge DSA, ...).
        case keyShape
        /// A PEM block or structure that holds no key keyport reads.
        case structure
        /// Anything else.
        case other
    }

    /// What would work instead of an encoding keyport refused (the tool turns it into its options).
    public enum Remedy: Sendable, Hashable {
        /// Nothing to suggest.
        case none
        /// Write the key as OpenSSH (the only format that holds it).
        case writeOpenSSH
        /// Write the certificate as OpenSSH, or the key without its certificate.
        case writeOpenSSHWithoutCertificate
        /// The format holds private keys: give one, or write the public key as OpenSSH.
        case givePrivateKey
        /// The format holds public keys only: write the public half, or choose a private-key format.
        case writePublicOnly
    }

    /// Which step of file access failed.
    public enum IOCause: Sendable, Hashable {
        /// Opening or reading an input failed with `errno` (EISDIR for a directory).
        case read(errno: Int32)
        /// The input is larger than the bound for its kind of content.
        case tooLarge
        /// An output file or directory could not be created.
        case create(errno: Int32)
        /// Writing an output failed.
        case write(errno: Int32)
        /// The output exists.
        case exists
        /// A failure with no more detail.
        case other
    }

    /// The kind programs branch on.
    public var kind: Kind {
        switch self {
        case .malformed, .truncated, .unrecognizedFormat, .integrityCheckFailed, .keyMismatch, .privateKeyExposed: return .damagedInput
        case let .unsupported(_, reason): return reason == .costAboveLimit || reason == .kdfBudgetSpent ? .costRefused : .unsupported(reason)
        case .passphraseRequired: return .passphraseRequired
        case .wrongPassphrase: return .wrongPassphrase
        case .cannotEncode, .usage: return .usage
        case let .io(_, _, cause): return .io(cause)
        case .outputExists: return .io(.exists)
        case .crypto: return .internal
        }
    }

    /// A lowercase message for people; never contains secret material, and any text quoted from
    /// an input has its control characters escaped (`SafeText`), so the message is one safe line.
    public var description: String { SafeText.escape(plainText) }

    private var plainText: String {
        switch self {
        case let .malformed(format, field, reason):
            // "DER: DER: ..." and "public key line: line: ..." say the field twice.
            if format == field || format.hasSuffix(" " + field) { return "\(format): \(reason)" }
            return "\(format): \(field): \(reason)"
        case let .truncated(format, field): return "\(format): truncated data while reading \(field)"
        case let .unrecognizedFormat(seen): return "not a key file keyport knows: \(seen)"
        case let .unsupported(what, _): return what
        case let .passphraseRequired(what): return what
        case .wrongPassphrase: return "wrong passphrase"
        case let .integrityCheckFailed(what): return what
        case let .keyMismatch(what): return "private key does not match its public key: \(what)"
        case let .privateKeyExposed(what): return "private key where a public key belongs: \(what)"
        case let .cannotEncode(what, _): return what
        case let .io(path, reason, _): return "\(path): \(reason)"
        case let .outputExists(path): return "\(path) exists"
        case let .crypto(what): return "crypto library: \(what)"
        case let .usage(what): return what
        }
    }
}
