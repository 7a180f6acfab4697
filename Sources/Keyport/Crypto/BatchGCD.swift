// Batch GCD: which RSA moduli of a collection share a prime factor.
//
// D. J. Bernstein, "How to find smooth parts of integers" (2004), "Scaled remainder trees" (2004)
// and "Fast multiplication and its applications" (2008); the product-tree / remainder-tree form used
// by Heninger, Durumeric, Wustrow and Halderman, "Mining Your Ps and Qs", USENIX Security 2012, §3.3.
//
//   product tree    balanced: the pair level holds nodes of one or two leaves spread evenly, each
//                   level above multiplies pairs (P_v = P_c · P_s), so the nodes of a level are
//                   within one leaf of each other in size (see `Shape`)
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
// y_L = frac(R / L) and y_R = frac(L / R) by one long division each, in parallel. Levels run on all
// cores; the balanced shape gives the two top nodes, and every level's nodes, equal work, so both
// cores stay busy where a level has two or four huge nodes. Each parent's fraction and its children's
// products are released as soon as both children have their fractions. The bottom levels are not
// kept at all: below the subtree roots (2^localLevels leaves each) every subtree rebuilds its small
// products and finishes its leaves on its own, subtrees on all cores (memory: the tree keeps
// log₂(n) − localLevels input-sized levels, not log₂(n)).
//
// The moduli with g_i ≠ 1 are then grouped by g_i (see `pairs`), which names the partners in time
// linear in the output when the shared parts are distinct primes, as in every real data set; only
// tangled cases fall back to pairwise gcds. All arithmetic is GMP; the values are public moduli.

internal import CGMP
import Dispatch
internal import CKeyportSys

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
        findSharedFactors(moduli: moduli.map { $0[...] })
    }

    /// `findSharedFactors` of slices (lint's moduli are slices of one buffer per file, not copies).
    static func findSharedFactors(moduli: [ArraySlice<UInt8>]) -> [SharedFactorPair] {
        // Values below 2 would zero the product tree; leave them out and map indices back at the end.
        let used = moduli.indices.filter { i in
            guard let top = moduli[i].firstIndex(where: { $0 != 0 }) else { return false }
            return top < moduli[i].endIndex - 1 || moduli[i][top] > 1
        }
        guard used.count >= 2 else { return [] }
        let leaves = GMPArray(count: used.count)
        for (k, i) in used.enumerated() { GMPInteger.load(leaves[k], moduli[i]) }
        let shared = sharedParts(leaves)
        return pairs(shared: shared, leaves: leaves).map { pair in
            SharedFactorPair(first: used[pair.first], second: used[pair.second], factorBits: pair.factorBits)
        }
    }

    /// Levels at the bottom of the product tree that are not kept: each subtree of at most
    /// 2^localLevels leaves rebuilds its own products on the way down (a few per cent more
    /// multiplication, all of it at small sizes) instead of holding them from the way up; every kept
    /// level of the tree is as large as the input, so this saves that many input-sized levels of memory
    /// (20,000 moduli: 3 of the 14 product levels kept, at the top where the memory peaks).
    static let localLevels = 12

    /// The shape of the balanced product tree over n ≥ 3 leaves. Level k (k ≥ 1) has 2^k nodes; the
    /// lowest, the pair level (k = depth − 1), has nodes of one or two leaves spread evenly (node i
    /// holds leaves ⌊i·n/2^k⌋ up to ⌊(i+1)·n/2^k⌋), so the two halves of every node are within one
    /// leaf of each other: the two top nodes, and all nodes of a level, cost the same, which keeps
    /// both cores busy where a level has few nodes.
    struct Shape: Sendable {
        let leaves: Int, depth: Int
        /// The level whose nodes are subtree roots: kept product levels are 1…roots.
        let roots: Int
        init(leaves n: Int, localLevels: Int) {
            var d = 1
            while 1 << d < n { d += 1 }
            leaves = n
            depth = d
            roots = d >= localLevels + 2 ? d - localLevels : d - 1
        }
        var pairCount: Int { 1 << (depth - 1) }
        /// Levels from a subtree root down to its pair-level nodes.
        var subtreeHeight: Int { depth - 1 - roots }
        func pair(_ i: Int) -> Range<Int> { (i * leaves / pairCount)..<((i + 1) * leaves / pairCount) }
    }

    /// g_i = gcd(N_i, ∏_{j≠i} N_j) for every leaf (1 when N_i shares nothing). Needs at least two
    /// leaves, all above 1. `localLevels` is a parameter for the tests (small trees with rebuilt
    /// subtrees).
    static func sharedParts(_ leaves: GMPArray, localLevels: Int = localLevels) -> GMPArray {
        var minimumBits = Int.max
        for i in 0..<leaves.count { minimumBits = min(minimumBits, bits(leaves[i])) }
        let gcds = GMPArray(count: leaves.count)
        if leaves.count == 2 {
            let tree = Precision(minimumBits: minimumBits, guardBits: 64)
            let (fractions, fractionBits) = top(leaves, tree: tree)
            finish(leaves, range: 0..<2, fractions: fractions, offset: 0, bits: fractionBits, into: gcds)
            return gcds
        }
        let shape = Shape(leaves: leaves.count, localLevels: localLevels)
        let tree = Precision(minimumBits: minimumBits, guardBits: 64 + 4 * (shape.depth + 1))

        // Product tree, bottom up: the subtrees (on all cores) give the roots; the levels above are
        // kept. The root of the whole tree is never formed: the top stops at two nodes.
        let roots = GMPArray(count: 1 << shape.roots)
        parallelFor(roots.count) { u in
            // The arrays are reached only through raw pointers: keep them alive across the call
            // (as `t` below and in `top`).
            let levels = subtreeLevels(u, leaves, shape)
            withExtendedLifetime(levels) { __gmpz_swap(roots[u], levels[levels.count - 1][0]) }
        }
        var levels = [roots]
        while levels[0].count > 2 { levels.insert(productLevel(levels[0]), at: 0) }
        returnFreedMemory()

        // y_L = frac(R / L), y_R = frac(L / R); then down the kept levels, each on all cores. A
        // level's products are released as its fractions are made (`descend`).
        var (fractions, fractionBits) = top(levels.removeFirst(), tree: tree)
        while !levels.isEmpty {
            returnFreedMemory()
            (fractions, fractionBits) = descend(levels.removeFirst(), parent: fractions, parentBits: fractionBits,
                                                tree: tree, parallel: true, lean: fractions.count == 2)
        }
        returnFreedMemory()

        // The rest per subtree, the subtrees on all cores: rebuild the subtree's products, go down to
        // its pair-level nodes, then to their leaves, and finish them.
        let parents = fractions, parentBits = fractionBits
        parallelFor(parents.count) { u in
            var f = GMPArray(count: 1), b = [parentBits[u]]
            __gmpz_swap(f[0], parents[u])
            if shape.subtreeHeight > 0 {
                var own = subtreeLevels(u, leaves, shape)
                own.removeLast()
                while let level = own.popLast() {
                    (f, b) = descend(level, parent: f, parentBits: b, tree: tree, parallel: false)
                }
            }
            let first = u << shape.subtreeHeight
            let t = GMPArray(count: 2), y = f
            withExtendedLifetime((t, y)) {
                for j in 0..<y.count {
                    let range = shape.pair(first + j)
                    if range.count == 1 {
                        finish(leaves, range: range, fractions: y, offset: range.lowerBound - j, bits: [b[j]], into: gcds)
                        continue
                    }
                    // Two leaves: one step down each, the other leaf as sibling.
                    let a = range.lowerBound
                    let leafBits = [tree.bits(leaves[a]), tree.bits(leaves[a + 1])]
                    for k in 0..<2 { step(t[k], parent: y[j], parentBits: b[j], sibling: leaves[a + 1 - k], bits: leafBits[k]) }
                    finish(leaves, range: range, fractions: t, offset: a, bits: leafBits, into: gcds)
                }
            }
        }
        return gcds
    }

    /// Fraction bits kept for a node: 2·bits(P_v) − bits(smallest leaf) + guard bits.
    struct Precision: Sendable {
        let minimumBits: Int, guardBits: Int
        func bits(_ p: UnsafeMutablePointer<__mpz_struct>) -> Int { 2 * BatchGCD.bits(p) - minimumBits + guardBits }
    }

    /// The product levels of subtree `u` (its root at level `shape.roots`), from its pair-level
    /// nodes (first) up to its root (last, one node).
    static func subtreeLevels(_ u: Int, _ leaves: GMPArray, _ shape: Shape) -> [GMPArray] {
        let first = u << shape.subtreeHeight
        let pairs = GMPArray(count: 1 << shape.subtreeHeight)
        for j in 0..<pairs.count {
            let range = shape.pair(first + j)
            if range.count == 2 {
                __gmpz_mul(pairs[j], leaves[range.lowerBound], leaves[range.lowerBound + 1])
            } else {
                __gmpz_set(pairs[j], leaves[range.lowerBound])
            }
        }
        var levels = [pairs]
        while levels[levels.count - 1].count > 1 { levels.append(productLevel(levels[levels.count - 1], parallel: false)) }
        return levels
    }

    /// The next level of a product tree (an even number of nodes, multiplied in pairs).
    static func productLevel(_ below: GMPArray, parallel: Bool = true) -> GMPArray {
        let next = GMPArray(count: below.count / 2)
        let body: @Sendable (Int) -> Void = { i in __gmpz_mul(next[i], below[2 * i], below[2 * i + 1]) }
        if parallel { parallelFor(next.count, body) } else { for i in 0..<next.count { body(i) } }
        return next
    }

    /// The fractions of the two top nodes L and R, as integers Y = ⌊y · 2^b⌋: y_L = frac(R / L),
    /// y_R = frac(L / R), one long division each, the two in parallel. Each quotient (b ≈ 2·bits(L)
    /// bits) is made in two halves, r ← (r · 2^(b/2)) divmod L twice from r = R mod L: the same work,
    /// but GMP's scratch for a b/2-bit quotient is a third smaller, and the top is where the memory
    /// peaks (two of these at once).
    static func top(_ nodes: GMPArray, tree: Precision) -> (GMPArray, [Int]) {
        let b = [tree.bits(nodes[0]), tree.bits(nodes[1])]
        let out = GMPArray(count: 2)
        parallelFor(2) { i in
            // `t` is reached only through raw pointers: keep it alive across the calls.
            let t = GMPArray(count: 2)
            withExtendedLifetime(t) {
                let (r, q) = (t[0], t[1])
                __gmpz_fdiv_r(r, nodes[1 - i], nodes[i])
                let half = b[i] / 2
                for shift in [half, b[i] - half] {
                    __gmpz_mul_2exp(r, r, mp_bitcnt_t(shift))
                    __gmpz_fdiv_qr(q, r, r, nodes[i])
                    __gmpz_mul_2exp(out[i], out[i], mp_bitcnt_t(shift))
                    __gmpz_add(out[i], out[i], q)
                }
            }
        }
        return (out, b)
    }

    /// One step down: Y_c = ⌊(Y_v · P_s² mod 2^b_v) / 2^(b_v − b_c)⌋ (v the parent, s the sibling).
    static func step(_ child: UnsafeMutablePointer<__mpz_struct>, parent: UnsafeMutablePointer<__mpz_struct>,
                     parentBits: Int, sibling: UnsafeMutablePointer<__mpz_struct>, bits: Int) {
        __gmpz_mul(child, sibling, sibling)
        __gmpz_mul(child, child, parent)
        __gmpz_fdiv_r_2exp(child, child, mp_bitcnt_t(parentBits))
        __gmpz_fdiv_q_2exp(child, child, mp_bitcnt_t(parentBits - bits))
    }

    /// `step` in two half-size multiplications, for the largest steps (level 2), where the memory
    /// peaks: Y_v = Y_h · 2^k + Y_l (read-only views of Y_v's limbs, mpz_roinit_n, no copies), and
    /// Y_v · S mod 2^b_v = ((Y_h · S mod 2^(b_v − k)) · 2^k + Y_l · S) mod 2^b_v. GMP's scratch for
    /// a product of half the size is about a quarter smaller (37 → 27 MiB a step at 20,000 moduli,
    /// two steps at once); the step costs about 40 % more CPU.
    static func leanStep(_ child: UnsafeMutablePointer<__mpz_struct>, parent: UnsafeMutablePointer<__mpz_struct>,
                         parentBits: Int, sibling: UnsafeMutablePointer<__mpz_struct>, bits: Int) {
        let limbs = Int(__gmpz_size(parent)), half = limbs / 2
        guard half > 0 else { return step(child, parent: parent, parentBits: parentBits, sibling: sibling, bits: bits) }
        let k = half * MemoryLayout<mp_limb_t>.size * 8
        let scratch = GMPArray(count: 2)
        withExtendedLifetime(scratch) {
            let (square, t) = (scratch[0], scratch[1])
            __gmpz_mul(square, sibling, sibling)
            let base = __gmpz_limbs_read(parent)!
            var high = __mpz_struct(), low = __mpz_struct()
            withUnsafeMutablePointer(to: &high) { high in
                withUnsafeMutablePointer(to: &low) { low in
                    __gmpz_roinit_n(high, base + half, limbs - half)
                    __gmpz_roinit_n(low, base, half)
                    __gmpz_mul(t, high, square)
                    __gmpz_fdiv_r_2exp(t, t, mp_bitcnt_t(parentBits - k))
                    __gmpz_mul_2exp(t, t, mp_bitcnt_t(k))
                    __gmpz_mul(child, low, square)
                }
            }
            __gmpz_add(t, t, child)
            __gmpz_fdiv_r_2exp(t, t, mp_bitcnt_t(parentBits))
            __gmpz_fdiv_q_2exp(child, t, mp_bitcnt_t(parentBits - bits))
        }
    }

    /// One level down: the fractions of every node of `level` from their parents'. Each parent's
    /// fraction and its two children's products are released as soon as both children have theirs,
    /// so the level's memory goes down while the next one's goes up.
    static func descend(_ level: GMPArray, parent: GMPArray, parentBits: [Int], tree: Precision,
                        parallel: Bool, lean: Bool = false) -> (GMPArray, [Int]) {
        let levelBits = (0..<level.count).map { tree.bits(level[$0]) }
        let next = GMPArray(count: level.count)
        let body: @Sendable (Int) -> Void = { p in
            // The first child's step is the last use of the second child's product, and so on.
            for (c, s) in [(2 * p, 2 * p + 1), (2 * p + 1, 2 * p)] {
                if lean {
                    leanStep(next[c], parent: parent[p], parentBits: parentBits[p], sibling: level[s], bits: levelBits[c])
                } else {
                    step(next[c], parent: parent[p], parentBits: parentBits[p], sibling: level[s], bits: levelBits[c])
                }
                level.release(s)
            }
            parent.release(p)
        }
        if parallel { parallelFor(parent.count, body) } else { for p in 0..<parent.count { body(p) } }
        return (next, levelBits)
    }

    /// Leaves: z_i = ⌊(Y_i · N_i + 2^(b−1)) / 2^b⌋ (≡ Q_i mod N_i; it may round up to N_i, which the
    /// gcd treats as 0), g_i = gcd(N_i, z_i). Leaf i's fraction is `fractions[i − offset]`, its
    /// fraction bits `bits[i − range.lowerBound]`.
    static func finish(_ leaves: GMPArray, range: Range<Int>, fractions: GMPArray, offset: Int, bits: [Int],
                       into gcds: GMPArray) {
        for i in range {
            let k = i - offset
            // ⌊(x + 2^(b−1)) / 2^b⌋ = ⌊(⌊x / 2^(b−1)⌋ + 1) / 2⌋
            __gmpz_mul(gcds[i], fractions[k], leaves[i])
            __gmpz_fdiv_q_2exp(gcds[i], gcds[i], mp_bitcnt_t(bits[i - range.lowerBound] - 1))
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

    /// Gives the memory freed by the last phase back to the system (glibc's malloc_trim). The top
    /// levels' GMP scratch (tens of MiB per multiplication or division) is freed into whichever
    /// thread's malloc arena ran it; without this, the next phase's threads, in other arenas,
    /// allocate theirs anew and the peak RSS is the sum over arenas (30–45 MiB above the live
    /// peak at 20,000 moduli). Within a phase each thread reuses its own arena's memory.
    static func returnFreedMemory() {
        keyport_return_free_memory()
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
