import FuzzSupport
import Keyport

/// PEM and DER input: decode, then unlock with a fixed passphrase; errors are fine, traps are not.
runFuzzer { bytes in fuzzPrivateKeyFile(bytes, formats: ["pem"]) }
