import Backend
import Tensors

/// Shared pieces of row-wise functions.
enum RowOps {
    /// Sum along the last axis, keeping it.
    static func rowSum<B: ArithmeticBackend>(_ x: B.Value, on b: B) -> B.Value { b.sum(x, alongAxis: -1) }

    /// Row length (the last extent).
    static func rowLength<B: ArithmeticBackend>(_ x: B.Value, on b: B) -> Int { b.shape(of: x).last ?? 1 }

    /// numerator / (ε + Σ numerator) per row, with one reciprocal per row and a broadcast
    /// product (the "one division per row" of every softmax variant).
    /// With `broadcastFirst` the reciprocal is broadcast to the row's shape (locally) before
    /// the product, as XLA's `broadcast_in_dim` materialises it, so the product opens it
    /// per element.
    static func dividedByRowSum<B: ArithmeticBackend>(_ numerator: B.Value, epsilon: Double = 0,
                                                      reciprocal: any NonlinearApproximation, broadcastFirst: Bool = false,
                                                      on b: B) -> B.Value {
        let inverse = b.scope("reciprocal") {
            let sum = rowSum(numerator, on: b)
            return reciprocal.evaluate(epsilon == 0 ? sum : b.addConstant(sum, epsilon), on: b)
        }
        return b.scope("normalize") { b.multiply(numerator, broadcastFirst ? broadcast(inverse, like: numerator, on: b) : inverse) }
    }

    /// `x` ([..., 1]) broadcast to `like`'s shape by adding a public zero (local).
    static func broadcast<B: ArithmeticBackend>(_ x: B.Value, like: B.Value, on b: B) -> B.Value {
        let shape = b.shape(of: like)
        return b.addPublic(x, Tensor(uncheckedShape: shape, scalars: [Double](repeating: 0, count: shape.reduce(1, *))))
    }

    /// numerator / Σ numerator with the sum broadcast to every element and divided there:
    /// SPU's `divide(x, broadcast(sum))`. A division method (`SPUGoldschmidtReciprocal`)
    /// divides directly; any other reciprocal runs per element and multiplies.
    static func dividedElementwiseByRowSum<B: ArithmeticBackend>(_ numerator: B.Value, reciprocal: any NonlinearApproximation,
                                                                 on b: B) -> B.Value {
        b.scope("divide") {
            let denominator = broadcast(rowSum(numerator, on: b), like: numerator, on: b)
            if let division = reciprocal as? SPUGoldschmidtReciprocal { return division.divide(numerator, by: denominator, on: b) }
            return b.multiply(numerator, reciprocal.evaluate(denominator, on: b))
        }
    }

    /// Applies a row function to each row of a Double tensor.
    static func mapRows(_ x: Tensor<Double>, _ f: ([Double]) -> [Double]) -> Tensor<Double> {
        let n = x.shape.last ?? 1
        var out = [Double]()
        out.reserveCapacity(x.count)
        for r in stride(from: 0, to: x.count, by: max(n, 1)) { out += f(Array(x.scalars[r..<(r + n)])) }
        return (try? Tensor(shape: x.shape, scalars: out)) ?? x
    }

    /// Counts rows for which `isOutside(row)` holds.
    static func countRows(_ x: Tensor<Double>, _ isOutside: ([Double]) -> Bool) -> Int {
        let n = max(x.shape.last ?? 1, 1)
        return stride(from: 0, to: x.count, by: n).reduce(0) { $0 + (isOutside(Array(x.scalars[$1..<($1 + n)])) ? 1 : 0) }
    }
}

/// LayerNorm of each row without affine parameters: (x − μ)/√(σ² + ε), with μ and σ² the
/// row mean and variance and the inverse square root approximated by `inverseSqrt`
/// (its range must cover σ² + ε).
public struct LayerNormApproximation: NonlinearApproximation {
    public let inverseSqrt: any NonlinearApproximation
    public let epsilon: Double
    public let inputRange: Interval
    /// LayerNorm subtracts the row mean first; RMSNorm (Zhang & Sennrich 2019, LLaMA) does
    /// not: x / √(mean(x²) + ε).
    public let centred: Bool
    public var function: String { centred ? "layernorm" : "rmsnorm" }
    public var method: String { "invsqrt-\(inverseSqrt.method)" }
    public var isRowwise: Bool { true }

    public init(inverseSqrt: any NonlinearApproximation, epsilon: Double = 1e-5, range: Interval = Interval(uncheckedLower: -16, upper: 16),
                centred: Bool = true) {
        self.inverseSqrt = inverseSqrt
        self.epsilon = epsilon
        inputRange = range
        self.centred = centred
    }

    public var parameters: ApproximationParameters {
        var p = inverseSqrt.parameters
        p.notes.insert("ε = \(epsilon); inverse sqrt \(inverseSqrt.method) on \(inverseSqrt.inputRange)", at: 0)
        return p
    }

    /// The row's mean (0 for RMSNorm) and its mean square about it, plus ε.
    func moments(_ row: ArraySlice<Double>) -> (mean: Double, variance: Double) {
        let mu = centred ? row.reduce(0, +) / Double(row.count) : 0
        return (mu, row.reduce(0) { $0 + ($1 - mu) * ($1 - mu) } / Double(row.count) + epsilon)
    }

    public func reference(_ x: Tensor<Double>) -> Tensor<Double> {
        RowOps.mapRows(x) { row in
            let (mu, v) = moments(row[...])
            return row.map { ($0 - mu) / v.squareRoot() }
        }
    }

    public func evaluate<B: ArithmeticBackend>(_ x: B.Value, on b: B) -> B.Value {
        let n = Double(RowOps.rowLength(x, on: b))
        let (d, variance) = b.scope("variance") {
            let d = centred ? b.subtract(x, b.multiplyConstant(RowOps.rowSum(x, on: b), 1 / n)) : x
            return (d, b.addConstant(b.multiplyConstant(RowOps.rowSum(b.square(d), on: b), 1 / n), epsilon))
        }
        let inverse = b.scope("inv-sqrt") { inverseSqrt.evaluate(variance, on: b) }
        return b.scope("normalize") { b.multiply(d, inverse) }
    }

    public func outOfRangeCount(_ x: Tensor<Double>) -> Int {
        RowOps.countRows(x) { row in
            let v = moments(row[...]).variance
            return !inverseSqrt.inputRange.contains(v) || row.contains { !inputRange.contains($0) }
        }
    }
}
