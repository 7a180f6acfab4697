// Placeholder until the PEM family lands; see the open issue for it.
enum PEMFormat {
    static func decode(_ bytes: [UInt8]) throws -> [KeyDocument] { throw KeyportError.unsupported("PEM files are not supported yet") }
    static func decodeDER(_ bytes: [UInt8]) throws -> [KeyDocument] { throw KeyportError.unsupported("DER files are not supported yet") }
    static func unlock(_ document: KeyDocument, passphrase: SecureBytes) throws -> KeyDocument { throw KeyportError.unsupported("PEM files are not supported yet") }
    static func encodePublic(_ key: PublicKey, as format: OutputFormat) throws -> EncodedKey { throw KeyportError.unsupported("PEM output is not supported yet") }
    static func encodePrivate(_ key: PrivateKey, as format: OutputFormat, options: EncodeOptions) throws -> EncodedKey { throw KeyportError.unsupported("PEM output is not supported yet") }
}
