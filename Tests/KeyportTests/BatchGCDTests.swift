import Foundation
import Testing
@testable import Keyport

/// Batch GCD (scaled remainder tree + grouping of the shared parts) against the obvious quadratic
/// answer: gcd of every pair.
@Suite("BatchGCD") struct BatchGCDTests {
    /// Every pair (i < j) with gcd(N_i, N_j) > 1, ignoring values below 2 as the engine does.
    static func naivePairs(_ moduli: [[UInt8]]) -> [SharedFactorPair] {
        let values = moduli.map { GMPInteger($0) }
        var out: [SharedFactorPair] = []
        for i in values.indices where GMPInteger(1) < values[i] {
            for j in values.indices where j > i && GMPInteger(1) < values[j] {
                let g = values[i].gcd(values[j])
                if !g.isOne { out.append(SharedFactorPair(first: i, second: j, factorBits: g.bitCount)) }
            }
        }
        return out
    }

    static func randomOdd(bits: Int) throws -> GMPInteger {
        var bytes = try secureRandomBytes((bits + 7) / 8)
        let extra = bytes.count * 8 - bits
        bytes[0] &= UInt8(0xff >> extra)
        bytes[0] |= UInt8(0x80 >> extra)
        bytes[bytes.count - 1] |= 1
        return GMPInteger(bytes)
    }

    static func index(_ limit: Int) throws -> Int {
        let r = try secureRandomBytes(4).reduce(0) { $0 << 8 | Int($1) }
        return r % limit
    }

    /// RSA-like moduli from primes with every kind of sharing: pairs, a prime in three moduli,
    /// identical moduli, one modulus whose two primes are both shared (with different partners), and
    /// one that is the product of two other moduli's primes exactly.
    @Test func primesWithPlantedSharingMatchPairwise() throws {
        for (count, bits) in [(2, 64), (3, 64), (5, 96), (17, 128), (64, 256), (100, 128), (600, 64)] {
            var primes: [GMPInteger] = []
            for _ in 0..<(2 * count + 8) { primes.append(try lintRandomPrime(bits: bits)) }
            var moduli = (0..<count).map { primes[2 * $0].multiplied(by: primes[2 * $0 + 1]).bytes }
            var spare = 2 * count
            func fresh() -> GMPInteger { defer { spare += 1 }; return primes[spare] }
            if count >= 2 {
                // A pair sharing one prime.
                // Away from the moduli the plantings below overwrite (0…15) when there is room.
                let low = count >= 20 ? 16 : 0, span = count - low
                let a = low + (try Self.index(span)), b = low + (a - low + 1 + (try Self.index(span - 1))) % span
                moduli[b] = primes[2 * a].multiplied(by: fresh()).bytes
            }
            if count >= 5 {
                // The same key twice.
                moduli[4] = moduli[3]
                // One prime in three moduli.
                let p = fresh()
                moduli[0] = p.multiplied(by: primes[1]).bytes
                moduli[1] = p.multiplied(by: primes[3]).bytes
                moduli[2] = p.multiplied(by: primes[5]).bytes
            }
            if count >= 17 {
                // Both primes of modulus 10 shared: p with 11, q with 12.
                let p = primes[20], q = primes[21]
                moduli[11] = p.multiplied(by: fresh()).bytes
                moduli[12] = q.multiplied(by: fresh()).bytes
                // 15 made of modulus 5's and modulus 6's first primes.
                moduli[15] = primes[10].multiplied(by: primes[12]).bytes
            }
            let expected = Self.naivePairs(moduli)
            #expect(BatchGCD.findSharedFactors(moduli: moduli) == expected, "count \(count), \(bits)-bit primes")
            if count >= 20 { #expect(expected.count >= 9) } // 3 + 1 + 2 + 2 planted here, 1 above
        }
    }

    /// Random odd composites (no sieving) share small primes everywhere: many moduli with several
    /// shared primes, the tangled path. Sizes are mixed to exercise the fixed-point precision.
    @Test func randomCompositesMatchPairwise() throws {
        for count in [2, 3, 7, 33, 120] {
            var moduli: [[UInt8]] = []
            for k in 0..<count {
                let bits = [16, 40, 64, 200, 512, 1030][k % 6]
                moduli.append(try Self.randomOdd(bits: bits).bytes)
            }
            #expect(BatchGCD.findSharedFactors(moduli: moduli) == Self.naivePairs(moduli), "count \(count)")
        }
        // Even numbers share 2 with each other.
        let evens = [[UInt8]]([[0x06], [0x0a], [0x0f], [0x0e, 0x00]])
        #expect(BatchGCD.findSharedFactors(moduli: evens) == Self.naivePairs(evens))
    }

    /// g_i against gcd(N_i, ∏_{j≠i} N_j) computed directly, on sets with very different sizes.
    @Test func sharedPartsMatchDirectProduct() throws {
        for count in [2, 3, 4, 5, 9, 31] {
            var values: [GMPInteger] = []
            for k in 0..<count { values.append(try Self.randomOdd(bits: [8, 2048, 100, 4096, 33][k % 5])) }
            values[count - 1] = values[0].multiplied(by: values[count / 2])
            let leaves = GMPArray(count: count)
            for (k, v) in values.enumerated() { GMPInteger.load(leaves[k], v.bytes) }
            let shared = BatchGCD.sharedParts(leaves)
            for i in 0..<count {
                var others = GMPInteger(1)
                for j in 0..<count where j != i { others = others.multiplied(by: values[j]) }
                let direct = others.modulo(values[i]).gcd(values[i])
                #expect(GMPInteger.export(shared[i]) == direct.bytes, "count \(count), leaf \(i)")
            }
        }
    }

    /// Above 2^(localLevels + 1) leaves the bottom of the tree is rebuilt per subtree on the way down;
    /// g_i against gcd(N_i, (∏_{j<i} N_j · ∏_{j>i} N_j) mod N_i) from prefix and suffix products, with
    /// one- and two-leaf pair nodes mixed, subtrees of unequal leaf counts and planted shared
    /// factors (`localLevels` lowered so that small trees have several levels of subtrees).
    @Test(arguments: [(1025, 8), (2_500, 8), (777, 4), (1_000, 5)])
    func sharedPartsWithRebuiltSubtreesMatchPrefixProducts(count: Int, localLevels: Int) throws {
        do {
            var values: [GMPInteger] = []
            for k in 0..<count { values.append(try Self.randomOdd(bits: [64, 72, 90, 130, 257][k % 5])) }
            for (a, b) in [(0, count - 1), (3, 700), (513, 514), (count / 2, count - 2)] {
                let common = try Self.randomOdd(bits: 61)
                values[a] = values[a].multiplied(by: common)
                values[b] = values[b].multiplied(by: common)
            }
            let leaves = GMPArray(count: count)
            for (k, v) in values.enumerated() { GMPInteger.load(leaves[k], v.bytes) }
            let shared = BatchGCD.sharedParts(leaves, localLevels: localLevels)
            var prefix = [GMPInteger(1)]
            for v in values { prefix.append(prefix[prefix.count - 1].multiplied(by: v)) }
            var suffix = GMPInteger(1)
            var flagged = 0
            for i in stride(from: count - 1, through: 0, by: -1) {
                let n = values[i]
                let others = prefix[i].modulo(n).multiplied(by: suffix.modulo(n)).modulo(n)
                let direct = others.gcd(n)
                #expect(GMPInteger.export(shared[i]) == direct.bytes, "count \(count), leaf \(i)")
                if !direct.isOne { flagged += 1 }
                suffix = suffix.multiplied(by: n)
            }
            #expect(flagged >= 8, "count \(count): the planted pairs are flagged")
        }
    }

    @Test func valuesBelowTwoTakeNoPart() throws {
        let p = try lintRandomPrime(bits: 128)
        let a = p.multiplied(by: try lintRandomPrime(bits: 128)).bytes
        let b = p.multiplied(by: try lintRandomPrime(bits: 128)).bytes
        let moduli: [[UInt8]] = [[], [0], [0, 0, 1], a, [1], b, [0, 0]]
        #expect(BatchGCD.findSharedFactors(moduli: moduli) == [SharedFactorPair(first: 3, second: 5, factorBits: p.bitCount)])
        #expect(BatchGCD.findSharedFactors(moduli: [[], [1], a]).isEmpty)
        #expect(BatchGCD.findSharedFactors(moduli: [a, a]) == [SharedFactorPair(first: 0, second: 1, factorBits: a.count * 8 - Int(a[0].leadingZeroBitCount))])
    }
}
