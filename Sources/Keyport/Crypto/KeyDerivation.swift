/// The passphrase key-derivation functions of the key formats, as public entry points.
///
/// The formats call these internally; they are public so that tools and the benchmark harness
/// (Benchmarks/) can run exactly the code an unlock runs, without a key file around it.
public enum KeyDerivation {
    /// OpenSSH's bcrypt_pbkdf (openssh-key-v1 `bcrypt` KDF): `rounds` as in the file's KDF options.
    public static func bcryptPBKDF(passphrase: SecureBytes, salt: [UInt8], rounds: Int, keyLength: Int) throws -> SecureBytes {
        try BcryptPBKDF.derive(passphrase: passphrase, salt: salt, rounds: rounds, keyLength: keyLength)
    }

    /// Argon2 through libargon2, as PPK v3 uses it (empty secret and associated data).
    public static func argon2(_ parameters: Argon2Parameters, passphrase: SecureBytes, length: Int) throws -> SecureBytes {
        try Argon2.derive(flavor: parameters.flavor, passphrase: passphrase, salt: parameters.salt, memory: parameters.memory,
                          passes: parameters.passes, parallelism: parameters.parallelism, length: length)
    }
}
