import Backend
import Tensors

/// Exact softmax of one row, shifted by its maximum.
func exactSoftmax(_ row: [Double]) -> [Double] {
    let m = row.max() ?? 0
    let e = row.map { exponential($0 - m) }
    let s = e.reduce(0, +)
    return e.map { $0 / s }
}

/// How the row maximum is found before the exponential.
public enum MaxMethod: String, Sendable, CaseIterable {
    /// The backend's own maximum (exact in the clear, the comparison tournament on shares).
    case backend
    /// A ⌈log2 n⌉-level tournament with one product per select, value only ("minimal").
    case tree
    /// CrypTen's `log_reduction` `max(dim)` with its argmax and random tie-breaks.
    case cryptenLogReduction = "crypten-log-reduction"
    /// The tree, then one more comparison and select against the reduction's initial
    /// value, as SPU runs `jnp.max` (`reduce` with `initial = −inf`, a `less`/`select` reducer).
    case jaxTree = "jax-tree"
    /// No maximum: exp on the raw logits (valid only when logits are bounded, e.g. by a
    /// LayerNorm'd input and small weights).
    case none

    /// The row maximum by this method ([..., 1]); nil for `.none`.
    func maximum<B: ArithmeticBackend>(_ x: B.Value, on b: B) -> B.Value? {
        switch self {
        case .backend: b.maximum(x, alongAxis: -1)
        case .tree: b.treeMaximum(x)
        case .cryptenLogReduction: b.cryptenLogReductionMaximum(x).value
        case .jaxTree: b.withInitialValue(b.treeMaximum(x))
        case .none: nil
        }
    }
}

/// Where softmax divides by the row sum.
public enum SoftmaxDivision: String, Sendable, CaseIterable {
    /// One reciprocal per row, times the row (the product opens the row's reciprocal once).
    case perRow = "per-row"
    /// One reciprocal per row, broadcast to the row before the product (which then opens it
    /// per element): SPU with `enable_optimize_denominator_with_broadcast`.
    case perRowBroadcast = "per-row-broadcast"
    /// Each element divided by its broadcast row sum: SPU's default `divide`.
    case elementwise
}

/// Standard softmax: m = max(x), e = exp(x − m), s = Σe, e · (1/s).
public struct StandardSoftmax: NonlinearApproximation {
    public let exp: any NonlinearApproximation
    public let reciprocal: any NonlinearApproximation
    public let maxMethod: MaxMethod
    public let inputRange: Interval
    public let division: SoftmaxDivision
    public var function: String { "softmax" }
    public var method: String { "max-exp(\(exp.method))-" + (division == .elementwise ? "div" : "recip") + "(\(reciprocal.method))" }
    public var isRowwise: Bool { true }

    public init(exp: any NonlinearApproximation, reciprocal: any NonlinearApproximation, maxMethod: MaxMethod = .backend,
                range: Interval = Interval(uncheckedLower: -16, upper: 16), division: SoftmaxDivision = .perRow) {
        self.exp = exp
        self.reciprocal = reciprocal
        self.maxMethod = maxMethod
        inputRange = range
        self.division = division
    }

    public var parameters: ApproximationParameters {
        ApproximationParameters(iterations: reciprocal.parameters.iterations,
                                notes: ["max \(maxMethod.rawValue)", "exp \(exp.method) \(exp.parameters.notes.first ?? "")",
                                        "reciprocal \(reciprocal.method) on \(reciprocal.inputRange)"])
    }

    public func reference(_ x: Tensor<Double>) -> Tensor<Double> { RowOps.mapRows(x, exactSoftmax) }

    public func evaluate<B: ArithmeticBackend>(_ x: B.Value, on b: B) -> B.Value { evaluate(x, rowMask: nil, on: b) }

    /// With a public 0/1 mask ([T × T]), masked scores are first lowered by the input
    /// range's width (a public additive mask, as CrypTen's attention masks do), so for
    /// in-range inputs the row maximum is that of the unmasked entries and row i never
    /// depends on later tokens; the exponentials of masked entries are then zeroed.
    func evaluate<B: ArithmeticBackend>(_ x: B.Value, rowMask mask: Tensor<Double>?, on b: B) -> B.Value {
        let width = inputRange.upper - inputRange.lower
        let lowered = mask.map { b.addPublic(x, $0.map { $0 == 0 ? -width : 0 }) } ?? x
        let shifted = b.scope("max") { maxMethod.maximum(lowered, on: b).map { b.subtract(lowered, $0) } ?? lowered }
        let e = b.scope("exp") { RowOps.masked(exp.evaluate(shifted, on: b), by: mask, on: b) }
        switch division {
        case .perRow: return RowOps.dividedByRowSum(e, reciprocal: reciprocal, on: b)
        case .perRowBroadcast: return RowOps.dividedByRowSum(e, reciprocal: reciprocal, broadcastFirst: true, on: b)
        case .elementwise: return RowOps.dividedElementwiseByRowSum(e, reciprocal: reciprocal, on: b)
        }
    }

    public func outOfRangeCount(_ x: Tensor<Double>) -> Int {
        RowOps.countRows(x) { row in
            let m = maxMethod == .none ? 0 : (row.max() ?? 0)
            let shifted = row.map { $0 - m }
            let s = shifted.reduce(0) { $0 + exponential($1) }
            return shifted.contains { !exp.inputRange.contains($0) } || !reciprocal.inputRange.contains(s)
                || row.contains { !inputRange.contains($0) }
        }
    }
}

/// MPCFormer's 2Quad: (x + c)² / Σ (x + c)² (Li et al., ICLR 2023; c = 5 in its code).
public struct QuadSoftmax: NonlinearApproximation {
    public let shift: Double
    public let reciprocal: any NonlinearApproximation
    public let inputRange: Interval
    public var function: String { "2quad" }
    public var method: String { "quad-recip(\(reciprocal.method))" }
    public var isRowwise: Bool { true }

    public init(shift: Double = 5, reciprocal: any NonlinearApproximation, range: Interval = Interval(uncheckedLower: -16, upper: 16)) {
        self.shift = shift
        self.reciprocal = reciprocal
        inputRange = range
    }

    public var parameters: ApproximationParameters {
        ApproximationParameters(iterations: reciprocal.parameters.iterations, notes: ["c = \(shift)", "reciprocal \(reciprocal.method) on \(reciprocal.inputRange)"])
    }

    public func reference(_ x: Tensor<Double>) -> Tensor<Double> {
        RowOps.mapRows(x) { row in
            let q = row.map { ($0 + shift) * ($0 + shift) }
            let s = q.reduce(0, +)
            return q.map { $0 / s }
        }
    }

    public func evaluate<B: ArithmeticBackend>(_ x: B.Value, on b: B) -> B.Value { evaluate(x, rowMask: nil, on: b) }

    func evaluate<B: ArithmeticBackend>(_ x: B.Value, rowMask mask: Tensor<Double>?, on b: B) -> B.Value {
        let q = b.scope("quad") { RowOps.masked(b.square(b.addConstant(x, shift)), by: mask, on: b) }
        return RowOps.dividedByRowSum(q, reciprocal: reciprocal, on: b)
    }

    public func outOfRangeCount(_ x: Tensor<Double>) -> Int {
        RowOps.countRows(x) { row in
            !reciprocal.inputRange.contains(row.reduce(0) { $0 + ($1 + shift) * ($1 + shift) }) || row.contains { !inputRange.contains($0) }
        }
    }
}

/// ReLU-softmax (MPCFormer's 2ReLU): relu(x) / (ε + Σ relu(x)).
public struct ReLUSoftmax: NonlinearApproximation {
    public let relu: ReLUApproximation
    public let reciprocal: any NonlinearApproximation
    public let epsilon: Double
    public let inputRange: Interval
    public var function: String { "relu-softmax" }
    public var method: String { "relu(\(relu.method))-recip(\(reciprocal.method))" }
    public var isRowwise: Bool { true }

    public init(relu: ReLUApproximation = ReLUApproximation(), reciprocal: any NonlinearApproximation, epsilon: Double = 0,
                range: Interval = Interval(uncheckedLower: -16, upper: 16)) {
        self.relu = relu
        self.reciprocal = reciprocal
        self.epsilon = epsilon
        inputRange = range
    }

    public var parameters: ApproximationParameters {
        ApproximationParameters(iterations: reciprocal.parameters.iterations, notes: ["ε = \(epsilon)", "reciprocal \(reciprocal.method) on \(reciprocal.inputRange)"])
    }

    public func reference(_ x: Tensor<Double>) -> Tensor<Double> {
        RowOps.mapRows(x) { row in
            let r = row.map { max($0, 0) }
            let s = r.reduce(0, +) + epsilon
            return r.map { s > 0 ? $0 / s : 0 }
        }
    }

    public func evaluate<B: ArithmeticBackend>(_ x: B.Value, on b: B) -> B.Value { evaluate(x, rowMask: nil, on: b) }

    func evaluate<B: ArithmeticBackend>(_ x: B.Value, rowMask mask: Tensor<Double>?, on b: B) -> B.Value {
        let r = b.scope("relu") { RowOps.masked(relu.evaluate(x, on: b), by: mask, on: b) }
        return RowOps.dividedByRowSum(r, epsilon: epsilon, reciprocal: reciprocal, on: b)
    }

    public func outOfRangeCount(_ x: Tensor<Double>) -> Int {
        RowOps.countRows(x) { row in
            !reciprocal.inputRange.contains(row.reduce(0) { $0 + max($1, 0) } + epsilon) || row.contains { !inputRange.contains($0) }
        }
    }
}
