import Backend
import Tensors

/// Where an iterative method starts.
public enum InitialGuess: Sendable, Hashable {
    /// CrypTen's reciprocal start 3·e^(1−2x) + 0.003, with a limit exp of `expIterations`.
    case cryptenReciprocal(expIterations: Int)
    /// CrypTen's inverse-square-root start 2.2·e^(−(x/2 + 0.2)) + 0.2 − x/1024.
    case cryptenInverseSqrt(expIterations: Int)
    /// a + b·x.
    case linear(intercept: Double, slope: Double)
    /// A constant.
    case constant(Double)

    var description: String {
        switch self {
        case let .cryptenReciprocal(k): "3·exp(1−2x)+0.003 (limit exp, \(k) iterations)"
        case let .cryptenInverseSqrt(k): "2.2·exp(−(x/2+0.2))+0.2−x/1024 (limit exp, \(k) iterations)"
        case let .linear(a, b): "\(a) + \(b)·x"
        case let .constant(c): "\(c)"
        }
    }

    /// - Throws: `ApproximationError.invalidParameter` when an exp-based start has an
    ///   iteration count the limit exp refuses (1…30).
    func validate() throws(ApproximationError) {
        switch self {
        case let .cryptenReciprocal(k), let .cryptenInverseSqrt(k): _ = try LimitExponential(iterations: k)
        case .linear, .constant: break
        }
    }

    /// The start y₀; `validate()` must have passed (the approximations' inits call it).
    func evaluate<B: ArithmeticBackend>(_ x: B.Value, on b: B) -> B.Value {
        switch self {
        case let .cryptenReciprocal(k):
            // 3·exp(1 − 2x) + 0.003
            let e = LimitExponential.unchecked(iterations: k).evaluate(b.addConstant(b.multiplyInteger(x, -2), 1), on: b)
            return b.addConstant(b.multiplyInteger(e, 3), 0.003)
        case let .cryptenInverseSqrt(k):
            let e = LimitExponential.unchecked(iterations: k).evaluate(b.negate(b.addConstant(b.multiplyConstant(x, 0.5), 0.2)), on: b)
            return b.subtract(b.addConstant(b.multiplyConstant(e, 2.2), 0.2), b.multiplyConstant(x, 1.0 / 1024))
        case let .linear(a, s):
            return b.addConstant(b.multiplyConstant(x, s), a)
        case let .constant(c):
            return b.constant(c, shape: b.shape(of: x))
        }
    }
}

/// 1/x by Newton–Raphson, y ← 2y − x·y² (one square and one product per iteration), as in
/// CrypTen's `reciprocal` (`approximations.py`). Converges quadratically once |1 − xy| < 1.
public struct NewtonReciprocal: ElementwiseApproximation {
    public let iterations: Int
    public let initial: InitialGuess
    public let inputRange: Interval
    /// CrypTen's default (`reciprocal_all_pos = False`): s = sign(x) by a private
    /// comparison, 1/x = s · recip(s·x), valid on ranges of either sign.
    public let signCorrected: Bool
    public var target: TargetFunction { .reciprocal }
    public var method: String { "newton" }

    /// - Throws: `ApproximationError` when the range contains 0, iterations < 0, or the
    ///   initial guess y₀ leaves Newton's convergence region |1 − x·y₀| < 1 somewhere on the
    ///   range (CrypTen's guess 3·e^(1−2x) + 0.003 stops converging near x = 2/0.003 ≈ 667).
    public init(iterations: Int = 10, initial: InitialGuess = .cryptenReciprocal(expIterations: 8), range: Interval,
                signCorrected: Bool = false) throws(ApproximationError) {
        guard iterations >= 0 else { throw .invalidParameter("iterations must be ≥ 0, got \(iterations)") }
        if !signCorrected { try TargetFunction.reciprocal.validate(range) }
        try initial.validate()
        self.iterations = iterations
        self.initial = initial
        self.signCorrected = signCorrected
        inputRange = range
        let plain = PlaintextBackend()
        let grid = Tensor(range.uniformGrid(count: 512).map { Swift.abs($0) }.filter { $0 > 0 })
        let start = plain.reveal(initial.evaluate(plain.input(grid), on: plain))
        for (x, y) in zip(grid.scalars, start.scalars) where !(Swift.abs(1 - x * y) < 1) {
            throw .invalidParameter("Newton's reciprocal from \(initial.description) does not converge at x = \(x) (|1 − x·y₀| = \(Swift.abs(1 - x * y)) ≥ 1): narrow the range \(range) or use goldschmidt")
        }
    }

    public var parameters: ApproximationParameters {
        ApproximationParameters(iterations: iterations, notes: ["y ← 2y − x·y²", "initial guess \(initial.description)"]
                                + (signCorrected ? ["sign-corrected: s·recip(s·x), s = 1 − 2[x<0]"] : []))
    }

    public func evaluate<B: ArithmeticBackend>(_ x: B.Value, on b: B) -> B.Value {
        if signCorrected {
            let (s, magnitude) = b.scope("sign") {
                let s = b.signFromIsNegative(b.isNegative(x))
                return (s, b.multiply(s, x))
            }
            let y = positive(magnitude, on: b)
            return b.scope("sign") { b.multiply(s, y) }
        }
        // A negative range is handled by symmetry: 1/x = −1/(−x).
        let negative = inputRange.upper < 0
        let y = positive(negative ? b.negate(x) : x, on: b)
        return negative ? b.negate(y) : y
    }

    /// Newton's iteration for z > 0.
    func positive<B: ArithmeticBackend>(_ z: B.Value, on b: B) -> B.Value {
        var y = b.scope("initial-guess") { initial.evaluate(z, on: b) }
        return b.scope("newton") {
            for _ in 0..<iterations {
                y = b.subtract(b.multiplyInteger(y, 2), b.multiply(b.square(y), z))
            }
            return y
        }
    }
}

/// 1/x by Goldschmidt's iteration on a bounded positive range [a, b]: with s = 2/(a + b)
/// and e = 1 − s·x (|e| ≤ (b − a)/(b + a) < 1), 1/x = s·Π_{i<k} (1 + e^(2^i)), so after k
/// steps the relative error is e^(2^k). Each step is one square and one product. Used by
/// Power-Softmax for its single reciprocal per row (Zimerman et al., arXiv 2410.09457 §4).
public struct GoldschmidtReciprocal: ElementwiseApproximation {
    public let iterations: Int
    public let inputRange: Interval
    public var target: TargetFunction { .reciprocal }
    public var method: String { "goldschmidt" }

    /// - Throws: `ApproximationError` unless the range is positive (or negative) and
    ///   iterations ≥ 1.
    public init(iterations: Int, range: Interval) throws(ApproximationError) {
        guard iterations >= 1 else { throw .invalidParameter("Goldschmidt needs ≥ 1 iteration, got \(iterations)") }
        try TargetFunction.reciprocal.validate(range)
        self.iterations = iterations
        inputRange = range
    }

    /// The fewest iterations whose worst relative error on `range` is at most
    /// `relativeError` (at least 1, at most 64).
    public static func iterations(for range: Interval, relativeError: Double) -> Int {
        let a = Swift.abs(range.lower), c = Swift.abs(range.upper)
        let e = Swift.abs(c - a) / (c + a)
        guard e > 0 else { return 1 }
        // e^(2^k) ≤ target  ⇔  2^k ≥ ln(target)/ln(e)
        let needed = naturalLog(relativeError) / naturalLog(e)
        var k = 1
        while power(2, Double(k)) < needed, k < 64 { k += 1 }
        return k
    }

    /// Worst relative error on the range after `iterations` steps: ((b − a)/(b + a))^(2^k).
    public var predictedRelativeError: Double {
        let a = Swift.abs(inputRange.lower), c = Swift.abs(inputRange.upper)
        return power(Swift.abs(c - a) / (c + a), power(2, Double(iterations)))
    }

    public var parameters: ApproximationParameters {
        ApproximationParameters(iterations: iterations, notes: ["s = 2/(a+b), e = 1 − s·x, 1/x = s·Π(1 + e^(2^i))",
                                                               "predicted max relative error \(predictedRelativeError)"])
    }

    public func evaluate<B: ArithmeticBackend>(_ x: B.Value, on b: B) -> B.Value {
        let s = 2 / (inputRange.lower + inputRange.upper)
        var e = b.addConstant(b.multiplyConstant(x, -s), 1)
        var y = b.multiplyConstant(b.addConstant(e, 1), s)
        for _ in 1..<iterations {
            e = b.square(e)
            y = b.add(y, b.multiply(y, e))
        }
        return y
    }
}
