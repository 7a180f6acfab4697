#!/usr/bin/env bash
# Makes the public-key fixtures with the real ssh-keygen and puttygen, and records the facts
# ssh-keygen reports about them in expected.txt. Run from this folder; commit the results.
set -euo pipefail
cd "$(dirname "$0")"
rm -f ./*.pub ./*.rfc4716 expected.txt authorized_keys known_hosts
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
for spec in rsa:2048 rsa:1024 dsa:1024 ecdsa:256 ecdsa:384 ecdsa:521 ed25519:256; do
    t=${spec%%:*}; b=${spec##*:}
    ssh-keygen -q -t "$t" -b "$b" -N '' -C "fixture-$t-$b@example.com" -f "$tmp/k"
    cp "$tmp/k.pub" "$t-$b.pub"
    [ "$t" = ed25519 ] && cp "$tmp/k.pub" ed25519.pub
    [ "$t" = ed25519 ] && cp "$tmp/k" "$tmp/ca"
    rm -f "$tmp/k" "$tmp/k.pub"
done
rm -f ed25519-256.pub
# A user certificate signed by an Ed25519 CA.
ssh-keygen -q -t ecdsa -b 256 -N '' -C cert-subject -f "$tmp/s"
ssh-keygen -q -s "$tmp/ca" -I fixture-id -n alice,bob -z 42 -V 20240101:20340101 -O force-command=/bin/true "$tmp/s.pub"
cp "$tmp/s-cert.pub" ecdsa-cert.pub
ssh-keygen -e -f rsa-2048.pub > rsa-2048.rfc4716
ssh-keygen -e -f ed25519.pub > ed25519.rfc4716
{
    printf '# an authorized_keys file with options, comments, blank lines\n\n'
    printf 'command="echo \\"hi there\\"",no-pty,from="10.0.0.0/8,!10.1.*" %s\n' "$(cut -d' ' -f1,2 ed25519.pub)"
    printf 'restrict,environment="A=b c"\t%s admin@example.com\n' "$(cut -d' ' -f1,2 rsa-2048.pub)"
    printf '%s\n' "$(cat ecdsa-256.pub)"
    printf 'cert-authority,principals="alice,bob" %s' "$(cut -d' ' -f1,2 ecdsa-384.pub)"
} > authorized_keys
{
    printf 'host1,host2 %s\n' "$(cut -d' ' -f1,2 rsa-2048.pub)"
    printf '[example.org]:2222 %s\n' "$(cut -d' ' -f1,2 ed25519.pub)"
    printf '@cert-authority *.example.org %s\n' "$(cut -d' ' -f1,2 ecdsa-521.pub)"
} > known_hosts
cp known_hosts "$tmp/kh"; ssh-keygen -q -H -f "$tmp/kh" >/dev/null 2>&1; cat "$tmp/kh" > known_hosts_hashed
for f in *.pub authorized_keys known_hosts known_hosts_hashed; do
    echo "== $f"; ssh-keygen -lf "$f"; ssh-keygen -E md5 -lf "$f"
done > expected.txt
