import Backend
import Tensors

/// A nonlinearity computed by a protocol PISim does not execute (SIGMA's lookup tables,
/// BumbleBee's OT-based GELU…): the value is the exact function at the backend's
/// precision, the cost the profile's cited formula.
public struct AnalyticApproximation: NonlinearApproximation {
    /// The catalog entry whose exact function, range and row structure this stands for.
    public let base: any NonlinearApproximation
    public let cost: AnalyticCost

    public init(base: any NonlinearApproximation, cost: AnalyticCost) {
        self.base = base
        self.cost = cost
    }

    public var function: String { base.function }
    public var method: String { "analytic" }
    public var inputRange: Interval { base.inputRange }
    public var isRowwise: Bool { base.isRowwise }

    public var parameters: ApproximationParameters {
        ApproximationParameters(notes: [
            "value: exact \(base.function) at the protocol's precision; cost from the profile's formula",
            "per element \(cost.bitsPerElement) bits, per row \(cost.bitsPerRow) bits, \(cost.rounds) + \(cost.roundsPerLog2Row)·⌈log2 n⌉ rounds",
        ])
    }

    public func reference(_ x: Tensor<Double>) -> Tensor<Double> { base.reference(x) }

    public func evaluate<B: ArithmeticBackend>(_ x: B.Value, on b: B) -> B.Value {
        b.analytic(x, kind: base.function, cost: cost) { base.reference($0) }
    }

    public func outOfRangeCount(_ x: Tensor<Double>) -> Int { base.outOfRangeCount(x) }
}
