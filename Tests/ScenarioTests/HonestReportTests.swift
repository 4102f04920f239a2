import Foundation
import Testing
import CostModel
import Transformer
@testable import Scenario

@Suite("Networks, weights and operations that say what they are")
struct HonestInputTests {
    func network(_ yaml: String) throws -> NetworkModel {
        var d = try ScenarioDocument.parse("protocol: crypten\nfidelity: estimate\nlayers: 1\ntokens: 4\nnetwork: \(yaml)", file: "n.yaml")
        d.override("model", with: ["gpt2-small"])
        return try #require(try Scenario.resolveAll(d).first).request.network
    }

    @Test func networkPresetsWithOverridesAndDuplex() throws {
        let wan = try network("wan")
        #expect(wan == .wan && wan.duplex == .full)
        let slower = try network("{preset: wan, rtt_ms: 20}")
        #expect(slower.bandwidthBitsPerSecond == 100e6 && slower.roundTripSeconds == 0.02 && slower.name == "custom")
        let half = try network("{duplex: half}")
        #expect(half.duplex == .half && half.bandwidthBitsPerSecond == NetworkModel.wan.bandwidthBitsPerSecond)
        #expect(throws: FileError.self) { _ = try network("{bandwidth_mbps: 100}") }
        #expect(throws: FileError.self) { _ = try network("{bandwidth_mbps: 1e-300, rtt_ms: 1}") }
        #expect(throws: FileError.self) { _ = try network("{preset: wan, duplex: quarter}") }
        // A flag's sub-key keeps the preset: --set model.layers=1 over model: gpt2-small.
        var d = try ScenarioDocument.parse("protocol: crypten\nmodel: gpt2-medium\nfidelity: estimate", file: "m.yaml")
        d.override("model.layers", with: ["1"])
        let m = try #require(try Scenario.resolveAll(d).first).request.model
        #expect(m.width == 1024 && m.layers == 1)
    }

    /// An error at a key a flag set names the flag, not the file's line.
    @Test func flagErrorsNameTheFlag() throws {
        var d = try ScenarioDocument.parse("protocol: crypten\ntokens: 8\nfidelity: estimate", file: "f.yaml")
        d.override("tokens", with: ["0"], origin: "--seq")
        do {
            _ = try Scenario.resolveAll(d)
            Issue.record("tokens 0 was accepted")
        } catch {
            #expect(error.file == "command line (--seq)" && error.key == "tokens")
        }
        var fine = try ScenarioDocument.parse("protocol: crypten\ntokens: 0\nfidelity: estimate", file: "f.yaml")
        fine.override("seed", with: ["3"], origin: "--seed")
        do { _ = try Scenario.resolveAll(fine) } catch { #expect(error.file == "f.yaml" && error.line == 2) }
    }

    /// A safetensors file with one NaN weight is refused at load, naming the tensor.
    @Test func nonFiniteWeightsAreRefused() throws {
        let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/gpt2-tiny/model.safetensors")
        var bytes = [UInt8](try Data(contentsOf: source))
        let headerLength = bytes[0..<8].enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        // h.0.attn.c_attn.weight holds data bytes 96..<864 (F32): make its third element NaN.
        let at = 8 + headerLength + 96 + 2 * 4
        bytes.replaceSubrange(at..<(at + 4), with: [0x00, 0x00, 0xC0, 0x7F])
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("nan-\(getpid()).safetensors")
        try Data(bytes).write(to: path)
        defer { try? FileManager.default.removeItem(at: path) }
        let shape = ModelShape(name: "gpt2-tiny", layers: 2, heads: 2, width: 8, ffnWidth: 32, vocabulary: 16)
        do {
            _ = try ModelWeights(shape: shape, file: try WeightFile.load(path: path.path))
            Issue.record("a NaN weight was accepted")
        } catch {
            #expect("\(error)".contains("h.0.attn.c_attn.weight") && "\(error)".contains("non-finite"))
        }
    }

    /// BxTxDxD': B products of two private operands, each with its own right operand.
    @Test func fourDimensionalMatmulIsPerHead() throws {
        for name in ["crypten", "bumblebee"] {
            let r = try OperationRunner.run(op: "matmul", shape: [3, 8, 4, 5], profile: try ProtocolProfile.load(name), network: .lan)
            #expect(r.maxAbsoluteError < 1e-3, "\(name)")
            // One matrix Beaver triple: both operands opened, 3·8·4 + 3·4·5 elements, 8 bytes each
            // way (crypten truncates locally; bumblebee adds its truncation of the outputs).
            #expect(r.totals.multiplications == 3 * 8 * 5, "\(name)")
            if name == "crypten" { #expect(r.totals.bytes == 2 * 8 * (3 * 8 * 4 + 3 * 4 * 5) && r.totals.rounds == 1) }
        }
        let ckks = try OperationRunner.run(op: "matmul", shape: [2, 8, 4, 4], profile: try ProtocolProfile.load("ckks-openfhe"), network: .lan)
        #expect(ckks.maxAbsoluteError < 1e-3 && ckks.meanAbsoluteError > 0 && (ckks.homomorphic?.ciphertextMultiplications ?? 0) > 0)
    }
}
