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

extension MaskableRowFunction {
    /// The exact function of each row's unmasked entries, 0 on masked ones.
    public func reference(_ x: Tensor<Double>, mask: Tensor<Double>) -> Tensor<Double> {
        RowOps.maskedRows(x, mask: mask) { reference(Tensor(uncheckedShape: [$0.count], scalars: $0)).scalars }
    }
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

    /// v ⊙ mask (a local public product), or v without a mask.
    static func masked<B: ArithmeticBackend>(_ v: B.Value, by mask: Tensor<Double>?, on b: B) -> B.Value {
        mask.map { b.multiplyPublic(v, $0) } ?? v
    }

    /// 1 / (unmasked entries) per row of `mask`, as a [T × 1] public tensor. A shape-only
    /// mask (estimate fidelity, no scalars) gives [T × 1] entries of ½: shape-only backends
    /// read only a public tensor's shape and whether it is integral, and 1/count is not.
    static func inverseRowCounts(_ mask: Tensor<Double>) -> Tensor<Double> {
        let n = max(mask.shape.last ?? 1, 1)
        if mask.scalars.isEmpty, let count = Tensor<Double>.checkedElementCount(mask.shape), count > 0 {
            return Tensor(uncheckedShape: [count / n, 1], repeating: 0.5)
        }
        let counts = stride(from: 0, to: mask.count, by: n).map { r in mask.scalars[r..<(r + n)].reduce(0, +) }
        return Tensor(uncheckedShape: [counts.count, 1], scalars: counts.map { 1 / max($0, 1) })
    }
}

// The four softmax variants implement `evaluate(_:rowMask:on:)` next to their unmasked
// form (Softmax.swift, PowerSoftmax.swift); the exact masked reference is the default.
extension StandardSoftmax: MaskableRowFunction {
    public func evaluate<B: ArithmeticBackend>(_ x: B.Value, mask: Tensor<Double>, on b: B) -> B.Value { evaluate(x, rowMask: mask, on: b) }
}

extension QuadSoftmax: MaskableRowFunction {
    public func evaluate<B: ArithmeticBackend>(_ x: B.Value, mask: Tensor<Double>, on b: B) -> B.Value { evaluate(x, rowMask: mask, on: b) }
}

extension ReLUSoftmax: MaskableRowFunction {
    public func evaluate<B: ArithmeticBackend>(_ x: B.Value, mask: Tensor<Double>, on b: B) -> B.Value { evaluate(x, rowMask: mask, on: b) }
}

/// Row lengths are the unmasked counts: the mean variant averages over the tokens a row may
/// attend to.
extension PowerSoftmax: MaskableRowFunction {
    public func evaluate<B: ArithmeticBackend>(_ x: B.Value, mask: Tensor<Double>, on b: B) -> B.Value { evaluate(x, rowMask: mask, on: b) }
}

extension AnalyticApproximation: MaskableRowFunction {
    public func reference(_ x: Tensor<Double>, mask: Tensor<Double>) -> Tensor<Double> {
        (base as? any MaskableRowFunction)?.reference(x, mask: mask) ?? base.reference(x)
    }

    /// The profile's cost for the full rows (protocols compute the masked entries too),
    /// or, with `maskedElementsOnly`, per-element terms for the unmasked lower triangle only
    /// ((n + 1)/2n of each causal row block; a shape-only mask is causal too).
    public func evaluate<B: ArithmeticBackend>(_ x: B.Value, mask: Tensor<Double>, on b: B) -> B.Value {
        let n = max(mask.shape.last ?? 1, 1)
        let charged = cost.maskedElementsOnly ? cost.scalingPerElement(by: Double(n + 1) / Double(2 * n)) : cost
        return b.analytic(x, kind: base.function, cost: charged) { x in
            guard !idealValues, let masked = base as? any MaskableRowFunction else { return reference(x, mask: mask) }
            return masked.evaluate(x, mask: mask, on: PlaintextBackend())
        }
    }
}
