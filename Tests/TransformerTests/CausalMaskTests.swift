import Testing
import Approximation
import Backend
import Tensors
@testable import Transformer

@Suite("Causal attention")
struct CausalMaskTests {
    /// Scores [H=2, T=6, T=6] in ±3, deterministic.
    static let scores = Tensor<Double>(uncheckedShape: [2, 6, 6], scalars: (0..<72).map { Double(($0 * 29) % 37) / 6 - 3 })

    static func maskable(_ function: String) throws -> any MaskableRowFunction {
        var o = ApproximationOptions()
        o.length = 6
        if function == "2quad" || function == "power-softmax" { o.method = "goldschmidt" }
        return try #require(try ApproximationCatalog.make(function, o) as? any MaskableRowFunction)
    }

    /// Row i of the exact masked function is the unmasked function of the prefix 0…i,
    /// padded with zeros.
    @Test(arguments: ["softmax", "power-softmax", "2quad", "relu-softmax"])
    func maskedReferenceIsThePrefixFunction(function: String) throws {
        let f = try Self.maskable(function)
        let masked = f.reference(Self.scores, mask: causalMask(tokens: 6))
        for h in 0..<2 {
            for i in 0..<6 {
                let row = Array(Self.scores.scalars[(h * 36 + i * 6)..<(h * 36 + i * 6 + 6)])
                let prefix = f.reference(Tensor(uncheckedShape: [i + 1], scalars: Array(row[0...i]))).scalars
                let got = Array(masked.scalars[(h * 36 + i * 6)..<(h * 36 + i * 6 + 6)])
                for j in 0..<6 { #expect(abs(got[j] - (j <= i ? prefix[j] : 0)) < 1e-12) }
            }
        }
    }

    /// The approximation with the mask, in the clear, is close to the exact masked function
    /// and exactly zero on masked entries.
    @Test(arguments: ["softmax", "power-softmax", "2quad", "relu-softmax"])
    func maskedApproximationIsCloseAndZeroAboveTheDiagonal(function: String) throws {
        let f = try Self.maskable(function)
        let mask = causalMask(tokens: 6)
        let approx = f.evaluate(Self.scores, mask: mask, on: PlaintextBackend())
        let exact = f.reference(Self.scores, mask: mask)
        let worst = zip(approx.scalars, exact.scalars).map { abs($0 - $1) }.max() ?? .infinity
        #expect(worst < 2e-2, "\(function): \(worst)")
        for (k, v) in approx.scalars.enumerated() where (k % 6) > (k / 6) % 6 { #expect(v == 0) }
    }

    /// With a causal mask, the outputs for tokens 0…T−2 do not depend on token T−1 (exact
    /// nonlinearities; every architecture).
    @Test(arguments: Architecture.allCases)
    func earlierTokensIgnoreLaterOnes(architecture: Architecture) throws {
        let shape = ModelShape(name: "tiny", layers: 2, heads: 2, width: 8, ffnWidth: 16, vocabulary: 10)
        let config = ModelConfiguration(shape: shape, architecture: architecture, tokens: 5, includeEmbeddings: false,
                                        approximations: try exactApproximations())
        try config.validate()
        let model = TransformerModel(configuration: config, weights: ModelWeights(shape: shape, seed: 4, standardDeviation: 0.3))
        var x = try Tensor<Double>(shape: [5, 8], element: { Double(($0 * 13) % 11) / 11 - 0.5 })
        var trace = [NonlinearityCall]()
        let a = model.forward(x, on: PlaintextBackend(), trace: &trace)
        for j in 0..<8 { x.scalars[4 * 8 + j] += 0.7 }
        let b = model.forward(x, on: PlaintextBackend(), trace: &trace)
        #expect(Array(a.scalars[0..<32]) == Array(b.scalars[0..<32]))
        #expect(Array(a.scalars[32..<40]) != Array(b.scalars[32..<40]))
    }

    /// Without the mask the first token does see the last one.
    @Test func bidirectionalWithoutTheMask() throws {
        let shape = ModelShape(name: "tiny", layers: 1, heads: 2, width: 8, ffnWidth: 16, vocabulary: 10)
        let config = ModelConfiguration(shape: shape, architecture: .baseline, tokens: 5, includeEmbeddings: false, causalMask: false,
                                        approximations: try exactApproximations())
        let model = TransformerModel(configuration: config, weights: ModelWeights(shape: shape, seed: 4, standardDeviation: 0.3))
        var x = try Tensor<Double>(shape: [5, 8], element: { Double(($0 * 13) % 11) / 11 - 0.5 })
        var trace = [NonlinearityCall]()
        let a = model.forward(x, on: PlaintextBackend(), trace: &trace)
        x.scalars[39] += 0.7
        let b = model.forward(x, on: PlaintextBackend(), trace: &trace)
        #expect(Array(a.scalars[0..<8]) != Array(b.scalars[0..<8]))
    }

    /// The catalog's softmax with the additive mask is causal too (in-range inputs): row i's
    /// approximate weights do not move when later scores change.
    @Test func approximateSoftmaxIsCausal() throws {
        let f = try Self.maskable("softmax")
        var changed = Self.scores
        for i in 0..<6 { changed.scalars[i * 6 + 5] = 2.9 }   // the last column of head 0
        let mask = causalMask(tokens: 6)
        let a = f.evaluate(Self.scores, mask: mask, on: PlaintextBackend()), b = f.evaluate(changed, mask: mask, on: PlaintextBackend())
        #expect(Array(a.scalars[0..<30]) == Array(b.scalars[0..<30]))
    }
}

@Suite("Batches")
struct BatchTests {
    /// Two copies of a sequence in one batch give, row for row, the single sequence's output
    /// (attention stays within each sequence).
    @Test(arguments: [Architecture.baseline, .aero, .powerSoftmax])
    func batchRowsEqualSingleSequences(architecture: Architecture) throws {
        let shape = ModelShape(name: "tiny", layers: 2, heads: 2, width: 8, ffnWidth: 16, vocabulary: 10)
        var config = ModelConfiguration(shape: shape, architecture: architecture, tokens: 5, includeEmbeddings: false,
                                        approximations: try exactApproximations())
        let weights = ModelWeights(shape: shape, seed: 4, standardDeviation: 0.3)
        let x = try Tensor<Double>(shape: [5, 8], element: { Double(($0 * 13) % 11) / 11 - 0.5 })
        var trace = [NonlinearityCall]()
        let single = TransformerModel(configuration: config, weights: weights).forward(x, on: PlaintextBackend(), trace: &trace)
        config.batch = 3
        try config.validate()
        var y = x
        y.scalars = y.scalars.map { $0 * 0.5 }
        let batched = TransformerModel(configuration: config, weights: weights)
            .forward(Tensor(uncheckedShape: [15, 8], scalars: x.scalars + y.scalars + x.scalars), on: PlaintextBackend(), trace: &trace)
        #expect(batched.shape == [15, 8])
        #expect(zip(batched.scalars[0..<40], single.scalars).allSatisfy { abs($0 - $1) < 1e-12 })
        #expect(zip(batched.scalars[80..<120], single.scalars).allSatisfy { abs($0 - $1) < 1e-12 })
        #expect(Array(batched.scalars[40..<80]) != Array(single.scalars))
    }
}
