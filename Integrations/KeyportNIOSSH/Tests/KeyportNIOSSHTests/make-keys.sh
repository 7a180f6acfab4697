#!/bin/sh
# Makes fresh keys with the real tools for the login tests: every key type swift-nio-ssh supports
# (Ed25519, ECDSA P-256/P-384/P-521) in every private format (openssh-key-v1 by ssh-keygen, PPK v2
# and v3 by puttygen, PEM SEC1, PKCS#8 and encrypted PKCS#8 by openssl), unencrypted and encrypted,
# plus RSA keys (which swift-nio-ssh cannot use) and a key that is not authorized.
#
#   make-keys.sh DIR
#
# Writes DIR/MANIFEST, one line per key: FILE<TAB>PASSPHRASE-FILE or -<TAB>PUBLIC LINE, the public
# line ("type base64") as the tool that made the key prints it (ssh-keygen -y, puttygen -L; for
# openssl's Ed25519 PKCS#8, which neither reads, the raw key from `openssl pkey -pubout` in an SSH blob).
# The passphrase is in DIR/passphrase.txt (no newline).
set -eu
cd "$1"
printf 'correct horse battery' > passphrase.txt
: > empty.txt
: > MANIFEST
add() { printf '%s\t%s\t%s\n' "$1" "$2" "$3" >> MANIFEST; }
by_ssh_keygen() { ssh-keygen -y -f "$1" -P "$2" | cut -d' ' -f1,2; }
by_puttygen() { puttygen "$1" --old-passphrase "$2" -L | cut -d' ' -f1,2; }
# Ed25519 from a PKCS#8 file: the 32 raw bytes end the SubjectPublicKeyInfo DER.
ed25519_line() {
    { printf '\000\000\000\013ssh-ed25519\000\000\000\040'
      openssl pkey -in "$1" -passin file:passphrase.txt -pubout -outform DER | tail -c 32; } | base64 -w0 | sed 's/^/ssh-ed25519 /'
}
pass=$(cat passphrase.txt)

for t in ed25519 p256 p384 p521 rsa; do
    case $t in
        ed25519) kt=ed25519 bits= curve= ;;
        p256) kt=ecdsa bits=256 curve=prime256v1 ;;
        p384) kt=ecdsa bits=384 curve=secp384r1 ;;
        p521) kt=ecdsa bits=521 curve=secp521r1 ;;
        rsa) kt=rsa bits=2048 curve= ;;
    esac
    # ssh-keygen: openssh-key-v1, plain and encrypted (bcrypt, aes256-ctr).
    ssh-keygen -q -t $kt ${bits:+-b $bits} -N '' -C "$t openssh" -f $t-openssh
    add $t-openssh - "$(by_ssh_keygen $t-openssh '')"
    ssh-keygen -q -t $kt ${bits:+-b $bits} -N "$pass" -C "$t openssh encrypted" -f $t-openssh-enc
    add $t-openssh-enc passphrase.txt "$(by_ssh_keygen $t-openssh-enc "$pass")"
    # puttygen: PPK v2 (HMAC-SHA-1, SHA-1 key derivation) and v3 (Argon2id, puttygen's defaults).
    for v in 2 3; do
        puttygen -q -t $kt ${bits:+-b $bits} -C "$t ppk$v" --new-passphrase empty.txt --ppk-param version=$v -o $t-ppk$v.ppk
        add $t-ppk$v.ppk - "$(by_puttygen $t-ppk$v.ppk empty.txt)"
        puttygen -q -t $kt ${bits:+-b $bits} -C "$t ppk$v encrypted" --new-passphrase passphrase.txt --ppk-param version=$v -o $t-ppk$v-enc.ppk
        add $t-ppk$v-enc.ppk passphrase.txt "$(by_puttygen $t-ppk$v-enc.ppk passphrase.txt)"
    done
    # openssl: SEC1 (EC only), traditional encrypted SEC1, PKCS#8 and encrypted PKCS#8 (PBES2).
    case $t in
        ed25519) openssl genpkey -algorithm ed25519 -out $t-pkcs8.pem ;;
        rsa) openssl genpkey -algorithm rsa -pkeyopt rsa_keygen_bits:2048 -out $t-pkcs8.pem 2>/dev/null ;;
        *)
            openssl ecparam -genkey -name $curve -noout -out $t-sec1.pem
            add $t-sec1.pem - "$(by_ssh_keygen $t-sec1.pem '')"
            openssl ec -in $t-sec1.pem -aes-256-cbc -passout file:passphrase.txt -out $t-sec1-enc.pem 2>/dev/null
            add $t-sec1-enc.pem passphrase.txt "$(by_ssh_keygen $t-sec1-enc.pem "$pass")"
            openssl pkcs8 -topk8 -nocrypt -in $t-sec1.pem -out $t-pkcs8.pem
            ;;
    esac
    openssl pkcs8 -topk8 -v2 aes-256-cbc -in $t-pkcs8.pem -passout file:passphrase.txt -out $t-pkcs8-enc.pem
    if [ $t = ed25519 ]; then
        add $t-pkcs8.pem - "$(ed25519_line $t-pkcs8.pem)"
        add $t-pkcs8-enc.pem passphrase.txt "$(ed25519_line $t-pkcs8-enc.pem)"
    else
        add $t-pkcs8.pem - "$(by_ssh_keygen $t-pkcs8.pem '')"
        add $t-pkcs8-enc.pem passphrase.txt "$(by_ssh_keygen $t-pkcs8-enc.pem "$pass")"
    fi
done

# A key the server does not know.
ssh-keygen -q -t ed25519 -N '' -C "stranger" -f stranger
