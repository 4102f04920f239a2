import Backend
import Tensors

/// A nonlinearity computed by a protocol PISim does not execute (SIGMA's lookup tables,
/// BumbleBee's OT-based GELU…): the cost is the profile's cited formula; the value is
/// either the protocol's own approximation (`base`, run in the clear on the revealed
/// input, in Double: its approximation error without the protocol's quantisation) or,
/// when the profile names none (`idealValues`), the exact function — whose error is then
/// ideal (½ ulp after re-sharing), not the protocol's, and reports say so.
public struct AnalyticApproximation: NonlinearApproximation {
    /// The catalog entry whose range and row structure this stands for, and whose values
    /// it gives unless `idealValues`.
    public let base: any NonlinearApproximation
    public let cost: AnalyticCost
    /// The value is the exact function, not an approximation the protocol computes.
    public let idealValues: Bool

    public init(base: any NonlinearApproximation, cost: AnalyticCost, idealValues: Bool = true) {
        self.base = base
        self.cost = cost
        self.idealValues = idealValues
    }

    public var function: String { base.function }
    public var method: String { idealValues ? "analytic" : "analytic (values: \(base.method))" }
    public var inputRange: Interval { base.inputRange }
    public var isRowwise: Bool { base.isRowwise }
    public var computesExactValues: Bool { idealValues }

    public var parameters: ApproximationParameters {
        ApproximationParameters(notes: [
            idealValues ? "value: exact \(base.function) at the protocol's precision (ideal: the protocol's approximation error is not modelled); cost from the profile's formula"
                : "value: \(base.method) \(base.function) in the clear on the revealed input; cost from the profile's formula",
            "per element \(cost.bitsPerElement) bits, per row \(cost.bitsPerRow) bits, \(cost.rounds) + \(cost.roundsPerLog2Row)·⌈log2 n⌉ rounds",
        ])
    }

    public func reference(_ x: Tensor<Double>) -> Tensor<Double> { base.reference(x) }

    /// The value the protocol outputs for the revealed input `x`.
    func value(_ x: Tensor<Double>) -> Tensor<Double> {
        idealValues ? base.reference(x) : base.evaluate(x, on: PlaintextBackend())
    }

    public func evaluate<B: ArithmeticBackend>(_ x: B.Value, on b: B) -> B.Value {
        b.analytic(x, kind: base.function, cost: cost) { value($0) }
    }

    public func outOfRangeCount(_ x: Tensor<Double>) -> Int { base.outOfRangeCount(x) }
}
