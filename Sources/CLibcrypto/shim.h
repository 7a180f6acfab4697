#ifndef KEYPORT_CLIBCRYPTO_SHIM_H
#define KEYPORT_CLIBCRYPTO_SHIM_H
// keyport uses a few low-level digest calls on its hot path; they are deprecated, not removed, in 3.0.
#define OPENSSL_SUPPRESS_DEPRECATED 1
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/err.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/rsa.h>
#include <openssl/dsa.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <openssl/md5.h>
#include <openssl/hmac.h>
#include <openssl/blowfish.h>
#include <openssl/core_names.h>
#include <openssl/param_build.h>
#include <openssl/encoder.h>
#include <openssl/decoder.h>
#include <openssl/provider.h>
#include <openssl/pkcs12.h>
#if defined(__linux__)
#include <sys/prctl.h>
// prctl(2) is variadic, which Swift cannot call: this fixed-arity wrapper marks the process not
// dumpable (no core file, no ptrace attach by other processes of the same user).
static inline int keyport_set_not_dumpable(void) { return prctl(PR_SET_DUMPABLE, 0, 0, 0, 0); }
#endif
#endif
