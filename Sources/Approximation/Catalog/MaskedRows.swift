import Backend
import Tensors

/// Row functions that honour a public 0/1 mask on their last two axes (a causal mask):
/// masked entries get weight 0 and are left out of the row's normalisation, as if the row
/// held only the unmasked entries. The mask is public, so applying it is a local product
/// on shares and an integer plaintext product (no level) on ciphertexts.
public protocol MaskableRowFunction: NonlinearApproximation {
    /// The exact masked function.
    func reference(_ x: Tensor<Double>, mask: Tensor<Double>) -> Tensor<Double>
    /// The approximation with `mask` ([T × T], broadcast over leading axes) applied.
    func evaluate<B: ArithmeticBackend>(_ x: B.Value, mask: Tensor<Double>, on b: B) -> B.Value
}

/// The causal mask [T × T]: 1 where column ≤ row.
public func causalMask(tokens t: Int) -> Tensor<Double> {
    var m = [Double](repeating: 0, count: t * t)
    for i in 0..<t { for j in 0...i { m[i * t + j] = 1 } }
    return Tensor(uncheckedShape: [t, t], scalars: m)
}

extension RowOps {
    /// Applies `f(row, maskRow)` to each row; the mask's rows repeat over the leading axes.
    static func mapRows(_ x: Tensor<Double>, mask: Tensor<Double>, _ f: ([Double], ArraySlice<Double>) -> [Double]) -> Tensor<Double> {
        let n = max(x.shape.last ?? 1, 1), maskRows = max(mask.count / n, 1)
        var out = [Double]()
        out.reserveCapacity(x.count)
        for (i, r) in stride(from: 0, to: x.count, by: n).enumerated() {
            let m = (i % maskRows) * n
            out += f(Array(x.scalars[r..<(r + n)]), mask.scalars[m..<(m + n)])
        }
        return Tensor(uncheckedShape: x.shape, scalars: out)
    }

    /// An exact row function restricted to the unmasked entries; masked entries are 0.
    static func maskedRows(_ x: Tensor<Double>, mask: Tensor<Double>, _ f: ([Double]) -> [Double]) -> Tensor<Double> {
        mapRows(x, mask: mask) { row, m in
            let kept = zip(row, m).filter { $0.1 != 0 }.map(\.0)
            var values = f(kept)[...]
            return m.map { $0 != 0 ? values.popFirst() ?? 0 : 0 }
        }
    }

    /// 1 / (unmasked entries) per row of `mask`, as a [T × 1] public tensor.
    static func inverseRowCounts(_ mask: Tensor<Double>) -> Tensor<Double> {
        let n = max(mask.shape.last ?? 1, 1)
        let counts = stride(from: 0, to: mask.count, by: n).map { r in mask.scalars[r..<(r + n)].reduce(0, +) }
        return Tensor(uncheckedShape: [counts.count, 1], scalars: counts.map { 1 / max($0, 1) })
    }
}

extension StandardSoftmax: MaskableRowFunction {
    public func reference(_ x: Tensor<Double>, mask: Tensor<Double>) -> Tensor<Double> { RowOps.maskedRows(x, mask: mask, exactSoftmax) }

    /// Masked scores are first lowered by the input range's width (a public additive mask,
    /// as CrypTen's attention masks do), so for in-range inputs the row maximum is that of
    /// the unmasked entries and row i never depends on later tokens; the exponentials of
    /// masked entries are then zeroed by the 0/1 mask.
    public func evaluate<B: ArithmeticBackend>(_ x: B.Value, mask: Tensor<Double>, on b: B) -> B.Value {
        let width = inputRange.upper - inputRange.lower
        let lowered = b.addPublic(x, mask.map { $0 == 0 ? -width : 0 })
        let shifted = b.scope("max") { maxMethod.maximum(lowered, on: b).map { b.subtract(lowered, $0) } ?? lowered }
        let e = b.scope("exp") { b.multiplyPublic(exp.evaluate(shifted, on: b), mask) }
        return RowOps.dividedByRowSum(e, reciprocal: reciprocal, on: b)
    }
}

extension QuadSoftmax: MaskableRowFunction {
    public func reference(_ x: Tensor<Double>, mask: Tensor<Double>) -> Tensor<Double> { RowOps.maskedRows(x, mask: mask) { reference(Tensor(uncheckedShape: [$0.count], scalars: $0)).scalars } }

    public func evaluate<B: ArithmeticBackend>(_ x: B.Value, mask: Tensor<Double>, on b: B) -> B.Value {
        let q = b.scope("quad") { b.multiplyPublic(b.square(b.addConstant(x, shift)), mask) }
        return RowOps.dividedByRowSum(q, reciprocal: reciprocal, on: b)
    }
}

extension ReLUSoftmax: MaskableRowFunction {
    public func reference(_ x: Tensor<Double>, mask: Tensor<Double>) -> Tensor<Double> { RowOps.maskedRows(x, mask: mask) { reference(Tensor(uncheckedShape: [$0.count], scalars: $0)).scalars } }

    public func evaluate<B: ArithmeticBackend>(_ x: B.Value, mask: Tensor<Double>, on b: B) -> B.Value {
        let r = b.scope("relu") { b.multiplyPublic(relu.evaluate(x, on: b), mask) }
        return RowOps.dividedByRowSum(r, epsilon: epsilon, reciprocal: reciprocal, on: b)
    }
}

extension PowerSoftmax: MaskableRowFunction {
    /// Row lengths are the unmasked counts (the mean variant averages over the tokens a
    /// row may attend to).
    public func reference(_ x: Tensor<Double>, mask: Tensor<Double>) -> Tensor<Double> { RowOps.maskedRows(x, mask: mask) { reference(Tensor(uncheckedShape: [$0.count], scalars: $0)).scalars } }

    public func evaluate<B: ArithmeticBackend>(_ x: B.Value, mask: Tensor<Double>, on b: B) -> B.Value {
        evaluate(x, rowMask: mask, on: b)
    }
}

extension AnalyticApproximation: MaskableRowFunction {
    public func reference(_ x: Tensor<Double>, mask: Tensor<Double>) -> Tensor<Double> {
        (base as? any MaskableRowFunction)?.reference(x, mask: mask) ?? base.reference(x)
    }

    /// The profile's cost for the full rows (protocols compute the masked entries too).
    public func evaluate<B: ArithmeticBackend>(_ x: B.Value, mask: Tensor<Double>, on b: B) -> B.Value {
        b.analytic(x, kind: base.function, cost: cost) { reference($0, mask: mask) }
    }
}
