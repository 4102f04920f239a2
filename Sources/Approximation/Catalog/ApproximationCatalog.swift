import Backend

/// Settings that select and tune one catalog entry. Unset values take the defaults
/// documented per function in `ApproximationCatalog`.
public struct ApproximationOptions: Sendable {
    public var method: String?
    public var degree: Int?
    public var iterations: Int?
    public var range: Interval?
    public var schedule: EvaluationSchedule = .chebyshevBSGS
    /// Power-Softmax power.
    public var p: Int = 4
    /// Power-Softmax variant: "sum", "epsilon", "mean", "stable".
    public var variant: String = "mean"
    public var epsilon: Double?
    /// Row length for row functions (1…`maximumRowLength`).
    public var length: Int = 128
    /// The longest row a row function is built for: 2^40 (T = 10^6 attention rows fit).
    public static let maximumRowLength = 1 << 40
    /// Inner reciprocal for row functions: "newton", "goldschmidt" or "spu-goldschmidt".
    public var reciprocalMethod: String?
    /// spu-goldschmidt: what the protocol sends to normalise by the highest bit (cited in the profile).
    public var normalizeCost: AnalyticCost?
    /// Softmax: where it divides by the row sum.
    public var division = SoftmaxDivision.perRow
    public var reciprocalIterations: Int?
    public var reciprocalRange: Interval?
    /// Limit-exp iterations where an exp is inside.
    public var expIterations: Int?
    /// Newton reciprocal: handle either sign by a private comparison (CrypTen's default).
    public var signCorrected: Bool = false
    /// How softmax finds the row maximum.
    public var maxMethod: MaxMethod = .backend
    /// For method "analytic": the cited cost formula.
    public var analyticCost: AnalyticCost?
    /// For method "analytic": the catalog method whose values the protocol computes (its
    /// real approximation, run in the clear on the revealed input, with this entry's other
    /// options); nil: the exact function (the error is then ideal, not the protocol's).
    public var valueMethod: String?

    public init() {}
}

/// Names every nonlinearity and method PISim knows, and builds them from options.
public enum ApproximationCatalog {
    /// Function names accepted by `make`, with their methods (first is the default). Every
    /// function also accepts "analytic" with an `analyticCost` (a protocol's cited formula).
    public static let methods: [(function: String, methods: [String])] = [
        ("exp", ["limit", "taylor-squaring"] + polynomialMethods),
        ("reciprocal", ["newton", "goldschmidt", "spu-goldschmidt"] + polynomialMethods),
        ("inv-sqrt", ["newton"] + polynomialMethods),
        ("sqrt", ["newton"] + polynomialMethods),
        ("gelu", ["bumblebee", "puma"] + fittedMethods),
        ("gelu-tanh", fittedMethods),
        ("relu", ["comparison", "composite"]),
        ("sigmoid", ["crypten"] + fittedMethods),
        ("tanh", fittedMethods + ["crypten"]),
        ("layernorm", ["newton"] + polynomialMethods),
        ("rmsnorm", ["newton"] + polynomialMethods),
        ("silu", ["sigmoid"] + fittedMethods),
        ("softmax", ["limit", "taylor-squaring"]),
        ("2quad", ["newton", "goldschmidt"]),
        ("relu-softmax", ["newton", "goldschmidt"]),
        ("power-softmax", ["goldschmidt", "newton"]),
    ]

    /// The most iterations any iterative method accepts: Newton and Goldschmidt converge
    /// quadratically (a handful suffice), limit and composite methods need ≤ 30; more is
    /// an input error, not a computation to run.
    public static let maximumIterations = 64

    static let polynomialMethods = FitMethod.allCases.map(\.rawValue)
    /// Fitting methods for functions without a closed-form Taylor series here.
    static let fittedMethods = FitMethod.allCases.filter { $0 != .taylor }.map(\.rawValue)

    /// Builds the approximation of `function` described by `options`.
    ///
    /// - Throws: `ApproximationError` naming the unknown function or method, or the
    ///   parameter that cannot work.
    public static func make(_ function: String, _ o: ApproximationOptions) throws(ApproximationError) -> any NonlinearApproximation {
        guard let entry = methods.first(where: { $0.function == function }) else {
            throw .invalidParameter("unknown function '\(function)'; known: \(methods.map(\.function).joined(separator: ", "))")
        }
        let method = o.method ?? entry.methods[0]
        for (name, value) in [("iterations", o.iterations), ("reciprocal iterations", o.reciprocalIterations),
                              ("exp iterations", o.expIterations)] {
            if let v = value, !(0...maximumIterations).contains(v) {
                throw .invalidParameter("\(name) must be 0…\(maximumIterations), got \(v)")
            }
        }
        guard (1...ApproximationOptions.maximumRowLength).contains(o.length) else {
            throw .invalidParameter("row length must be 1…\(ApproximationOptions.maximumRowLength), got \(o.length)")
        }
        guard (1...64).contains(o.p) else { throw .invalidParameter("the power p must be 1…64, got \(o.p)") }
        if method == "analytic" {
            guard let cost = o.analyticCost, cost.isValid else {
                throw .invalidParameter("method 'analytic' needs a cost (bits per element/row, rounds, offline bytes), each ≥ 0")
            }
            var values = o
            values.method = o.valueMethod
            values.valueMethod = nil
            values.analyticCost = nil
            guard values.method != "analytic" else { throw .invalidParameter("value_method cannot itself be analytic") }
            return AnalyticApproximation(base: try make(function, values), cost: cost, idealValues: o.valueMethod == nil)
        }
        guard entry.methods.contains(method) else {
            throw .invalidParameter("unknown method '\(method)' for \(function); known: \((entry.methods + ["analytic"]).joined(separator: ", "))")
        }
        if let fit = FitMethod(rawValue: method) {
            return try polynomial(function, fit: fit, o)
        }
        switch (function, method) {
        case ("exp", "limit"):
            return try LimitExponential(iterations: o.iterations ?? 8, range: o.range)
        case ("exp", "taylor-squaring"):
            return try TaylorSquaringExponential(degree: o.degree ?? 6, squarings: o.iterations ?? 4, range: o.range)
        case ("reciprocal", "newton"), ("reciprocal", "goldschmidt"), ("reciprocal", "spu-goldschmidt"):
            return try reciprocal(method: method, iterations: o.iterations, range: o.range ?? Interval(uncheckedLower: 1, upper: 64), o)
        case ("inv-sqrt", "newton"), ("sqrt", "newton"):
            let inverse = try NewtonInverseSqrt(iterations: o.iterations ?? 3, initial: .cryptenInverseSqrt(expIterations: o.expIterations ?? 8),
                                                range: o.range ?? Interval(uncheckedLower: 0.1, upper: 100))
            return function == "sqrt" ? SqrtViaInverse(inverse) : inverse
        case ("gelu", "bumblebee"): return PiecewisePolynomial.bumblebeeGELU
        case ("gelu", "puma"): return PiecewisePolynomial.pumaGELU
        case ("relu", "comparison"):
            return ReLUApproximation(sign: .comparison, range: o.range ?? Interval(uncheckedLower: -64, upper: 64))
        case ("relu", "composite"):
            let range = o.range ?? Interval(uncheckedLower: -8, upper: 8)
            return ReLUApproximation(sign: .composite(iterations: o.iterations ?? 8, bound: max(Swift.abs(range.lower), Swift.abs(range.upper))), range: range)
        case ("sigmoid", "crypten"):
            return try CrypTenSigmoid(expIterations: o.expIterations ?? 8, newtonIterations: o.iterations ?? 3,
                                  range: o.range ?? Interval(uncheckedLower: -64, upper: 64))
        case ("tanh", "crypten"):
            return try CrypTenTanh(expIterations: o.expIterations ?? 8, newtonIterations: o.iterations ?? 3,
                                   range: o.range ?? Interval(uncheckedLower: -32, upper: 32))
        case ("layernorm", "newton"), ("rmsnorm", "newton"):
            let inner = try NewtonInverseSqrt(iterations: o.reciprocalIterations ?? 3, initial: .cryptenInverseSqrt(expIterations: o.expIterations ?? 8),
                                              range: o.reciprocalRange ?? Interval(uncheckedLower: 1e-3, upper: 100))
            return LayerNormApproximation(inverseSqrt: inner, epsilon: o.epsilon ?? 1e-5, range: o.range ?? Interval(uncheckedLower: -16, upper: 16),
                                          centred: function == "layernorm")
        case ("silu", "sigmoid"):
            // x · CrypTen's sigmoid (profiles that list a sigmoid use theirs: `ProtocolProfile.approximation`).
            return SiLUApproximation(sigmoid: try CrypTenSigmoid(expIterations: o.expIterations ?? 8, newtonIterations: o.iterations ?? 3,
                                                                 range: o.range ?? Interval(uncheckedLower: -64, upper: 64)))
        case ("softmax", _):
            let exp: any NonlinearApproximation
            if method == "limit" {
                exp = try LimitExponential(iterations: o.iterations ?? o.expIterations ?? 8)
            } else {
                exp = try TaylorSquaringExponential(degree: o.degree ?? 6, squarings: o.iterations ?? 4)
            }
            // The row sum of exp(x − max) lies in [1, length]; CrypTen's Newton start diverges
            // beyond x ≈ 253, so the default range stops at 250 and larger sums are counted
            // out of range.
            let sumRange = try Self.range(o.reciprocalRange, default: 1, Double(min(max(o.length, 2), Self.cryptenNewtonLimit)))
            let recip = try reciprocal(method: o.reciprocalMethod ?? "newton", iterations: o.reciprocalIterations, range: sumRange, o)
            return StandardSoftmax(exp: exp, reciprocal: recip, maxMethod: o.maxMethod, range: o.range ?? Interval(uncheckedLower: -8, upper: 8),
                                   division: o.division)
        case ("2quad", _):
            let range = o.range ?? Interval(uncheckedLower: -8, upper: 8)
            // Σ(x + 5)² over a row: from about T/2 (inputs near −5) to T·(max|x| + 5)².
            let n = Double(o.length)
            let maxSum = n * power(max(Swift.abs(range.lower), Swift.abs(range.upper)) + 5, 2)
            let sumRange = try Self.range(o.reciprocalRange, default: n / 2, newtonCapped(maxSum, method: method))
            let recip = try reciprocal(method: method, iterations: o.iterations, range: sumRange, o)
            return QuadSoftmax(shift: 5, reciprocal: recip, range: range)
        case ("relu-softmax", _):
            let range = o.range ?? Interval(uncheckedLower: -8, upper: 8)
            let eps = o.epsilon ?? 1e-2
            let maxSum = eps + Double(o.length) * max(range.upper, 1)
            let sumRange = try Self.range(o.reciprocalRange, default: eps, newtonCapped(maxSum, method: method))
            let recip = try reciprocal(method: method, iterations: o.iterations, range: sumRange, o)
            return ReLUSoftmax(reciprocal: recip, epsilon: eps, range: range)
        case ("power-softmax", _):
            return try powerSoftmax(method: method, o)
        default:
            throw .invalidParameter("method '\(method)' is not available for \(function)")
        }
    }

    /// The largest input for which Newton's reciprocal from CrypTen's start converges on a
    /// whole range (checked by `NewtonReciprocal.init`).
    /// (3·e^(1−2x) + 0.003 with the 8-step limit exp: x·y₀ reaches 2 at x ≈ 253.3, where the
    /// limit exp's base 1 + (1 − 2x)/256 nears −1.)
    static let cryptenNewtonLimit = 250

    /// `given`, or [lower, upper] validated.
    static func range(_ given: Interval?, default lower: Double, _ upper: Double) throws(ApproximationError) -> Interval {
        if let given { return given }
        return try Interval(lower, upper)
    }

    /// The default design range of each function for polynomial methods.
    static func defaultRange(_ function: String) -> Interval {
        switch function {
        case "exp": Interval(uncheckedLower: -8, upper: 0)
        case "reciprocal": Interval(uncheckedLower: 1, upper: 64)
        case "inv-sqrt", "sqrt": Interval(uncheckedLower: 0.1, upper: 100)
        case "gelu", "gelu-tanh", "sigmoid", "silu": Interval(uncheckedLower: -8, upper: 8)
        case "tanh": Interval(uncheckedLower: -4, upper: 4)
        default: Interval(uncheckedLower: -8, upper: 8)
        }
    }

    static func polynomial(_ function: String, fit: FitMethod, _ o: ApproximationOptions) throws(ApproximationError) -> any NonlinearApproximation {
        let degree = o.degree ?? 7
        let range = o.range ?? defaultRange(function)
        switch function {
        case "layernorm", "rmsnorm":
            let inner = try PolynomialApproximation(.inverseSqrt, method: fit, degree: degree,
                                                    on: o.reciprocalRange ?? Interval(uncheckedLower: 0.1, upper: 100), schedule: o.schedule)
            return LayerNormApproximation(inverseSqrt: inner, epsilon: o.epsilon ?? 1e-5, range: range, centred: function == "layernorm")
        default:
            let target: TargetFunction = switch function {
            case "exp": .exp
            case "reciprocal": .reciprocal
            case "inv-sqrt": .inverseSqrt
            case "sqrt": .sqrt
            case "gelu": .gelu
            case "gelu-tanh": .geluTanh
            case "sigmoid": .sigmoid
            case "silu": .silu
            default: .tanh
            }
            return try PolynomialApproximation(target, method: fit, degree: degree, on: range, schedule: o.schedule)
        }
    }

    static func reciprocal(method: String, iterations: Int?, range: Interval, _ o: ApproximationOptions) throws(ApproximationError) -> any NonlinearApproximation {
        switch method {
        case "goldschmidt":
            // Unless told, iterate until the worst relative error on the range is below 2^−20.
            return try GoldschmidtReciprocal(iterations: iterations ?? GoldschmidtReciprocal.iterations(for: range, relativeError: 0x1p-20), range: range)
        case "newton":
            return try NewtonReciprocal(iterations: iterations ?? 10, initial: .cryptenReciprocal(expIterations: o.expIterations ?? 8), range: range,
                                        signCorrected: o.signCorrected)
        case "spu-goldschmidt":
            return try SPUGoldschmidtReciprocal(iterations: iterations ?? 2, normalizeCost: o.normalizeCost ?? AnalyticCost(), range: range)
        default:
            throw .invalidParameter("unknown reciprocal method '\(method)'; known: newton, goldschmidt, spu-goldschmidt")
        }
    }

    /// A default upper end for a reciprocal's range: Newton from CrypTen's start converges
    /// only up to `cryptenNewtonLimit`, so its default stops there (larger inputs are then
    /// counted out of range); Goldschmidt takes the whole range.
    static func newtonCapped(_ upper: Double, method: String) -> Double {
        method == "newton" ? min(upper, Double(cryptenNewtonLimit)) : upper
    }

    static func powerSoftmax(method: String, _ o: ApproximationOptions) throws(ApproximationError) -> PowerSoftmax {
        let range = o.range ?? Interval(uncheckedLower: -4, upper: 4)
        let bound = max(Swift.abs(range.lower), Swift.abs(range.upper))
        let eps = o.epsilon ?? 1e-3
        let maxPower = power(bound, Double(o.p))
        let variant: PowerSoftmax.Variant
        let denominatorRange: Interval
        switch o.variant {
        case "sum":
            variant = .plain
            denominatorRange = try Interval(max(eps, 1e-6), Double(o.length) * maxPower)
        case "epsilon":
            variant = .epsilon(eps)
            denominatorRange = try Interval(max(eps, 1e-6), eps + Double(o.length) * maxPower)
        case "mean":
            variant = .mean(epsilon: eps)
            denominatorRange = try Interval(max(eps, 1e-6), eps + maxPower)
        case "stable":
            variant = .stable(delta: eps)
            // After scaling by max|x| + δ the largest term is (m/(m+δ))^p ≈ 1, so Σ ≥ ~1.
            denominatorRange = try Interval(0.5, Double(o.length))
        default:
            throw .invalidParameter("unknown Power-Softmax variant '\(o.variant)'; known: sum, epsilon, mean, stable")
        }
        guard o.p >= 2, o.p % 2 == 0 else {
            throw .invalidParameter("Power-Softmax needs an even power p ≥ 2 (weights must be non-negative), got \(o.p)")
        }
        let defaultRange = try Interval(denominatorRange.lower, newtonCapped(denominatorRange.upper, method: method))
        let recip = try reciprocal(method: method, iterations: o.reciprocalIterations ?? o.iterations,
                                   range: o.reciprocalRange ?? defaultRange, o)
        var scale: (any NonlinearApproximation)?
        if case .stable = variant {
            // c = max|x| + δ: rows whose largest score is below bound/64 are counted out of range.
            scale = try reciprocal(method: method, iterations: o.iterations, range: Interval(max(bound / 64, eps), bound + eps), o)
        }
        return try PowerSoftmax(p: o.p, variant: variant, reciprocal: recip, scaleReciprocal: scale, range: range)
    }
}
