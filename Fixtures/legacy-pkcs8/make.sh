#!/usr/bin/env bash
# PKCS#8 keys under the legacy encryption schemes (issue 15.4), made by openssl 3.0 with its legacy
# provider: PBES1 (MD5/SHA-1 with DES or RC2), PKCS#12 PBE (RC2-40/128, RC4-40/128, 2-key and 3-key
# 3DES) and PBES2 with DES-CBC, RC2-CBC or 3DES. One RSA key under every scheme; the passphrase is in
# passphrase.txt; MANIFEST records the scheme of each file and ssh-keygen's fingerprint of the key.
# Run from this folder; commit the results.
set -euo pipefail
cd "$(dirname "$0")"
rm -f ./*.pem MANIFEST
printf 'legacy pass\n' > passphrase.txt
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out "$tmp/key.pem" 2>/dev/null
legacy=(-provider legacy -provider default)
for v1 in PBE-MD5-DES PBE-SHA1-DES PBE-MD5-RC2-64 PBE-SHA1-RC2-64 PBE-SHA1-RC2-40 PBE-SHA1-RC2-128 \
          PBE-SHA1-RC4-40 PBE-SHA1-RC4-128 PBE-SHA1-2DES PBE-SHA1-3DES; do
    openssl pkcs8 -topk8 "${legacy[@]}" -in "$tmp/key.pem" -v1 "$v1" -passout file:passphrase.txt -out "v1-$v1.pem"
    echo "v1-$v1.pem $v1" >> MANIFEST
done
for v2 in des-cbc rc2-cbc des-ede3-cbc; do
    openssl pkcs8 -topk8 "${legacy[@]}" -in "$tmp/key.pem" -v2 "$v2" -passout file:passphrase.txt -out "v2-$v2.pem"
    echo "v2-$v2.pem PBES2-$v2" >> MANIFEST
done
openssl pkey -in "$tmp/key.pem" -pubout -out "$tmp/pub.pem"
echo "fingerprint $(ssh-keygen -i -m PKCS8 -f "$tmp/pub.pem" | ssh-keygen -lf - | cut -d' ' -f2)" >> MANIFEST
