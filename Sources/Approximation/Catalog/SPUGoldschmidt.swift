import Backend
import Tensors

/// 1/x and a/x as SecretFlow SPU 0.9.5 computes them (`libspu/kernel/hal/fxp_base.cc`:
/// `reciprocal_goldschmidt`, `div_goldschmidt_general`, with
/// `reciprocal_goldschmidt_normalized_approx` inside):
///
/// 1. s = [x < 0] (`_msb`), |x| = x − 2s·x (a select: one product);
/// 2. the normalising factor 2^(−1−⌊log2 |x|⌋) from the bits of |x| (`highestOneBit` by a
///    prefix-OR, then `bitrev` and B2A): charged as one analytic step whose cost the
///    profile gives (`normalizeCost`), its value the ideal one;
/// 3. c = |x|·factor ∈ [0.5, 1), w = 2.9142 − 2c, e = 1 − c·w, then `iterations` times
///    r ← r(1 + e) and, but for the last, e ← e²;
/// 4. division only: r ← r·a; then r ← r·factor and the sign restored by a select.
///
/// Seven products (eight for a division), one square, a sign test and the normalisation;
/// relative error about 2^−14 after SPU's default 2 iterations on any positive range.
public struct SPUGoldschmidtReciprocal: ElementwiseApproximation {
    public let iterations: Int
    /// What the protocol sends for step 2 (and the B2A of the sign bit SPU converts
    /// before its first select); zero when none is given (the clear evaluations of
    /// `pisim approx`, where only values matter — a protocol profile must give it).
    public let normalizeCost: AnalyticCost
    public let inputRange: Interval
    public var target: TargetFunction { .reciprocal }
    public var method: String { "spu-goldschmidt" }

    /// SPU's initial guess for 1/c on [0.5, 1): 2.9142 − 2c.
    public static let initialOffset = 2.9142

    /// - Throws: `ApproximationError` for fewer than 1 iteration or a range containing 0.
    public init(iterations: Int = 2, normalizeCost: AnalyticCost = AnalyticCost(),
                range: Interval = Interval(uncheckedLower: 1.0 / 64, upper: 65536)) throws(ApproximationError) {
        guard iterations >= 1 else { throw .invalidParameter("SPU's Goldschmidt needs ≥ 1 iteration, got \(iterations)") }
        guard normalizeCost.isValid else { throw .invalidParameter("the normalisation cost must be finite and non-negative") }
        try TargetFunction.reciprocal.validate(range)
        self.iterations = iterations
        self.normalizeCost = normalizeCost
        inputRange = range
    }

    public var parameters: ApproximationParameters {
        ApproximationParameters(iterations: iterations, notes: ["normalise |x| to [0.5, 1) by its highest bit, w = 2.9142 − 2c",
                                                               "r ← r(1 + e), e ← e² (SPU fxp_div_goldschmidt_iters)"])
    }

    public func evaluate<B: ArithmeticBackend>(_ x: B.Value, on b: B) -> B.Value { quotient(nil, x, on: b) }

    /// a / x elementwise (`a` and `x` of one shape), SPU's `f_div`: the reciprocal's steps
    /// with the product by `a` before the product by the factor.
    public func divide<B: ArithmeticBackend>(_ a: B.Value, by x: B.Value, on b: B) -> B.Value { quotient(a, x, on: b) }

    /// 2^(−1−⌊log2 v⌋) for v > 0, else 0: the factor that brings v into [0.5, 1).
    public static func normalizingFactor(_ v: Double) -> Double {
        guard v > 0, v.isFinite else { return 0 }
        return Double(sign: .plus, exponent: -1 - Int(v.exponent), significand: 1)
    }

    func quotient<B: ArithmeticBackend>(_ a: B.Value?, _ x: B.Value, on b: B) -> B.Value {
        let negative = b.scope("sign") { b.isNegative(x) }
        // mux(s, −x, x) = x − 2s·x: s is an integer bit, so the product needs no truncation.
        let magnitude = b.scope("abs") { b.add(x, b.multiply(negative, b.multiplyInteger(x, -2))) }
        let factor = b.scope("normalize") {
            b.analytic(magnitude, kind: "normalize", cost: normalizeCost) { $0.map(Self.normalizingFactor) }
        }
        var r = b.scope("goldschmidt") { () -> B.Value in
            let c = b.multiply(magnitude, factor)
            let w = b.addConstant(b.multiplyInteger(c, -2), Self.initialOffset)
            var e = b.addConstant(b.negate(b.multiply(c, w)), 1)
            var r = w
            for i in 0..<iterations {
                r = b.multiply(r, b.addConstant(e, 1))
                if i + 1 < iterations { e = b.square(e) }
            }
            return r
        }
        if let a { r = b.multiply(r, a) }
        r = b.multiply(r, factor)
        return b.scope("sign") { b.add(r, b.multiply(negative, b.multiplyInteger(r, -2))) }
    }
}
