#!/usr/bin/env bash
# Keys that test what keyport accepts as a key at all (issue 14 item 14, issue 15 items 3, 5, 6, 7).
# Every key comes from the real tools: ssh-keygen (keys, certificates by ssh-keygen -s), openssl
# (PEM) and AsyncSSH (Ed448 certificates, which OpenSSH lacks). Damaged variants are edits of those
# files by craft.py, which changes one field and re-encodes. expected.txt records what ssh-keygen -l
# prints for each public file (or that it refuses it), and AsyncSSH's fingerprints of the Ed448
# certificates. Run from this folder (needs python3-asyncssh); commit the results.
set -euo pipefail
cd "$(dirname "$0")"
rm -f ./*.pub ./*.pem expected.txt
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
PY=/usr/bin/python3

# Degenerate RSA and DSA public keys, and short but real ones (readable; lint flags them).
ssh-keygen -q -t rsa -b 2048 -N '' -C rsa-base -f "$tmp/rsa"
ssh-keygen -q -t dsa -N '' -C dsa-base -f "$tmp/dsa"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:512 -out "$tmp/rsa512.pem" 2>/dev/null
$PY craft.py rsa-public "$tmp/rsa512.pem" rsa-512-real.pub rsa-512-real
$PY craft.py degenerate "$tmp/rsa.pub" "$tmp/dsa.pub"

# The key-type word rsa-sha2-256 / rsa-sha2-512 on a public line, as some tools write it.
sed 's/^ssh-rsa /rsa-sha2-256 /; s/rsa-base$/rsa-sha2-256-word/' "$tmp/rsa.pub" > rsa-sha2-256-word.pub
sed 's/^ssh-rsa /rsa-sha2-512 /; s/rsa-base$/rsa-sha2-512-word/' "$tmp/rsa.pub" > rsa-sha2-512-word.pub

# Certificates signed by every CA type ssh-keygen has, and one altered after signing.
ssh-keygen -q -t ed25519 -N '' -C subject -f "$tmp/subject"
for ca in rsa:2048 dsa:1024 ecdsa:256 ecdsa:384 ecdsa:521 ed25519:256; do
    t=${ca%%:*}; b=${ca##*:}
    ssh-keygen -q -t "$t" -b "$b" -N '' -C "ca-$t" -f "$tmp/ca-$t-$b"
    ssh-keygen -q -s "$tmp/ca-$t-$b" -I "signed-by-$t-$b" -n alice -z 7 "$tmp/subject.pub"
    mv "$tmp/subject-cert.pub" "cert-by-$t-$b.pub"
done
ssh-keygen -q -s "$tmp/ca-rsa-2048" -t ssh-rsa -I signed-with-sha1 -n alice "$tmp/subject.pub"
mv "$tmp/subject-cert.pub" cert-by-rsa-sha1.pub
$PY craft.py tamper cert-by-ed25519-256.pub cert-tampered.pub
$PY craft.py tamper cert-by-rsa-2048.pub cert-tampered-rsa.pub

# Ed448 certificates (ssh-ed448-cert-v01@openssh.com) from AsyncSSH.
$PY craft.py ed448 > "$tmp/ed448-fingerprints"

# PEM private keys with a version field their standard does not allow.
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out "$tmp/rsa.pkcs8" 2>/dev/null
openssl pkey -in "$tmp/rsa.pkcs8" -traditional -out "$tmp/rsa-pkcs1.pem"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$tmp/ec.pkcs8" 2>/dev/null
openssl pkey -in "$tmp/ec.pkcs8" -traditional -out "$tmp/ec-sec1.pem"
openssl dsaparam -genkey -out "$tmp/dsa-full.pem" 1024 2>/dev/null
openssl dsa -in "$tmp/dsa-full.pem" -out "$tmp/dsa-trad.pem" 2>/dev/null
$PY craft.py version "$tmp/rsa-pkcs1.pem" rsa-version-2.pem 2
$PY craft.py version "$tmp/rsa-pkcs1.pem" rsa-version-1.pem 1
$PY craft.py version "$tmp/ec-sec1.pem" ec-version-0.pem 0
$PY craft.py version "$tmp/ec-sec1.pem" ec-version-2.pem 2
$PY craft.py version "$tmp/dsa-trad.pem" dsa-version-1.pem 1
$PY craft.py version "$tmp/rsa.pkcs8" pkcs8-version-3.pem 3
$PY craft.py inner-version "$tmp/rsa.pkcs8" pkcs8-rsa-inner-version-5.pem 5
cp "$tmp/rsa-pkcs1.pem" rsa-version-ok.pem; cp "$tmp/ec-sec1.pem" ec-version-ok.pem

{
    for f in *.pub; do
        echo "== $f"
        ssh-keygen -lf "$f" 2>&1 | sed "s|^.*is not a public key file.*$|REFUSED|" || true
    done
    cat "$tmp/ed448-fingerprints"
} > expected.txt
