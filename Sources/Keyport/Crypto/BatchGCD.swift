// Batch GCD: which RSA moduli of a collection share a prime factor.
//
// D. J. Bernstein, "How to find smooth parts of integers" (2004) and "Fast multiplication and its
// applications" (2008); the product-tree / remainder-tree form used by Heninger, Durumeric, Wustrow
// and Halderman, "Mining Your Ps and Qs", USENIX Security 2012, §3.3:
//
//   product tree    P[0] = (N_1 … N_k);  P[l+1][i] = P[l][2i] · P[l][2i+1]   (an odd last node is carried)
//   remainder tree  R[top] = P[top];      R[l][i] = R[l+1][i/2] mod P[l][i]²
//   at the leaves   z_i = R[0][i] = (∏_j N_j) mod N_i²,   g_i = gcd(N_i, z_i / N_i)
//
// g_i ≠ 1 exactly when N_i shares a factor with some other modulus. The few flagged moduli are then
// compared pairwise with ordinary gcds to say which keys share a factor with which. All arithmetic
// is GMP (subquadratic multiplication and division); the values are public moduli.

internal import CGMP
import Dispatch

/// Two moduli of the input that have a common prime factor.
public struct SharedFactorPair: Sendable, Equatable, Hashable {
    /// Indices into the `moduli` array given to `BatchGCD.findSharedFactors`, `first < second`.
    public var first: Int
    /// Index of the second modulus (greater than `first`).
    public var second: Int
    /// Bits of the common factor (gcd of the two moduli).
    public var factorBits: Int
}

/// Shared-prime detection over many RSA moduli (Bernstein's batch GCD, on GMP).
public enum BatchGCD {
    /// Finds every pair of moduli that share a factor. Moduli are unsigned big-endian magnitudes;
    /// zero or one moduli give no pairs. Identical moduli are reported as sharing (their gcd is the
    /// modulus): callers that see the same key twice should pass it once.
    public static func findSharedFactors(moduli: [[UInt8]]) -> [SharedFactorPair] {
        let count = moduli.count
        guard count >= 2 else { return [] }
        let leaves = GMPArray(count: count)
        for (i, m) in moduli.enumerated() { GMPInteger.load(leaves[i], m) }
        let flags = flaggedIndices(leaves: leaves)
        return pairs(among: flags, leaves: leaves)
    }

    /// Indices i with gcd(N_i, ∏_{j≠i} N_j) ≠ 1, via the product and remainder trees.
    static func flaggedIndices(leaves: GMPArray) -> [Int] {
        // Product tree, bottom up. Level 0 is the leaves (not copied).
        var levels: [GMPArray] = [leaves]
        while let top = levels.last, top.count > 1 {
            let next = GMPArray(count: (top.count + 1) / 2)
            parallelFor(next.count) { i in
                if 2 * i + 1 < top.count {
                    __gmpz_mul(next[i], top[2 * i], top[2 * i + 1])
                } else {
                    __gmpz_set(next[i], top[2 * i])
                }
            }
            levels.append(next)
        }
        // Remainder tree, top down; each product level is released once its remainders exist.
        var remainders = levels.removeLast() // the root: R[top] = P[top]
        while let level = levels.popLast() {
            let next = GMPArray(count: level.count)
            let parent = remainders
            parallelFor(level.count) { i in
                let square = GMPArray(count: 1)
                __gmpz_mul(square[0], level[i], level[i])
                __gmpz_mod(next[i], parent[i / 2], square[0])
            }
            remainders = next
        }
        // Leaves: g_i = gcd(N_i, z_i / N_i). z_i < N_i², so the quotient is exact enough (floor).
        let gcds = GMPArray(count: leaves.count)
        let root = remainders
        parallelFor(leaves.count) { i in
            __gmpz_fdiv_q(gcds[i], root[i], leaves[i])
            __gmpz_gcd(gcds[i], gcds[i], leaves[i])
        }
        return (0..<leaves.count).filter { __gmpz_cmp_ui(gcds[$0], 1) != 0 }
    }

    /// Pairwise gcds among the flagged moduli (few in practice: each planted or real shared prime
    /// flags its two keys). Quadratic in the number flagged, which is why it runs only on those.
    static func pairs(among flagged: [Int], leaves: GMPArray) -> [SharedFactorPair] {
        var result: [SharedFactorPair] = []
        let g = GMPArray(count: 1)
        for (a, i) in flagged.enumerated() {
            for j in flagged[(a + 1)...] {
                __gmpz_gcd(g[0], leaves[i], leaves[j])
                if __gmpz_cmp_ui(g[0], 1) != 0 {
                    result.append(SharedFactorPair(first: i, second: j, factorBits: Int(__gmpz_sizeinbase(g[0], 2))))
                }
            }
        }
        return result
    }

    /// Runs `body` for 0..<count on all cores (the machine has few; GMP calls are thread-safe on
    /// distinct operands).
    static func parallelFor(_ count: Int, _ body: @Sendable (Int) -> Void) {
        if count < 4 {
            for i in 0..<count { body(i) }
        } else {
            DispatchQueue.concurrentPerform(iterations: count, execute: body)
        }
    }
}

// MARK: - Benchmark

/// What `BatchGCD.benchmark` measured.
public struct BatchGCDBenchmark: Sendable {
    /// How many moduli were checked.
    public var moduli: Int
    /// Size of each modulus in bits.
    public var bits: Int
    /// Pairs made to share a factor on purpose.
    public var plantedPairs: Int
    /// Planted pairs that `findSharedFactors` reported (should equal `plantedPairs`).
    public var plantedFound: Int
    /// Other pairs reported: accidental shared factors of the synthetic numbers (see `benchmark`).
    public var accidentalPairs: Int
    /// Seconds spent making the synthetic moduli (not part of the check).
    public var setupSeconds: Double
    /// Seconds `findSharedFactors` took.
    public var gcdSeconds: Double
}

extension BatchGCD {
    /// Times `findSharedFactors` on `count` synthetic moduli of `2·halfBits` bits with
    /// `plantedPairs` pairs that share a factor.
    ///
    /// The factors are random odd `halfBits`-bit numbers with no prime factor up to 65537, not
    /// primes: proving 2·count primes of 1024 bits would take minutes, while batch GCD's cost depends
    /// only on the sizes. Two such numbers share a larger prime now and then (about 1.4·10⁻⁶ per
    /// pair), so a run over 10,000 moduli also reports a few hundred small accidental shares; they are
    /// counted apart from the planted pairs.
    public static func benchmark(count: Int = 10_000, halfBits: Int = 1024, plantedPairs: Int = 10) throws -> BatchGCDBenchmark {
        let clock = ContinuousClock()
        let setupStart = clock.now
        func factor() throws -> GMPInteger {
            while true {
                var bytes = try secureRandomBytes((halfBits + 7) / 8)
                bytes[0] |= 0x80
                bytes[bytes.count - 1] |= 1
                let x = GMPInteger(bytes)
                if RSAWeakness.smallPrimeProduct.modulo(x).gcd(x).isOne { return x }
            }
        }
        var moduli: [[UInt8]] = []
        moduli.reserveCapacity(count)
        for _ in 0..<count { moduli.append(try factor().multiplied(by: try factor()).bytes) }
        // Plant pairs (2k, 2k+1) at spread positions: both get a fresh common factor.
        var planted: Set<SharedFactorPair> = []
        let stride = max(1, count / max(1, 2 * plantedPairs))
        for k in 0..<plantedPairs where 2 * k * stride + stride < count {
            let a = 2 * k * stride, b = a + stride
            let shared = try factor()
            moduli[a] = shared.multiplied(by: try factor()).bytes
            moduli[b] = shared.multiplied(by: try factor()).bytes
            planted.insert(SharedFactorPair(first: a, second: b, factorBits: shared.bitCount))
        }
        let setup = clock.now - setupStart
        let start = clock.now
        let found = findSharedFactors(moduli: moduli)
        let elapsed = clock.now - start
        func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18 }
        let foundPlanted = found.filter { pair in planted.contains { $0.first == pair.first && $0.second == pair.second } }.count
        return BatchGCDBenchmark(moduli: count, bits: 2 * halfBits, plantedPairs: planted.count, plantedFound: foundPlanted,
                                 accidentalPairs: found.count - foundPlanted, setupSeconds: seconds(setup), gcdSeconds: seconds(elapsed))
    }
}
