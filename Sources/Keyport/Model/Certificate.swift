// OpenSSH certificates (PROTOCOL.certkeys):
//   string certtype, string nonce, <key fields>, uint64 serial, uint32 type, string key id,
//   string valid principals, uint64 valid after, uint64 valid before, string critical options,
//   string extensions, string reserved, string signature key, string signature

/// The fields of an OpenSSH certificate that `ssh-keygen -L` shows.
public final class Certificate: Sendable, Hashable {
    /// User or host certificate (the `type` field).
    public enum Kind: UInt32, Sendable { case user = 1, host = 2 }

    /// The complete certificate blob as read.
    public let blob: [UInt8]
    /// Serial number chosen by the CA.
    public let serial: UInt64
    /// User or host certificate.
    public let kind: Kind
    /// The key id the CA gave (logged by sshd).
    public let keyID: String
    /// User or host names the certificate is valid for; empty means any.
    public let principals: [String]
    /// Start of validity, seconds since the Unix epoch.
    public let validAfter: UInt64
    /// End of validity, seconds since the Unix epoch (`UInt64.max` for forever).
    public let validBefore: UInt64
    /// (name, data) pairs; data is the decoded inner string when it holds one, else empty.
    public let criticalOptions: [(name: String, value: String)]
    /// Extensions such as `permit-pty`, as (name, data) pairs.
    public let extensions: [(name: String, value: String)]
    /// The CA key that signed the certificate.
    public let signatureKey: PublicKey
    /// The signature algorithm name (`rsa-sha2-512`, `ssh-ed25519`, ...).
    public let signatureAlgorithm: String
    /// The signature field (`string algorithm, string blob`), checked by `signatureStatus`.
    public let signature: [UInt8]
    /// How many leading bytes of `blob` the signature covers (all but the signature field).
    public let signedLength: Int

    init(blob: [UInt8], serial: UInt64, kind: Kind, keyID: String, principals: [String], validAfter: UInt64,
         validBefore: UInt64, criticalOptions: [(name: String, value: String)], extensions: [(name: String, value: String)],
         signatureKey: PublicKey, signatureAlgorithm: String, signature: [UInt8], signedLength: Int) {
        self.blob = blob; self.serial = serial; self.kind = kind; self.keyID = keyID; self.principals = principals
        self.validAfter = validAfter; self.validBefore = validBefore; self.criticalOptions = criticalOptions
        self.extensions = extensions; self.signatureKey = signatureKey; self.signatureAlgorithm = signatureAlgorithm
        self.signature = signature; self.signedLength = signedLength
    }

    /// Certificates are equal when their blobs are.
    public static func == (a: Certificate, b: Certificate) -> Bool { a.blob == b.blob }
    /// Hashes the blob.
    public func hash(into hasher: inout Hasher) { hasher.combine(blob) }

    /// Valid forever: after 0 and before the maximum.
    public var isForever: Bool { validAfter == 0 && validBefore == UInt64.max }

    static func decode(blob: [UInt8], algorithm: KeyAlgorithm, reader r: inout SSHReader) throws -> PublicKey {
        r.context = "certificate"
        _ = try r.readString("nonce")
        let parts = try PublicKey.readKeyFields(algorithm, from: &r)
        let serial = try r.readUInt64("serial")
        let rawKind = try r.readUInt32("certificate type")
        guard let kind = Kind(rawValue: rawKind) else {
            throw KeyportError.malformed(format: "certificate", field: "certificate type", reason: "unknown type \(rawKind)")
        }
        let keyID = try r.readText("key id")
        var principalReader = SSHReader(try r.readString("valid principals"), context: "certificate principals")
        var principals: [String] = []
        while !principalReader.isAtEnd { principals.append(try principalReader.readText("principal")) }
        let validAfter = try r.readUInt64("valid after")
        let validBefore = try r.readUInt64("valid before")
        let critical = try readOptions(try r.readString("critical options"), field: "critical option")
        let extensions = try readOptions(try r.readString("extensions"), field: "extension")
        _ = try r.readString("reserved")
        let signatureKeyBlob = try r.readString("signature key")
        // Look at the CA key's type before decoding it: a certificate nested in a certificate, nested
        // again, would otherwise recurse (and copy) once per level of a hostile blob.
        var typeReader = SSHReader(signatureKeyBlob, context: "certificate")
        let caTypeName = try typeReader.readText("signature key type")
        guard let caType = KeyAlgorithm.named(caTypeName) else {
            throw KeyportError.unsupported("certificate signed by a key of unknown type \"\(PublicKey.printable(caTypeName))\"", reason: .keyType)
        }
        guard !caType.isCertificate else {
            throw KeyportError.malformed(format: "certificate", field: "signature key", reason: "the CA key is itself a certificate (\(caTypeName))")
        }
        let signatureKey = try PublicKey(blob: signatureKeyBlob)
        let signedLength = r.offset
        let signature = try r.readString("signature")
        var sigReader = SSHReader(signature, context: "certificate signature")
        let signatureAlgorithm = try sigReader.readText("signature algorithm")
        try r.expectEnd("end of certificate")
        let cert = Certificate(blob: blob, serial: serial, kind: kind, keyID: keyID, principals: principals,
                               validAfter: validAfter, validBefore: validBefore, criticalOptions: critical,
                               extensions: extensions, signatureKey: signatureKey, signatureAlgorithm: signatureAlgorithm,
                               signature: signature, signedLength: signedLength)
        return PublicKey(algorithm: algorithm, parts: parts, certificate: cert)
    }

    private static func readOptions(_ bytes: [UInt8], field: String) throws -> [(name: String, value: String)] {
        var r = SSHReader(bytes, context: "certificate")
        var out: [(String, String)] = []
        while !r.isAtEnd {
            let name = try r.readText("\(field) name")
            let data = try r.readString("\(field) data")
            var inner = SSHReader(data, context: "certificate")
            // Values are a string inside the data; flags have empty data.
            if data.isEmpty {
                out.append((name, ""))
            } else if let value = try? inner.readText("\(field) value"), inner.isAtEnd {
                out.append((name, value))
            } else {
                out.append((name, Hex.encode(data)))
            }
        }
        return out
    }
}
