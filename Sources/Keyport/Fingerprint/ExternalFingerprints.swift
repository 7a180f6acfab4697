// Fingerprints of other tools, for `fingerprint -E` and `inspect`: not of the SSH key blob that
// ssh-keygen hashes but of the X.509/PKCS#8 encodings other tools hash.
//
//   spki-sha256  SHA-256 of the DER SubjectPublicKeyInfo, lowercase hex: badkeys' `spkisha256` key
//                id (`openssl pkey -pubin -outform DER | sha256sum`).
//   aws-md5      MD5 of the DER SubjectPublicKeyInfo, colon-separated hex: what AWS EC2 shows as the
//                fingerprint of an imported key pair (`openssl pkey -pubin -outform DER | openssl md5 -c`).
//   aws-sha1     SHA-1 of the DER PKCS#8 PrivateKeyInfo, colon-separated hex: what AWS EC2 shows for
//                an RSA key pair it created (`openssl pkcs8 -topk8 -nocrypt -outform DER | openssl sha1 -c`).
//                Only a private key has it.

extension PublicKey {
    /// The fingerprint of kind `hash`, as the tool that uses it prints it: ssh-keygen's form for its
    /// hashes, lowercase hex for `spkiSHA256`, colon-separated hex for the AWS kinds.
    ///
    /// - Parameter privateKey: the private half, needed for `awsSHA1` only.
    /// - Throws: `KeyportError.unsupported` for a security-key (sk-) key, which has no
    ///   SubjectPublicKeyInfo or PKCS#8 form; `KeyportError.cannotEncode` 
    ///   for `awsSHA1` without a private key.
    public func fingerprint(_ hash: FingerprintHash, privateKey: PrivateKey?) throws -> String {
        if hash.isSSHKeygen { return fingerprint(hash) }
        guard let spki = subjectPublicKeyInfo else {
            throw KeyportError.unsupported("\(algorithm.sshName) is a security-key (FIDO) key, which has no \(hash.rawValue) fingerprint", reason: .keyType)
        }
        guard hash.needsPrivateKey else {
            return Self.formatFingerprint(spki.withUnsafeBytes { hash.digest.hash($0) }, hash)
        }
        guard let privateKey else {
            throw KeyportError.cannotEncode("\(hash.rawValue) is a fingerprint of the private key, which this input does not hold: give the private key file")
        }
        // The PKCS#8 OpenSSL writes (`openssl pkcs8 -topk8 -nocrypt`), which is what AWS hashes.
        var der = try EVPKey(privateKey).encode(selection: EVPKey.keyPairSelection, output: "DER", structure: "PrivateKeyInfo")
        defer { SecureBytes.wipe(&der) }
        return Self.formatFingerprint(der.withUnsafeBytes { hash.digest.hash($0) }, hash)
    }
}

extension KeyDocument {
    /// `fingerprint(_:privateKey:)` of this document's key with its private key, if it holds one
    /// unlocked; for `awsSHA1` of a locked key, a `passphraseRequired` error saying so.
    public func fingerprint(_ hash: FingerprintHash) throws -> String {
        guard let key = publicKey else {
            throw KeyportError.passphraseRequired("the key is encrypted, public half too: give --passphrase-file for its \(hash.rawValue) fingerprint")
        }
        if hash.needsPrivateKey, isLocked {
            throw KeyportError.passphraseRequired("\(hash.rawValue) is a fingerprint of the private key, which is encrypted: give --passphrase-file")
        }
        return try key.fingerprint(hash, privateKey: privateKey)
    }
}
