// Placeholder until the format lands; see the open issue for it.
enum OpenSSHPrivateFormat {
    static func decode(_ bytes: [UInt8]) throws -> [KeyDocument] { throw KeyportError.unsupported("OpenSSHPrivate files are not supported yet") }
    static func unlock(_ document: KeyDocument, passphrase: SecureBytes) throws -> KeyDocument { throw KeyportError.unsupported("OpenSSHPrivate files are not supported yet") }
    static func encode(_ key: PrivateKey, options: EncodeOptions) throws -> EncodedKey { throw KeyportError.unsupported("OpenSSHPrivate output is not supported yet") }
}
