// Batch GCD: which RSA moduli of a collection share a prime factor.
//
// D. J. Bernstein, "How to find smooth parts of integers" (2004), "Scaled remainder trees" (2004)
// and "Fast multiplication and its applications" (2008); the product-tree / remainder-tree form used
// by Heninger, Durumeric, Wustrow and Halderman, "Mining Your Ps and Qs", USENIX Security 2012, §3.3.
//
//   product tree    P[0] = (N_1 … N_k);  P[l+1][i] = P[l][2i] · P[l][2i+1]   (an odd last node is carried)
//   wanted          z_i = (∏_{j≠i} N_j) mod N_i,   g_i = gcd(N_i, z_i)
//
// g_i ≠ 1 exactly when N_i shares a factor with some other modulus. The textbook remainder tree gets
// z_i from P mod P[l][i]² at every node, one long division per node. The scaled remainder tree carries
// instead the fraction y_v = frac(P / P_v²) = frac((P / P_v) / P_v) as a fixed-point number and goes
// down with one multiplication per node:
//
//   y_c = frac(y_v · P_s²)          (c, s the two children of v: P / P_c² = (P / P_v²) · P_s²)
//   z_i = round(y_i · N_i)          (y_i = frac(Q_i / N_i) = (Q_i mod N_i) / N_i,  Q_i = ∏_{j≠i} N_j)
//
// Precision: an error ε in y_v becomes ε · P_s² in y_c, so y_v needs 2·bits(P_v) − bits(N) fraction
// bits to leave less than 1/(2N) at the leaf (plus guard bits for the truncation at each level: the
// bound grows by at most 2⁴ per level). The root itself is never formed: the two top nodes L and R get
// y_L = frac(R / L) and y_R = frac(L / R) by one division each, in parallel. Levels run on all cores
// (the top levels have few but large nodes, which the two-node split keeps busy on two cores); each
// product level is released as soon as the level below has its fractions. The bottom levels are not
// kept at all: below level `localLevels` each subtree rebuilds its small products and finishes its
// leaves on its own, subtrees on all cores (memory: the tree keeps log₂(n) − 8 input-sized levels,
// not log₂(n)).
//
// The moduli with g_i ≠ 1 are then grouped by g_i (see `pairs`), which names the partners in time
// linear in the output when the shared parts are distinct primes, as in every real data set; only
// tangled cases fall back to pairwise gcds. All arithmetic is GMP; the values are public moduli.

internal import CGMP
import Dispatch

/// Two moduli of the input that have a common prime factor.
public struct SharedFactorPair: Sendable, Equatable, Hashable {
    /// Indices into the `moduli` array given to `BatchGCD.findSharedFactors`, `first < second`.
    public var first: Int
    /// The index of the other modulus.
    public var second: Int
    /// Bits of the common factor (gcd of the two moduli).
    public var factorBits: Int
}

/// Shared-prime detection over many RSA moduli (Bernstein's batch GCD, on GMP).
public enum BatchGCD {
    /// Finds every pair of moduli that share a factor, sorted by (first, second). Moduli are unsigned
    /// big-endian magnitudes; zero and one take no part (they share nothing). Identical moduli are
    /// reported as sharing (their gcd is the modulus): callers that see the same key twice should pass
    /// it once.
    public static func findSharedFactors(moduli: [[UInt8]]) -> [SharedFactorPair] {
        // Values below 2 would zero the product tree; leave them out and map indices back at the end.
        let used = moduli.indices.filter { i in
            guard let top = moduli[i].firstIndex(where: { $0 != 0 }) else { return false }
            return top < moduli[i].count - 1 || moduli[i][top] > 1
        }
        guard used.count >= 2 else { return [] }
        let leaves = GMPArray(count: used.count)
        for (k, i) in used.enumerated() { GMPInteger.load(leaves[k], moduli[i]) }
        let shared = sharedParts(leaves)
        return pairs(shared: shared, leaves: leaves).map { pair in
            SharedFactorPair(first: used[pair.first], second: used[pair.second], factorBits: pair.factorBits)
        }
    }

    /// Levels at the bottom of the product tree that are not kept: each subtree of 2^localLevels
    /// leaves rebuilds its own products on the way down (a few per cent more multiplication, all of
    /// it at small sizes) instead of holding them from the way up; every kept level of the tree is
    /// as large as the input, so this saves that many input-sized levels of memory.
    static let localLevels = 8

    /// g_i = gcd(N_i, ∏_{j≠i} N_j) for every leaf (1 when N_i shares nothing). Needs at least two
    /// leaves, all above 1.
    static func sharedParts(_ leaves: GMPArray) -> GMPArray {
        // Product tree, bottom up, stopping at two nodes (the root is never needed). Levels 1 up to
        // localLevels − 1 are only passed through (nil): the subtrees rebuild them on the way down.
        var depth = 0
        do {
            var count = leaves.count
            while count > 2 { count = (count + 1) / 2; depth += 1 }
        }
        let local = depth > localLevels + 1 ? localLevels : 0
        var levels: [GMPArray?] = [leaves]
        var below = leaves
        while below.count > 2 {
            let next = productLevel(below)
            levels.append(levels.count < local ? nil : next)
            below = next
        }
        var minimumBits = Int.max
        for i in 0..<leaves.count { minimumBits = min(minimumBits, bits(leaves[i])) }
        let tree = Precision(minimumBits: minimumBits, guardBits: 64 + 4 * levels.count)

        // Top: y_L = frac(R / L), y_R = frac(L / R), as integers Y = ⌊y · 2^b⌋.
        let top = below
        levels.removeLast()
        var topBits = (0..<top.count).map { tree.bits(top[$0]) }
        var fractions = GMPArray(count: top.count)
        do {
            let nodes = top, out = fractions, b = topBits
            parallelFor(2) { i in
                // `t` is reached only through raw pointers: keep it alive across the calls.
                let t = GMPArray(count: 1)
                withExtendedLifetime(t) {
                    __gmpz_mul_2exp(t[0], nodes[1 - i], mp_bitcnt_t(b[i]))
                    __gmpz_fdiv_q(out[i], t[0], nodes[i])
                    __gmpz_fdiv_r_2exp(out[i], out[i], mp_bitcnt_t(b[i]))
                }
            }
        }
        // Down the kept levels (to level `local`), each on all cores; each product level is released
        // once the level below has its fractions.
        while levels.count > local, let level = levels.popLast() ?? nil {
            (fractions, topBits) = descend(level, parent: fractions, parentBits: topBits, tree: tree, parallel: true)
        }
        let gcds = GMPArray(count: leaves.count)
        if local == 0 {
            // Small inputs: the whole tree was kept and the fractions are at the leaves.
            finish(leaves, range: 0..<leaves.count, fractions: fractions, offset: 0, bits: topBits, into: gcds)
            return gcds
        }
        // The rest per subtree of 2^local leaves, the subtrees on all cores: rebuild the subtree's
        // products, go down to its leaves, finish them.
        let parents = fractions, parentBits = topBits, span = 1 << local
        parallelFor(parents.count) { u in
            let range = (u * span)..<min((u + 1) * span, leaves.count)
            let own = GMPArray(count: range.count)
            for (k, i) in range.enumerated() { __gmpz_set(own[k], leaves[i]) }
            var subtree: [GMPArray] = [own]
            for _ in 1..<local { subtree.append(productLevel(subtree[subtree.count - 1], parallel: false)) }
            let y = GMPArray(count: 1)
            __gmpz_set(y[0], parents[u])
            var (f, b) = (y, [parentBits[u]])
            while let level = subtree.popLast() {
                (f, b) = descend(level, parent: f, parentBits: b, tree: tree, parallel: false)
            }
            finish(leaves, range: range, fractions: f, offset: range.lowerBound, bits: b, into: gcds)
        }
        return gcds
    }

    /// Fraction bits kept for a node: 2·bits(P_v) − bits(smallest leaf) + guard bits.
    struct Precision: Sendable {
        let minimumBits: Int, guardBits: Int
        func bits(_ p: UnsafeMutablePointer<__mpz_struct>) -> Int { 2 * BatchGCD.bits(p) - minimumBits + guardBits }
    }

    /// The next level of a product tree (pairs multiplied; an odd last node is carried).
    static func productLevel(_ below: GMPArray, parallel: Bool = true) -> GMPArray {
        let next = GMPArray(count: (below.count + 1) / 2)
        let body: @Sendable (Int) -> Void = { i in
            if 2 * i + 1 < below.count {
                __gmpz_mul(next[i], below[2 * i], below[2 * i + 1])
            } else {
                __gmpz_set(next[i], below[2 * i])
            }
        }
        if parallel { parallelFor(next.count, body) } else { for i in 0..<next.count { body(i) } }
        return next
    }

    /// One step down: Y_c = ⌊(Y_v · P_s² mod 2^b_v) / 2^(b_v − b_c)⌋ for every node c of `level`
    /// (v its parent, s its sibling); a carried node keeps its parent's fraction and bits.
    static func descend(_ level: GMPArray, parent: GMPArray, parentBits: [Int], tree: Precision,
                        parallel: Bool) -> (GMPArray, [Int]) {
        let levelBits = (0..<level.count).map { tree.bits(level[$0]) }
        let next = GMPArray(count: level.count)
        let body: @Sendable (Int) -> Void = { i in
            let p = i / 2, s = i ^ 1
            guard s < level.count else {
                __gmpz_set(next[i], parent[p])
                return
            }
            let t = GMPArray(count: 1)
            withExtendedLifetime(t) {
                __gmpz_mul(t[0], level[s], level[s])
                __gmpz_mul(t[0], t[0], parent[p])
                __gmpz_fdiv_r_2exp(t[0], t[0], mp_bitcnt_t(parentBits[p]))
                __gmpz_fdiv_q_2exp(next[i], t[0], mp_bitcnt_t(parentBits[p] - levelBits[i]))
            }
        }
        if parallel { parallelFor(level.count, body) } else { for i in 0..<level.count { body(i) } }
        let bits = (0..<level.count).map { i in (i ^ 1) < level.count ? levelBits[i] : parentBits[i / 2] }
        return (next, bits)
    }

    /// Leaves: z_i = ⌊(Y_i · N_i + 2^(b−1)) / 2^b⌋ (≡ Q_i mod N_i; it may round up to N_i, which the
    /// gcd treats as 0), g_i = gcd(N_i, z_i). `fractions[i − offset]` belongs to leaf i.
    static func finish(_ leaves: GMPArray, range: Range<Int>, fractions: GMPArray, offset: Int, bits: [Int],
                       into gcds: GMPArray) {
        for i in range {
            let k = i - offset
            // ⌊(x + 2^(b−1)) / 2^b⌋ = ⌊(⌊x / 2^(b−1)⌋ + 1) / 2⌋
            __gmpz_mul(gcds[i], fractions[k], leaves[i])
            __gmpz_fdiv_q_2exp(gcds[i], gcds[i], mp_bitcnt_t(bits[k] - 1))
            __gmpz_add_ui(gcds[i], gcds[i], 1)
            __gmpz_fdiv_q_2exp(gcds[i], gcds[i], 1)
            __gmpz_gcd(gcds[i], gcds[i], leaves[i])
        }
    }

    static func bits(_ x: UnsafeMutablePointer<__mpz_struct>) -> Int {
        x.pointee._mp_size == 0 ? 0 : Int(__gmpz_sizeinbase(x, 2))
    }

    /// The pairs behind the shared parts g_i. Moduli with the same g_i = d > 1 share d with each
    /// other. When d is coprime to every other distinct shared part (found by one more batch GCD over
    /// the distinct values), those moduli share nothing with anyone else: a partner j of i shares a
    /// prime p | g_i and p | g_j, so g_j = d. The factor of such a pair is exactly d (gcd(N_i, N_j)
    /// divides g_i and is divisible by d). The remaining, tangled moduli (several shared primes, or a
    /// modulus all of whose primes are shared) are compared pairwise; partners of a tangled modulus
    /// are tangled too, by the same argument.
    static func pairs(shared: GMPArray, leaves: GMPArray) -> [SharedFactorPair] {
        var groups: [[UInt8]: [Int]] = [:]
        for i in 0..<leaves.count where __gmpz_cmp_ui(shared[i], 1) != 0 {
            groups[GMPInteger.export(shared[i]), default: []].append(i)
        }
        guard !groups.isEmpty else { return [] }
        let values = Array(groups.keys)
        var tangled = [Bool](repeating: false, count: values.count)
        if values.count >= 2 {
            let distinct = GMPArray(count: values.count)
            for (k, v) in values.enumerated() { GMPInteger.load(distinct[k], v) }
            let overlap = sharedParts(distinct)
            withExtendedLifetime(overlap) {
                for k in values.indices { tangled[k] = __gmpz_cmp_ui(overlap[k], 1) != 0 }
            }
        }
        var result: [SharedFactorPair] = []
        var knotted: [Int] = []
        for (k, value) in values.enumerated() {
            let members = groups[value] ?? []
            if tangled[k] { knotted += members; continue }
            let factorBits = bits(value)
            for (a, i) in members.enumerated() {
                for j in members[(a + 1)...] { result.append(SharedFactorPair(first: i, second: j, factorBits: factorBits)) }
            }
        }
        knotted.sort()
        let g = GMPArray(count: 1)
        withExtendedLifetime((g, leaves)) {
            for (a, i) in knotted.enumerated() {
                for j in knotted[(a + 1)...] {
                    __gmpz_gcd(g[0], leaves[i], leaves[j])
                    if __gmpz_cmp_ui(g[0], 1) != 0 {
                        result.append(SharedFactorPair(first: i, second: j, factorBits: bits(g[0])))
                    }
                }
            }
        }
        return result.sorted { ($0.first, $0.second) < ($1.first, $1.second) }
    }

    /// Bits of a big-endian magnitude.
    static func bits(_ magnitude: [UInt8]) -> Int {
        guard let top = magnitude.firstIndex(where: { $0 != 0 }) else { return 0 }
        return (magnitude.count - top) * 8 - magnitude[top].leadingZeroBitCount
    }

    /// Runs `body` for 0..<count on all cores (GMP calls are thread-safe on distinct operands).
    static func parallelFor(_ count: Int, _ body: @Sendable (Int) -> Void) {
        if count < 2 {
            for i in 0..<count { body(i) }
        } else {
            DispatchQueue.concurrentPerform(iterations: count, execute: body)
        }
    }
}

// MARK: - Benchmark inputs

extension BatchGCD {
    /// `count` synthetic moduli of `2·halfBits` bits with `plantedPairs` pairs that share a factor,
    /// for the LintBenchmark tests and Benchmarks/batchgcd.sh.
    ///
    /// The factors are not proven primes (2·count primes of 1024 bits take GMP about 30 ms each on
    /// this machine); batch GCD's cost depends only on the sizes. They are odd numbers with no prime
    /// factor below the sieve bound B (2²⁷ for runs of 1,000 moduli or more), taken from windows of
    /// consecutive odd numbers narrower than B: two numbers of one window differ by less than B, so
    /// they cannot share a prime above it, and numbers from different windows share one with
    /// probability about 1/(B·ln B) per pair (a few accidental pairs in 100,000 moduli, each a real
    /// shared factor of 28–31 bits). Modulus i is p_i·q_i with p from one window and q from another
    /// (so p − q is large, as for real keys); a planted pair replaces both p's by a factor from a third.
    public static func syntheticModuli(count: Int, halfBits: Int = 1024, plantedPairs: Int = 10) throws
        -> (moduli: [[UInt8]], planted: Set<SharedFactorPair>) {
        let bound = count >= 1000 ? 1 << 27 : 1 << 20
        let sieve = OddSieve(limit: bound)
        let p = try sieve.roughNumbers(count, bits: halfBits)
        let q = try sieve.roughNumbers(count, bits: halfBits)
        let shared = try sieve.roughNumbers(plantedPairs, bits: halfBits)
        var moduli = (0..<count).map { p[$0].multiplied(by: q[$0]).bytes }
        var planted: Set<SharedFactorPair> = []
        let stride = max(1, count / max(1, 2 * plantedPairs))
        for k in 0..<plantedPairs where 2 * k * stride + stride < count {
            let a = 2 * k * stride, b = a + stride
            moduli[a] = shared[k].multiplied(by: q[a]).bytes
            moduli[b] = shared[k].multiplied(by: q[b]).bytes
            planted.insert(SharedFactorPair(first: a, second: b, factorBits: shared[k].bitCount))
        }
        return (moduli, planted)
    }
}

/// Odd primes below a bound (a bit per odd number), for making numbers free of small factors.
struct OddSieve {
    let limit: Int
    /// Bit j set: 2j + 1 is composite (j = 0, the number 1, counts as composite).
    private var composite: [UInt64]

    init(limit: Int) {
        self.limit = limit
        let slots = limit / 2
        var bits = [UInt64](repeating: 0, count: slots / 64 + 1)
        bits[0] |= 1
        var j = 1
        while (2 * j + 1) * (2 * j + 1) < limit {
            if bits[j >> 6] & (1 << UInt64(j & 63)) == 0 {
                let p = 2 * j + 1
                var k = (p * p) / 2
                while k < slots { bits[k >> 6] |= 1 << UInt64(k & 63); k += p }
            }
            j += 1
        }
        composite = bits
    }

    func forEachPrime(_ body: (UInt) -> Void) {
        for j in 1..<(limit / 2) where composite[j >> 6] & (1 << UInt64(j & 63)) == 0 { body(UInt(2 * j + 1)) }
    }

    /// `count` distinct odd `bits`-bit numbers without a prime factor below `limit`, from windows of
    /// consecutive odd numbers x, x + 2, … spanning less than `limit` (so pairwise coprime).
    func roughNumbers(_ count: Int, bits: Int) throws -> [GMPInteger] {
        var out: [GMPInteger] = []
        while out.count < count {
            // Start: top bits 110…, so the window cannot grow a bit and a product of two such numbers
            // has exactly 2·bits bits (both ≥ 0.75·2^bits), as an RSA modulus of that size.
            guard bits >= 64 else { throw KeyportError.unsupported("synthetic factors of fewer than 64 bits") }
            let start = GMPInteger(try secureRandomBytes((bits + 7) / 8))
            start.truncate(toBits: bits)
            start.setBit(bits - 1)
            start.setBit(bits - 2)
            start.clearBit(bits - 3)
            start.setBit(0)
            let slots = min((count - out.count) * 24 + 1024, limit / 4)
            var hit = [Bool](repeating: false, count: slots)
            forEachPrime { p in
                // x + 2j ≡ 0 (mod p)  ⇔  j ≡ −x · 2⁻¹ (mod p)
                let r = start.remainder(p)
                var j = Int((p - r) % p * ((p + 1) / 2) % p)
                while j < slots { hit[j] = true; j += Int(p) }
            }
            for j in 0..<slots where !hit[j] && out.count < count {
                out.append(start.adding(UInt(2 * j)))
            }
        }
        return out
    }
}
