import Testing
import Approximation
import Backend
import Tensors
@testable import Transformer

/// Exact nonlinearities (the catalog's reference functions, applied in the clear).
func exactApproximations() throws -> [String: any NonlinearApproximation] {
    var out = [String: any NonlinearApproximation]()
    for f in ["softmax", "power-softmax", "layernorm", "gelu", "relu"] {
        var o = ApproximationOptions()
        o.method = "analytic"
        o.analyticCost = AnalyticCost()
        out[f] = try ApproximationCatalog.make(f, o)
    }
    return out
}

@Suite("Transformer blocks")
struct TransformerModelTests {
    /// The paper's accounting (AERO, arXiv 2410.13060): per forward pass over T tokens,
    /// softmax L·H instances of T×T, LayerNorm 2L of T×d, activation L of T×4d; AERO keeps
    /// only the softmaxes. (The baseline's final LayerNorm is reported on its own.)
    @Test(arguments: Architecture.allCases)
    func nonlinearityCountsFollowThePaper(architecture: Architecture) throws {
        let shape = try ModelShape.preset("gpt2-small")
        let t = 128
        let config = ModelConfiguration(shape: shape, architecture: architecture, tokens: t, approximations: try exactApproximations())
        try config.validate()
        let model = TransformerModel(configuration: config, weights: ModelWeights(shape: shape, seed: 1))
        let counter = OperationCounter()
        var trace = [NonlinearityCall]()
        _ = model.forward(counter.input(shape: [t, shape.width]), on: counter, trace: &trace)
        let inBlocks = trace.filter { $0.layer != nil }
        let attention = inBlocks.filter { $0.function == architecture.attentionFunction }
        #expect(attention.count == shape.layers && attention.allSatisfy { $0.shape == [shape.heads, t, t] })
        #expect(attention.reduce(0) { $0 + $1.shape[0] } == shape.layers * shape.heads)   // 144 instances of 128×128
        let layerNorms = inBlocks.filter { $0.function == "layernorm" }
        #expect(layerNorms.count == (architecture.hasLayerNorm ? 2 * shape.layers : 0))
        #expect(layerNorms.allSatisfy { $0.shape == [t, shape.width] })
        let activations = inBlocks.filter { $0.function == "gelu" || $0.function == "relu" }
        #expect(activations.count == (architecture.activation == .none ? 0 : shape.layers))
        #expect(activations.allSatisfy { $0.shape == [t, shape.ffnWidth] })
        #expect(trace.filter { $0.layer == nil }.count == (architecture.hasLayerNorm ? 1 : 0))
    }

    /// Without an activation, W_out(W_in x) = (W_in·W_out) x: the fused AERO FFN gives the
    /// same output as the unfused scaled FFN.
    @Test func fusedFFNEqualsUnfused() throws {
        let shape = ModelShape(name: "tiny", layers: 2, heads: 2, width: 8, ffnWidth: 32, vocabulary: 16)
        let weights = ModelWeights(shape: shape, seed: 7, standardDeviation: 0.2)
        let b = PlaintextBackend()
        let x = try Tensor(shape: [4, 8], element: { Double($0 % 5) / 5 - 0.4 })
        func run(_ a: Architecture) throws -> Tensor<Double> {
            let config = ModelConfiguration(shape: shape, architecture: a, tokens: 4, includeEmbeddings: false, ffnScaleAlpha: 2,
                                            approximations: try exactApproximations())
            var trace = [NonlinearityCall]()
            return TransformerModel(configuration: config, weights: weights).forward(x, on: b, trace: &trace)
        }
        let unfused = try run(.sm), fused = try run(.aero)
        for (u, f) in zip(unfused.scalars, fused.scalars) { #expect(abs(u - f) < 1e-12) }
        #expect(unfused.scalars != x.scalars)
    }

    @Test func ffnPruningKeepsTheFirstK() throws {
        let shape = try ModelShape.preset("gpt2-small")
        var config = ModelConfiguration(shape: shape, architecture: .aero, tokens: 16, ffnKeep: 6, approximations: try exactApproximations())
        try config.validate()
        let model = TransformerModel(configuration: config, weights: ModelWeights(shape: shape, seed: 1))
        let counter = OperationCounter()
        var trace = [NonlinearityCall]()
        _ = model.forward(counter.input(shape: [16, shape.width]), on: counter, trace: &trace)
        config.ffnKeep = 13
        #expect(throws: TransformerError.self) { try config.validate() }
        config.architecture = .baseline
        config.ffnKeep = 3
        #expect(throws: TransformerError.self) { try config.validate() }
        #expect(throws: TransformerError.self) { try ModelShape.preset("gpt5") }
        #expect(throws: TransformerError.self) { try Architecture.named("aer0") }
    }
}
