import Approximation
import Arithmetic
import Homomorphic
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
    /// Homomorphic runs: depth and operation counts.
    public var homomorphic: HomomorphicStatistics?
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
        if op == "matmul" {
            if let ckks = profile.ckks { return try homomorphicMatmul(shape: shape, profile: profile, ckks: ckks, network: network, seed: seed) }
            guard profile.fieldModulus == nil else {
                throw TwoPartyError.unsupported("matmul over a prime field (the matrix-triple path runs on Z/2^k)")
            }
            return try matmul(shape: shape, profile: profile, network: network, inputRange: inputRange, seed: seed)
        }
        guard shape.reduce(1, *) <= 50_000_000 else {
            throw ApproximationError.invalidParameter("shape \(shape) has more than 50 million elements")
        }
        let approximation = try profile.approximation(for: op, length: shape.last ?? 1)
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
            let events = backend.ledger.events
            func count(_ kind: String) -> Int { events.filter { $0.kind == kind }.reduce(0) { $0 + $1.elements } }
            report.homomorphic = HomomorphicStatistics(
                depth: traced.depth, levelsUsed: y.level, bootstraps: report.totals.bootstraps,
                ciphertextMultiplications: count("ct-mult"), plaintextMultiplications: count("pt-mult"),
                rotations: report.totals.rotations, rescales: report.totals.rescales, failure: backend.failure?.description)
            return report
        }
        if let q = profile.fieldModulus {
            // Shares over a prime field: native words below 2^62, GMP above.
            let comparison = settings.comparisonCost ?? AnalyticCost(), equality = settings.equalityCost ?? AnalyticCost()
            if let word = q.exactUInt64, word < (1 << 62) {
                let backend = try FieldTwoPartyBackend(ring: WordModulusRing(modulus: word), fractionalBits: settings.fractionalBits,
                                                       comparisonCost: comparison, equalityCost: equality,
                                                       truncationCost: settings.truncationCost, seed: seed)
                return measure(op, approximation, x, range, on: backend, ledger: backend.ledger, profile: profile, network: network).report
            }
            let backend = try FieldTwoPartyBackend(ring: BigModulusRing(modulus: q), fractionalBits: settings.fractionalBits,
                                                   comparisonCost: comparison, equalityCost: equality,
                                                   truncationCost: settings.truncationCost, seed: seed)
            return measure(op, approximation, x, range, on: backend, ledger: backend.ledger, profile: profile, network: network).report
        }
        let engine = try TwoPartyEngine(settings: settings)
        let backend = TwoPartyBackend(engine: engine, profileName: profile.name)
        return measure(op, approximation, x, range, on: backend, ledger: engine.ledger, profile: profile, network: network).report
    }

    /// Shares `x`, runs the approximation under a scope named after the op, and reports
    /// costs from `ledger` and the error against the exact function; also returns the
    /// private output (CKKS reads its level).
    static func measure<B: ArithmeticBackend>(_ op: String, _ approximation: any NonlinearApproximation, _ x: Tensor<Double>,
                                              _ range: Interval, on backend: B, ledger: CostLedger, profile: ProtocolProfile,
                                              network: NetworkModel) -> (report: OperationReport, output: B.Value) {
        let shared = backend.input(x)
        ledger.reset()
        let y = ledger.scope(op) { approximation.evaluate(shared, on: backend) }
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
        let report = OperationReport(
            op: op, shape: x.shape, protocolName: profile.name, network: network, method: approximation.method, inputRange: range,
            totals: totals, latency: network.latency(of: totals), maxAbsoluteError: maxError,
            meanAbsoluteError: sumError / Double(max(result.count, 1)), outOfRange: approximation.outOfRangeCount(x),
            breakdown: ledger.totalsByPath().map { OperationReport.ScopeCost(scope: $0.name, totals: $0.totals) }, homomorphic: nil)
        return (report, y)
    }

    /// X [T×d] (private, the client's) times W [d×d'] (the server's weights, uniform in
    /// ±1/√d), by the profile's linear-layer model. `shape` is [T, d, d'] or [B, T, d, d'].
    static func matmul(shape: [Int], profile: ProtocolProfile, network: NetworkModel, inputRange: Interval?, seed: UInt64) throws -> OperationReport {
        guard shape.count == 3 || shape.count == 4 else {
            throw ApproximationError.invalidParameter("matmul takes --shape TxDxD' or BxTxDxD', got \(shape)")
        }
        let t = shape.dropLast(2).reduce(1, *), d = shape[shape.count - 2], dOut = shape[shape.count - 1]
        guard t * d + d * dOut + t * dOut <= 50_000_000 else {
            throw ApproximationError.invalidParameter("matmul \(shape) has more than 50 million elements")
        }
        let range = try inputRange ?? Interval(-1, 1)
        var settings = profile.settings
        settings.seed = seed
        let engine = try TwoPartyEngine(settings: settings)
        var g = UniformInputs(seed: seed)
        let x = try Tensor(shape: [t, d], element: { _ in g.next(in: range) })
        let bound = 1 / Double(d).squareRoot()
        let weights = try Interval(-bound, bound)
        let w = try Tensor(shape: [d, dOut], element: { _ in g.next(in: weights) })
        let sx = engine.share(x), sw = engine.share(w)
        engine.ledger.reset()
        let product: SharedTensor = try engine.ledger.scope("matmul") {
            if let c = profile.linear.cost(t: t, d: d, dOut: dOut) {
                engine.channel.charge("matmul", elements: t * dOut, bytesSent: [c.client, c.server], rounds: c.rounds, offlineBytes: c.offline)
                // The ideal product at 2f fractional bits; HE outputs are then truncated by the
                // profile's truncation, analytic ones include it in their formula.
                let clear = try engine.reconstruct(sx).matmul(engine.reconstruct(sw))
                if case .homomorphic = profile.linear {
                    let raw = engine.share(clear.map { $0 * Double(sign: .plus, exponent: settings.fractionalBits, significand: 1) })
                    var r = raw
                    r.fractionalBits = 2 * settings.fractionalBits
                    return engine.truncated(r)
                }
                return engine.share(clear)
            }
            return try engine.matmul(sx, sw)
        }
        let result = engine.reconstruct(product)
        let exact = try x.matmul(w)
        var maxError = 0.0, sumError = 0.0
        for (a, e) in zip(result.scalars, exact.scalars) {
            maxError = max(maxError, abs(a - e))
            sumError += abs(a - e)
        }
        let totals = engine.ledger.totals()
        let method = switch profile.linear {
        case .beaver: "beaver"
        case .homomorphic: "homomorphic"
        case .analytic: "analytic"
        }
        return OperationReport(op: "matmul", shape: shape, protocolName: profile.name, network: network, method: method, inputRange: range,
                               totals: totals, latency: network.latency(of: totals), maxAbsoluteError: maxError,
                               meanAbsoluteError: sumError / Double(max(result.count, 1)), outOfRange: 0,
                               breakdown: engine.ledger.totalsByPath().map { OperationReport.ScopeCost(scope: $0.name, totals: $0.totals) },
                               homomorphic: nil)
    }

    /// X [T×d] encrypted times the server's plaintext W [d×d'] under the CKKS packing model.
    static func homomorphicMatmul(shape: [Int], profile: ProtocolProfile, ckks: CKKSProfile, network: NetworkModel, seed: UInt64) throws -> OperationReport {
        guard shape.count == 3 || shape.count == 4 else {
            throw ApproximationError.invalidParameter("matmul takes --shape TxDxD' or BxTxDxD', got \(shape)")
        }
        let t = shape.dropLast(2).reduce(1, *), d = shape[shape.count - 2], dOut = shape[shape.count - 1]
        let backend = try CKKSBackend(parameters: ckks.parameters, latency: ckks.latency, seed: seed)
        var g = UniformInputs(seed: seed)
        let range = try Interval(-1, 1), bound = 1 / Double(d).squareRoot()
        let weights = try Interval(-bound, bound)
        let x = try Tensor(shape: [t, d], element: { _ in g.next(in: range) })
        let w = try Tensor(shape: [d, dOut], element: { _ in g.next(in: weights) })
        let y = backend.ledger.scope("matmul") { backend.matmulPlaintext(backend.input(x), w) }
        let result = backend.reveal(y), exact = try x.matmul(w)
        let maxError = zip(result.scalars, exact.scalars).map { abs($0 - $1) }.max() ?? 0
        let totals = backend.ledger.totals()
        let events = backend.ledger.events
        func count(_ kind: String) -> Int { events.filter { $0.kind == kind }.reduce(0) { $0 + $1.elements } }
        return OperationReport(
            op: "matmul", shape: shape, protocolName: profile.name, network: network, method: backend.packing.rawValue, inputRange: range,
            totals: totals, latency: network.latency(of: totals), maxAbsoluteError: maxError, meanAbsoluteError: 0, outOfRange: 0,
            breakdown: backend.ledger.totalsByPath().map { OperationReport.ScopeCost(scope: $0.name, totals: $0.totals) },
            homomorphic: HomomorphicStatistics(depth: 1, levelsUsed: y.level, bootstraps: totals.bootstraps, ciphertextMultiplications: 0,
                                               plaintextMultiplications: count("pt-mult"), rotations: totals.rotations,
                                               rescales: totals.rescales, failure: backend.failure?.description))
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
