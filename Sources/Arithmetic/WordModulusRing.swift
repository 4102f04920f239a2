/// Z/q for an odd word-size modulus q (3 ≤ q < 2^62) on native `UInt64` words, with
/// Barrett reduction. Elements are canonical, in [0, q).
public struct WordModulusRing: ModularRing, Hashable {
    public typealias Element = UInt64

    /// The modulus with its reduction constants.
    public let q: Modulus

    /// Creates Z/q.
    ///
    /// - Throws: `ArithmeticError.invalidModulus` outside the range `Modulus` supports.
    public init(modulus: UInt64) throws(ArithmeticError) { q = try Modulus(modulus) }

    /// Creates Z/q from a prepared modulus.
    public init(_ modulus: Modulus) { q = modulus }

    public var description: String { "Z/\(q.value)" }
    public var modulus: BigInteger { BigInteger(q.value) }
    public var bitWidth: Int { q.bitWidth }
    @inlinable public var zero: UInt64 { 0 }
    @inlinable public var one: UInt64 { 1 }

    @inlinable public func add(_ a: UInt64, _ b: UInt64) -> UInt64 { q.addMod(a, b) }
    @inlinable public func subtract(_ a: UInt64, _ b: UInt64) -> UInt64 { q.subtractMod(a, b) }
    @inlinable public func negate(_ a: UInt64) -> UInt64 { q.negateMod(a) }
    @inlinable public func multiply(_ a: UInt64, _ b: UInt64) -> UInt64 { q.multiplyMod(a, b) }

    @inlinable public func element(_ value: Int) -> UInt64 {
        value >= 0 ? q.reduce(UInt64(value)) : q.negateMod(q.reduce(UInt64(value.magnitude)))
    }

    @inlinable public func element(_ value: BigInteger) -> UInt64 {
        value.modulo(modulus).truncatedUInt64
    }

    @inlinable public func element(integral value: Double) -> UInt64 {
        if let v = Int(exactly: value) { return element(v) }
        return element(BigInteger(truncating: value) ?? BigInteger())
    }

    @inlinable public func canonical(_ a: UInt64) -> BigInteger { BigInteger(a) }

    /// The centered value as a machine integer, in [−(q−1)/2, (q−1)/2].
    @inlinable public func signed(_ a: UInt64) -> Int64 {
        a > q.value / 2 ? -Int64(q.value &- a) : Int64(a)
    }

    @inlinable public func centered(_ a: UInt64) -> BigInteger { BigInteger(Int(signed(a))) }
    @inlinable public func centeredDouble(_ a: UInt64) -> Double { Double(signed(a)) }
    @inlinable public func shiftedRight(_ a: UInt64, by n: Int) -> UInt64 { n >= 64 ? 0 : a >> UInt64(n) }

    @inlinable public func arithmeticShiftedRight(_ a: UInt64, by n: Int) -> UInt64 {
        element(Int(signed(a) >> Int64(min(n, 63))))
    }

    @inlinable public func random<G: RandomNumberGenerator>(using generator: inout G) -> UInt64 {
        UInt64.random(in: 0..<q.value, using: &generator)
    }

    @inlinable public func productWraps(_ a: UInt64, _ b: UInt64) -> Bool {
        let exact = Int128(signed(a)) * Int128(signed(b))
        let half = Int128(q.value / 2)
        return exact < -half || exact > half
    }
}
