import FuzzSupport
import Keyport

/// openssh-key-v1 input: decode, then unlock with a fixed passphrase; errors are fine, traps are not.
runFuzzer { bytes in fuzzPrivateKeyFile(bytes, formats: ["openssh-key-v1"]) }
