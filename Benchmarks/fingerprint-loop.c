/* The "plain C loop" baseline of Benchmarks/compare: read an authorized_keys-style file line by
 * line, base64-decode the key with libcrypto, SHA-256 it and print the fingerprint. No parsing of
 * the blob, no options, no comments: a floor for what bulk fingerprinting can cost. */
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>

int main(int argc, char **argv) {
    FILE *f = argc > 1 ? fopen(argv[1], "r") : stdin;
    if (!f) return 1;
    char *line = NULL; size_t cap = 0; ssize_t n;
    unsigned char blob[8192], digest[32], b64[64];
    while ((n = getline(&line, &cap, f)) > 0) {
        char *type = line, *key = strchr(line, ' ');
        if (!key) continue;
        *key++ = 0;
        char *end = strpbrk(key, " \n");
        size_t len = end ? (size_t)(end - key) : strlen(key);
        if (len > 10000) continue;
        int out = EVP_DecodeBlock(blob, (unsigned char *)key, (int)len);
        if (out < 0) continue;
        while (len > 0 && key[len - 1] == '=') { len--; out--; }
        SHA256(blob, (size_t)out, digest);
        int m = EVP_EncodeBlock(b64, digest, 32);
        while (m > 0 && b64[m - 1] == '=') m--;
        b64[m] = 0;
        printf("SHA256:%s %s\n", b64, type);
    }
    return 0;
}
