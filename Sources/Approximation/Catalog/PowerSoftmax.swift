import Backend
import Tensors

/// Power-Softmax (Zimerman et al., "Power-Softmax: Towards Secure LLM Inference over
/// Encrypted Data", arXiv 2410.09457; AISTATS 2026): w_j = x_j^p / Σ_i x_i^p for an even p,
/// so the only non-polynomial step left is one reciprocal per row.
public struct PowerSoftmax: NonlinearApproximation {
    /// The denominators of the paper's variants.
    public enum Variant: Sendable, Hashable {
        /// x^p / Σ x^p.
        case plain
        /// x^p / (ε + Σ x^p): the "Lipschitz division", 1/ε-bounded reciprocal.
        case epsilon(Double)
        /// (1/T) · x^p / (ε + mean x^p): the length-agnostic inference form; the
        /// reciprocal sees a mean, bounded independently of the row length T.
        case mean(epsilon: Double)
        /// The training-time stable form: x is first divided by c = max|x| + δ (exact
        /// in real arithmetic by scale invariance; costs a max and a second reciprocal
        /// privately).
        case stable(delta: Double)
    }

    public let p: Int
    public let variant: Variant
    public let reciprocal: any NonlinearApproximation
    /// For `.stable`: the reciprocal of c = max|x| + δ.
    public let scaleReciprocal: (any NonlinearApproximation)?
    public let inputRange: Interval
    public var function: String { "power-softmax" }
    public var isRowwise: Bool { true }

    /// - Throws: `ApproximationError.invalidParameter` when p is not a positive even integer,
    ///   ε < 0, or the stable form lacks its scale reciprocal.
    public init(p: Int = 4, variant: Variant = .mean(epsilon: 1e-3), reciprocal: any NonlinearApproximation,
                scaleReciprocal: (any NonlinearApproximation)? = nil,
                range: Interval = Interval(uncheckedLower: -8, upper: 8)) throws(ApproximationError) {
        guard p >= 2, p % 2 == 0 else {
            throw .invalidParameter("Power-Softmax needs an even power p ≥ 2 (weights must be non-negative), got \(p)")
        }
        switch variant {
        case let .epsilon(e), let .mean(e):
            guard e >= 0, e.isFinite else { throw .invalidParameter("ε must be a finite value ≥ 0, got \(e)") }
        case let .stable(d):
            guard d > 0, d.isFinite else { throw .invalidParameter("δ must be positive, got \(d)") }
            guard scaleReciprocal != nil else { throw .invalidParameter("the stable variant needs a reciprocal for max|x| + δ") }
        case .plain: break
        }
        self.p = p
        self.variant = variant
        self.reciprocal = reciprocal
        self.scaleReciprocal = scaleReciprocal
        inputRange = range
    }

    public var method: String {
        switch variant {
        case .plain: "p\(p)-sum"
        case .epsilon: "p\(p)-epsilon"
        case .mean: "p\(p)-mean"
        case .stable: "p\(p)-stable"
        }
    }

    public var parameters: ApproximationParameters {
        var notes = ["p = \(p)", "variant \(variant)", "reciprocal \(reciprocal.method) on \(reciprocal.inputRange)"]
        notes += reciprocal.parameters.notes
        return ApproximationParameters(iterations: reciprocal.parameters.iterations, notes: notes)
    }

    /// The exact weights of this variant (the ε terms included: they change the function).
    public func reference(_ x: Tensor<Double>) -> Tensor<Double> {
        RowOps.mapRows(x) { row in
            let powers = row.map { power($0, Double(p)) }
            let d = denominator(powers)
            let scale = lengthScale(row.count)
            return powers.map { scale * $0 / d }
        }
    }

    /// The quantity whose reciprocal is taken, for one row of x^p.
    func denominator(_ powers: [Double]) -> Double {
        let s = powers.reduce(0, +)
        switch variant {
        case .plain, .stable: return s
        case let .epsilon(e): return e + s
        case let .mean(e): return e + s / Double(powers.count)
        }
    }

    func lengthScale(_ n: Int) -> Double {
        if case .mean = variant { return 1 / Double(n) }
        return 1
    }

    /// x^p by repeated squaring (p even): ⌈log2 p⌉ products.
    func raise<B: ArithmeticBackend>(_ x: B.Value, on b: B) -> B.Value {
        var cache = PowerCache(x: x, backend: b)
        return cache.power(p)
    }

    public func evaluate<B: ArithmeticBackend>(_ x: B.Value, on b: B) -> B.Value { evaluate(x, rowMask: nil, on: b) }

    /// With a public 0/1 mask ([T × T]), masked powers are zeroed and the mean variant
    /// divides by each row's unmasked count.
    func evaluate<B: ArithmeticBackend>(_ x: B.Value, rowMask mask: Tensor<Double>?, on b: B) -> B.Value {
        var z = x
        if case let .stable(delta) = variant, let scaleReciprocal {
            z = b.scope("stabilize") {
                let s = b.isNegative(x)
                let absX = b.multiply(x, b.signFromIsNegative(s))
                let c = b.addConstant(b.maximum(absX, alongAxis: -1), delta)
                return b.multiply(x, scaleReciprocal.evaluate(c, on: b))
            }
        }
        let powers = b.scope("power") { RowOps.masked(raise(z, on: b), by: mask, on: b) }
        var d = RowOps.rowSum(powers, on: b)
        let n = RowOps.rowLength(x, on: b)
        // 1/n per row: a public constant, or a public [T × 1] tensor of inverse unmasked counts.
        let inverseCounts = mask.map(RowOps.inverseRowCounts)
        func perRowMean(_ v: B.Value) -> B.Value {
            if let inverseCounts { return b.multiplyPublic(v, inverseCounts) }
            return n == 1 ? v : b.multiplyConstant(v, 1 / Double(n))
        }
        switch variant {
        case .plain, .stable: break
        case let .epsilon(e): d = b.addConstant(d, e)
        case let .mean(e): d = b.addConstant(perRowMean(d), e)
        }
        let inverse = b.scope("reciprocal") { reciprocal.evaluate(d, on: b) }
        return b.scope("normalize") {
            let weights = b.multiply(powers, inverse)
            guard case .mean = variant else { return weights }
            return perRowMean(weights)
        }
    }

    /// Rows whose inputs leave the stated range or whose denominator leaves the
    /// reciprocal's range.
    public func outOfRangeCount(_ x: Tensor<Double>) -> Int {
        RowOps.countRows(x) { row in
            var r = row
            if case let .stable(delta) = variant {
                let c = (row.map { Swift.abs($0) }.max() ?? 0) + delta
                if let sr = scaleReciprocal, !sr.inputRange.contains(c) { return true }
                r = row.map { $0 / c }
            }
            let d = denominator(r.map { power($0, Double(p)) })
            return !reciprocal.inputRange.contains(d) || row.contains { !inputRange.contains($0) }
        }
    }
}
