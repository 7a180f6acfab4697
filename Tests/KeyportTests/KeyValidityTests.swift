import Foundation
import Testing
@testable import Keyport

// What counts as a key at all: degenerate RSA/DSA values (issue 14.14), version fields of PEM keys
// (15.5), certificate signatures (15.6), Ed448 certificates (15.3) and the rsa-sha2-* key-type word
// (15.7). Fixtures: Fixtures/validity (make.sh, craft.py, expected.txt with ssh-keygen's and
// AsyncSSH's answers); live cases make fresh keys with ssh-keygen during the run.

/// ssh-keygen -l's answer per fixture file, as make.sh recorded it ("REFUSED" when it refused).
private let validityDir = fixturesURL.appendingPathComponent("validity")
private func fixture(_ name: String) -> String { validityDir.appendingPathComponent(name).path }
private let expected: [String: String] = {
    let text = (try? String(contentsOf: validityDir.appendingPathComponent("expected.txt"), encoding: .utf8)) ?? ""
    var out: [String: String] = [:]
    var current: String?
    for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
        if line.hasPrefix("== ") { current = String(line.dropFirst(3)); out[current!] = "" } else if let c = current, !line.isEmpty { out[c]! += line + "\n" }
    }
    return out
}()

@Suite struct DegenerateKeyTests {
    static let refused = ["rsa-n-zero", "rsa-n-even", "rsa-n-16385-bits", "rsa-e-zero", "rsa-e-20000-bits",
                          "dsa-p-even", "dsa-q-zero", "dsa-y-zero", "dsa-g-one", "dsa-y-above-p", "dsa-p-16385-bits"]
    static let readable = ["rsa-e-1", "rsa-e-even", "rsa-n-16384-bits", "rsa-512-real"]

    @Test(arguments: refused)
    func degeneratePublicKeyIsRefusedByEveryCommand(_ name: String) throws {
        let file = fixture(name + ".pub")
        let field = name.hasPrefix("rsa-e") ? "RSA exponent e" : name.hasPrefix("rsa") ? "RSA modulus n" : "DSA "
        for command in [["fingerprint"], ["inspect"], ["inspect", "--json"], ["fingerprint", "--json"]] {
            let out = try Tool.keyport(command + [file])
            #expect(out.status == 65, "\(command) \(name): \(out.stderr)")
            #expect(out.stdout.isEmpty, "\(command) \(name) printed \(out.stdout)")
            #expect(out.stderr.hasPrefix("keyport: \(file):1: ") && out.stderr.contains(field), "\(out.stderr)")
        }
        let dir = try TempDir()
        let convert = try Tool.keyport(["convert", "--to", "rfc4716", "-o", dir.path("out"), file])
        #expect(convert.status == 65 && !dir.exists("out"), "\(convert.stderr)")
        let lint = try Tool.keyport(["lint", file])
        #expect(lint.stdout.contains("unreadable-key"), "\(lint.stdout)")
    }

    @Test func sshKeygenRefusesWhatItsLimitsRefuse() {
        // The limits keyport shares with OpenSSH (SSHBUF_MAX_BIGNUM, a zero modulus) as recorded.
        for name in ["rsa-n-zero", "rsa-n-16385-bits", "rsa-e-20000-bits", "dsa-p-16385-bits"] {
            #expect(expected[name + ".pub"] == "REFUSED\n", "\(name)")
        }
    }

    @Test(arguments: readable)
    func shortOrOddButRealKeysStayReadableForLint(_ name: String) throws {
        let file = fixture(name + ".pub")
        let out = try Tool.keyport(["fingerprint", file])
        #expect(out.status == 0, "\(out.stderr)")
        if let peer = expected[name + ".pub"], peer != "REFUSED\n" { #expect(out.stdout == peer) }
        let lint = try Tool.keyport(["lint", file])
        let rule = name == "rsa-512-real" ? "rsa-too-short" : name == "rsa-n-16384-bits" ? "rsa-" : "rsa-exponent-invalid"
        #expect(lint.stdout.contains(rule), "\(lint.stdout)")
    }

    @Test func degenerateModulusInsideAPrivateKeyIsRefused() throws {
        // An openssh-key-v1 file from ssh-keygen with its modulus made even, in the public and the
        // private section alike.
        let dir = try TempDir()
        let key = try sshKeygen(dir, name: "k", type: "rsa", bits: 1024)
        let pub = try dir.read("k.pub").split(separator: " ")
        let blob = Base64.decode(Array(pub[1].utf8)[...])!
        var r = SSHReader(blob)
        _ = try r.readString("type"); _ = try r.readString("e")
        let n = try r.readString("n")
        var text = try String(contentsOfFile: key, encoding: .utf8)
        let body = text.split(separator: "\n").dropFirst().dropLast().joined()
        var raw = Base64.decode(Array(body.utf8)[...])!
        var edited = n
        edited[edited.count - 1] ^= 1
        var i = 0
        while let range = raw[i...].firstRange(of: n) { raw.replaceSubrange(range, with: edited); i = range.upperBound }
        text = "-----BEGIN OPENSSH PRIVATE KEY-----\n" + Base64.encode(raw, lineLength: 70) + "\n-----END OPENSSH PRIVATE KEY-----\n"
        let damaged = try dir.write("even", text)
        let out = try Tool.keyport(["inspect", damaged])
        #expect(out.status == 65 && out.stderr.contains("modulus is even"), "\(out.stderr)")
    }

    @Test func degenerateSPKIIsRefused() throws {
        // ssh-keygen -e writes the SubjectPublicKeyInfo; its modulus made even (the byte before the
        // exponent INTEGER 02 03 01 00 01) is refused as the SSH form is.
        let dir = try TempDir()
        let key = try sshKeygen(dir, name: "k", type: "rsa", bits: 2048)
        let spki = try Tool.run("/usr/bin/ssh-keygen", ["-e", "-m", "PKCS8", "-f", key + ".pub"])
        #expect(spki.status == 0)
        let body = spki.stdout.split(separator: "\n").filter { !$0.hasPrefix("-----") }.joined()
        var der = Base64.decode(Array(body.utf8)[...])!
        #expect(Array(der.suffix(5)) == [0x02, 0x03, 0x01, 0x00, 0x01])
        _ = try dir.write("ok.pem", spki.stdout)
        #expect(try Tool.keyport(["fingerprint", dir.path("ok.pem")]).status == 0)
        der[der.count - 6] ^= 1
        _ = try dir.write("even.pem", "-----BEGIN PUBLIC KEY-----\n" + Base64.encode(der, lineLength: 64) + "\n-----END PUBLIC KEY-----\n")
        let out = try Tool.keyport(["fingerprint", dir.path("even.pem")])
        #expect(out.status == 65 && out.stderr.contains("modulus is even"), "\(out.stderr)")
    }
}

@Suite struct KeyTypeWordTests {
    @Test func rsaSha2WordFixturesFingerprintAsSshKeygen() throws {
        for name in ["rsa-sha2-256-word.pub", "rsa-sha2-512-word.pub"] {
            let out = try Tool.keyport(["fingerprint", fixture(name)])
            #expect(out.status == 0, "\(out.stderr)")
            #expect(out.stdout == expected[name], "\(name)")
        }
    }

    @Test func rsaSha2WordInEveryLineFileAgreesWithLiveSshKeygen() throws {
        let dir = try TempDir()
        let key = try sshKeygen(dir, name: "k", type: "rsa", bits: 2048, comment: "word@example.com")
        let line = try dir.read("k.pub")
        let sha256 = line.replacingOccurrences(of: "ssh-rsa ", with: "rsa-sha2-256 ")
        let sha512 = line.replacingOccurrences(of: "ssh-rsa ", with: "rsa-sha2-512 ")
        let files = [
            try dir.write("a.pub", sha256),
            try dir.write("authorized_keys", "restrict,command=\"x\" " + sha512 + sha256),
            try dir.write("known_hosts", "host.example,10.0.0.1 " + sha512),
        ]
        for file in files {
            for flags in [[String](), ["-E", "md5"]] {
                let peer = try Tool.run("/usr/bin/ssh-keygen", ["-l"] + flags + ["-f", file])
                let ours = try Tool.keyport(["fingerprint"] + flags + [file])
                #expect(peer.status == 0 && ours.status == 0, "\(ours.stderr)")
                #expect(ours.stdout == peer.stdout, "\(file)")
            }
        }
        // Read as the RSA key it is: written back with the key's own type name.
        let out = try Tool.keyport(["convert", "--to", "openssh", "-o", dir.path("back.pub"), files[0]])
        #expect(out.status == 0, "\(out.stderr)")
        #expect(try dir.read("back.pub") == line)
        let json = try Tool.keyport(["inspect", "--json", files[0]])
        #expect(json.stdout.contains("\"type\":\"ssh-rsa\""))
        _ = key
    }

    @Test func rsaSha2WordWithAnotherKeyTypeIsAMismatch() throws {
        let dir = try TempDir()
        _ = try sshKeygen(dir, name: "k", type: "ed25519")
        let file = try dir.write("x.pub", try dir.read("k.pub").replacingOccurrences(of: "ssh-ed25519 ", with: "rsa-sha2-256 "))
        #expect(try Tool.run("/usr/bin/ssh-keygen", ["-lf", file]).status != 0)
        let out = try Tool.keyport(["fingerprint", file])
        #expect(out.status == 65 && out.stderr.contains("rsa-sha2-256"), "\(out.stderr)")
    }

    @Test func unknownKeyTypeErrorNamesTheType() throws {
        let dir = try TempDir()
        _ = try sshKeygen(dir, name: "k", type: "ed25519")
        let file = try dir.write("x.pub", try dir.read("k.pub").replacingOccurrences(of: "ssh-ed25519 ", with: "ssh-ed999 "))
        let out = try Tool.keyport(["fingerprint", file])
        #expect(out.status != 0 && out.stderr.contains("unknown key type \"ssh-ed999\""), "\(out.stderr)")
    }
}

@Suite struct CertificateSignatureTests {
    static let signedFixtures = ["cert-by-rsa-2048.pub", "cert-by-rsa-sha1.pub", "cert-by-dsa-1024.pub", "cert-by-ecdsa-256.pub",
                                 "cert-by-ecdsa-384.pub", "cert-by-ecdsa-521.pub", "cert-by-ed25519-256.pub"]

    @Test(arguments: signedFixtures)
    func certificateSignedBySshKeygenVerifies(_ name: String) throws {
        let file = fixture(name)
        let fp = try Tool.keyport(["fingerprint", file])
        #expect(fp.status == 0 && fp.stdout == expected[name], "\(fp.stderr)")
        let text = try Tool.keyport(["inspect", file])
        #expect(text.stdout.contains("Signature: valid"), "\(text.stdout)")
        let json = try Tool.keyport(["inspect", "--json", file])
        #expect(json.stdout.contains("\"signature_valid\":true"))
        let lint = try Tool.keyport(["lint", file])
        #expect(!lint.stdout.contains("certificate-signature-invalid"))
    }

    @Test(arguments: ["cert-tampered.pub", "cert-tampered-rsa.pub"])
    func tamperedCertificateIsReportedAsSshKeygenRefusesIt(_ name: String) throws {
        let file = fixture(name)
        #expect(expected[name] == "REFUSED\n")
        let fp = try Tool.keyport(["fingerprint", file])
        #expect(fp.status == 65 && fp.stdout.isEmpty, "\(fp.stdout)")
        #expect(fp.stderr.contains("signature"), "\(fp.stderr)")
        let text = try Tool.keyport(["inspect", file])
        #expect(text.stdout.contains("Signature: INVALID"), "\(text.stdout)")
        let json = try Tool.keyport(["inspect", "--json", file])
        #expect(json.stdout.contains("\"signature_valid\":false"))
        let lint = try Tool.keyport(["lint", "--format", "json", file])
        #expect(lint.stdout.contains("certificate-signature-invalid"), "\(lint.stdout)")
        #expect(lint.status != 0)
    }

    @Test func freshCertificatesAndTheirTamperedCopiesAgreeWithSshKeygen() throws {
        let dir = try TempDir()
        _ = try sshKeygen(dir, name: "ca", type: "ecdsa", bits: 384)
        _ = try sshKeygen(dir, name: "user", type: "rsa", bits: 2048)
        let sign = try Tool.run("/usr/bin/ssh-keygen", ["-q", "-s", dir.path("ca"), "-I", "fresh-id", "-n", "carol,dave", "-V", "+52w", dir.path("user.pub")])
        #expect(sign.status == 0)
        let good = dir.path("user-cert.pub")
        let line = try dir.read("user-cert.pub").split(separator: " ")
        var blob = Base64.decode(Array(line[1].utf8)[...])!
        var flipped = 0
        // Each field the signature covers: flip one byte of the principals and of the key id.
        for needle in [Array("carol".utf8), Array("fresh-id".utf8)] {
            let range = blob.firstRange(of: needle)!
            var copy = blob
            copy[range.lowerBound] ^= 0x20
            let bad = try dir.write("bad\(flipped).pub", "\(line[0]) \(Base64.encode(copy)) bad\n")
            flipped += 1
            #expect(try Tool.run("/usr/bin/ssh-keygen", ["-lf", bad]).status != 0)
            let out = try Tool.keyport(["fingerprint", bad])
            #expect(out.status == 65 && out.stdout.isEmpty)
            // An authorized_keys file holding the good and the bad line: the good one still prints.
            let ak = try dir.write("ak\(flipped)", "cert-authority " + (try dir.read("user-cert.pub")) + "\(line[0]) \(Base64.encode(copy)) bad\n")
            let both = try Tool.keyport(["fingerprint", ak])
            #expect(both.status == 65 && both.stdout.split(separator: "\n").count == 1 && both.stderr.contains(":2:"), "\(both.stderr)")
        }
        blob[blob.count - 1] ^= 1 // the signature itself
        let badSig = try dir.write("badsig.pub", "\(line[0]) \(Base64.encode(blob)) bad\n")
        #expect(try Tool.keyport(["fingerprint", badSig]).status == 65)
        let peer = try Tool.run("/usr/bin/ssh-keygen", ["-lf", good])
        #expect(try Tool.keyport(["fingerprint", good]).stdout == peer.stdout)
    }
}

@Suite struct Ed448CertificateTests {
    static let certs = ["ed448-cert-by-ed448.pub", "ed448-host-cert-by-ed25519.pub", "ed25519-cert-by-ed448.pub"]

    @Test(arguments: certs)
    func asyncSSHEd448CertificatesReadInspectAndFingerprint(_ name: String) throws {
        let file = fixture(name)
        let fields = (expected["asyncssh " + name] ?? "").split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init)
        #expect(fields.count == 2)
        let fp = try Tool.keyport(["fingerprint", file])
        #expect(fp.status == 0, "\(fp.stderr)")
        let isEd448 = name.hasPrefix("ed448")
        #expect(fp.stdout.hasPrefix((isEd448 ? "448 " : "256 ") + (fields.first ?? "?")), "\(fp.stdout)")
        #expect(fp.stdout.hasSuffix(isEd448 ? "(ED448-CERT)\n" : "(ED25519-CERT)\n"))
        let md5 = try Tool.keyport(["fingerprint", "-E", "md5", file])
        #expect(md5.stdout.contains(fields.last ?? "?"))
        let inspect = try Tool.keyport(["inspect", file])
        #expect(inspect.status == 0 && inspect.stdout.contains("Signature: valid"), "\(inspect.stdout)")
        if isEd448 { #expect(inspect.stdout.contains("ssh-ed448-cert-v01@openssh.com")) }
        // Written back byte for byte.
        let dir = try TempDir()
        let out = try Tool.keyport(["convert", "--to", "openssh", "-o", dir.path("c.pub"), file])
        #expect(out.status == 0, "\(out.stderr)")
        #expect(try dir.read("c.pub") == (try String(contentsOfFile: file, encoding: .utf8)))
    }
}

@Suite struct PEMVersionTests {
    @Test(arguments: ["rsa-version-2.pem", "rsa-version-1.pem", "ec-version-0.pem", "ec-version-2.pem", "dsa-version-1.pem",
                      "pkcs8-version-3.pem", "pkcs8-rsa-inner-version-5.pem"])
    func versionOutsideTheStandardIsRefusedAsPuttygenDoes(_ name: String) throws {
        let file = fixture(name)
        #expect(try Tool.run("/usr/bin/puttygen", [file, "-O", "fingerprint"]).status != 0)
        for command in [["inspect"], ["fingerprint"], ["convert", "--to", "openssh", "--no-passphrase", "-o", "/nonexistent/x"]] {
            let out = try Tool.keyport(command + [file])
            #expect(out.status == 65, "\(command): \(out.stderr)")
            #expect(out.stderr.contains(": version: ") && out.stderr.contains("is not one its standard allows"), "\(out.stderr)")
        }
    }

    @Test(arguments: ["rsa-version-ok.pem", "ec-version-ok.pem"])
    func standardVersionsRead(_ name: String) throws {
        let out = try Tool.keyport(["fingerprint", fixture(name)])
        #expect(out.status == 0, "\(out.stderr)")
    }
}
