import Backend

/// Baby-step giant-step evaluation of a Chebyshev series (placeholder until the OpenFHE
/// procedure is transcribed: falls back to the linear method).
enum ChebyshevBSGS {
    static func evaluate<B: ArithmeticBackend>(_ s: ChebyshevSeries, at x: B.Value, on b: B) -> B.Value {
        PolynomialEvaluator.chebyshevLinear(s, at: x, on: b)
    }
}
