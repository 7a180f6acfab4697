// The version fields of PEM/DER private keys, checked before libcrypto decodes the key: OpenSSL 3.0
// lets an RSA or EC key with any version through, where puttygen, pyca/cryptography and the
// standards refuse it. A version no standard allows means the file is damaged or hand-made.
//
//   PKCS#1 RSAPrivateKey (RFC 8017 A.1.2)   version 0 two-prime; 1 only with otherPrimeInfos
//   SEC1 ECPrivateKey (RFC 5915 §3)          version 1
//   OpenSSL DSA private key                  version 0 (SEQ{ 0, p, q, g, y, x }; every peer refuses others)
//   PKCS#8 PrivateKeyInfo (RFC 5208/5958)    version 0; 1 (OneAsymmetricKey v2) only with a publicKey
//                                            and the key inside the OCTET STRING checked as above

extension PEMFormat {
    static func checkVersion(_ der: UnsafeRawBufferPointer, structure: Structure, context: String) throws {
        guard structure.isTraditionalPrivate || structure == .pkcs8 else { return }
        var bytes = Array(der)
        defer { wipe(&bytes) }
        try checkVersion(bytes[...], structure: structure, context: context)
    }

    private static func checkVersion(_ der: ArraySlice<UInt8>, structure: Structure, context: String) throws {
        var outer = DERReader(der, context: context)
        var r = try outer.readSequence(structure.name)
        let version = try r.readSmallInt("version")
        func refuse(_ allowed: String) -> KeyportError {
            .malformed(format: context, field: "version", reason: "\(structure.name) version \(version.map(String.init) ?? "(huge)") is not one its standard allows (\(allowed)): the key is damaged")
        }
        switch structure {
        case .rsaPrivate:
            var integers = 0
            while r.peekTag == DERReader.integer { _ = try r.read("integer"); integers += 1 }
            let hasOtherPrimes = r.peekTag == DERReader.sequence
            guard version == 0 && !hasOtherPrimes || version == 1 && hasOtherPrimes else {
                throw refuse("0 for two primes, 1 with otherPrimeInfos")
            }
        case .dsaPrivate:
            guard version == 0 else { throw refuse("0") }
        case .ecPrivate:
            guard version == 1 else { throw refuse("1") }
        case .pkcs8:
            guard version == 0 || version == 1 else { throw refuse("0, or 1 for OneAsymmetricKey") }
            var algorithm = try r.readSequence("privateKeyAlgorithm")
            let oid = try algorithm.readOID("algorithm")
            let inner = try r.read("privateKey", expecting: DERReader.octetString).content
            switch oid {
            case KeyAlgorithm.rsa.oid: try checkVersion(inner, structure: .rsaPrivate, context: context + " RSAPrivateKey")
            case KeyAlgorithm.ecdsaP256.oid: /* id-ecPublicKey, every curve */ try checkVersion(inner, structure: .ecPrivate, context: context + " ECPrivateKey")
            default: break
            }
        default:
            break
        }
    }
}
