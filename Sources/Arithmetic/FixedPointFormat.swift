/// How a real number is rounded to the fixed-point grid when it is encoded.
public enum EncodingRounding: String, Sendable, CaseIterable {
    /// Round to the nearest grid point (ties to even): error ≤ 2^−(f+1).
    case nearest
    /// Round toward zero, as CrypTen's encoder does (`(scale * x).long()`): error < 2^−f.
    case towardZero
}

/// How a product with 2f fractional bits is brought back to f bits.
public enum TruncationMode: String, Sendable, CaseIterable {
    /// Exact ⌊x / 2^f⌋ on the centered value (what a faithful truncation protocol computes).
    case floor
    /// Exact round-to-nearest: ⌊(x + 2^(f−1)) / 2^f⌋.
    case nearest
    /// SecureML-style local truncation on two additive shares (Mohassel & Zhang,
    /// S&P 2017, Thm. 1): party 0 computes ⌊x₀ / 2^f⌋, party 1 computes −⌊−x₁ / 2^f⌋.
    /// The result is ⌊x / 2^f⌋ or ⌊x / 2^f⌋ + 1, with the round-up taken with probability
    /// frac(x / 2^f) — an unbiased stochastic rounding — except with probability |x| / m,
    /// when the shares wrap and the result is off by about m / 2^f.
    case probabilistic
}

/// A fixed-point number format over a modular ring: a real x is stored as the ring
/// element congruent to round(x · 2^f), read back through its centered representative.
///
/// Representable values are those with |x · 2^f| < ⌊m/2⌋, so for Z/2^k the range is
/// [−2^(k−1−f), 2^(k−1−f)) with resolution 2^−f.
public struct FixedPointFormat<Ring: ModularRing>: Sendable {
    /// The ring the encoded values live in.
    public let ring: Ring

    /// f, the number of fractional bits.
    public let fractionalBits: Int

    /// How `encode` rounds.
    public let rounding: EncodingRounding

    /// 2^f.
    public let scale: Double

    /// Values must satisfy |x| < `limit` to be representable: ⌊m/2⌋ / 2^f.
    public let limit: Double

    /// Creates a format with f fractional bits over `ring`.
    ///
    /// - Throws: `ArithmeticError.invalidFixedPoint` when f < 0, when f ≥ the ring's bit
    ///   width (no bit would be left for the sign and the integer part), or when 2^f is
    ///   beyond `Double`'s range.
    public init(ring: Ring, fractionalBits: Int, rounding: EncodingRounding = .nearest) throws(ArithmeticError) {
        guard fractionalBits >= 0 else {
            throw .invalidFixedPoint("fractional bits must be ≥ 0, got \(fractionalBits)")
        }
        guard fractionalBits < ring.bitWidth else {
            throw .invalidFixedPoint(
                "\(fractionalBits) fractional bits do not fit \(ring) (\(ring.bitWidth) bits): f must be below the ring's bit width, leaving room for the sign and integer bits")
        }
        guard fractionalBits < 1000 else {
            throw .invalidFixedPoint("2^\(fractionalBits) overflows Double; use f < 1000")
        }
        self.ring = ring
        self.fractionalBits = fractionalBits
        self.rounding = rounding
        scale = Double(sign: .plus, exponent: fractionalBits, significand: 1)
        limit = (ring.modulus >> 1).doubleValue / scale
    }

    /// The grid spacing 2^−f (one unit in the last place).
    @inlinable public var resolution: Double { 1 / scale }

    @inlinable func scaled(_ x: Double) -> Double {
        let y = x * scale
        return rounding == .nearest ? y.rounded(.toNearestOrEven) : y.rounded(.towardZero)
    }

    /// Encodes `x`.
    ///
    /// - Throws: `ArithmeticError.notFinite` for NaN/∞ and `.valueOutOfRange` when
    ///   |x| ≥ `limit` (the value would wrap around the ring).
    @inlinable public func encode(_ x: Double) throws(ArithmeticError) -> Ring.Element {
        guard x.isFinite else { throw .notFinite(x) }
        let y = scaled(x)
        guard abs(y) < limit * scale else { throw .valueOutOfRange(value: x, limit: limit) }
        return ring.element(integral: y)
    }

    /// Encodes `x`, saturating out-of-range values to the largest representable magnitude
    /// (NaN encodes as 0) and counting each such value in `overflows` instead of wrapping.
    @inlinable public func encode(_ x: Double, overflows: inout Int) -> Ring.Element {
        guard !x.isNaN else { overflows += 1; return ring.zero }
        let y = x.isFinite ? scaled(x) : x
        let bound = (limit * scale).nextDown.rounded(.down)
        guard abs(y) <= bound else {
            overflows += 1
            return ring.element(integral: y < 0 ? -bound : bound)
        }
        return ring.element(integral: y)
    }

    /// The real value `a` stands for: centered(a) / 2^f.
    @inlinable public func decode(_ a: Ring.Element) -> Double { ring.centeredDouble(a) / scale }

    /// Brings a value with 2f fractional bits back to f bits.
    ///
    /// `.floor` and `.nearest` are exact. `.probabilistic` splits the value into two
    /// random additive shares with `generator`, truncates each share locally, and adds the
    /// results, so it reproduces exactly the error distribution of the protocol.
    @inlinable
    public func truncate<G: RandomNumberGenerator>(_ a: Ring.Element, mode: TruncationMode, using generator: inout G) -> Ring.Element {
        truncate(a, bits: fractionalBits, mode: mode, using: &generator)
    }

    /// Divides by 2^bits with the given truncation mode.
    @inlinable
    public func truncate<G: RandomNumberGenerator>(_ a: Ring.Element, bits: Int, mode: TruncationMode, using generator: inout G) -> Ring.Element {
        switch mode {
        case .floor:
            return ring.arithmeticShiftedRight(a, by: bits)
        case .nearest:
            guard bits > 0 else { return a }
            return ring.arithmeticShiftedRight(ring.add(a, ring.element(BigInteger.powerOfTwo(bits - 1))), by: bits)
        case .probabilistic:
            let share0 = ring.random(using: &generator)
            let share1 = ring.subtract(a, share0)
            return ring.add(
                Self.truncateShare(share0, party: 0, bits: bits, ring: ring),
                Self.truncateShare(share1, party: 1, bits: bits, ring: ring))
        }
    }

    /// The local step of SecureML truncation on one party's additive share.
    ///
    /// - Parameters:
    ///   - share: this party's share of x.
    ///   - party: 0 or 1.
    ///   - bits: the number of bits to drop.
    /// - Returns: ⌊share / 2^bits⌋ for party 0, −⌊−share / 2^bits⌋ for party 1.
    @inlinable
    public static func truncateShare(_ share: Ring.Element, party: Int, bits: Int, ring: Ring) -> Ring.Element {
        party == 0
            ? ring.shiftedRight(share, by: bits)
            : ring.negate(ring.shiftedRight(ring.negate(share), by: bits))
    }

    /// The fixed-point product a · b: the ring product (which carries 2f fractional bits)
    /// truncated back to f bits.
    ///
    /// - Returns: the product and whether the exact product of the two centered values
    ///   left the ring's centered range (in which case the ring product wrapped and the
    ///   result is wrong, exactly as it would be in a protocol).
    @inlinable
    public func multiply<G: RandomNumberGenerator>(_ a: Ring.Element, _ b: Ring.Element, mode: TruncationMode,
                                                   using generator: inout G) -> (product: Ring.Element, wrapped: Bool) {
        let p = ring.multiply(a, b)
        return (truncate(p, mode: mode, using: &generator), productWraps(a, b))
    }

    /// True when centered(a) · centered(b) lies outside [−⌊m/2⌋, ⌈m/2⌉).
    @inlinable public func productWraps(_ a: Ring.Element, _ b: Ring.Element) -> Bool {
        ring.productWraps(a, b)
    }
}
