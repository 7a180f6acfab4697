#!/usr/bin/python3
"""Edits key files made by the real tools, one field at a time (used by make.sh)."""
import base64, struct, subprocess, sys


def string(b):
    return struct.pack(">I", len(b)) + b


def mpint(i):
    if i == 0:
        return string(b"")
    b = i.to_bytes((i.bit_length() + 7) // 8, "big")
    return string(b"\0" + b if b[0] & 0x80 else b)


def fields(blob):
    out, o = [], 0
    while o < len(blob):
        n = struct.unpack(">I", blob[o:o + 4])[0]
        out.append(blob[o + 4:o + 4 + n])
        o += 4 + n
    return out


def line(word, parts, comment):
    blob = string(word.encode()) + b"".join(parts)
    return "%s %s %s\n" % (word, base64.b64encode(blob).decode(), comment)


def degenerate(rsa_pub, dsa_pub):
    f = fields(base64.b64decode(open(rsa_pub).read().split()[1]))
    e, n = int.from_bytes(f[1], "big"), int.from_bytes(f[2], "big")
    rsa = {
        "rsa-n-zero": (e, 0), "rsa-n-even": (e, n + 1), "rsa-n-16385-bits": (e, (1 << 16384) | n),
        "rsa-e-zero": (0, n), "rsa-e-20000-bits": ((1 << 20000) | 1, n),
        # Readable (lint's rsa-exponent-invalid names them): real moduli with odd exponents.
        "rsa-e-1": (1, n), "rsa-e-even": (65536, n), "rsa-n-16384-bits": (e, (1 << 16383) | n),
    }
    for name, (ee, nn) in rsa.items():
        open(name + ".pub", "w").write(line("ssh-rsa", [mpint(ee), mpint(nn)], name))
    f = fields(base64.b64decode(open(dsa_pub).read().split()[1]))
    p, q, g, y = (int.from_bytes(x, "big") for x in f[1:5])
    dsa = {
        "dsa-p-even": (p + 1, q, g, y), "dsa-q-zero": (p, 0, g, y), "dsa-y-zero": (p, q, g, 0),
        "dsa-g-one": (p, q, 1, y), "dsa-y-above-p": (p, q, g, p + 5), "dsa-p-16385-bits": ((1 << 16384) | p, q, g, y),
    }
    for name, values in dsa.items():
        open(name + ".pub", "w").write(line("ssh-dss", [mpint(v) for v in values], name))


def rsa_public(pem_path, dst, comment):
    """The OpenSSH line of an RSA key openssl made (ssh-keygen -i refuses moduli under 1024 bits)."""
    out = subprocess.run(["openssl", "rsa", "-in", pem_path, "-noout", "-modulus"], check=True, capture_output=True, text=True).stdout
    n = int(out.strip().split("=")[1], 16)
    open(dst, "w").write(line("ssh-rsa", [mpint(65537), mpint(n)], comment))


def tamper(src, dst):
    word, b64, comment = open(src).read().split()[:3]
    raw = bytearray(base64.b64decode(b64))
    i = raw.find(b"signed-by")  # one bit of the key id, which the signature covers
    raw[i] ^= 0x01
    open(dst, "w").write("%s %s %s-tampered\n" % (word, base64.b64encode(bytes(raw)).decode(), comment))


def ed448():
    import warnings
    warnings.simplefilter("ignore")
    import asyncssh
    ca448 = asyncssh.generate_private_key("ssh-ed448", comment="ca-ed448")
    ca25519 = asyncssh.generate_private_key("ssh-ed25519", comment="ca-ed25519")
    user448 = asyncssh.generate_private_key("ssh-ed448", comment="ed448-subject")
    user25519 = asyncssh.generate_private_key("ssh-ed25519", comment="ed25519-subject")
    made = {
        "ed448-cert-by-ed448.pub": ca448.generate_user_certificate(user448, "ed448-by-ed448", principals=["alice"], comment="ed448-cert"),
        "ed448-host-cert-by-ed25519.pub": ca25519.generate_host_certificate(user448, "ed448-host", principals=["host.example"], comment="ed448-host-cert"),
        "ed25519-cert-by-ed448.pub": ca448.generate_user_certificate(user25519, "ed25519-by-ed448", principals=["bob"], comment="ed25519-cert"),
    }
    user448.write_public_key("ed448-plain.pub")
    for name, cert in made.items():
        cert.write_certificate(name)
        print("== asyncssh %s" % name)
        print(cert.key.get_fingerprint("sha256"), cert.key.get_fingerprint("md5"))


def der_of(path):
    return base64.b64decode("".join(l for l in open(path).read().splitlines() if not l.startswith("-----")))


def pem(label, der):
    body = base64.b64encode(der).decode()
    return "-----BEGIN %s-----\n%s\n-----END %s-----\n" % (label, "\n".join(body[i:i + 64] for i in range(0, len(body), 64)), label)


def length(n):
    if n < 0x80:
        return bytes([n])
    b = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(b)]) + b


def tlv(tag, content):
    return bytes([tag]) + length(len(content)) + content


def children(der):
    """The elements of the outer SEQUENCE as (tag, content) pairs."""
    def read(b, o):
        tag, n, o = b[o], b[o + 1], o + 2
        if n & 0x80:
            k = n & 0x7F
            n, o = int.from_bytes(b[o:o + k], "big"), o + k
        return tag, b[o:o + n], o + n
    tag, content, _ = read(der, 0)
    out, o = [], 0
    while o < len(content):
        t, c, o = read(content, o)
        out.append((t, c))
    return out


def with_version(der, version):
    kids = children(der)
    kids[0] = (0x02, bytes([version]))
    return tlv(0x30, b"".join(tlv(t, c) for t, c in kids))


def version(src, dst, v):
    text = open(src).read()
    label = text.split("-----BEGIN ")[1].split("-----")[0]
    open(dst, "w").write(pem(label, with_version(der_of(src), int(v))))


def inner_version(src, dst, v):
    kids = children(der_of(src))
    kids[2] = (0x04, with_version(kids[2][1], int(v)))
    open(dst, "w").write(pem("PRIVATE KEY", tlv(0x30, b"".join(tlv(t, c) for t, c in kids))))


if __name__ == "__main__":
    command, args = sys.argv[1], sys.argv[2:]
    {"degenerate": degenerate, "rsa-public": rsa_public, "tamper": tamper, "ed448": ed448, "version": version, "inner-version": inner_version}[command](*args)
