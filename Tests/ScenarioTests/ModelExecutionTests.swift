import Testing
import Approximation
import Arithmetic
import Backend
import CostModel
import Homomorphic
import Tensors
import Transformer
import TwoParty
@testable import Scenario

/// A tiny model run end to end on each execution backend against the plaintext reference.
@Suite("Transformer on the execution backends")
struct ModelExecutionTests {
    static let shape = ModelShape(name: "tiny", layers: 2, heads: 2, width: 16, ffnWidth: 64, vocabulary: 32)

    func model(_ architecture: Architecture, profile: ProtocolProfile, tokens: Int = 8) throws -> TransformerModel {
        var approximations = [String: any NonlinearApproximation]()
        let config0 = ModelConfiguration(shape: Self.shape, architecture: architecture, tokens: tokens, includeEmbeddings: false, approximations: [:])
        for f in config0.requiredFunctions { approximations[f] = try profile.approximation(for: f, length: f == "layernorm" ? Self.shape.width : tokens) }
        var config = config0
        config.approximations = approximations
        try config.validate()
        return TransformerModel(configuration: config, weights: ModelWeights(shape: Self.shape, seed: 3, standardDeviation: 0.1))
    }

    func hidden(tokens: Int = 8) throws -> Tensor<Double> {
        try Tensor(shape: [tokens, Self.shape.width], element: { Double(($0 * 37) % 23) / 23 - 0.5 })
    }

    /// CrypTen profile, share-level: the output matches the same approximations in the clear
    /// within fixed-point error, and the ledger has per-layer and per-nonlinearity costs.
    @Test func twoPartyBaselineMatchesPlaintext() throws {
        let profile = try ProtocolProfile.load("crypten")
        let m = try model(.baseline, profile: profile)
        let x = try hidden()
        let plain = PlaintextBackend()
        var trace = [NonlinearityCall]()
        let reference = m.forward(x, on: plain, trace: &trace)
        let engine = try TwoPartyEngine(settings: profile.settings)
        let backend = TwoPartyBackend(engine: engine, profileName: profile.name)
        backend.linearModel = profile.linear
        let shared = backend.input(x)
        engine.ledger.reset()
        trace = []
        let y = backend.reveal(m.forward(shared, on: backend, trace: &trace))
        let worst = zip(y.scalars, reference.scalars).map { abs($0 - $1) }.max() ?? .infinity
        #expect(worst < 0.02)
        let byLayer = engine.ledger.totals(byScopeComponent: 0)
        #expect(byLayer.map(\.name).prefix(2) == ["layer0", "layer1"])
        let byNonlinearity = engine.ledger.totals(byNames: ["softmax", "layernorm", "gelu"])
        #expect(Set(byNonlinearity.map(\.name)) == ["softmax", "layernorm", "gelu"])
        // CrypTen softmax rows of 8: the measured accounting per row times H·T rows per layer.
        let softmaxBytes = byNonlinearity.first { $0.name == "softmax" }!.totals.bytes
        #expect(softmaxBytes == 2 * 2 * 8 * 12_240)
    }

    /// Power-Softmax blocks on CKKS equal their plaintext reference (same approximations)
    /// within the error bootstrapping brings: each bootstrap refreshes values to 2^−18 of the
    /// largest magnitude, and the following polynomials (degree-59 GELU, degree-27 inverse
    /// square root) amplify it; the noise model is off, so rounding adds nothing visible.
    @Test func powerSoftmaxOnCKKS() throws {
        let profile = try ProtocolProfile.load("ckks-openfhe")
        let m = try model(.powerSoftmax, profile: profile)
        let x = try hidden()
        var trace = [NonlinearityCall]()
        let reference = m.forward(x, on: PlaintextBackend(), trace: &trace)
        let ckks = try #require(profile.ckks)
        let backend = try CKKSBackend(parameters: ckks.parameters, latency: ckks.latency)
        trace = []
        let y = backend.reveal(m.forward(backend.input(x), on: backend, trace: &trace))
        #expect(backend.failure == nil)
        let worst = zip(y.scalars, reference.scalars).map { abs($0 - $1) }.max() ?? .infinity
        #expect(worst < 0.01)
        #expect(backend.ledger.totals().bootstraps > 0)   // two layers need more than 28 levels
    }

    @Test func clearFixedPointAERO() throws {
        let profile = try ProtocolProfile.load("crypten")
        let m = try model(.aero, profile: profile)
        let x = try hidden()
        var trace = [NonlinearityCall]()
        let reference = m.forward(x, on: PlaintextBackend(), trace: &trace)
        let format = try FixedPointFormat(ring: PowerOfTwoRing.z64, fractionalBits: 16)
        let fixed = FixedPointBackend(format: format, truncation: .floor)
        trace = []
        let y = fixed.reveal(m.forward(fixed.input(x), on: fixed, trace: &trace))
        let worst = zip(y.scalars, reference.scalars).map { abs($0 - $1) }.max() ?? .infinity
        #expect(worst < 0.01)
        #expect(trace.allSatisfy { $0.function == "softmax" })
    }
}

@Suite("pisim run (execute)")
struct ModelRunnerTests {
    @Test func runReportsPerNonlinearityAndLayer() throws {
        let shape = ModelShape(name: "tiny", layers: 2, heads: 2, width: 16, ffnWidth: 64, vocabulary: 40)
        let request = RunRequest(model: shape, architecture: .baseline, profile: try ProtocolProfile.load("crypten"), network: .wan,
                                 tokens: 8, includeEmbeddings: true, seed: 5)
        let r = try ModelRunner.execute(request)
        #expect(r.byNonlinearity.map(\.name) == ["layernorm", "softmax", "gelu", "linear"])
        // Every event is on one row: the rows sum to the total, counter by counter.
        let sum = CostTotals(r.byNonlinearity.map { CostEvent(kind: $0.name, bytesSent: $0.totals.bytesSent, rounds: $0.totals.rounds,
                                                              multiplications: $0.totals.multiplications, offlineBytes: $0.totals.offlineBytes) })
        #expect(sum.bytes == r.totals.bytes && sum.bytesSent == r.totals.bytesSent && sum.rounds == r.totals.rounds
                && sum.multiplications == r.totals.multiplications && sum.offlineBytes == r.totals.offlineBytes)
        #expect(abs(r.byNonlinearity.reduce(0) { $0 + $1.latency.total } - r.latency.total) < 1e-9 * r.latency.total)
        #expect(r.byLayer.map(\.name).contains("layer0") && r.byLayer.map(\.name).contains("embedding") && r.byLayer.map(\.name).contains("lm-head"))
        #expect(r.totals.bytes == r.byLayer.reduce(0) { $0 + $1.totals.bytes })
        // Against the exact model (erf GELU, exact softmax and LayerNorm): the crypten profile's
        // degree-8 GELU (max error ≈ 0.1 on [−8, 8]) dominates what reaches the logits.
        #expect(r.maxAbsoluteError > 0 && r.maxAbsoluteError < 0.5)
        // Same request, same seed: the same numbers.
        let again = try ModelRunner.execute(request)
        #expect(again.totals == r.totals && again.maxAbsoluteError == r.maxAbsoluteError)
    }
}

@Suite("Estimate fidelity")
struct EstimateTests {
    /// Shape-only costs equal the executed engine's, for every two-party profile and several
    /// architectures (tiny model, embeddings included).
    @Test(arguments: ["crypten", "crypten-minimal", "spu-semi2k", "spu-cheetah", "bumblebee", "sigma"])
    func estimateEqualsExecute(profileName: String) throws {
        let shape = ModelShape(name: "tiny", layers: 2, heads: 2, width: 16, ffnWidth: 64, vocabulary: 24)
        for architecture in [Architecture.baseline, .smR, .aero, .powerSoftmax] {
            let request = RunRequest(model: shape, architecture: architecture, profile: try ProtocolProfile.load(profileName),
                                     network: .wan, tokens: 8, ffnKeep: architecture == .aero ? 1 : nil, seed: 2)
            let executed = try ModelRunner.execute(request), estimated = try ModelRunner.estimate(request)
            #expect(estimated.totals == executed.totals, "\(profileName) \(architecture.rawValue)")
            #expect(estimated.byNonlinearity.map(\.totals) == executed.byNonlinearity.map(\.totals))
        }
    }

    /// A full 12-layer GPT-2 at T = 512 is costed in well under a second.
    @Test func fullModelEstimateIsFast() throws {
        let request = RunRequest(model: try ModelShape.preset("gpt2-small"), architecture: .baseline,
                                 profile: try ProtocolProfile.load("crypten"), network: .wan, tokens: 512)
        let start = ContinuousClock.now
        let r = try ModelRunner.estimate(request)
        let elapsed = ContinuousClock.now - start
        #expect(elapsed < .seconds(1))
        #expect(r.byNonlinearity.first { $0.name == "softmax" }?.totals.bytes == 12 * 12 * 512 * 682_032)
        #expect(r.totals.rounds > 0)
    }
}
