import Foundation
import Testing
import Transformer
@testable import Scenario

/// `sigma`'s attention as GPU-MPC runs it: the causal softmax's per-element work on the
/// lower triangle only, and private × private products that open only their outputs.
@Suite("SIGMA attention")
struct SigmaAttentionTests {
    /// Softmax bytes per party: with the causal mask the 471 per-element bits apply to
    /// T(T+1)/2 entries per head, the 115 per-row bits to all T rows.
    @Test func causalSoftmaxChargesTheTriangle() throws {
        var shape = try ModelShape.preset("gpt2-small")
        shape.layers = 1
        let t = 64, h = 12
        func softmaxBytes(causal: Bool) throws -> Int {
            let r = RunRequest(model: shape, architecture: .baseline, profile: try ProtocolProfile.load("sigma"), network: .lan,
                               tokens: t, includeEmbeddings: false, causalMask: causal)
            return try #require(try ModelRunner.estimate(r).byNonlinearity.first { $0.name == "softmax" }).totals.bytesSent[0]
        }
        let rows = Double(h * t), full = Double(h * t * t), triangle = Double(h * t * (t + 1) / 2)
        #expect(try softmaxBytes(causal: false) == Int((471 * full + 115 * rows) / 8))
        #expect(try softmaxBytes(causal: true) == Int((471 * triangle + 115 * rows) / 8))
    }

    /// QKᵀ for 12 heads at T = 128: 140 bits per output and party (product and TrFloor),
    /// keys 8 B per operand element and 684.75 B per output; no operand is opened.
    @Test func privateProductsOpenOnlyTheOutputs() throws {
        let r = try OperationRunner.run(op: "matmul", shape: [12, 128, 64, 128], profile: try ProtocolProfile.load("sigma"), network: .lan)
        let outputs = 12 * 128 * 128, operands = 12 * (128 * 64 + 64 * 128)
        #expect(r.totals.bytesSent == [140 * outputs / 8, 140 * outputs / 8])
        #expect(r.totals.offlineBytes == Int(684.75 * Double(outputs) + 8 * Double(operands)))
    }
}
