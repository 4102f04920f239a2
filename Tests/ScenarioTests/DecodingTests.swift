import Foundation
import Testing
import Backend
import Tensors
import Transformer
import TwoParty
@testable import Scenario

/// Nonlinearity counts per family against their formulas, and token-by-token decoding
/// with the KV cache.
@Suite("Families and decoding")
struct DecodingTests {
    /// The calls a forward pass makes, by function: (count, shape of each).
    static func calls(_ r: RunRequest) throws -> [String: [[Int]]] {
        let model = TransformerModel(configuration: try ModelRunner.configuration(r, exact: false), weights: try ModelRunner.modelWeights(r))
        let b = try TwoPartyEstimator(settings: r.profile.settings)
        let inputs = ModelRunner.shapeOnlyInputs(r)
        var trace = [NonlinearityCall]()
        _ = ModelRunner.passes(model, inputs.map { b.input($0) }, on: b, trace: &trace, progress: nil, observe: nil)
        return Dictionary(grouping: trace, by: \.function).mapValues { $0.map(\.shape) }
    }

    static func request(_ preset: String, tokens: Int, profile: String = "crypten", generate: Int = 0, layers: Int? = nil) throws -> RunRequest {
        var shape = try ModelShape.preset(preset)
        if let layers { shape.layers = layers }
        var r = RunRequest(model: shape, architecture: .baseline, profile: try ProtocolProfile.load(profile), network: .wan,
                           tokens: tokens, causalMask: shape.design.causal)
        r.generate = generate
        return r
    }

    /// BERT-base: 2L + 1 LayerNorms (the embedding's too) of T × d, L softmaxes of H × T × T
    /// (no mask), L GELUs of T × 4d, one tanh of the pooled first token.
    @Test func bertCounts() throws {
        let r = try Self.request("bert-base", tokens: 128)
        let c = try Self.calls(r)
        #expect(c["layernorm"] == Array(repeating: [128, 768], count: 25))
        #expect(c["softmax"] == Array(repeating: [12, 128, 128], count: 12))
        #expect(c["gelu"] == Array(repeating: [128, 3072], count: 12))
        #expect(c["tanh"] == [[1, 768]])
        #expect(!r.causalMask)
    }

    /// LLaMA-7B: 2L + 1 RMSNorms, L softmaxes, L SiLU gates of T × f (f = 11008), no GELU.
    @Test func llamaCounts() throws {
        let c = try Self.calls(try Self.request("llama-7b", tokens: 8))
        #expect(c["rmsnorm"] == Array(repeating: [8, 4096], count: 65))
        #expect(c["softmax"] == Array(repeating: [32, 8, 8], count: 32))
        #expect(c["silu"] == Array(repeating: [8, 11008], count: 32))
        #expect(c["gelu"] == nil && c["layernorm"] == nil)
    }

    /// ViT-B/16: 197 tokens by default in scenarios; 2L + 1 LayerNorms, L softmaxes of
    /// 197 × 197, L GELUs; the class head reads the first token only.
    @Test func vitCounts() throws {
        let runs = try Scenario.resolveAll(try ScenarioDocument.parse("model: vit-b16\nprotocol: crypten\nfidelity: estimate\n", file: "vit.yaml"))
        let r = runs[0].request
        #expect(r.tokens == 197 && !r.causalMask && r.model.inputWidth == 768)
        let c = try Self.calls(r)
        #expect(c["layernorm"] == Array(repeating: [197, 768], count: 25))
        #expect(c["softmax"] == Array(repeating: [12, 197, 197], count: 12))
        #expect(c["gelu"] == Array(repeating: [197, 3072], count: 12))
        let report = try ModelRunner.estimate(r)
        #expect(report.byLayer.last?.name == "lm-head")
    }

    /// Grouped-query attention: TinyLlama's k and v projections are d × (4 · 64), not d × d.
    @Test func groupedQueryAttentionProjectsFewerKeys() throws {
        var grouped = try Self.request("tinyllama-1.1b", tokens: 16, layers: 1)
        var full = grouped
        full.model.kvHeads = full.model.heads
        grouped.includeEmbeddings = false
        full.includeEmbeddings = false
        let g = try ModelRunner.estimate(grouped), f = try ModelRunner.estimate(full)
        let linear = { (r: RunReport) in r.byNonlinearity.first { $0.name == "linear" }?.totals.multiplyAccumulates ?? 0 }
        // q, o: d·d each; k, v: d·kv each; gate, up, down: 3·d·f — per token.
        let d = 2048, kv = 256, ffn = 5632
        #expect(linear(f) - linear(g) == 16 * 2 * d * (d - kv))
        #expect(linear(g) >= 16 * (2 * d * d + 2 * d * kv + 3 * d * ffn))
    }

    /// Decode step k (0-based) attends over exactly T + k + 1 keys: the prompt, the earlier
    /// generated tokens and itself; its other calls are one token's.
    @Test func decodeStepSeesEveryEarlierKey() throws {
        let c = try Self.calls(try Self.request("gpt2-small", tokens: 8, generate: 3, layers: 2))
        let softmax = c["softmax"] ?? []
        #expect(softmax.count == 2 * 4)
        #expect(Array(softmax.prefix(2)) == [[12, 8, 8], [12, 8, 8]])
        #expect(Array(softmax.dropFirst(2)) == [[12, 1, 9], [12, 1, 9], [12, 1, 10], [12, 1, 10], [12, 1, 11], [12, 1, 11]])
        #expect((c["gelu"] ?? []).dropFirst(2).allSatisfy { $0 == [1, 3072] })
    }

    /// The KV cache is exact: the prompt and K decode steps give, in the clear, the logits of
    /// one prefill over all T + K tokens, row for row (rotary positions continue, learned
    /// positions continue, grouped heads repeat).
    @Test(arguments: ["llama", "neox", "gpt2"])
    func decodingEqualsOneLongPrefill(_ family: String) throws {
        var r: RunRequest
        if family == "gpt2" {
            r = RunRequest(model: WeightLoadingTests.shape, architecture: .baseline, profile: try ProtocolProfile.load("crypten"), network: .lan, tokens: 3)
            r.weightFile = try WeightFile.load(path: WeightLoadingTests.directory.appendingPathComponent("model.safetensors").path)
        } else {
            (r, _) = try ModelFamilyTests.load(family)
            r.tokens = 3
        }
        let ids = [3, 7, 1, 12, 5, 9], v = r.model.vocabulary
        func oneHot(_ ids: ArraySlice<Int>) -> Tensor<Double> {
            var x = [Double](repeating: 0, count: ids.count * v)
            for (t, id) in ids.enumerated() { x[t * v + id] = 1 }
            return Tensor(uncheckedShape: [ids.count, v], scalars: x)
        }
        let plain = PlaintextBackend()
        var trace = [NonlinearityCall]()
        r.generate = 3
        let stepped = TransformerModel(configuration: try ModelRunner.configuration(r, exact: true), weights: try ModelRunner.modelWeights(r))
        let outputs = ModelRunner.passes(stepped, [oneHot(ids[0..<3])] + (3..<6).map { oneHot(ids[$0..<($0 + 1)]) }, on: plain,
                                         trace: &trace, progress: nil, observe: nil)
        r.generate = 0
        r.tokens = 6
        let whole = TransformerModel(configuration: try ModelRunner.configuration(r, exact: true), weights: try ModelRunner.modelWeights(r))
        let all = whole.forward(whole.embed(oneHot(ids[0..<6]), on: plain), on: plain, trace: &trace)
        let stepwise = outputs.flatMap(\.scalars)
        #expect(stepwise.count == all.count)
        #expect((zip(stepwise, all.scalars).map { abs($0 - $1) }.max() ?? .infinity) < 1e-12)
    }

    /// Prefill + K decode steps: the estimate's costs equal the executed ones', for the
    /// phases too, under share-level and formula-priced profiles and CKKS.
    @Test(arguments: ["crypten", "bumblebee", "spu-cheetah", "ckks-openfhe"])
    func generationEstimateEqualsExecute(_ profile: String) throws {
        for family in [ModelFamily.gpt2, .llama, .neox] {
            let shape = ModelShape(name: "tiny-\(family.rawValue)", layers: 2, heads: 4, width: 16, ffnWidth: 32, vocabulary: 24,
                                   family: family, kvHeads: family == .llama ? 2 : nil)
            var r = RunRequest(model: shape, architecture: .baseline, profile: try ProtocolProfile.load(profile), network: .wan, tokens: 4, seed: 3)
            r.generate = 2
            let executed = try ModelRunner.execute(r), estimated = try ModelRunner.estimate(r)
            #expect(estimated.totals == executed.totals, "\(profile) \(family)")
            #expect(estimated.generation?.prefill.totals == executed.generation?.prefill.totals)
            #expect(estimated.generation?.decode.totals == executed.generation?.decode.totals)
            let g = try #require(executed.generation)
            var sum = g.prefill.totals
            sum.bytes += g.decode.totals.bytes
            sum.rounds += g.decode.totals.rounds
            #expect(sum.bytes == executed.totals.bytes && sum.rounds == executed.totals.rounds)
            #expect(g.decode.totals.bytes > 0 && g.steps == 2)
        }
    }

    /// Encoders refuse to generate; so does a run without embeddings.
    @Test func encodersDoNotGenerate() throws {
        var r = try Self.request("bert-base", tokens: 8, generate: 1)
        #expect(throws: (any Error).self) { try ModelRunner.configuration(r, exact: false) }
        r = try Self.request("gpt2-small", tokens: 8, generate: 1)
        r.includeEmbeddings = false
        #expect(throws: (any Error).self) { try ModelRunner.configuration(r, exact: false) }
    }
}
