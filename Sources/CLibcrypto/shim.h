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
#include <malloc.h>
#include <string.h>
// libcrypto frees its own temporaries (decoder buffers, exported key parameters, DER it encodes)
// with plain free(): these allocator hooks wipe every block first (malloc_usable_size bytes), and
// realloc moves a block by copying and wiping the old one, so no key material libcrypto handled is
// left in freed memory. Installed with keyport_wipe_crypto_heap() before libcrypto's first allocation.
static void *keyport_crypto_malloc(size_t n, const char *file, int line) { (void)file; (void)line; return malloc(n); }
static void keyport_crypto_free(void *p, const char *file, int line) {
    (void)file; (void)line;
    if (p == NULL) return;
    OPENSSL_cleanse(p, malloc_usable_size(p));
    free(p);
}
static void *keyport_crypto_realloc(void *p, size_t n, const char *file, int line) {
    if (p == NULL) return keyport_crypto_malloc(n, file, line);
    if (n == 0) { keyport_crypto_free(p, file, line); return NULL; }
    size_t old = malloc_usable_size(p);
    if (n <= old) return p;
    void *q = malloc(n);
    if (q == NULL) return NULL;
    memcpy(q, p, old);
    keyport_crypto_free(p, file, line);
    return q;
}
/// 1 when the hooks are installed; 0 when libcrypto had already allocated memory.
static inline int keyport_wipe_crypto_heap(void) {
    return CRYPTO_set_mem_functions(keyport_crypto_malloc, keyport_crypto_realloc, keyport_crypto_free);
}
#include <sys/prctl.h>
// prctl(2) is variadic, which Swift cannot call: this fixed-arity wrapper marks the process not
// dumpable (no core file, no ptrace attach by other processes of the same user).
static inline int keyport_set_not_dumpable(void) { return prctl(PR_SET_DUMPABLE, 0, 0, 0, 0); }
#endif
#endif
