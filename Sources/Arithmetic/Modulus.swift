/// A word-size odd modulus q with precomputed reduction constants.
///
/// Reduction of double-word values uses Barrett's method with the 128-bit factor
/// ⌊2^128 / q⌋ (P. Barrett, CRYPTO '86); the product of two residues is reduced with
/// four 64×64→128 multiplications and one conditional subtraction. Multiplication by a
/// fixed constant uses Shoup's precomputed quotient (`MultiplyConstantModulus`).
///
/// Supported range: 3 ≤ q < 2^62, q odd. This covers RNS limbs of CKKS/BFV (≤ 60 bits) and
/// the usual 2PC prime fields; larger moduli use `BigModulusRing` on GMP.
public struct Modulus: Sendable, Hashable, CustomStringConvertible {
    /// q.
    public let value: UInt64

    /// ⌊2^128 / q⌋ (q is odd, so this equals ⌊(2^128 − 1) / q⌋).
    public let barrettFactor: UInt128

    /// Largest supported modulus bit width.
    public static let maxBits = 62

    /// Creates a modulus.
    ///
    /// - Throws: `ArithmeticError.invalidModulus` when q is even, below 3, or ≥ 2^62.
    public init(_ value: UInt64) throws(ArithmeticError) {
        guard value >= 3 else { throw .invalidModulus("q = \(value) is below 3") }
        guard value & 1 == 1 else {
            throw .invalidModulus("q = \(value) is even; word moduli must be odd (use PowerOfTwoRing for 2^k)")
        }
        guard value < (1 << UInt64(Self.maxBits)) else {
            throw .invalidModulus("q = \(value) has \(64 - value.leadingZeroBitCount) bits; word moduli stop at \(Self.maxBits) bits (use BigModulusRing)")
        }
        self.value = value
        barrettFactor = UInt128.max / UInt128(value)
    }

    public var description: String { "q = \(value)" }

    /// ⌈log2 q⌉.
    @inlinable public var bitWidth: Int { 64 - (value &- 1).leadingZeroBitCount }

    /// x mod q for any 128-bit x (Barrett).
    @inlinable
    public func reduce(_ x: UInt128) -> UInt64 {
        let xl = UInt64(truncatingIfNeeded: x), xh = UInt64(truncatingIfNeeded: x >> 64)
        let rl = UInt64(truncatingIfNeeded: barrettFactor), rh = UInt64(truncatingIfNeeded: barrettFactor >> 64)
        // ⌊x · r / 2^128⌋ computed exactly from the four partial products.
        let ll = xl.multipliedFullWidth(by: rl)
        let lh = xl.multipliedFullWidth(by: rh)
        let hl = xh.multipliedFullWidth(by: rl)
        let hh = UInt128(xh) &* UInt128(rh)
        let middle = UInt128(ll.high) &+ UInt128(lh.low) &+ UInt128(hl.low)
        let quotient = hh &+ UInt128(lh.high) &+ UInt128(hl.high) &+ (middle >> 64)
        // quotient ∈ {⌊x/q⌋ − 1, ⌊x/q⌋}, so the remainder below is < 2q < 2^63.
        var r = xl &- UInt64(truncatingIfNeeded: quotient) &* value
        if r >= value { r &-= value }
        return r
    }

    /// x mod q.
    @inlinable public func reduce(_ x: UInt64) -> UInt64 { x < value ? x : reduce(UInt128(x)) }

    /// (a + b) mod q for a, b in [0, q).
    @inlinable public func addMod(_ a: UInt64, _ b: UInt64) -> UInt64 {
        let s = a &+ b
        return s >= value ? s &- value : s
    }

    /// (a − b) mod q for a, b in [0, q).
    @inlinable public func subtractMod(_ a: UInt64, _ b: UInt64) -> UInt64 {
        a >= b ? a &- b : a &+ (value &- b)
    }

    /// (−a) mod q for a in [0, q).
    @inlinable public func negateMod(_ a: UInt64) -> UInt64 { a == 0 ? 0 : value &- a }

    /// (a · b) mod q for a, b in [0, q) (Barrett).
    @inlinable public func multiplyMod(_ a: UInt64, _ b: UInt64) -> UInt64 {
        reduce(UInt128(a) &* UInt128(b))
    }

    /// base^exponent mod q by square-and-multiply.
    @inlinable public func powerMod(_ base: UInt64, _ exponent: UInt64) -> UInt64 {
        var result: UInt64 = 1, b = reduce(base), e = exponent
        while e > 0 {
            if e & 1 == 1 { result = multiplyMod(result, b) }
            b = multiplyMod(b, b)
            e >>= 1
        }
        return result
    }

    /// The inverse of a mod q, or nil when gcd(a, q) ≠ 1 (extended Euclid).
    @inlinable public func inverseMod(_ a: UInt64) -> UInt64? {
        var (r0, r1) = (Int128(value), Int128(reduce(a)))
        var (t0, t1): (Int128, Int128) = (0, 1)
        while r1 != 0 {
            let q = r0 / r1
            (r0, r1) = (r1, r0 - q * r1)
            (t0, t1) = (t1, t0 - q * t1)
        }
        guard r0 == 1 else { return nil }
        return UInt64(t0 < 0 ? t0 + Int128(value) : t0)
    }

    /// Precomputes Shoup's constant for repeated multiplication by `multiplicand`.
    @inlinable public func multiplier(_ multiplicand: UInt64) -> MultiplyConstantModulus {
        MultiplyConstantModulus(multiplicand: reduce(multiplicand), modulus: self)
    }
}

/// Multiplication by a fixed constant w modulo q with Shoup's precomputation
/// w' = ⌊w · 2^64 / q⌋ (V. Shoup, NTL; D. Harvey, "Faster arithmetic for number-theoretic
/// transforms", 2014, Alg. 2): one high and two low 64-bit multiplications per product.
public struct MultiplyConstantModulus: Sendable, Hashable {
    /// w, in [0, q).
    public let multiplicand: UInt64
    /// ⌊w · 2^64 / q⌋.
    public let factor: UInt64
    /// q.
    public let modulus: UInt64

    @inlinable init(multiplicand: UInt64, modulus: Modulus) {
        self.multiplicand = multiplicand
        self.modulus = modulus.value
        factor = UInt64(truncatingIfNeeded: (UInt128(multiplicand) << 64) / UInt128(modulus.value))
    }

    /// (w · x) mod q for any 64-bit x.
    @inlinable public func multiplyMod(_ x: UInt64) -> UInt64 {
        let quotient = x.multipliedFullWidth(by: factor).high
        var r = multiplicand &* x &- quotient &* modulus
        if r >= modulus { r &-= modulus }
        return r
    }
}
