import Backend
import Tensors

/// e^x by the limit (1 + x/2^k)^(2^k): one scalar product and k squarings (CrypTen's and
/// SPU's default exp; CrypTen 0.4 uses k = 8, BumbleBee/PUMA k = 5).
///
/// Relative error grows with |x|: about x²/2^(k+1) for moderate x, so the range is stated
/// as [−2^(k/2), 2^(k/2−2)] by default (k = 8: [−16, 4], relative error ≤ 3 % at x = 4,
/// absolute error ≤ 5e−8 at −16).
public struct LimitExponential: ElementwiseApproximation {
    public let iterations: Int
    public let inputRange: Interval
    public var target: TargetFunction { .exp }
    public var method: String { "limit" }

    public init(iterations: Int = 8, range: Interval? = nil) throws(ApproximationError) {
        guard (1...30).contains(iterations) else { throw .invalidParameter("limit exp needs 1…30 iterations, got \(iterations)") }
        self.iterations = iterations
        if let range { inputRange = range } else {
            inputRange = Interval(uncheckedLower: -power(2, Double(iterations) / 2), upper: power(2, Double(iterations) / 2 - 2))
        }
    }

    public var parameters: ApproximationParameters {
        ApproximationParameters(iterations: iterations, notes: ["(1 + x/2^\(iterations))^(2^\(iterations))"])
    }

    public func evaluate<B: ArithmeticBackend>(_ x: B.Value, on b: B) -> B.Value {
        var y = b.addConstant(b.multiplyConstant(x, 1 / power(2, Double(iterations))), 1)
        for _ in 0..<iterations { y = b.square(y) }
        return y
    }
}

/// e^x = (e^(x/2^s))^(2^s) with e^(x/2^s) from its Taylor polynomial of degree d
/// (scaling and squaring).
public struct TaylorSquaringExponential: ElementwiseApproximation {
    public let degree: Int
    public let squarings: Int
    public let inputRange: Interval
    public var target: TargetFunction { .exp }
    public var method: String { "taylor-squaring" }

    public init(degree: Int = 6, squarings: Int = 4, range: Interval? = nil) throws(ApproximationError) {
        guard degree >= 1 else { throw .invalidDegree(degree, "the Taylor part needs degree ≥ 1") }
        guard (0...30).contains(squarings) else { throw .invalidParameter("squarings must be 0…30, got \(squarings)") }
        self.degree = degree
        self.squarings = squarings
        if let range { inputRange = range } else {
            inputRange = Interval(uncheckedLower: -power(2, Double(squarings)), upper: power(2, Double(squarings) - 2))
        }
    }

    public var parameters: ApproximationParameters {
        ApproximationParameters(degree: degree, iterations: squarings, notes: ["Taylor degree \(degree) of e^(x/2^\(squarings)), then \(squarings) squarings"])
    }

    public func evaluate<B: ArithmeticBackend>(_ x: B.Value, on b: B) -> B.Value {
        var coefficients = [Double](), factorial = 1.0, scale = 1.0
        let s = 1 / power(2, Double(squarings))
        for i in 0...degree {
            if i > 0 { factorial *= Double(i); scale *= s }
            coefficients.append(scale / factorial)
        }
        var y = PolynomialEvaluator.productTree(Polynomial(coefficients), at: x, on: b)
        for _ in 0..<squarings { y = b.square(y) }
        return y
    }
}
