import Approximation
import Backend
import CostModel
import Tensors
import TwoParty

/// Cost and error of one operation on one shape under one protocol profile.
public struct OperationReport: Sendable {
    public struct ScopeCost: Sendable {
        public var scope: String
        public var totals: CostTotals
    }

    public var op: String
    public var shape: [Int]
    public var protocolName: String
    public var network: NetworkModel
    public var method: String
    public var inputRange: Interval
    public var totals: CostTotals
    public var latency: LatencyBreakdown
    public var maxAbsoluteError: Double
    public var meanAbsoluteError: Double
    public var outOfRange: Int
    public var breakdown: [ScopeCost]
}

/// Runs one catalog function share-level under a profile.
public enum OperationRunner {
    /// - Parameters:
    ///   - op: a catalog function name (`ApproximationCatalog.methods`).
    ///   - shape: the input shape; row functions act along its last axis.
    ///   - inputRange: where inputs are drawn (uniformly, seeded); defaults to the method's range.
    /// - Throws: `ApproximationError` for unknown ops or bad ranges, `TwoPartyError` for engine settings.
    public static func run(op: String, shape: [Int], profile: ProtocolProfile, network: NetworkModel,
                           inputRange: Interval? = nil, seed: UInt64 = 1) throws -> OperationReport {
        guard !shape.isEmpty, shape.allSatisfy({ $0 > 0 }) else {
            throw ApproximationError.invalidParameter("shape \(shape) must have positive extents")
        }
        guard shape.reduce(1, *) <= 50_000_000 else {
            throw ApproximationError.invalidParameter("shape \(shape) has more than 50 million elements")
        }
        let approximation = try profile.approximation(for: op, length: shape.last ?? 1)
        let range = inputRange ?? defaultInputs(for: op, approximation)
        var settings = profile.settings
        settings.seed = seed
        let engine = try TwoPartyEngine(settings: settings)
        let backend = TwoPartyBackend(engine: engine, profileName: profile.name)

        var g = UniformInputs(seed: seed)
        let x = try Tensor(shape: shape, element: { _ in g.next(in: range) })
        let shared = backend.input(x)
        engine.ledger.reset()
        let y = engine.ledger.scope(op) { approximation.evaluate(shared, on: backend) }
        let result = backend.reveal(y)
        let exact = approximation.reference(x)
        var maxError = 0.0, sumError = 0.0
        for (a, e) in zip(result.scalars, exact.scalars) {
            let d = abs(a - e)
            let err = d.isNaN ? Double.infinity : d
            maxError = max(maxError, err)
            sumError += err
        }
        let totals = engine.ledger.totals()
        return OperationReport(
            op: op, shape: shape, protocolName: profile.name, network: network, method: approximation.method, inputRange: range,
            totals: totals, latency: network.latency(of: totals), maxAbsoluteError: maxError,
            meanAbsoluteError: sumError / Double(max(result.count, 1)), outOfRange: approximation.outOfRangeCount(x),
            breakdown: engine.ledger.totalsByPath().map { OperationReport.ScopeCost(scope: $0.name, totals: $0.totals) })
    }

    /// Inputs a user would feed the function: its stated range, kept away from the pole of
    /// a reciprocal.
    static func defaultInputs(for op: String, _ a: any NonlinearApproximation) -> Interval {
        let r = a.inputRange
        if op == "reciprocal", r.contains(0) {
            return (try? Interval(0.5, min(max(r.upper, 1), 64))) ?? r
        }
        return r
    }
}

/// Seeded uniform inputs (SplitMix64).
struct UniformInputs {
    var state: UInt64
    init(seed: UInt64) { state = seed ^ 0x5EED }
    mutating func next(in r: Interval) -> Double {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        return r.lower + r.width * Double(z >> 11) / Double(1 << 53)
    }
}
