import Approximation
import Arithmetic
import Homomorphic
import Backend
import CostModel
import Tensors
import Transformer
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
    /// Totals per event kind ("mul", "a2b", "matmul", …): what a compute model prices.
    public var byKind: [ScopeCost] = []
    /// Homomorphic runs: depth and operation counts.
    public var homomorphic: HomomorphicStatistics?
    /// The profile computes the exact function (an analytic step without a value method):
    /// the error is re-sharing's, not the protocol's approximation.
    public var errorIsIdeal = false
    /// Runs over a real transport: the parties' socket counters and wall time.
    public var measured: MeasuredExecution?
    /// Wall seconds of the two-party part in this process (not reported; see `RunReport.partySeconds`).
    public var partySeconds: Double?
}

/// What a CKKS run spent.
public struct HomomorphicStatistics: Sendable {
    /// Multiplicative depth of the computation (levels it needs without bootstrapping).
    public var depth: Int
    /// Levels the output ciphertext has consumed.
    public var levelsUsed: Int
    public var bootstraps: Int
    /// Operation counts, in ciphertexts.
    public var ciphertextMultiplications: Int
    public var plaintextMultiplications: Int
    public var rotations: Int
    public var rescales: Int
    /// The first problem (out of levels, overflow), if any.
    public var failure: String?
}

extension HomomorphicStatistics {
    /// The statistics of a CKKS run of multiplicative depth `depth` whose output is `y`:
    /// products counted in ciphertexts from the backend's ledger.
    init(depth: Int, output y: CKKSTensor, totals: CostTotals, backend: CKKSBackend) {
        let events = backend.ledger.events
        func count(_ kind: String) -> Int { events.filter { $0.kind == kind }.reduce(0) { $0 + $1.elements } }
        self.init(depth: depth, levelsUsed: y.level, bootstraps: totals.bootstraps, ciphertextMultiplications: count("ct-mult"),
                  plaintextMultiplications: count("pt-mult"), rotations: totals.rotations, rescales: totals.rescales,
                  failure: backend.failure?.description)
    }
}

/// Runs one catalog function share-level under a profile.
public enum OperationRunner {
    /// - Parameters:
    ///   - op: a catalog function name (`ApproximationCatalog.methods`).
    ///   - shape: the input shape; row functions act along its last axis.
    ///   - inputRange: where inputs are drawn (uniformly, seeded); defaults to the method's range.
    /// - Throws: `ApproximationError` for unknown ops or bad ranges, `TwoPartyError` for engine settings.
    ///   `RunError.countersOverflow` when a cost passes 2^62.
    public static func run(op: String, shape: [Int], profile: ProtocolProfile, network: NetworkModel,
                           inputRange: Interval? = nil, seed: UInt64 = 1, hosting: PartyHosting = .threads) throws -> OperationReport {
        let report = try measured(op: op, shape: shape, profile: profile, network: network, inputRange: inputRange, seed: seed, hosting: hosting)
        let saturated = report.totals.saturatedCounters
        guard saturated.isEmpty else { throw RunError.countersOverflow(saturated) }
        return report
    }

    static func measured(op: String, shape: [Int], profile: ProtocolProfile, network: NetworkModel,
                         inputRange: Interval?, seed: UInt64, hosting: PartyHosting) throws -> OperationReport {
        guard !shape.isEmpty, shape.allSatisfy({ $0 > 0 }) else {
            throw ApproximationError.invalidParameter("shape \(shape) must have positive extents")
        }
        if op == "matmul" {
            return try matmul(shape: shape, profile: profile, network: network, inputRange: inputRange, seed: seed, hosting: hosting)
        }
        guard let count = Tensor<Double>.checkedElementCount(shape), count <= 50_000_000 else {
            throw ApproximationError.invalidParameter("shape \(shape) has more than 50 million elements")
        }
        let approximation: any NonlinearApproximation = try PrimitiveOperation(op) ?? profile.approximation(for: op, length: shape.last ?? 1)
        let range = inputRange ?? defaultInputs(for: op, approximation)
        var g = UniformInputs(seed: seed)
        let x = try Tensor(shape: shape, element: { _ in g.next(in: range) })
        var settings = profile.settings
        settings.seed = seed
        if let ckks = profile.ckks {
            let backend = try ckks.backend(seed: seed)
            var (report, y) = measure(op, approximation, x, range, on: backend, ledger: backend.ledger, profile: profile, network: network)
            let counter = OperationCounter()
            let traced = approximation.evaluate(counter.input(shape: approximation.isRowwise ? [1, shape.last ?? 1] : [1]), on: counter)
            report.homomorphic = HomomorphicStatistics(depth: traced.depth, output: y, totals: report.totals, backend: backend)
            return report
        }
        if let q = profile.fieldModulus {
            // Shares over a prime field: native words below 2^62, GMP above.
            let comparison = settings.comparisonCost ?? AnalyticCost(), equality = settings.equalityCost ?? AnalyticCost()
            if let word = q.exactUInt64, word < (1 << 62) {
                let backend = try FieldTwoPartyBackend(ring: WordModulusRing(modulus: word), fractionalBits: settings.fractionalBits,
                                                       comparisonCost: comparison, equalityCost: equality,
                                                       truncationCost: settings.truncationCost, seed: seed,
                                                       ledger: CostLedger(computeModel: settings.compute))
                return measure(op, approximation, x, range, on: backend, ledger: backend.ledger, profile: profile, network: network).report
            }
            let backend = try FieldTwoPartyBackend(ring: BigModulusRing(modulus: q), fractionalBits: settings.fractionalBits,
                                                   comparisonCost: comparison, equalityCost: equality,
                                                   truncationCost: settings.truncationCost, seed: seed,
                                                   ledger: CostLedger(computeModel: settings.compute))
            return measure(op, approximation, x, range, on: backend, ledger: backend.ledger, profile: profile, network: network).report
        }
        nonisolated(unsafe) let shared = approximation
        return withPartySeconds(try hosting.run(settings: settings) { engine in
            let backend = TwoPartyBackend(engine: engine, profileName: profile.name)
            return measure(op, shared, x, range, on: backend, ledger: engine.ledger, profile: profile, network: network).report
        })
    }

    /// Shares `x`, runs the approximation under a scope named after the op, and reports
    /// costs from `ledger` and the error against the exact function; also returns the
    /// private output (CKKS reads its level).
    static func measure<B: ArithmeticBackend>(_ op: String, _ approximation: any NonlinearApproximation, _ x: Tensor<Double>,
                                              _ range: Interval, on backend: B, ledger: CostLedger, profile: ProtocolProfile,
                                              network: NetworkModel) -> (report: OperationReport, output: B.Value) {
        let shared = backend.input(x)
        ledger.reset()
        let y = ledger.scope(op) {
            recordInvocation(ledger)
            return approximation.evaluate(shared, on: backend)
        }
        let result = backend.reveal(y)
        let exact = approximation.reference(x)
        var maxError = 0.0, sumError = 0.0
        for (a, e) in zip(result.scalars, exact.scalars) {
            let d = abs(a - e)
            let err = d.isNaN ? Double.infinity : d
            maxError = max(maxError, err)
            sumError += err
        }
        let totals = ledger.totals()
        var report = OperationReport(
            op: op, shape: x.shape, protocolName: profile.name, network: network, method: approximation.method, inputRange: range,
            totals: totals, latency: network.latency(of: totals), maxAbsoluteError: maxError,
            meanAbsoluteError: sumError / Double(max(result.count, 1)), outOfRange: approximation.outOfRangeCount(x),
            breakdown: ledger.totalsByPath().map { OperationReport.ScopeCost(scope: $0.name, totals: $0.totals) }, homomorphic: nil,
            errorIsIdeal: approximation.computesExactValues)
        report.byKind = kindTotals(ledger)
        return (report, y)
    }

    /// `shape` [T, d, d']: X [T×d] (private, the client's) times W [d×d'] (the server's
    /// weights, uniform in ±1/√d) by the profile's linear-layer model. [B, T, d, d']: B
    /// independent products of two private operands, [B, T, d] · [B, d, d'] (attention's
    /// per-head QKᵀ and A·V), by the backend's private × private product.
    static func matmul(shape: [Int], profile: ProtocolProfile, network: NetworkModel, inputRange: Interval?, seed: UInt64,
                       hosting: PartyHosting = .threads) throws -> OperationReport {
        guard shape.count == 3 || shape.count == 4 else {
            throw ApproximationError.invalidParameter("matmul takes --shape TxDxD' (activation × weights) or BxTxDxD' (B private × private products), got \(shape)")
        }
        let b = shape.count == 4 ? shape[0] : 1, t = shape[shape.count - 3], d = shape[shape.count - 2], dOut = shape[shape.count - 1]
        let sizes = [[b, t, d], [b, d, dOut], [b, t, dOut]].map { Tensor<Double>.checkedElementCount($0) }
        guard sizes.allSatisfy({ ($0 ?? .max) <= 50_000_000 }) else {
            throw ApproximationError.invalidParameter("matmul \(shape) has an operand or result of more than 50 million elements")
        }
        let range = try inputRange ?? Interval(-1, 1)
        var g = UniformInputs(seed: seed)
        let private2 = shape.count == 4
        let x = try Tensor(shape: private2 ? [b, t, d] : [t, d], element: { _ in g.next(in: range) })
        let bound = 1 / Double(d).squareRoot()
        let weights = try Interval(-bound, bound)
        let w = try Tensor(shape: private2 ? [b, d, dOut] : [d, dOut], element: { _ in g.next(in: private2 ? range : weights) })
        let exact = try x.matmul(w)
        if let ckks = profile.ckks {
            let backend = try CKKSBackend(parameters: ckks.parameters, latency: ckks.latency, seed: seed)
            let (report, y) = measureMatmul(shape, x, w, exact: exact, private2: private2, range: range, method: backend.packing.rawValue,
                                            on: backend, ledger: backend.ledger, profile: profile, network: network)
            var r = report
            r.homomorphic = HomomorphicStatistics(depth: 1, output: y, totals: r.totals, backend: backend)
            return r
        }
        guard profile.fieldModulus == nil else {
            throw TwoPartyError.unsupported("matmul over a prime field (the matrix-triple path runs on Z/2^k)")
        }
        var settings = profile.settings
        settings.seed = seed
        let linearMethod = switch profile.linear {
        case .beaver: "beaver"
        case .homomorphic: "homomorphic"
        case .analytic: "analytic"
        }
        let method = private2 ? "beaver" : linearMethod
        return withPartySeconds(try hosting.run(settings: settings) { engine in
            let backend = TwoPartyBackend(engine: engine, profileName: profile.name)
            backend.linearModel = profile.linear
            return measureMatmul(shape, x, w, exact: exact, private2: private2, range: range, method: method,
                                 on: backend, ledger: engine.ledger, profile: profile, network: network).report
        })
    }

    /// Runs one matmul on `backend` under the scope "matmul" and reports its costs and error.
    static func measureMatmul<B: ModelBackend>(_ shape: [Int], _ x: Tensor<Double>, _ w: Tensor<Double>, exact: Tensor<Double>, private2: Bool,
                                               range: Interval, method: String, on backend: B, ledger: CostLedger, profile: ProtocolProfile,
                                               network: NetworkModel) -> (report: OperationReport, output: B.Value) {
        let left = backend.input(x)
        let right = private2 ? backend.input(w) : nil
        ledger.reset()
        let y = ledger.scope("matmul") {
            recordInvocation(ledger)
            return right.map { backend.privateMatmul(left, $0) }
                ?? backend.linear(left, WeightMatrix(rows: w.shape[0], columns: w.shape[1]) { w })
        }
        let result = backend.reveal(y)
        let errors = zip(result.scalars, exact.scalars).map { abs($0 - $1) }
        let totals = ledger.totals()
        var report = OperationReport(op: "matmul", shape: shape, protocolName: profile.name, network: network, method: method, inputRange: range,
                                     totals: totals, latency: network.latency(of: totals), maxAbsoluteError: errors.max() ?? 0,
                                     meanAbsoluteError: errors.reduce(0, +) / Double(max(errors.count, 1)), outOfRange: 0,
                                     breakdown: ledger.totalsByPath().map { OperationReport.ScopeCost(scope: $0.name, totals: $0.totals) },
                                     homomorphic: nil)
        report.byKind = kindTotals(ledger)
        return (report, y)
    }

    /// The report of a two-party run with the wall time of its two-party part.
    static func withPartySeconds(_ run: (result: OperationReport, engine: TwoPartyEngine, seconds: Double)) -> OperationReport {
        var r = run.result
        r.partySeconds = run.seconds
        return r
    }

    /// One run of one operation: the peer's fixed cost of starting a computation (SPU
    /// dispatching an executable), which a compute model prices per `invocation` event.
    /// A whole model is one invocation too, and this milliseconds-size cost is left out there.
    static func recordInvocation(_ ledger: CostLedger) {
        ledger.record(CostEvent(kind: "invocation"))
    }

    static func kindTotals(_ ledger: CostLedger) -> [OperationReport.ScopeCost] {
        ledger.totals(by: \.kind).map { OperationReport.ScopeCost(scope: $0.name, totals: $0.totals) }
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
