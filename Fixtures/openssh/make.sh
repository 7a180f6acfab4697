#!/bin/sh
# Makes the openssh-key-v1 fixtures with the real ssh-keygen (OpenSSH 9.2p1 when they were made) and
# writes MANIFEST: file, passphrase, cipher, rounds, comment, SHA256 fingerprint. Keys are small on
# purpose; they protect nothing. Rerun from this directory to regenerate (new random keys).
set -eu
cd "$(dirname "$0")"
rm -f ed25519-plain* ed25519-aes256ctr* ecdsa256-chacha* rsa1024-gcm* dsa-3des* MANIFEST
ssh-keygen -q -t ed25519 -N '' -C 'plain@keyport.test' -f ed25519-plain
ssh-keygen -q -t ed25519 -N 'fixture pass' -a 16 -C 'ctr@keyport.test' -f ed25519-aes256ctr
ssh-keygen -q -t ecdsa -b 256 -N 'fixture pass' -a 4 -Z chacha20-poly1305@openssh.com -C 'chacha@keyport.test' -f ecdsa256-chacha
ssh-keygen -q -t rsa -b 1024 -N 'fixture pass' -a 4 -Z aes256-gcm@openssh.com -C 'gcm@keyport.test' -f rsa1024-gcm
ssh-keygen -q -t dsa -N 'fixture pass' -a 2 -Z 3des-cbc -C 'tdes@keyport.test' -f dsa-3des
{
  echo "# file | passphrase | cipher | rounds | comment | sha256 fingerprint"
  for f in ed25519-plain:none:0 ed25519-aes256ctr:aes256-ctr:16 ecdsa256-chacha:chacha20-poly1305@openssh.com:4 rsa1024-gcm:aes256-gcm@openssh.com:4 dsa-3des:3des-cbc:2; do
    name=${f%%:*}; rest=${f#*:}; cipher=${rest%%:*}; rounds=${rest#*:}
    pass='fixture pass'; [ "$cipher" = none ] && pass=''
    fp=$(ssh-keygen -l -f "$name.pub" | awk '{print $2}')
    comment=$(awk '{print $3}' "$name.pub")
    echo "$name|$pass|$cipher|$rounds|$comment|$fp"
  done
} > MANIFEST
