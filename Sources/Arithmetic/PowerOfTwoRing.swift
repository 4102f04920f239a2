/// Z/2^k for 1 ≤ k ≤ 64 on native `UInt64` words, reduced by masking.
///
/// Arithmetic wraps: for k = 64 the masks are no-ops and every operation is one machine
/// instruction. Elements are canonical, in [0, 2^k); the centered representative is the
/// two's-complement value in [−2^(k−1), 2^(k−1)).
public struct PowerOfTwoRing: ModularRing, Hashable {
    public typealias Element = UInt64

    /// k, the number of bits.
    public let bitWidth: Int

    /// 2^k − 1.
    public let mask: UInt64

    /// Creates Z/2^k.
    ///
    /// - Throws: `ArithmeticError.invalidRingWidth` unless 1 ≤ k ≤ 64 (wider rings use
    ///   `BigModulusRing`).
    public init(bits: Int) throws(ArithmeticError) {
        guard bits >= 1 else { throw .invalidRingWidth(bits: bits, reason: "needs at least 1 bit") }
        guard bits <= 64 else {
            throw .invalidRingWidth(bits: bits, reason: "native rings hold at most 64 bits; use BigModulusRing(modulus: 2^\(bits))")
        }
        self.init(validatedBits: bits)
    }

    private init(validatedBits bits: Int) {
        bitWidth = bits
        mask = bits == 64 ? ~0 : (1 << UInt64(bits)) &- 1
    }

    /// Z/2^64, the ring CrypTen and SPU use by default.
    public static let z64 = PowerOfTwoRing(validatedBits: 64)

    public var description: String { "Z/2^\(bitWidth)" }
    public var modulus: BigInteger { BigInteger.powerOfTwo(bitWidth) }
    @inlinable public var zero: UInt64 { 0 }
    @inlinable public var one: UInt64 { 1 & mask }

    @inlinable public func add(_ a: UInt64, _ b: UInt64) -> UInt64 { (a &+ b) & mask }
    @inlinable public func subtract(_ a: UInt64, _ b: UInt64) -> UInt64 { (a &- b) & mask }
    @inlinable public func negate(_ a: UInt64) -> UInt64 { (0 &- a) & mask }
    @inlinable public func multiply(_ a: UInt64, _ b: UInt64) -> UInt64 { (a &* b) & mask }

    @inlinable public func element(_ value: Int) -> UInt64 { UInt64(bitPattern: Int64(value)) & mask }
    @inlinable public func element(_ value: BigInteger) -> UInt64 { value.truncatedUInt64 & mask }

    @inlinable public func element(integral value: Double) -> UInt64 {
        // |value| < 2^63 after the caller's range check for k ≤ 64; beyond that, reduce exactly.
        if let v = Int64(exactly: value) { return UInt64(bitPattern: v) & mask }
        return element(BigInteger(truncating: value) ?? BigInteger())
    }

    @inlinable public func canonical(_ a: UInt64) -> BigInteger { BigInteger(a) }

    /// Sign-extends a k-bit word to `Int64`.
    @inlinable public func signed(_ a: UInt64) -> Int64 {
        let shift = UInt64(64 - bitWidth)
        return Int64(bitPattern: a << shift) >> shift
    }

    @inlinable public func centered(_ a: UInt64) -> BigInteger { BigInteger(Int(signed(a))) }
    @inlinable public func centeredDouble(_ a: UInt64) -> Double { Double(signed(a)) }

    @inlinable public func shiftedRight(_ a: UInt64, by n: Int) -> UInt64 { n >= 64 ? 0 : a >> UInt64(n) }

    @inlinable public func arithmeticShiftedRight(_ a: UInt64, by n: Int) -> UInt64 {
        UInt64(bitPattern: signed(a) >> Int64(min(n, 63))) & mask
    }

    @inlinable public func random<G: RandomNumberGenerator>(using generator: inout G) -> UInt64 {
        generator.next() & mask
    }

    @inlinable public func productWraps(_ a: UInt64, _ b: UInt64) -> Bool {
        let exact = Int128(signed(a)) * Int128(signed(b))
        let bound = Int128(1) << Int128(bitWidth - 1)
        return exact < -bound || exact >= bound
    }
}
