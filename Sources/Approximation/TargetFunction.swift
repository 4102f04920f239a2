/// A real function to approximate, with what the fitting methods need to know about it.
public struct TargetFunction: Sendable {
    /// A short name used in reports ("exp", "reciprocal", …).
    public let name: String
    /// The exact function in `Double` (the reference every error is measured against).
    public let evaluate: @Sendable (Double) -> Double
    /// Points where the function is undefined: an interval containing one is refused.
    public let poles: [Double]
    /// Where the function is defined at all (e.g. x > 0 for 1/√x), if restricted.
    public let domain: (lower: Double, upper: Double, openLower: Bool)?
    /// Taylor coefficients about a point: `taylor(x0, n)` returns f^(k)(x0)/k! for k = 0…n.
    public let taylor: (@Sendable (Double, Int) -> [Double])?

    public init(name: String, poles: [Double] = [], domain: (lower: Double, upper: Double, openLower: Bool)? = nil,
                taylor: (@Sendable (Double, Int) -> [Double])? = nil, _ evaluate: @escaping @Sendable (Double) -> Double) {
        self.name = name
        self.evaluate = evaluate
        self.poles = poles
        self.domain = domain
        self.taylor = taylor
    }

    @inlinable public func callAsFunction(_ x: Double) -> Double { evaluate(x) }

    /// Refuses an interval that contains a pole or leaves the function's domain.
    ///
    /// - Throws: `ApproximationError.singularity` or `.invalidInterval`.
    public func validate(_ interval: Interval) throws(ApproximationError) {
        for p in poles where interval.contains(p) { throw .singularity(function: name, at: p, interval: interval) }
        if let d = domain {
            let lowOK = d.openLower ? interval.lower > d.lower : interval.lower >= d.lower
            guard lowOK, interval.upper <= d.upper else {
                throw .invalidInterval("\(interval) leaves the domain of \(name) (\(d.openLower ? "(" : "[")\(d.lower), \(d.upper)])")
            }
        }
    }
}

extension TargetFunction {
    /// e^x.
    public static let exp = TargetFunction(name: "exp", taylor: { x0, n in
        var c = [Double](), term = exponential(x0)
        for k in 0...n { c.append(term); term /= Double(k + 1) }
        return c
    }) { exponential($0) }

    /// 1/x (pole at 0).
    public static let reciprocal = TargetFunction(name: "reciprocal", poles: [0], taylor: { x0, n in
        // 1/x = Σ (−1)^k (x − x0)^k / x0^(k+1)
        (0...n).map { k in (k % 2 == 0 ? 1 : -1) / power(x0, Double(k + 1)) }
    }) { 1 / $0 }

    /// 1/√x (x > 0).
    public static let inverseSqrt = TargetFunction(name: "inv_sqrt", poles: [0], domain: (0, .infinity, true), taylor: { x0, n in
        // Binomial series of (x0 + h)^(−1/2).
        var c = [Double](), coefficient = 1.0
        for k in 0...n {
            c.append(coefficient * power(x0, -0.5 - Double(k)))
            coefficient *= (-0.5 - Double(k)) / Double(k + 1)
        }
        return c
    }) { 1 / $0.squareRoot() }

    /// √x (x ≥ 0).
    public static let sqrt = TargetFunction(name: "sqrt", domain: (0, .infinity, false), taylor: { x0, n in
        var c = [Double](), coefficient = 1.0
        for k in 0...n {
            c.append(coefficient * power(x0, 0.5 - Double(k)))
            coefficient *= (0.5 - Double(k)) / Double(k + 1)
        }
        return c
    }) { $0.squareRoot() }

    /// GELU with the exact error function: x · Φ(x) = x/2 · (1 + erf(x/√2)).
    public static let gelu = TargetFunction(name: "gelu") { x in 0.5 * x * (1 + errorFunction(x / 2.0.squareRoot())) }

    /// GELU's tanh form (Hendrycks & Gimpel 2016): x/2 · (1 + tanh(√(2/π)(x + 0.044715x³))).
    public static let geluTanh = TargetFunction(name: "gelu_tanh") { x in
        0.5 * x * (1 + hyperbolicTangent((2 / Double.pi).squareRoot() * (x + 0.044715 * x * x * x)))
    }

    /// max(x, 0).
    public static let relu = TargetFunction(name: "relu") { max($0, 0) }

    /// sign(x) ∈ {−1, 0, 1}.
    public static let sign = TargetFunction(name: "sign") { $0 > 0 ? 1 : ($0 < 0 ? -1 : 0) }

    /// 1/(1 + e^−x).
    public static let sigmoid = TargetFunction(name: "sigmoid") { 1 / (1 + exponential(-$0)) }

    /// SiLU (swish, Elfwing et al. 2018; LLaMA's gate): x · σ(x).
    public static let silu = TargetFunction(name: "silu") { $0 / (1 + exponential(-$0)) }

    /// tanh x.
    public static let tanh = TargetFunction(name: "tanh") { hyperbolicTangent($0) }

    /// ln x (x > 0).
    public static let log = TargetFunction(name: "log", poles: [0], domain: (0, .infinity, true), taylor: { x0, n in
        [naturalLog(x0)] + (1...max(n, 1)).map { k in (k % 2 == 1 ? 1 : -1) / (Double(k) * power(x0, Double(k))) }.prefix(n)
    }) { naturalLog($0) }

    /// |x|.
    public static let abs = TargetFunction(name: "abs") { Swift.abs($0) }

    /// sin x.
    public static let sin = TargetFunction(name: "sin") { sine($0) }
}
