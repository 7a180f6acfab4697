#!/usr/bin/env python3
"""Writes a large authorized_keys file of distinct, valid keys for the streaming measurements.

Usage: Benchmarks/make_line_files.py LINES PATH [--rsa]
  Without --rsa: Ed25519 and ECDSA P-256 keys, alternating (what `lint` checks without batch GCD).
  With --rsa: every third key is RSA-2048 (random odd moduli: batch GCD's cost depends only on sizes).

Every key is distinct (no duplicate-authorized-key findings) and every comment is an email address
(no comment findings), so `keyport lint` of the file finds nothing and the time is the reading and
checking itself. ECDSA points are successive multiples of the generator (one affine addition per
key), so they are on the curve; Ed25519 keys are 32 bytes from SHA-256 (lint does not check them).
"""
import base64, hashlib, random, struct, sys

P = 0xffffffff00000001000000000000000000000000ffffffffffffffffffffffff
G = (0x6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296,
     0x4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5)


def add(a, b):
    (x1, y1), (x2, y2) = a, b
    if a == b:
        s = (3 * x1 * x1 - 3) * pow(2 * y1, -1, P) % P
    else:
        s = (y2 - y1) * pow(x2 - x1, -1, P) % P
    x3 = (s * s - x1 - x2) % P
    return x3, (s * (x1 - x3) - y1) % P


def string(b):
    return struct.pack(">I", len(b)) + b


def mpint(n):
    b = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return string(b"\0" + b if b[0] & 0x80 else b)


def main():
    lines, path, rsa = int(sys.argv[1]), sys.argv[2], "--rsa" in sys.argv[3:]
    rnd = random.Random(1)
    point = add(G, G)
    with open(path, "w") as f:
        for i in range(lines):
            if rsa and i % 3 == 2:
                n = rnd.getrandbits(2048) | (1 << 2047) | 1
                blob = string(b"ssh-rsa") + mpint(65537) + mpint(n)
                f.write("ssh-rsa %s user%d@example.com\n" % (base64.b64encode(blob).decode(), i))
            elif i % 2 == 0:
                blob = string(b"ssh-ed25519") + string(hashlib.sha256(b"%d" % i).digest())
                f.write("ssh-ed25519 %s user%d@example.com\n" % (base64.b64encode(blob).decode(), i))
            else:
                point = add(point, G)
                q = b"\x04" + point[0].to_bytes(32, "big") + point[1].to_bytes(32, "big")
                blob = string(b"ecdsa-sha2-nistp256") + string(b"nistp256") + string(q)
                f.write("ecdsa-sha2-nistp256 %s user%d@example.com\n" % (base64.b64encode(blob).decode(), i))


main()
