// A thin owner of GMP integers (libgmp, https://gmplib.org/manual/). GMP is used only for lint's
// public-value arithmetic: batch GCD over RSA moduli, Fermat factoring, ROCA residues and small
// factors. Its subquadratic multiplication and division are what make batch GCD practical; OpenSSL's
// BIGNUM division is quadratic. Nothing secret goes through GMP (it does not wipe its limbs).

internal import CGMP

/// An owned `mpz_t`. Public values only.
final class GMPInteger: @unchecked Sendable {
    // @unchecked: the pointer is owned by this object; callers mutate only values they created and
    // do not share across threads while mutating. Private, so it never outlives its owner: callers
    // use the operations below (GMPArray's elements are the batch-GCD arena's, see there).
    private let pointer: UnsafeMutablePointer<__mpz_struct>

    init() {
        pointer = .allocate(capacity: 1)
        __gmpz_init(pointer)
    }

    convenience init(_ value: UInt) {
        self.init()
        __gmpz_set_ui(pointer, value)
    }

    /// From an unsigned big-endian magnitude.
    convenience init<C: Collection>(_ magnitude: C) where C.Element == UInt8 {
        self.init()
        GMPInteger.load(pointer, Array(magnitude))
    }

    deinit {
        __gmpz_clear(pointer)
        pointer.deallocate()
    }

    static func load(_ target: UnsafeMutablePointer<__mpz_struct>, _ magnitude: [UInt8]) { load(target, magnitude[...]) }

    static func load(_ target: UnsafeMutablePointer<__mpz_struct>, _ magnitude: ArraySlice<UInt8>) {
        magnitude.withUnsafeBytes { raw in
            if let base = raw.baseAddress, raw.count > 0 {
                __gmpz_import(target, raw.count, 1, 1, 1, 0, base)
            } else {
                __gmpz_set_ui(target, 0)
            }
        }
    }

    static func export(_ source: UnsafePointer<__mpz_struct>) -> [UInt8] {
        let bits = source.pointee._mp_size == 0 ? 0 : Int(__gmpz_sizeinbase(source, 2))
        let count = (bits + 7) / 8
        guard count > 0 else { return [] }
        var out = [UInt8](repeating: 0, count: count)
        var written = 0
        out.withUnsafeMutableBytes { _ = __gmpz_export($0.baseAddress, &written, 1, 1, 1, 0, source) }
        return Array(out.prefix(written))
    }

    /// Big-endian magnitude without leading zeros.
    var bytes: [UInt8] { GMPInteger.export(pointer) }
    var bitCount: Int { pointer.pointee._mp_size == 0 ? 0 : Int(__gmpz_sizeinbase(pointer, 2)) }
    var isZero: Bool { pointer.pointee._mp_size == 0 }
    var isOne: Bool { __gmpz_cmp_ui(pointer, 1) == 0 }
    var isOdd: Bool { __gmpz_tstbit(pointer, 0) == 1 }

    func remainder(_ small: UInt) -> UInt { __gmpz_fdiv_ui(pointer, small) }

    static func == (a: GMPInteger, b: GMPInteger) -> Bool { __gmpz_cmp(a.pointer, b.pointer) == 0 }
    static func < (a: GMPInteger, b: GMPInteger) -> Bool { __gmpz_cmp(a.pointer, b.pointer) < 0 }

    func multiplied(by other: GMPInteger) -> GMPInteger {
        let r = GMPInteger(); __gmpz_mul(r.pointer, pointer, other.pointer); return r
    }
    func modulo(_ m: GMPInteger) -> GMPInteger {
        let r = GMPInteger(); __gmpz_mod(r.pointer, pointer, m.pointer); return r
    }
    func gcd(_ other: GMPInteger) -> GMPInteger {
        let r = GMPInteger(); __gmpz_gcd(r.pointer, pointer, other.pointer); return r
    }
    func adding(_ value: UInt) -> GMPInteger {
        let r = GMPInteger(); __gmpz_add_ui(r.pointer, pointer, value); return r
    }
    func adding(_ other: GMPInteger) -> GMPInteger {
        let r = GMPInteger(); __gmpz_add(r.pointer, pointer, other.pointer); return r
    }
    func shiftedLeft(_ bits: Int) -> GMPInteger {
        let r = GMPInteger(); __gmpz_mul_2exp(r.pointer, pointer, mp_bitcnt_t(bits)); return r
    }
    /// The next prime above this value (probabilistic, as GMP's mpz_nextprime).
    func nextPrime() -> GMPInteger {
        let r = GMPInteger(); __gmpz_nextprime(r.pointer, pointer); return r
    }
    func isProbablePrime() -> Bool { __gmpz_probab_prime_p(pointer, 30) > 0 }
    func powMod(_ exponent: GMPInteger, _ modulus: GMPInteger) -> GMPInteger {
        let r = GMPInteger(); __gmpz_powm(r.pointer, pointer, exponent.pointer, modulus.pointer); return r
    }
    func subtracting(_ other: GMPInteger) -> GMPInteger {
        let r = GMPInteger(); __gmpz_sub(r.pointer, pointer, other.pointer); return r
    }
    /// ⌊√self⌋ and self − ⌊√self⌋².
    func squareRootRemainder() -> (root: GMPInteger, remainder: GMPInteger) {
        let root = GMPInteger(), remainder = GMPInteger()
        __gmpz_sqrtrem(root.pointer, remainder.pointer, pointer)
        return (root, remainder)
    }
    /// mpz_perfect_square_p: rejects most non-squares by residues mod 256 and a few small primes.
    var isPerfectSquare: Bool { __gmpz_perfect_square_p(pointer) != 0 }
    func compare(_ value: UInt) -> Int { Int(__gmpz_cmp_ui(pointer, value).signum()) }

    // MARK: In place (for loops that would otherwise allocate a value per step)

    /// self += value
    func add(_ value: UInt) { __gmpz_add_ui(pointer, pointer, value) }
    /// self += other · factor
    func add(_ other: GMPInteger, times factor: UInt) { __gmpz_addmul_ui(pointer, other.pointer, factor) }
    /// self mod 2^bits
    func truncate(toBits bits: Int) { __gmpz_fdiv_r_2exp(pointer, pointer, mp_bitcnt_t(bits)) }
    func setBit(_ index: Int) { __gmpz_setbit(pointer, mp_bitcnt_t(index)) }
    func clearBit(_ index: Int) { __gmpz_clrbit(pointer, mp_bitcnt_t(index)) }
}

/// A fixed-size array of `mpz_t` in one allocation, for the batch-GCD trees. Distinct elements may
/// be written from different threads.
final class GMPArray: @unchecked Sendable {
    let base: UnsafeMutablePointer<__mpz_struct>
    let count: Int

    init(count: Int) {
        self.count = count
        base = .allocate(capacity: max(count, 1))
        for i in 0..<count { __gmpz_init(base + i) }
    }

    deinit {
        for i in 0..<count { __gmpz_clear(base + i) }
        base.deallocate()
    }

    subscript(i: Int) -> UnsafeMutablePointer<__mpz_struct> { base + i }

    /// Frees element i's limbs now (it reads as 0 afterwards), for trees that shrink as they are used.
    func release(_ i: Int) {
        __gmpz_clear(base + i)
        __gmpz_init(base + i)
    }
}
