import Backend
import Tensors

/// 1/√x by Newton–Raphson, y ← y·(3 − x·y²)/2 (one square and two products per
/// iteration), as CrypTen's `inv_sqrt` with 3 iterations and its exp-based start.
public struct NewtonInverseSqrt: ElementwiseApproximation {
    public let iterations: Int
    public let initial: InitialGuess
    public let inputRange: Interval
    public var target: TargetFunction { .inverseSqrt }
    public var method: String { "newton" }

    /// - Throws: `ApproximationError` when the range is not positive, iterations < 0, or the
    ///   initial guess's exp has an invalid iteration count.
    public init(iterations: Int = 3, initial: InitialGuess = .cryptenInverseSqrt(expIterations: 8),
                range: Interval) throws(ApproximationError) {
        guard iterations >= 0 else { throw .invalidParameter("iterations must be ≥ 0, got \(iterations)") }
        try TargetFunction.inverseSqrt.validate(range)
        try initial.validate()
        self.iterations = iterations
        self.initial = initial
        inputRange = range
    }

    public var parameters: ApproximationParameters {
        ApproximationParameters(iterations: iterations, notes: ["y ← y(3 − x·y²)/2", "initial guess \(initial.description)"])
    }

    public func evaluate<B: ArithmeticBackend>(_ x: B.Value, on b: B) -> B.Value {
        var y = initial.evaluate(x, on: b)
        for _ in 0..<iterations {
            let t = b.addConstant(b.negate(b.multiply(x, b.square(y))), 3)
            y = b.multiplyConstant(b.multiply(y, t), 0.5)
        }
        return y
    }
}

/// √x = x · (1/√x), CrypTen's `sqrt`, with any inverse-square-root method inside.
public struct SqrtViaInverse: ElementwiseApproximation {
    public let inverse: any NonlinearApproximation
    public var target: TargetFunction { .sqrt }
    public var method: String { "x·invsqrt(\(inverse.method))" }
    public var inputRange: Interval { inverse.inputRange }
    public var parameters: ApproximationParameters { inverse.parameters }

    public init(_ inverse: any NonlinearApproximation) { self.inverse = inverse }

    public func evaluate<B: ArithmeticBackend>(_ x: B.Value, on b: B) -> B.Value {
        b.multiply(x, inverse.evaluate(x, on: b))
    }
}
