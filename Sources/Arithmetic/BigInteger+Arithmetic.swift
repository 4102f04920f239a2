import CGMP

// MARK: - Properties

extension BigInteger {
    /// -1, 0 or 1.
    @inlinable public var signum: Int { Int(withUnsafeMPZ { pisim_mpz_sgn($0) }) }

    /// True when the value is 0.
    @inlinable public var isZero: Bool { signum == 0 }

    /// True when the value is odd.
    @inlinable public var isOdd: Bool { withUnsafeMPZ { pisim_mpz_odd_p($0) != 0 } }

    /// Number of bits in the magnitude: ⌈log2(|x| + 1)⌉, so 0 for zero and 1 for ±1.
    @inlinable public var bitWidth: Int {
        isZero ? 0 : withUnsafeMPZ { Int(__gmpz_sizeinbase($0, 2)) }
    }

    /// The magnitude's 64-bit limbs, least significant first (empty for zero).
    @inlinable public var magnitudeWords: [UInt64] {
        withUnsafeMPZ { z in
            (0..<Int(pisim_mpz_size(z))).map { UInt64(pisim_mpz_getlimbn(z, $0)) }
        }
    }

    /// |self|.
    @inlinable public var magnitude: BigInteger { BigInteger.make { r in withUnsafeMPZ { pisim_mpz_abs(r, $0) } } }

    /// Bit `index` of the magnitude's two's-complement form (GMP `mpz_tstbit` semantics:
    /// negative values behave as if sign-extended infinitely).
    @inlinable public func bit(_ index: Int) -> Bool {
        withUnsafeMPZ { __gmpz_tstbit($0, mp_bitcnt_t(index)) != 0 }
    }
}

// MARK: - Equality, ordering, hashing

extension BigInteger: Equatable, Comparable, Hashable {
    @inlinable public static func == (lhs: BigInteger, rhs: BigInteger) -> Bool {
        lhs.withUnsafeMPZ { a in rhs.withUnsafeMPZ { b in __gmpz_cmp(a, b) == 0 } }
    }

    @inlinable public static func < (lhs: BigInteger, rhs: BigInteger) -> Bool {
        lhs.withUnsafeMPZ { a in rhs.withUnsafeMPZ { b in __gmpz_cmp(a, b) < 0 } }
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(signum)
        for w in magnitudeWords { hasher.combine(w) }
    }
}

// MARK: - Ring operations

extension BigInteger {
    @inlinable public static func + (lhs: BigInteger, rhs: BigInteger) -> BigInteger {
        make { r in lhs.withUnsafeMPZ { a in rhs.withUnsafeMPZ { b in __gmpz_add(r, a, b) } } }
    }

    @inlinable public static func - (lhs: BigInteger, rhs: BigInteger) -> BigInteger {
        make { r in lhs.withUnsafeMPZ { a in rhs.withUnsafeMPZ { b in __gmpz_sub(r, a, b) } } }
    }

    @inlinable public static func * (lhs: BigInteger, rhs: BigInteger) -> BigInteger {
        make { r in lhs.withUnsafeMPZ { a in rhs.withUnsafeMPZ { b in __gmpz_mul(r, a, b) } } }
    }

    @inlinable public static prefix func - (x: BigInteger) -> BigInteger {
        make { r in x.withUnsafeMPZ { pisim_mpz_neg(r, $0) } }
    }

    /// Quotient rounded toward zero, as for Swift's `Int`. Traps on division by zero, as `Int` does.
    @inlinable public static func / (lhs: BigInteger, rhs: BigInteger) -> BigInteger {
        precondition(!rhs.isZero, "BigInteger division by zero")
        return make { r in lhs.withUnsafeMPZ { a in rhs.withUnsafeMPZ { b in __gmpz_tdiv_q(r, a, b) } } }
    }

    /// Remainder with the sign of the dividend, as for Swift's `Int`. Traps on division by zero.
    /// For the non-negative residue use `modulo(_:)`.
    @inlinable public static func % (lhs: BigInteger, rhs: BigInteger) -> BigInteger {
        precondition(!rhs.isZero, "BigInteger division by zero")
        return make { r in lhs.withUnsafeMPZ { a in rhs.withUnsafeMPZ { b in __gmpz_tdiv_r(r, a, b) } } }
    }

    /// Quotient rounded toward negative infinity and the matching non-negative remainder
    /// (for a positive divisor). Returns nil when `divisor` is zero.
    @inlinable public func floorDivided(by divisor: BigInteger) -> (quotient: BigInteger, remainder: BigInteger)? {
        guard !divisor.isZero else { return nil }
        var q = BigInteger(), r = BigInteger()
        q.withOverwrittenMPZ { qp in r.withOverwrittenMPZ { rp in
            withUnsafeMPZ { a in divisor.withUnsafeMPZ { b in __gmpz_fdiv_qr(qp, rp, a, b) } }
        } }
        return (q, r)
    }

    /// The residue of `self` modulo |m| in [0, |m|). Traps when `m` is zero.
    @inlinable public func modulo(_ m: BigInteger) -> BigInteger {
        precondition(!m.isZero, "BigInteger modulo zero")
        return BigInteger.make { r in withUnsafeMPZ { a in m.withUnsafeMPZ { b in __gmpz_mod(r, a, b) } } }
    }

    @inlinable public static func += (lhs: inout BigInteger, rhs: BigInteger) { lhs.formAdd(rhs) }
    @inlinable public static func -= (lhs: inout BigInteger, rhs: BigInteger) { lhs.formSubtract(rhs) }
    @inlinable public static func *= (lhs: inout BigInteger, rhs: BigInteger) { lhs.formMultiply(by: rhs) }

    /// Shift left by `n` bits (multiply by 2^n); a negative `n` shifts right.
    @inlinable public static func << (lhs: BigInteger, n: Int) -> BigInteger {
        if n < 0 { return lhs >> (-n) }
        return make { r in lhs.withUnsafeMPZ { __gmpz_mul_2exp(r, $0, mp_bitcnt_t(n)) } }
    }

    /// Arithmetic shift right by `n` bits: ⌊x / 2^n⌋, rounding toward negative infinity as
    /// `Int`'s `>>` does. A negative `n` shifts left.
    @inlinable public static func >> (lhs: BigInteger, n: Int) -> BigInteger {
        if n < 0 { return lhs << (-n) }
        return make { r in lhs.withUnsafeMPZ { __gmpz_fdiv_q_2exp(r, $0, mp_bitcnt_t(n)) } }
    }
}

// MARK: - In-place forms for hot loops

extension BigInteger {
    /// self += other, reusing this value's limbs.
    @inlinable public mutating func formAdd(_ other: BigInteger) {
        other.withUnsafeMPZ { b in withUnsafeMutableMPZ { a in __gmpz_add(a, a, b) } }
    }

    /// self -= other, reusing this value's limbs.
    @inlinable public mutating func formSubtract(_ other: BigInteger) {
        other.withUnsafeMPZ { b in withUnsafeMutableMPZ { a in __gmpz_sub(a, a, b) } }
    }

    /// self *= other, reusing this value's limbs.
    @inlinable public mutating func formMultiply(by other: BigInteger) {
        other.withUnsafeMPZ { b in withUnsafeMutableMPZ { a in __gmpz_mul(a, a, b) } }
    }

    /// self = (self · other) mod |m|, in [0, |m|). Traps when `m` is zero.
    @inlinable public mutating func formMultiply(by other: BigInteger, modulo m: BigInteger) {
        precondition(!m.isZero, "BigInteger modulo zero")
        other.withUnsafeMPZ { b in m.withUnsafeMPZ { mp in withUnsafeMutableMPZ { a in
            __gmpz_mul(a, a, b)
            __gmpz_mod(a, a, mp)
        } } }
    }

    /// self = (self + other) mod |m|, in [0, |m|). Traps when `m` is zero.
    @inlinable public mutating func formAdd(_ other: BigInteger, modulo m: BigInteger) {
        precondition(!m.isZero, "BigInteger modulo zero")
        other.withUnsafeMPZ { b in m.withUnsafeMPZ { mp in withUnsafeMutableMPZ { a in
            __gmpz_add(a, a, b)
            __gmpz_mod(a, a, mp)
        } } }
    }

    /// self = self mod |m|, in [0, |m|). Traps when `m` is zero.
    @inlinable public mutating func formModulo(_ m: BigInteger) {
        precondition(!m.isZero, "BigInteger modulo zero")
        m.withUnsafeMPZ { mp in withUnsafeMutableMPZ { a in __gmpz_mod(a, a, mp) } }
    }

    /// self = -self.
    @inlinable public mutating func negate() {
        withUnsafeMutableMPZ { a in pisim_mpz_neg(a, a) }
    }

    /// self = ⌊self / 2^n⌋ (rounding toward negative infinity).
    @inlinable public mutating func formShiftRight(_ n: Int) {
        withUnsafeMutableMPZ { a in __gmpz_fdiv_q_2exp(a, a, mp_bitcnt_t(n)) }
    }

    /// self = self · 2^n.
    @inlinable public mutating func formShiftLeft(_ n: Int) {
        withUnsafeMutableMPZ { a in __gmpz_mul_2exp(a, a, mp_bitcnt_t(n)) }
    }

    /// Sets self to `other` without allocating when this value's storage is unique.
    @inlinable public mutating func set(_ other: BigInteger) {
        other.withUnsafeMPZ { b in withOverwrittenMPZ { a in __gmpz_set(a, b) } }
    }
}

// MARK: - Number theory

extension BigInteger {
    /// self^exponent mod |m|, in [0, |m|).
    ///
    /// - Precondition: `exponent` ≥ 0 and `m` ≠ 0. For a negative exponent, take
    ///   `inverse(modulo:)` first: it reports when no inverse exists.
    @inlinable public func power(_ exponent: BigInteger, modulo m: BigInteger) -> BigInteger {
        precondition(exponent.signum >= 0, "negative exponent: use inverse(modulo:) first")
        precondition(!m.isZero, "BigInteger modulo zero")
        return BigInteger.make { r in
            withUnsafeMPZ { b in exponent.withUnsafeMPZ { e in m.withUnsafeMPZ { mp in __gmpz_powm(r, b, e, mp) } } }
        }
    }

    /// self^exponent (no modulus).
    @inlinable public func power(_ exponent: Int) -> BigInteger {
        precondition(exponent >= 0, "negative exponent")
        return BigInteger.make { r in withUnsafeMPZ { __gmpz_pow_ui(r, $0, UInt(exponent)) } }
    }

    /// The inverse of self modulo |m| in [0, |m|), or nil when gcd(self, m) ≠ 1 or m is 0.
    @inlinable public func inverse(modulo m: BigInteger) -> BigInteger? {
        guard !m.isZero else { return nil }
        var r = BigInteger()
        let ok = r.withOverwrittenMPZ { rp in
            withUnsafeMPZ { a in m.withUnsafeMPZ { mp in __gmpz_invert(rp, a, mp) } }
        }
        return ok != 0 ? r : nil
    }

    /// The greatest common divisor, non-negative; gcd(0, 0) = 0.
    @inlinable public static func gcd(_ a: BigInteger, _ b: BigInteger) -> BigInteger {
        make { r in a.withUnsafeMPZ { x in b.withUnsafeMPZ { y in __gmpz_gcd(r, x, y) } } }
    }

    /// True when GMP's Miller–Rabin test (`mpz_probab_prime_p` with `rounds` rounds)
    /// says "probably prime" or "prime".
    @inlinable public func isProbablePrime(rounds: Int = 40) -> Bool {
        withUnsafeMPZ { __gmpz_probab_prime_p($0, Int32(rounds)) } > 0
    }
}
