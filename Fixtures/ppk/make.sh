#!/bin/sh
# Makes the PPK fixtures with the real puttygen (PuTTY 0.78, Debian putty-tools).
# Passphrase of the encrypted files: "puttypass" (in passphrase.txt, no newline).
# Small Argon2 parameters keep the tests fast; the expected facts are in MANIFEST.
set -eu
cd "$(dirname "$0")"
printf 'puttypass' > passphrase.txt
empty=$(mktemp); trap 'rm -f "$empty"' EXIT
: > "$empty"
gen() { # name type bits ppk-param passphrase-file comment
    rm -f "$1.ppk"
    puttygen -q -t "$2" ${3:+-b "$3"} -C "$6" --new-passphrase "$5" --ppk-param "$4" -o "$1.ppk"
}
gen ed25519-v3-argon2id ed25519 ""  version=3,kdf=argon2id,memory=1024,passes=2,parallelism=1 passphrase.txt "fixture ed25519 v3"
gen ecdsa384-v3-argon2i ecdsa   384 version=3,kdf=argon2i,memory=512,passes=1,parallelism=2   passphrase.txt "fixture ecdsa v3 argon2i"
gen ed448-v3-argon2d    ed448   ""  version=3,kdf=argon2d,memory=256,passes=3,parallelism=1   passphrase.txt "fixture ed448 v3 argon2d"
gen rsa1024-v2          rsa     1024 version=2                                               passphrase.txt "fixture rsa v2"
gen ecdsa256-v3-plain   ecdsa   256 version=3                                                "$empty"       "fixture ecdsa v3 plain"
gen dsa1024-v2-plain    dsa     1024 version=2                                               "$empty"       "fixture dsa v2 plain"
# An SSH-1 (rsa1) private key: recognised and refused by name, never called garbage.
rm -f rsa1-ssh1.key
puttygen -q -t rsa1 -b 1024 -C "fixture ssh1" --new-passphrase "$empty" -o rsa1-ssh1.key
# CRLF copy of one file: PuTTY reads CR, LF and CRLF line ends.
sed 's/$/\r/' ed25519-v3-argon2id.ppk > ed25519-v3-argon2id-crlf.ppk
# OpenSSH public lines of every fixture, for the expected public blobs.
: > MANIFEST
for f in ed25519-v3-argon2id ecdsa384-v3-argon2i ed448-v3-argon2d rsa1024-v2 ecdsa256-v3-plain dsa1024-v2-plain; do
    pub=$(puttygen "$f.ppk" --old-passphrase passphrase.txt -O public-openssh)
    fp=$(puttygen "$f.ppk" --old-passphrase passphrase.txt -l)
    printf '%s.ppk\t%s\t%s\n' "$f" "$pub" "$fp" >> MANIFEST
done
