import Foundation
import Testing
import Backend
import Tensors
import Transformer
import TwoParty
@testable import Scenario

/// A two-block GPT-2 in Hugging Face naming, with biases, LayerNorm gains and position
/// embeddings, and its logits computed by an independent numpy forward pass
/// (Fixtures/gpt2-tiny/make_fixture.py).
@Suite("Real weights")
struct WeightLoadingTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/gpt2-tiny")
    static let shape = ModelShape(name: "gpt2-tiny", layers: 2, heads: 2, width: 8, ffnWidth: 32, vocabulary: 16)

    struct Expected: Decodable {
        var ids: [Int]
        var logits: [[Double]]
        var hidden_after_block: [[[Double]]]
        var attention_probabilities: [[[[Double]]]]
    }

    static func expected() throws -> Expected {
        try JSONDecoder().decode(Expected.self, from: Data(contentsOf: directory.appendingPathComponent("expected.json")))
    }

    func request(_ path: String) throws -> RunRequest {
        var r = RunRequest(model: Self.shape, architecture: .baseline, profile: try ProtocolProfile.load("crypten"), network: .lan, tokens: 6)
        r.weightFile = try WeightFile.load(path: Self.directory.appendingPathComponent(path).path)
        return r
    }

    /// The exact model on loaded weights reproduces numpy's logits, hidden states and
    /// attention probabilities, from the safetensors file and from the .npy directory.
    @Test(arguments: ["model.safetensors", "npy"])
    func exactForwardMatchesNumpy(path: String) throws {
        let e = try Self.expected()
        let r = try request(path)
        let model = TransformerModel(configuration: try ModelRunner.configuration(r, exact: true), weights: try ModelRunner.modelWeights(r))
        var oneHot = [Double](repeating: 0, count: 6 * 16)
        for (t, id) in e.ids.enumerated() { oneHot[t * 16 + id] = 1 }
        let plain = PlaintextBackend()
        var trace = [NonlinearityCall]()
        var hidden = [Int: [Double]](), attention = [Int: [Double]]()
        let logits = model.forward(model.embed(Tensor(uncheckedShape: [6, 16], scalars: oneHot), on: plain), on: plain, trace: &trace, observe: { event in
            switch event {
            case let .block(layer, h): hidden[layer] = h.scalars
            case let .nonlinearity("softmax", layer?, _, output, _): attention[layer] = output.scalars
            default: break
            }
        })
        func worst(_ a: [Double], _ b: [Double]) -> Double { zip(a, b).map { abs($0 - $1) }.max() ?? .infinity }
        #expect(logits.shape == [6, 16])
        #expect(worst(logits.scalars, e.logits.flatMap { $0 }) < 1e-9)
        for layer in 0..<2 {
            #expect(worst(hidden[layer] ?? [], e.hidden_after_block[layer].flatMap { $0 }) < 1e-9)
            #expect(worst(attention[layer] ?? [], e.attention_probabilities[layer].flatMap { $0.flatMap { $0 } }) < 1e-12)
        }
    }

    /// Share-level on the same weights equals the same approximations in the clear within
    /// fixed-point error (biases, gains and positions are public additions and products),
    /// and a scenario naming the file runs at both fidelities with equal costs.
    @Test func sharesOnRealWeights() throws {
        let e = try Self.expected()
        let r = try request("model.safetensors")
        let model = TransformerModel(configuration: try ModelRunner.configuration(r, exact: false), weights: try ModelRunner.modelWeights(r))
        var oneHot = [Double](repeating: 0, count: 6 * 16)
        for (t, id) in e.ids.enumerated() { oneHot[t * 16 + id] = 1 }
        let input = Tensor(uncheckedShape: [6, 16], scalars: oneHot)
        var trace = [NonlinearityCall]()
        let plain = PlaintextBackend()
        let clear = model.forward(model.embed(input, on: plain), on: plain, trace: &trace)
        let engine = try TwoPartyEngine(settings: r.profile.settings)
        let b = TwoPartyBackend(engine: engine, profileName: r.profile.name)
        let shared = b.reveal(model.forward(model.embed(b.input(input), on: b), on: b, trace: &trace))
        #expect((zip(shared.scalars, clear.scalars).map { abs($0 - $1) }.max() ?? .infinity) < 0.02)

        let text = """
        protocol: crypten
        model: {name: gpt2-tiny, layers: 2, heads: 2, width: 8, ffn_width: 32, vocabulary: 16}
        weights: model.safetensors
        tokens: 6
        """
        let scenario = try #require(try Scenario.resolveAll(try ScenarioDocument.parse(text, file: "w.yaml", directory: Self.directory.path)).first)
        var estimate = scenario
        estimate.fidelity = .estimate
        let executed = try scenario.run().report, estimated = try estimate.run().report
        #expect(executed.totals == estimated.totals)
        #expect(executed.byLayer.map(\.name) == ["embedding", "layer0", "layer1", "final", "lm-head"])
    }

    @Test func mismatchedWeightsAreRefused() throws {
        func failure(_ text: String) -> FileError? {
            do throws(FileError) {
                _ = try Scenario.resolveAll(try ScenarioDocument.parse(text, file: "w.yaml", directory: Self.directory.path))
                return nil
            } catch { return error }
        }
        let shape = try #require(failure("protocol: crypten\nmodel: gpt2-small\nweights: model.safetensors\n"))
        #expect(shape.line == 3 && shape.key == "weights" && shape.message.contains("[16, 8]"))
        let positions = try #require(failure("protocol: crypten\nmodel: {name: t, layers: 2, heads: 2, width: 8, ffn_width: 32, vocabulary: 16}\nweights: model.safetensors\ntokens: 9\n"))
        #expect(positions.message.contains("8 tokens"))
        let missing = try #require(failure("protocol: crypten\nweights: nowhere.safetensors\n"))
        #expect(missing.key == "weights")
    }
}
