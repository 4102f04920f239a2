import Foundation
import Testing
import Backend
import Tensors
import Transformer
@testable import Scenario

/// BERT, LLaMA and GPT-NeoX as Hugging Face writes them: tiny random models saved by
/// `transformers` (Fixtures/hf-tiny/make_fixture.py), read through their `config.json` and
/// `model.safetensors`, and run by PISim's exact model against the package's own float64
/// forward pass.
@Suite("Model families from Hugging Face")
struct ModelFamilyTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/hf-tiny")

    struct Expected: Decodable {
        var ids: [Int]
        var logits: [[Double]]?
        var pooler_output: [Double]?
        var last_hidden_state: [[Double]]?
    }

    static func load(_ family: String) throws -> (RunRequest, Expected) {
        let dir = directory.appendingPathComponent(family)
        let (shape, _) = try HuggingFaceConfig.load(path: dir.appendingPathComponent("config.json").path)
        let e = try JSONDecoder().decode(Expected.self, from: Data(contentsOf: dir.appendingPathComponent("expected.json")))
        var r = RunRequest(model: shape, architecture: .baseline, profile: try ProtocolProfile.load("crypten"), network: .lan,
                           tokens: e.ids.count, causalMask: shape.design.causal)
        r.weightFile = try WeightFile.load(path: dir.appendingPathComponent("model.safetensors").path)
        return (r, e)
    }

    /// The exact forward pass on the family's weights, with the hidden state after each block.
    static func exactForward(_ r: RunRequest, ids: [Int]) throws -> (output: Tensor<Double>, hidden: [Int: [Double]]) {
        let model = TransformerModel(configuration: try ModelRunner.configuration(r, exact: true), weights: try ModelRunner.modelWeights(r))
        let v = r.model.vocabulary
        var oneHot = [Double](repeating: 0, count: ids.count * v)
        for (t, id) in ids.enumerated() { oneHot[t * v + id] = 1 }
        let plain = PlaintextBackend()
        var trace = [NonlinearityCall]()
        var hidden = [Int: [Double]]()
        let x = model.embed(Tensor(uncheckedShape: [ids.count, v], scalars: oneHot), on: plain, trace: &trace)
        let out = model.forward(x, on: plain, trace: &trace, observe: { event in
            if case let .block(layer, h) = event { hidden[layer] = h.scalars }
        })
        return (out, hidden)
    }

    static func worst(_ a: [Double], _ b: [Double]) -> Double {
        a.count == b.count ? zip(a, b).map { abs($0 - $1) }.max() ?? 0 : .infinity
    }

    @Test func configsGiveTheFamiliesDesign() throws {
        let (bert, _) = try Self.load("bert"), (llama, _) = try Self.load("llama"), (neox, _) = try Self.load("neox")
        #expect(bert.model.design.normPlacement == .post && !bert.model.design.causal && bert.model.design.head == .pooler)
        #expect(llama.model.kvHeads == 2 && llama.model.heads == 4 && llama.model.design.norm == .rmsNorm && llama.model.design.feedForward == .gated)
        #expect(neox.model.design.parallelResidual && neox.model.design.rotaryFraction == 0.5)
        #expect(neox.model.design.rotaryDimensions(headWidth: 4) == 2)
    }

    /// BERT: post-LN blocks, bidirectional attention, erf GELU, token-type and position
    /// embeddings with their LayerNorm, the tanh pooler.
    @Test func bertMatchesTransformers() throws {
        let (r, e) = try Self.load("bert")
        let (out, hidden) = try Self.exactForward(r, ids: e.ids)
        #expect(out.shape == [1, 16])
        #expect(Self.worst(out.scalars, e.pooler_output ?? []) < 1e-6)
        #expect(Self.worst(hidden[1] ?? [], (e.last_hidden_state ?? []).flatMap { $0 }) < 1e-6)
    }

    /// LLaMA: RMSNorm, SwiGLU, rotary positions, grouped-query attention, untied head.
    @Test func llamaMatchesTransformers() throws {
        let (r, e) = try Self.load("llama")
        let (out, _) = try Self.exactForward(r, ids: e.ids)
        #expect(out.shape == [6, 32])
        #expect(Self.worst(out.scalars, (e.logits ?? []).flatMap { $0 }) < 1e-6)
    }

    /// GPT-NeoX (Pythia): parallel attention and MLP, rotary on half of each head, fused
    /// per-head q/k/v weights.
    @Test func neoxMatchesTransformers() throws {
        let (r, e) = try Self.load("neox")
        let (out, _) = try Self.exactForward(r, ids: e.ids)
        #expect(out.shape == [6, 32])
        #expect(Self.worst(out.scalars, (e.logits ?? []).flatMap { $0 }) < 1e-6)
    }

    /// Each knob is load-bearing: with one changed, the outputs leave the package's.
    @Test(arguments: ["bert:pre-norm", "llama:no-rotary", "llama:layernorm", "neox:sequential", "neox:full-rotary"])
    func aWrongDesignIsSeen(_ change: String) throws {
        let parts = change.split(separator: ":").map(String.init)
        var (r, e) = try Self.load(parts[0])
        switch parts[1] {
        case "pre-norm": r.model.design.normPlacement = .pre
        case "no-rotary": r.model.design.rotaryBase = 1e12   // angles ≈ 0 beyond the first pair
        case "layernorm": r.model.design.norm = .layerNorm
        case "sequential": r.model.design.parallelResidual = false
        default: r.model.design.rotaryFraction = 1
        }
        let (out, _) = try Self.exactForward(r, ids: e.ids)
        let expected = e.logits?.flatMap { $0 } ?? e.pooler_output ?? []
        #expect(Self.worst(out.scalars, expected) > 1e-3)
    }

    static func config(_ json: String) throws -> ModelShape {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("config-\(UUID().uuidString).json")
        try json.write(to: url, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: url) }
        return try HuggingFaceConfig.load(path: url.path).shape
    }

    /// Unknown types, missing or mistyped keys and activations PISim does not model are
    /// refused with the file and key.
    @Test(arguments: [
        (#"{"model_type": "t5"}"#, "supported: gpt2, bert, llama, gpt_neox, vit"),
        (#"{"model_type": "bert", "num_hidden_layers": 2}"#, "key 'num_attention_heads': missing"),
        (#"{"model_type": "llama", "num_hidden_layers": 2, "num_attention_heads": 4, "hidden_size": 16, "intermediate_size": 8, "vocab_size": 9, "hidden_act": "gelu"}"#, "key 'hidden_act'"),
        (#"{"model_type": "llama", "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 3, "hidden_size": 16, "intermediate_size": 8, "vocab_size": 9}"#, "grouped over 3"),
        (#"{"model_type": "gpt2", "n_embd": 16, "n_layer": 2.5}"#, "expected an integer"),
        (#"[1, 2]"#, "not a JSON object"),
        (#"{"model_type": "vit", "num_hidden_layers": 2, "num_attention_heads": 4, "hidden_size": 16, "intermediate_size": 8, "image_size": 30, "patch_size": 16}"#, "must divide"),
    ])
    func badConfigsAreRefused(_ json: String, _ expected: String) throws {
        do {
            _ = try Self.config(json)
            Issue.record("accepted \(json)")
        } catch {
            #expect("\(error)".contains(expected), "\(error)")
        }
    }

    /// A ViT config gives its image's tokens; a scenario reads `model: {hf_config: …}`.
    @Test func configsInScenarios() throws {
        let vit = #"{"model_type": "vit", "num_hidden_layers": 12, "num_attention_heads": 12, "hidden_size": 768, "intermediate_size": 3072, "image_size": 224, "patch_size": 16, "num_channels": 3}"#
        let shape = try Self.config(vit)
        #expect(shape.family == .vit && shape.patchFeatures == 768 && shape.vocabulary == 1000)
        let dir = Self.directory.appendingPathComponent("llama").path
        let runs = try Scenario.resolveAll(try ScenarioDocument.parse("model: {hf_config: config.json}\nprotocol: crypten\ntokens: 4\ngenerate: 2\nweights: model.safetensors\n",
                                                                  file: dir + "/s.yaml", directory: dir))
        #expect(runs[0].request.model.family == .llama && runs[0].request.generate == 2 && runs[0].request.causalMask)
        let r = try ModelRunner.execute(runs[0].request)
        #expect(r.generation?.steps == 2 && r.maxAbsoluteError.isFinite)
    }
}
