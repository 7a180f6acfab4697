import FuzzSupport
import Keyport

/// PPK input: decode, then unlock with a fixed passphrase; errors are fine, traps are not.
runFuzzer { bytes in fuzzPrivateKeyFile(bytes, formats: ["ppk"]) }
