import Approximation
import Arithmetic
import Backend
import CostModel
import Foundation
import Homomorphic
import Tensors
import Transformer
import TwoParty

/// One private-inference run: a model, an architecture, a protocol profile, a network.
public struct RunRequest: Sendable {
    public var model: ModelShape
    public var architecture: Architecture
    public var profile: ProtocolProfile
    public var network: NetworkModel
    public var tokens: Int
    public var ffnKeep: Int?
    public var includeEmbeddings: Bool
    /// Causal (decoder) attention: token t attends to tokens ≤ t.
    public var causalMask: Bool
    /// The attention nonlinearity, when not the architecture's own ("2quad", "relu-softmax").
    public var attention: String?
    /// B: sequences per forward pass.
    public var batch = 1
    /// Tokens generated after the prefill, one decode step each with the KV cache.
    public var generate = 0
    /// B·T: rows of the hidden state.
    public var rows: Int { batch * tokens }
    /// Real weights (nil: seeded GPT-2-scale weights from `seed`).
    public var weightFile: WeightFile?
    /// Where the two parties of an executed two-party run compute (not part of the scenario:
    /// the same costs and values every way; `pisim run --transport`).
    public var hosting: PartyHosting = .threads
    public var seed: UInt64

    public init(model: ModelShape, architecture: Architecture, profile: ProtocolProfile, network: NetworkModel, tokens: Int,
                ffnKeep: Int? = nil, includeEmbeddings: Bool = true, causalMask: Bool = true, seed: UInt64 = 1) {
        self.model = model
        self.architecture = architecture
        self.profile = profile
        self.network = network
        self.tokens = tokens
        self.ffnKeep = ffnKeep
        self.includeEmbeddings = includeEmbeddings
        self.causalMask = causalMask
        self.seed = seed
    }
}

/// Costs of a run, in total, per nonlinearity and per layer, and the error against the
/// plaintext model with the same approximations' exact functions.
public struct RunReport: Sendable {
    public struct Part: Sendable, Codable, Equatable {
        public var name: String
        public var totals: CostTotals
        public var latency: LatencyBreakdown
    }

    public var request: RunRequest
    public var totals: CostTotals
    public var latency: LatencyBreakdown
    /// One row per nonlinearity, then "linear" and "transfer" (`ModelRunner.parts`): the
    /// rows sum to `totals`.
    public var byNonlinearity: [Part]
    public var byLayer: [Part]
    /// max |output − exact model output| (logits, or the last hidden state without embeddings).
    public var maxAbsoluteError: Double
    public var meanAbsoluteError: Double
    /// CKKS runs: the first failure (out of levels, overflow), if any.
    public var failure: String?
    /// Execute fidelity: per-nonlinearity and per-layer errors (nil for estimates).
    public var accuracy: AccuracyReport?
    /// Runs over a real transport: the parties' socket counters and wall time.
    public var measured: MeasuredExecution?
    /// Runs that generate tokens: the prefill's costs and the decode steps' (the two sum to `totals`).
    public var generation: Generation?
    /// Wall seconds of the two-party part in this process (not reported: it varies run to
    /// run; `pisim party` puts it in `measured`).
    public var partySeconds: Double?

    public var fidelity: Fidelity { accuracy == nil ? .estimate : .execute }

    /// The costs of generating tokens, split by phase.
    public struct Generation: Sendable {
        /// K: decode steps (tokens generated after the prefill).
        public var steps: Int
        public var prefill: Part
        /// All K decode steps together; `perToken` is their mean.
        public var decode: Part
        /// The mean decode step: bytes, rounds and seconds of `decode` over K (rounded
        /// counters; the latency divided exactly).
        public var perToken: Part {
            var t = decode.totals
            let k = max(steps, 1)
            for kp in [\CostTotals.bytes, \.fullDuplexBytes, \.rounds, \.batchedRounds, \.multiplications, \.offlineBytes, \.elements,
                       \.operations, \.rotations, \.bootstraps, \.rescales, \.multiplyAccumulates] as [WritableKeyPath<CostTotals, Int>] {
                t[keyPath: kp] = (t[keyPath: kp] + k / 2) / k
            }
            t.bytesSent = t.bytesSent.map { ($0 + k / 2) / k }
            t.batchedRoundTrips /= Double(k)
            t.roundTripsSequential /= Double(k)
            t.computeSeconds /= Double(k)
            var l = decode.latency
            l.roundTrips /= Double(k)
            l.transfer /= Double(k)
            l.compute /= Double(k)
            return Part(name: "per token", totals: t, latency: l)
        }
    }

    /// Each nonlinearity's own error by name (empty for estimates).
    public var errorsByNonlinearity: [String: AccuracyReport.Nonlinearity] {
        Dictionary(uniqueKeysWithValues: (accuracy?.byNonlinearity ?? []).map { ($0.name, $0) })
    }
}

/// Runs a transformer share-level / ciphertext-level ("execute" fidelity).
public enum ModelRunner {
    /// The nonlinearity scope names reports group by.
    public static let nonlinearities = Set(ModelConfiguration.attentionFunctions + ["layernorm", "rmsnorm", "gelu", "silu", "relu", "tanh"])

    /// The model configuration with the profile's approximations, or (`exact`) with each
    /// replaced by its exact function.
    public static func configuration(_ r: RunRequest, exact: Bool) throws -> ModelConfiguration {
        var config = ModelConfiguration(shape: r.model, architecture: r.architecture, tokens: r.tokens, ffnKeep: r.ffnKeep,
                                        includeEmbeddings: r.includeEmbeddings, causalMask: r.causalMask, attention: r.attention,
                                        approximations: [:])
        config.batch = r.batch
        config.generate = r.generate
        try config.shape.validate()
        try config.validateSizes()
        for f in config.requiredFunctions {
            let isNorm = f == config.normFunction
            config.approximations[f] = try r.profile.approximation(for: f, length: config.rowLength(of: f),
                                                                   epsilon: isNorm ? r.model.design.normEpsilon : nil)
        }
        try config.validate()
        return exact ? exactVersion(of: config) : config
    }

    /// The same configuration with every nonlinearity replaced by its exact function.
    static func exactVersion(of config: ModelConfiguration) -> ModelConfiguration {
        var exact = config
        exact.approximations = config.approximations.mapValues { ExactFunction(base: $0) }
        return exact
    }

    /// - Throws: configuration errors (`TransformerError`, `ApproximationError`, `TwoPartyError`, `CKKSError`).
    /// `progress` is called after each block with (blocks done, blocks).
    public static func execute(_ r: RunRequest, progress: ((Int, Int) -> Void)? = nil) throws -> RunReport {
        let weights = try modelWeights(r)
        let approximate = try configuration(r, exact: false)
        let model = TransformerModel(configuration: approximate, weights: weights)
        let recorder = AccuracyRecorder(approximations: approximate.approximations, attentionFunction: approximate.attention)
        let exactModel = TransformerModel(configuration: exactVersion(of: approximate), weights: weights)
        let inputs = try inputRows(r)
        var trace = [NonlinearityCall]()
        // The exact reference runs on its own thread beside the private run; the comparisons
        // that need its values (hidden states, attention KL) wait for it (`finishDeferred`).
        let referenceRun = ReferenceRun(approximations: approximate.approximations, attentionFunction: approximate.attention) { observe in
            let plain = PlaintextBackend()
            var referenceTrace = [NonlinearityCall]()
            return joined(passes(exactModel, inputs, on: plain, trace: &referenceTrace, progress: nil, observe: observe))
        }
        recorder.defersReferenceComparisons = true

        let ledger: CostLedger
        let output: Tensor<Double>
        var failure: String?
        var partySeconds: Double?
        if let ckks = r.profile.ckks {
            let b = try ckks.backend(seed: r.seed)
            output = joined(ckksForward(model, inputs: inputs, on: b, trace: &trace, progress: progress, observe: recorder.observe).map(b.reveal))
            ledger = b.ledger
            failure = b.failure?.description
        } else {
            var settings = r.profile.settings
            settings.seed = r.seed
            // Each party runs the whole forward pass on its own view; party 0 reports and
            // observes the errors, party 1 joins every reconstruction (its observer is mute).
            nonisolated(unsafe) let reporter = recorder
            let run = try r.hosting.run(settings: settings) { engine -> Tensor<Double> in
                let b = TwoPartyBackend(engine: engine, profileName: r.profile.name)
                b.linearModel = r.profile.linear
                let shared = inputs.map { b.input($0) }
                engine.ledger.reset()
                var partyTrace = [NonlinearityCall]()
                let reports = engine.view.holds(0)
                // Over a real transport every reconstruction for a per-nonlinearity error
                // would be traffic on the link the run measures: only the output is revealed.
                let observe: ForwardObserver? = r.hosting.execution == .tcp ? nil : reports ? reporter.observe : { _ in }
                let outputs = passes(model, shared, on: b, trace: &partyTrace, progress: reports ? progress : nil, observe: observe)
                return joined(outputs.map(b.reveal))
            }
            output = run.result
            ledger = run.engine.ledger
            partySeconds = run.seconds
        }
        let reference = referenceRun.wait()
        recorder.finishDeferred(reference: referenceRun.recorder)
        let errors = zip(output.scalars, reference.scalars).map { abs($0 - $1) }
        var report = try report(r, ledger: ledger, maxAbsoluteError: errors.max() ?? 0,
                                meanAbsoluteError: errors.reduce(0, +) / Double(max(errors.count, 1)), failure: failure, accuracy: recorder.report)
        report.partySeconds = partySeconds
        return report
    }

    /// The client's inputs, drawn from the seed: the prefill's rows, then one row per
    /// sequence for each decode step. Token ids become one-hot rows (the next token is
    /// drawn, not the argmax of the last logits, so that the private run and the exact
    /// reference read the same tokens); patches are uniform in [−1, 1] with each sequence's
    /// first row zero (the class token's place); without embeddings, hidden states in [−1, 1].
    static func inputRows(_ r: RunRequest) throws -> [Tensor<Double>] {
        var g = UniformInputs(seed: r.seed)
        let width = r.includeEmbeddings ? r.model.inputWidth : r.model.width
        func rows(_ n: Int) throws -> Tensor<Double> {
            guard r.includeEmbeddings, r.model.design.input == .tokens else {
                var t = try Tensor(shape: [n, width], element: { _ in g.next(in: try Interval(-1, 1)) })
                if r.includeEmbeddings {
                    var scalars = t.scalars
                    for s in stride(from: 0, to: n, by: max(n / max(r.batch, 1), 1)) { for j in 0..<width { scalars[s * width + j] = 0 } }
                    t = Tensor(uncheckedShape: [n, width], scalars: scalars)
                }
                return t
            }
            var oneHot = [Double](repeating: 0, count: n * width)
            for t in 0..<n { oneHot[t * width + Int(g.next(in: try Interval(0, Double(width) - 0.5)))] = 1 }
            return Tensor(uncheckedShape: [n, width], scalars: oneHot)
        }
        return try [rows(r.rows)] + (0..<r.generate).map { _ in try rows(r.batch) }
    }

    /// `inputRows`' shapes without values (estimate fidelity).
    static func shapeOnlyInputs(_ r: RunRequest) -> [Tensor<Double>] {
        let width = r.includeEmbeddings ? r.model.inputWidth : r.model.width
        return [Tensor<Double>(uncheckedShape: [r.rows, width], scalars: [])]
            + Array(repeating: Tensor<Double>(uncheckedShape: [r.batch, width], scalars: []), count: r.generate)
    }

    /// The prefill of `inputs[0]`, then a decode step per further input (each under the
    /// scope "decode", reading and extending the KV cache); each pass's output. One path for
    /// every backend: the private run, the exact reference and the estimate.
    /// `progress` counts blocks over every pass; a decode step's errors are observed per
    /// nonlinearity only (its hidden states and attention rows are not the prefill's).
    static func passes<B: ModelBackend>(_ model: TransformerModel, _ inputs: [B.Value], on b: B, trace: inout [NonlinearityCall],
                                        progress: ((Int, Int) -> Void)?, observe: ForwardObserver?) -> [B.Value] {
        let layers = model.configuration.shape.layers, total = layers * inputs.count
        var cache: KeyValueCache<B.Value>? = inputs.count > 1 ? KeyValueCache(layers: layers) : nil
        let stepObserver: ForwardObserver? = observe.map { observe in
            { event in
                if case let .nonlinearity(function, _, input, output, mask) = event {
                    observe(.nonlinearity(function: function, layer: nil, input: input, output: output, mask: mask))
                }
            }
        }
        var outputs = [B.Value]()
        for (step, x) in inputs.enumerated() {
            func pass() -> B.Value {
                let position = cache?.length ?? 0
                let events = step == 0 ? observe : stepObserver
                let h = model.configuration.includeEmbeddings ? model.embed(x, position: position, on: b, trace: &trace, observe: events) : x
                return model.forward(h, on: b, trace: &trace, cache: &cache, progress: progress.map { p in { done, _ in p(step * layers + done, total) } },
                                     observe: events)
            }
            outputs.append(step == 0 ? pass() : b.scope("decode") { pass() })
        }
        return outputs
    }

    /// The outputs of every pass, flattened into one row-major tensor [n] (for errors).
    static func joined(_ outputs: [Tensor<Double>]) -> Tensor<Double> {
        let scalars = outputs.flatMap(\.scalars)
        return outputs.count == 1 ? outputs[0] : Tensor(uncheckedShape: [scalars.count], scalars: scalars)
    }

    /// The request's weights: its file (checked against the shape and the context length)
    /// or seeded ones.
    ///
    /// - Throws: `TransformerError.invalidOption` when the file does not fit.
    public static func modelWeights(_ r: RunRequest) throws(TransformerError) -> ModelWeights {
        guard let file = r.weightFile else { return ModelWeights(shape: r.model, seed: r.seed) }
        let w = try ModelWeights(shape: r.model, file: file)
        if let p = w.maximumPositions, r.tokens > p {
            throw .invalidOption("\(file.path) has position embeddings for \(p) tokens; the run asks for \(r.tokens)")
        }
        return w
    }

    /// Client → server encrypted inputs, the prefill and decode steps, server → client
    /// encrypted outputs.
    static func ckksForward(_ model: TransformerModel, inputs: [Tensor<Double>], on b: CKKSBackend, trace: inout [NonlinearityCall],
                            progress: ((Int, Int) -> Void)?, observe: ForwardObserver?) -> [CKKSTensor] {
        let xs = inputs.map { b.input($0) }
        b.ledger.reset()
        func transfer(_ v: CKKSTensor, step: Int, from party: Int) {
            if step == 0 { b.scope("transfer") { b.transfer(v, from: party) } } else { b.scope("decode") { b.scope("transfer") { b.transfer(v, from: party) } } }
        }
        for (i, x) in xs.enumerated() { transfer(x, step: i, from: 0) }
        let ys = passes(model, xs, on: b, trace: &trace, progress: progress, observe: observe)
        for (i, y) in ys.enumerated() { transfer(y, step: i, from: 1) }
        return ys
    }

    /// Every event on one row: the nonlinearity whose scope it ran in, else "transfer" (CKKS
    /// input and output ciphertexts), else "linear" (matmuls, embeddings, the vocabulary
    /// projection, residual additions and public products with their truncations).
    /// Nonlinearities first, in order of appearance, then linear and transfer, so the rows
    /// sum to the total.
    static func parts(_ ledger: CostLedger) -> [(name: String, totals: CostTotals)] {
        let rows = ledger.totals { e in e.scope.first(where: nonlinearities.contains) ?? (e.scope.contains("transfer") ? "transfer" : "linear") }
        return rows.filter { !otherParts.contains($0.name) } + otherParts.compactMap { name in rows.first { $0.name == name } }
    }

    /// The rows of `parts` that are not nonlinearities.
    public static let otherParts = ["linear", "transfer"]

    /// - Throws: `RunError.countersOverflow` when a total reached `CostTotals.saturationLimit`.
    static func report(_ r: RunRequest, ledger: CostLedger, maxAbsoluteError: Double, meanAbsoluteError: Double, failure: String?,
                       accuracy: AccuracyReport?) throws(RunError) -> RunReport {
        let totals = ledger.totals()
        let saturated = totals.saturatedCounters
        guard saturated.isEmpty else { throw .countersOverflow(saturated) }
        func part(_ p: (name: String, totals: CostTotals)) -> RunReport.Part {
            RunReport.Part(name: p.name, totals: p.totals, latency: r.network.latency(of: p.totals))
        }
        // A decode step's events are under "decode", then the block's scope: per block, both phases.
        let byLayer = ledger.totals { e in e.scope.first == "decode" ? e.scope.dropFirst().first : e.scope.first }
        var report = RunReport(request: r, totals: totals, latency: r.network.latency(of: totals),
                               byNonlinearity: parts(ledger).map(part), byLayer: byLayer.map(part),
                               maxAbsoluteError: maxAbsoluteError, meanAbsoluteError: meanAbsoluteError, failure: failure, accuracy: accuracy)
        if r.generate > 0 {
            let decode = ledger.totals(under: ["decode"])
            let prefill = CostTotals(ledger.events.filter { $0.scope.first != "decode" })
            report.generation = RunReport.Generation(steps: r.generate, prefill: part(("prefill", prefill)), decode: part(("decode", decode)))
        }
        return report
    }
}

extension ModelRunner {
    /// "Estimate" fidelity: the same forward pass on shape-only values; costs identical to
    /// `execute` (tested), no values, no error. Z/2^k two-party and CKKS profiles.
    public static func estimate(_ r: RunRequest) throws -> RunReport {
        guard r.profile.fieldModulus == nil else {
            throw TwoPartyError.unsupported("estimate fidelity for prime-field profiles; use execute")
        }
        let model = TransformerModel(configuration: try configuration(r, exact: false), weights: try modelWeights(r))
        var trace = [NonlinearityCall]()
        let inputs = shapeOnlyInputs(r)
        if let ckks = r.profile.ckks {
            let b = try ckks.backend(seed: r.seed, tracksValues: false)
            _ = ckksForward(model, inputs: inputs, on: b, trace: &trace, progress: nil, observe: nil)
            return try report(r, ledger: b.ledger, maxAbsoluteError: .nan, meanAbsoluteError: .nan, failure: nil, accuracy: nil)
        }
        var settings = r.profile.settings
        settings.seed = r.seed
        let b = try TwoPartyEstimator(settings: settings)
        b.linearModel = r.profile.linear
        _ = passes(model, inputs.map { b.input($0) }, on: b, trace: &trace, progress: nil, observe: nil)
        return try report(r, ledger: b.ledger, maxAbsoluteError: .nan, meanAbsoluteError: .nan, failure: nil, accuracy: nil)
    }
}

/// A catalog entry replaced by its exact function (for the plaintext reference model).
struct ExactFunction: NonlinearApproximation {
    let base: any NonlinearApproximation
    var function: String { base.function }
    var method: String { "exact" }
    var inputRange: Interval { base.inputRange }
    var parameters: ApproximationParameters { ApproximationParameters() }
    var isRowwise: Bool { base.isRowwise }
    func reference(_ x: Tensor<Double>) -> Tensor<Double> { base.reference(x) }
    func evaluate<B: ArithmeticBackend>(_ x: B.Value, on backend: B) -> B.Value {
        backend.analytic(x, kind: function, cost: AnalyticCost()) { base.reference($0) }
    }
}

extension ExactFunction: MaskableRowFunction {
    func reference(_ x: Tensor<Double>, mask: Tensor<Double>) -> Tensor<Double> {
        (base as? any MaskableRowFunction)?.reference(x, mask: mask) ?? base.reference(x)
    }

    func evaluate<B: ArithmeticBackend>(_ x: B.Value, mask: Tensor<Double>, on backend: B) -> B.Value {
        backend.analytic(x, kind: function, cost: AnalyticCost()) { reference($0, mask: mask) }
    }
}

/// A run that cannot be reported.
public enum RunError: Error, Equatable, CustomStringConvertible {
    /// Counters at or past 2^62 (`CostTotals.saturationLimit`): the figures would not be exact.
    case countersOverflow([String])
    /// An execute run estimated to need more memory than the limit.
    case memory(estimate: MemoryEstimate, limit: Int)
    /// A compute calibration that cannot be done (no entries, a malformed entry, no model).
    case calibration(String)
    /// A shard selection or a set of parts to merge that does not fit together.
    case shard(String)

    public var description: String {
        switch self {
        case let .shard(why): why
        case let .calibration(why): "compute calibration: \(why)"
        case let .memory(estimate, limit):
            String(format: "an execute run of this size needs about %.1f GB (mostly the %@), over the %.1f GB limit; ", Double(estimate.bytes) / 1e9,
                   estimate.dominantTerm, Double(limit) / 1e9)
                + "run fewer layers or tokens, --fidelity estimate (the same costs from shapes), or raise the limit with --max-memory"
        case let .countersOverflow(names):
            "the run's \(names.joined(separator: ", ")) exceed 2^62, past what PISim counts exactly; reduce the tokens, batch, layers or the profile's per-element costs"
        }
    }
}
