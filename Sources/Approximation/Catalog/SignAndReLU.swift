import Backend
import Tensors

/// How sign(x) is obtained.
public enum SignMethod: Sendable, Hashable {
    /// The backend's private comparison (a protocol in 2PC).
    case comparison
    /// A composite odd polynomial: `iterations` applications of f(t) = (3t − t³)/2 after
    /// scaling x by 1/bound, which drives any t ∈ [−1, 1] \ {0} towards ±1 (the "f₁"
    /// family of Cheon, Kim, Kim & Lee, "Efficient homomorphic comparison methods with
    /// optimal complexity", ASIACRYPT 2020). Inputs with |x| < bound·2^−(iterations/2)
    /// or so stay in the transition region.
    case composite(iterations: Int, bound: Double)
}

extension SignMethod {
    /// 1 where x < 0, else 0, by this method.
    func isNegative<B: ArithmeticBackend>(_ x: B.Value, on b: B) -> B.Value {
        switch self {
        case .comparison:
            return b.isNegative(x)
        case let .composite(iterations, bound):
            return b.compositeIsNegative(x, iterations: iterations, bound: bound)
        }
    }

    var description: String {
        switch self {
        case .comparison: "private comparison"
        case let .composite(k, bound): "composite (3t−t³)/2 ×\(k) on [−\(bound), \(bound)]"
        }
    }
}

/// max(x, 0) = x · (1 − [x < 0]).
public struct ReLUApproximation: ElementwiseApproximation {
    public let sign: SignMethod
    public let inputRange: Interval
    public var target: TargetFunction { .relu }
    public var method: String { if case .comparison = sign { "comparison" } else { "composite-sign" } }

    public init(sign: SignMethod = .comparison, range: Interval = Interval(uncheckedLower: -64, upper: 64)) {
        self.sign = sign
        inputRange = range
    }

    public var parameters: ApproximationParameters {
        var p = ApproximationParameters(notes: ["x·(1 − [x<0]) with \(sign.description)"])
        if case let .composite(k, _) = sign { p.iterations = k }
        return p
    }

    public func evaluate<B: ArithmeticBackend>(_ x: B.Value, on b: B) -> B.Value {
        b.multiplyByBit(x, b.addConstant(b.negate(sign.isNegative(x, on: b)), 1))
    }
}

/// A piecewise polynomial: segments selected by comparisons against public breakpoints,
/// each segment a polynomial in x (or in |x|), combined as Σ [in segment]·piece.
public struct PiecewisePolynomial: ElementwiseApproximation {
    public struct Piece: Sendable {
        /// The piece applies on [lower, upper) (−∞/+∞ for open ends).
        public var lower: Double
        public var upper: Double
        /// Power-basis coefficients of the piece, in x or |x|.
        public var coefficients: [Double]
        /// Evaluate the polynomial in |x| rather than x (plus `linearInX`·x).
        public var inAbsoluteValue: Bool = false
        public var linearInX: Double = 0
    }

    public let target: TargetFunction
    public let name: String
    public let pieces: [Piece]
    public let inputRange: Interval
    public let citation: String
    public var method: String { name }

    public var parameters: ApproximationParameters {
        ApproximationParameters(degree: pieces.map { $0.coefficients.count - 1 }.max(),
                                notes: [citation] + pieces.map { "[\($0.lower), \($0.upper)): \($0.coefficients)\($0.inAbsoluteValue ? " in |x|" : "")\($0.linearInX != 0 ? " + \($0.linearInX)x" : "")" })
    }

    /// BumbleBee's GELU (`f_seg3_gelu`, OpenBumbleBee `libspu/kernel/hal/intrinsic/nn/activation.cc`):
    /// 0 below −3, a degree-4 polynomial in |x| plus x/2 on [−3, 3), x from 3 on.
    public static let bumblebeeGELU = PiecewisePolynomial(
        target: .gelu, name: "bumblebee-seg3", pieces: [
            Piece(lower: -3, upper: 3, coefficients: [0.001620808531841547, -0.03798164612714154, 0.5410550166368381,
                                                      -0.18352506127082727, 0.020848611754127593],
                  inAbsoluteValue: true, linearInX: 0.5),
            Piece(lower: 3, upper: .infinity, coefficients: [0, 1]),
        ], inputRange: Interval(uncheckedLower: -64, upper: 64),
        citation: "BumbleBee seg3 GELU (Lu et al., NDSS 2025; OpenBumbleBee activation.cc)")

    /// PUMA's GELU (Dong et al., arXiv 2307.12533 §4): 0 below −4, cubic on [−4, −1.95),
    /// degree 6 on [−1.95, 3], x above 3.
    public static let pumaGELU = PiecewisePolynomial(
        target: .gelu, name: "puma-seg4", pieces: [
            Piece(lower: -4, upper: -1.95, coefficients: [-0.5054031199708174, -0.42226581151983866, -0.11807612951181953, -0.011034134030615728]),
            Piece(lower: -1.95, upper: 3, coefficients: [0.008526321541038084, 0.5, 0.3603292692789629, 0, -0.037688200365904236, 0, 0.0018067462606141187]),
            Piece(lower: 3, upper: .infinity, coefficients: [0, 1]),
        ], inputRange: Interval(uncheckedLower: -64, upper: 64),
        citation: "PUMA GELU (Dong et al., arXiv 2307.12533v3 §4)")

    public func evaluate<B: ArithmeticBackend>(_ x: B.Value, on b: B) -> B.Value {
        // One comparison per distinct finite breakpoint, [x < c] = isNegative(x − c), all in
        // one batched call (BumbleBee's `BatchLessThan`): the rounds of one comparison.
        let needsAbs = pieces.contains(where: \.inAbsoluteValue)
        let breakpoints = Array(Set(pieces.flatMap { [$0.lower, $0.upper] }.filter(\.isFinite) + (needsAbs ? [0] : []))).sorted()
        let bits = b.scope("compare") {
            b.unstacked(b.isNegative(b.stacked(breakpoints.map { b.addConstant(x, -$0) })), count: breakpoints.count)
        }
        var below = [Double: B.Value]()
        for (c, bit) in zip(breakpoints, bits) { below[c] = bit }
        let absX = needsAbs ? b.multiply(x, b.signFromIsNegative(below[0] ?? b.isNegative(x))) : x
        var powersX = PowerCache(x: x, backend: b), powersAbs = PowerCache(x: absX, backend: b)
        var result: B.Value?
        for piece in pieces {
            var value = PolynomialEvaluator.linearCombination(piece.coefficients, powers: { piece.inAbsoluteValue ? powersAbs.power($0) : powersX.power($0) },
                                                              shape: b.shape(of: x), on: b)
            if piece.linearInX != 0 { value = b.add(value, b.multiplyConstant(x, piece.linearInX)) }
            // Indicator of [lower, upper): [x < upper] − [x < lower].
            let one = b.constant(1, shape: b.shape(of: x))
            let ltUpper = piece.upper.isFinite ? below[piece.upper]! : one
            let indicator = piece.lower.isFinite ? b.subtract(ltUpper, below[piece.lower]!) : ltUpper
            let term = b.multiply(indicator, value)
            result = result.map { b.add($0, term) } ?? term
        }
        return result ?? x
    }
}
