// Placeholder until the format lands; see the open issue for it.
enum PPKFormat {
    static func decode(_ bytes: [UInt8]) throws -> [KeyDocument] { throw KeyportError.unsupported("PPK files are not supported yet") }
    static func unlock(_ document: KeyDocument, passphrase: SecureBytes) throws -> KeyDocument { throw KeyportError.unsupported("PPK files are not supported yet") }
    static func encode(_ key: PrivateKey, options: EncodeOptions) throws -> EncodedKey { throw KeyportError.unsupported("PPK output is not supported yet") }
}
