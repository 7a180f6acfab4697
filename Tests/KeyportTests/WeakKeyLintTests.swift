import Foundation
import Testing
@testable import Keyport

/// Known-weak keys: ROCA, Fermat, small factors, small d, shared primes, blocklists, the PPK P-521 nonce bias.
@Suite("Lint: known-weak keys") struct WeakKeyLintTests {
    /// The ROCA test modulus from badkeys' test suite (tests/data/rsa-roca.key, a public key with
    /// the Infineon fingerprint), used as a published vector.
    static let rocaModulus = "9132AD211FCC0DFB4DAE48326AC864C227E4B394B09BD1C4930E197028A3C907694D2B489E4F69754AEAE338C6EAD939C57F406985CBBB8EDF9A2055CC2946BC05D365BA67E896C6D4811152CFA2D290514F90B352EEEF27FEB72FBD8DCD5BC915A4F4494139CC1CA10A3244FA97E53275F57B5529B4E767379007798E112A4BA056C7B75CEDB132CDF21F7BD3C9976D9DA38815153477A13B3EBB2046D100A851DC00698F530D19396F00FBEF2C4BF1659EBC4C7FD9556B5FFC93F03CA2D3DFACD222A5F028AB430A27EA31136C0C2F50C3C481931A635A37780F00D2727AE71AEE9B40F8D1AAE68535C77A56317812BEB5525D4A28364F31224ACAC52CF72D"

    /// A prime of RSALib's form p = k·M + (65537^a mod M), M = 3·5·…·167 (× 2 so p is odd).
    func rocaPrime(bits: Int) throws -> GMPInteger {
        var m = GMPInteger(2)
        for r in RSAWeakness.rocaPrimes { m = m.multiplied(by: GMPInteger(r)) }
        while true {
            let a = GMPInteger(try secureRandomBytes(8))
            let base = GMPInteger(65537).powMod(a, m)
            let k = GMPInteger(try secureRandomBytes((bits - m.bitCount) / 8))
            let candidate = k.multiplied(by: m).adding(base)
            if candidate.isProbablePrime() { return candidate }
        }
    }

    @Test func rsaROCA() throws {
        let published = try #require(Hex.decode(WeakKeyLintTests.rocaModulus))
        #expect(RSAWeakness.hasROCAFingerprint(modulus: published))
        #expect(lintDocs([publicDoc(rsaPublic(n: published))]).contains { $0.ruleID == "rsa-roca" && $0.severity == .error })
        // A modulus built the way RSALib builds them.
        let constructed = try rocaPrime(bits: 512).multiplied(by: try rocaPrime(bits: 512)).bytes
        #expect(ruleIDs(lintDocs([publicDoc(rsaPublic(n: constructed))])).contains("rsa-roca"))
        // Sound keys: none of 20 random moduli, nor an ssh-keygen key, carries the fingerprint.
        for _ in 0..<20 { #expect(!RSAWeakness.hasROCAFingerprint(modulus: try lintRandomPrime(bits: 512).multiplied(by: try lintRandomPrime(bits: 512)).bytes)) }
        #expect(!ruleIDs(lintDocs([publicDoc(rsaPublic(n: try soundModulus()))])).contains("rsa-roca"))
        // The membership test itself: exactly ord(65537) residues mod r are in the subgroup, and for
        // some r (e.g. 13, where 65537 ≡ 4 has order 6) the subgroup is proper.
        for (i, r) in RSAWeakness.rocaPrimes.enumerated() {
            let members = (1..<r).filter { RSAWeakness.rocaResidueInSubgroup($0, primeIndex: i) }
            #expect(UInt(members.count) == RSAWeakness.rocaOrders[i], "r = \(r)")
            #expect(RSAWeakness.rocaResidueInSubgroup(RSAWeakness.powMod(65537, 5, r), primeIndex: i))
        }
        #expect(RSAWeakness.rocaOrders[4] == 6 && !RSAWeakness.rocaResidueInSubgroup(2, primeIndex: 4))
    }

    @Test func rsaFermat() throws {
        let p = try lintRandomPrime(bits: 1024)
        let q = p.shiftedLeft(0).adding(1 << 20).nextPrime()
        let close = p.multiplied(by: q).bytes
        let findings = lintDocs([publicDoc(rsaPublic(n: close))])
        let finding = try #require(findings.first { $0.ruleID == "rsa-fermat" })
        #expect(finding.message.contains("at most 100 steps"))
        #expect(!ruleIDs(lintDocs([publicDoc(rsaPublic(n: try soundModulus()))])).contains("rsa-fermat"))
        var off = Policy(); off.fermatSteps = 0
        #expect(!ruleIDs(lintDocs([publicDoc(rsaPublic(n: close))], policy: off)).contains("rsa-fermat"))
    }

    @Test func rsaSmallFactors() throws {
        let big = try lintRandomPrime(bits: 2032)
        let bad = big.multiplied(by: GMPInteger(65537)).bytes
        #expect(lintDocs([publicDoc(rsaPublic(n: bad))]).contains { $0.ruleID == "rsa-small-factors" && $0.message.contains("65537") })
        #expect(RSAWeakness.smallFactors(modulus: big.multiplied(by: GMPInteger(6)).bytes) == [2, 3])
        #expect(!ruleIDs(lintDocs([publicDoc(rsaPublic(n: try soundModulus()))])).contains("rsa-small-factors"))
    }

    /// An RSA private key with a 256-bit d (e = d⁻¹ mod φ), or the usual e = 65537.
    func rsaPrivate(smallD: Bool) throws -> PrivateKey {
        while true {
            let p = try lintRandomPrime(bits: 1024), q = try lintRandomPrime(bits: 1024)
            let ctx = try BigNumContext()
            let bp = try BigNum(p.bytes), bq = try BigNum(q.bytes)
            let phi = try ctx.mul(ctx.minusOne(bp), ctx.minusOne(bq))
            // Small d: a 256-bit prime d, e = d⁻¹ mod φ. Sound: e = 65537, d = e⁻¹ mod φ.
            let e: BigNum, dd: BigNum
            if smallD {
                let d = try BigNum(try lintRandomPrime(bits: 256).bytes)
                guard let inverse = try ctx.modInverse(d, phi) else { continue }
                (e, dd) = (inverse, d)
            } else {
                e = try BigNum([0x01, 0x00, 0x01])
                guard let inverse = try ctx.modInverse(e, phi) else { continue }
                dd = inverse
            }
            guard let iqmp = try ctx.modInverse(bq, bp) else { continue }
            let n = p.multiplied(by: q).bytes
            return PrivateKey(publicKey: rsaPublic(e: e.bytes, n: n),
                              secret: .rsa(d: dd.secureBytes, p: SecureBytes(p.bytes), q: SecureBytes(q.bytes), iqmp: iqmp.secureBytes))
        }
    }

    @Test func rsaSmallPrivateExponent() throws {
        let weak = try rsaPrivate(smallD: true)
        try weak.validate()
        let findings = lintDocs([privateDoc(weak)], path: "id_rsa")
        #expect(findings.contains { $0.ruleID == "rsa-small-private-exponent" && $0.message.contains("bits") })
        let sound = try rsaPrivate(smallD: false)
        #expect(!ruleIDs(lintDocs([privateDoc(sound)], path: "id_rsa")).contains("rsa-small-private-exponent"))
    }

    @Test func rsaSharedPrime() throws {
        let shared = try lintRandomPrime(bits: 1024)
        let n1 = shared.multiplied(by: try lintRandomPrime(bits: 1024)).bytes
        let n2 = shared.multiplied(by: try lintRandomPrime(bits: 1024)).bytes
        let n3 = try soundModulus()
        let inputs = [LintInput(path: "a.pub", documents: [publicDoc(rsaPublic(n: n1))]),
                      LintInput(path: "b.pub", documents: [publicDoc(rsaPublic(n: n3)), publicDoc(rsaPublic(n: n2))]),
                      // The same key again in another file is not a shared factor.
                      LintInput(path: "c.pub", documents: [publicDoc(rsaPublic(n: n3))])]
        let findings = Linter().lint(inputs).filter { $0.ruleID == "rsa-shared-prime" }
        #expect(Set(findings.map(\.file)) == ["a.pub", "b.pub"])
        #expect(findings.count == 2)
        #expect(findings.first { $0.file == "a.pub" }?.message.contains("b.pub") == true)
        #expect(Linter().lint([inputs[1], inputs[2]]).allSatisfy { $0.ruleID != "rsa-shared-prime" })

        // The engine itself on many moduli with planted pairs.
        var moduli: [[UInt8]] = []
        for _ in 0..<64 { moduli.append(try lintRandomPrime(bits: 256).multiplied(by: try lintRandomPrime(bits: 256)).bytes) }
        let p = try lintRandomPrime(bits: 256)
        moduli[5] = p.multiplied(by: try lintRandomPrime(bits: 256)).bytes
        moduli[40] = p.multiplied(by: try lintRandomPrime(bits: 256)).bytes
        #expect(BatchGCD.findSharedFactors(moduli: moduli) == [SharedFactorPair(first: 5, second: 40, factorBits: p.bitCount)])
        #expect(BatchGCD.findSharedFactors(moduli: [n1]).isEmpty)
    }

    @Test func blocklistedKey() throws {
        let listed = try ed25519Private().publicKey
        let rsa = rsaPublic(n: try soundModulus())
        let other = try ed25519Private().publicKey
        let edHash = try #require(Blocklist.bkhash(listed)), rsaHash = try #require(Blocklist.bkhash(rsa))
        // lookup.txt style BKHASH64;path, and a full fingerprint line.
        let text = "# test list\n\(Hex.encode(edHash.prefix(8)));debianopenssl/ed.key\n\(rsa.fingerprint()) docs example\n"
        let blocklist = try Blocklist(bytes: Array(text.utf8))
        #expect(blocklist.count == 2)
        func findings(_ key: PublicKey, _ list: Blocklist) -> [Finding] {
            Linter(blocklist: list).lint(LintInput(path: "k.pub", documents: [publicDoc(key)]))
        }
        #expect(findings(listed, blocklist).contains { $0.ruleID == "blocklisted-key" && $0.message.contains("debianopenssl/ed.key") })
        #expect(findings(rsa, blocklist).contains { $0.ruleID == "blocklisted-key" && $0.message.contains("docs example") })
        #expect(!ruleIDs(findings(other, blocklist)).contains("blocklisted-key"))
        // badkeys blocklist.dat: sorted BKHASH120 ‖ id records.
        var records = [Array(rsaHash.prefix(15)) + [7], [UInt8](repeating: 0, count: 15) + [1], [UInt8](repeating: 0xff, count: 15) + [2]]
        records.sort { $0.lexicographicallyPrecedes($1) }
        let binary = try Blocklist(bytes: records.flatMap { $0 })
        #expect(findings(rsa, binary).contains { $0.ruleID == "blocklisted-key" && $0.message.contains("id 7") })
        #expect(!ruleIDs(findings(listed, binary)).contains("blocklisted-key"))
        // BKHASH of RSA is SHA-256 of n without leading zeros.
        guard case let .rsa(_, n) = rsa.parts else { return }
        #expect(rsaHash == Digest.sha256.hash(n))
        #expect(throws: KeyportError.self) { try Blocklist(bytes: Array("xyz\n".utf8)) }
    }

    @Test func ppkP521NonceBias() throws {
        let dir = try TempDir()
        try sshKeygen(dir, name: "p521", type: "ecdsa", bits: 521)
        let key = try readKey(dir.path("p521.pub"))
        let ppk = lockedDoc(key, format: .ppk, protection: Protection(cipher: .aes(keyBits: 256, mode: .cbc), kdf: .argon2(Argon2Parameters(memory: 8192))),
                            version: 3)
        #expect(lintDocs([ppk], path: "k.ppk", mode: 0o600).contains { $0.ruleID == "ppk-p521-nonce-bias" && $0.severity == .info })
        #expect(!ruleIDs(lintDocs([publicDoc(key)])).contains("ppk-p521-nonce-bias"))
    }
}
