/// Z/m for any modulus m ≥ 2 on GMP integers: CKKS ciphertext moduli of hundreds of bits,
/// prime fields of 128+ bits, or Z/2^k for k > 64. Elements are canonical, in [0, m).
///
/// The protocol methods allocate a result per call; loops over many elements should use
/// the in-place `BigInteger` forms (`formMultiply(by:modulo:)`, …) with `modulus`.
public struct BigModulusRing: ModularRing, Hashable {
    public typealias Element = BigInteger

    public let modulus: BigInteger

    /// ⌊m/2⌋: elements above it are negative in centered form.
    public let half: BigInteger

    public let bitWidth: Int

    /// Creates Z/m.
    ///
    /// - Throws: `ArithmeticError.invalidModulus` when m < 2.
    public init(modulus: BigInteger) throws(ArithmeticError) {
        guard modulus >= 2 else { throw .invalidModulus("m = \(modulus) is below 2") }
        self.modulus = modulus
        half = modulus >> 1
        bitWidth = (modulus - 1).bitWidth
    }

    public var description: String { modulus.bitWidth <= 64 ? "Z/\(modulus)" : "Z/m (\(bitWidth)-bit m)" }
    public var zero: BigInteger { BigInteger() }
    public var one: BigInteger { BigInteger(1) }

    public func add(_ a: BigInteger, _ b: BigInteger) -> BigInteger {
        var r = a + b
        if r >= modulus { r.formSubtract(modulus) }
        return r
    }

    public func subtract(_ a: BigInteger, _ b: BigInteger) -> BigInteger {
        var r = a - b
        if r.signum < 0 { r.formAdd(modulus) }
        return r
    }

    public func negate(_ a: BigInteger) -> BigInteger { a.isZero ? a : modulus - a }

    public func multiply(_ a: BigInteger, _ b: BigInteger) -> BigInteger {
        var r = a
        r.formMultiply(by: b, modulo: modulus)
        return r
    }

    public func element(_ value: Int) -> BigInteger { BigInteger(value).modulo(modulus) }
    public func element(_ value: BigInteger) -> BigInteger { value.modulo(modulus) }
    public func element(integral value: Double) -> BigInteger {
        (BigInteger(truncating: value) ?? BigInteger()).modulo(modulus)
    }

    public func canonical(_ a: BigInteger) -> BigInteger { a }

    /// Centered form in [−⌊m/2⌋, ⌈m/2⌉): for odd m values above ⌊m/2⌋ are negative, for
    /// even m values from m/2 up.
    public func centered(_ a: BigInteger) -> BigInteger {
        let isNegative = modulus.isOdd ? a > half : a >= half
        return isNegative ? a - modulus : a
    }

    public func centeredDouble(_ a: BigInteger) -> Double { centered(a).doubleValue }
    public func shiftedRight(_ a: BigInteger, by n: Int) -> BigInteger { a >> n }
    public func arithmeticShiftedRight(_ a: BigInteger, by n: Int) -> BigInteger { element(centered(a) >> n) }

    public func random<G: RandomNumberGenerator>(using generator: inout G) -> BigInteger {
        BigInteger.random(below: modulus, using: &generator)
    }
}
