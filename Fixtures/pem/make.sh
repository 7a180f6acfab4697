#!/bin/sh
# Remakes the PEM/DER fixtures with the real tools and writes manifest.txt.
# Made with OpenSSL 3.0 and OpenSSH 9.2 (ssh-keygen). Passphrase of the encrypted ones: "fixture pass".
# Manifest columns: file | keyport format | cipher or - | passphrase or - | OpenSSH public line
set -eu
cd "$(dirname "$0")"
rm -f *.pem *.der *.pub manifest.txt
pass="fixture pass"
printf '%s\n' "$pass" > .pass
trap 'rm -f .pass .tmp*' EXIT

openssl genpkey -algorithm ED25519 -out ed25519-pkcs8.pem
openssl pkcs8 -topk8 -in ed25519-pkcs8.pem -scrypt -passout file:.pass -out ed25519-pkcs8-scrypt.pem
openssl genpkey -algorithm ED448 -out ed448-pkcs8.pem
openssl ecparam -name prime256v1 -genkey -out ec-p256-with-params.pem
openssl pkcs8 -topk8 -nocrypt -in ec-p256-with-params.pem -outform DER -out ec-p256-pkcs8.der
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out .tmp-rsa.pem
openssl rsa -in .tmp-rsa.pem -traditional -aes128 -passout file:.pass -out rsa1024-legacy-aes128.pem 2>/dev/null
openssl rsa -in .tmp-rsa.pem -RSAPublicKey_out -out rsa1024-pkcs1-public.pem 2>/dev/null
openssl pkcs8 -topk8 -in .tmp-rsa.pem -v1 PBE-SHA1-3DES -passout file:.pass -out rsa1024-pkcs8-pbes1.pem
openssl pkey -in ec-p256-with-params.pem -pubout -out ec-p256-spki.pem

# The OpenSSH public line of each key: ssh-keygen reads RSA and EC PEM; EdDSA lines are built from
# the raw public key at the end of the SPKI DER (ssh-keygen cannot read Ed25519/Ed448 PKCS#8).
ssh_line() { ssh-keygen -y -P "$2" -f "$1" | cut -d' ' -f1,2; }
ed_line() { # type, raw-length, file, passin
    openssl pkey -in "$3" -passin "$4" -pubout -outform DER | tail -c "$2" > .tmp-raw
    { printf '\000\000\000'; printf "\\$(printf '%03o' ${#1})"; printf '%s' "$1";
      printf '\000\000\000'; printf "\\$(printf '%03o' "$2")"; cat .tmp-raw; } | base64 -w0 > .tmp-b64
    printf '%s %s' "$1" "$(cat .tmp-b64)"
}
chmod 600 *.pem
{
    echo "# file | format | cipher | passphrase | OpenSSH public line (see make.sh)"
    echo "ed25519-pkcs8.pem | pkcs8 | - | - | $(ed_line ssh-ed25519 32 ed25519-pkcs8.pem pass:)"
    echo "ed25519-pkcs8-scrypt.pem | pkcs8-encrypted | AES-256-CBC | $pass | $(ed_line ssh-ed25519 32 ed25519-pkcs8.pem pass:)"
    echo "ed448-pkcs8.pem | pkcs8 | - | - | $(ed_line ssh-ed448 57 ed448-pkcs8.pem pass:)"
    echo "ec-p256-with-params.pem | pem | - | - | $(ssh_line ec-p256-with-params.pem '')"
    echo "ec-p256-pkcs8.der | pkcs8 | - | - | $(ssh_line ec-p256-with-params.pem '')"
    echo "ec-p256-spki.pem | spki | - | - | $(ssh_line ec-p256-with-params.pem '')"
    echo "rsa1024-legacy-aes128.pem | pem | AES-128-CBC | $pass | $(ssh_line rsa1024-legacy-aes128.pem "$pass")"
    echo "rsa1024-pkcs8-pbes1.pem | pkcs8-encrypted | DES-EDE3-CBC | $pass | $(ssh_line rsa1024-legacy-aes128.pem "$pass")"
    echo "rsa1024-pkcs1-public.pem | pkcs1-public | - | - | $(ssh_line rsa1024-legacy-aes128.pem "$pass")"
} > manifest.txt
