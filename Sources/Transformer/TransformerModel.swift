import Approximation
import Backend
import Tensors

/// One nonlinearity evaluated by a forward pass: which, where, and on what shape.
public struct NonlinearityCall: Sendable, Hashable {
    public var function: String
    /// Block index, or nil for the final LayerNorm.
    public var layer: Int?
    public var shape: [Int]
}

/// What a forward pass needs beyond the shape: the architecture, the context length and
/// the approximation of each nonlinearity (from a protocol profile).
public struct ModelConfiguration: Sendable {
    public var shape: ModelShape
    public var architecture: Architecture
    /// T: tokens in the forward pass (one prefill).
    public var tokens: Int
    /// AERO: keep only the first K FFNs (nil: all).
    public var ffnKeep: Int?
    /// Include the token embedding and the vocabulary projection (end-to-end measurements do).
    public var includeEmbeddings: Bool
    /// AERO's learnable FFN output scale 1/α, folded into the FFN weights.
    public var ffnScaleAlpha: Double
    /// Approximations by catalog function name: "softmax"/"power-softmax", "layernorm", "gelu", "relu".
    public var approximations: [String: any NonlinearApproximation]

    public init(shape: ModelShape, architecture: Architecture, tokens: Int, ffnKeep: Int? = nil, includeEmbeddings: Bool = true,
                ffnScaleAlpha: Double = 1, approximations: [String: any NonlinearApproximation]) {
        self.shape = shape
        self.architecture = architecture
        self.tokens = tokens
        self.ffnKeep = ffnKeep
        self.includeEmbeddings = includeEmbeddings
        self.ffnScaleAlpha = ffnScaleAlpha
        self.approximations = approximations
    }

    /// - Throws: `TransformerError` for impossible settings or a missing approximation.
    public func validate() throws(TransformerError) {
        try shape.validate()
        guard tokens > 0 else { throw .invalidOption("the context length must be positive, got \(tokens)") }
        if let k = ffnKeep {
            guard architecture == .aero else { throw .invalidOption("ffn-keep applies to the aero architecture only") }
            guard (0...shape.layers).contains(k) else { throw .invalidOption("ffn-keep must be 0…\(shape.layers), got \(k)") }
        }
        guard ffnScaleAlpha > 0, ffnScaleAlpha.isFinite else { throw .invalidOption("the FFN scale α must be positive") }
        for f in Set(requiredFunctions) where approximations[f] == nil {
            throw .invalidOption("no approximation for \(f)")
        }
    }

    /// The nonlinearities this architecture evaluates.
    public var requiredFunctions: [String] {
        var f = [architecture.attentionFunction]
        if architecture.hasLayerNorm { f.append("layernorm") }
        switch architecture.activation {
        case .gelu: f.append("gelu")
        case .relu: f.append("relu")
        case .none: break
        }
        return f
    }
}

/// A decoder-only transformer written once over `ModelBackend`: the same code runs in the
/// clear, in fixed point, on shares, on ciphertexts and on shape-only counters.
public struct TransformerModel: Sendable {
    public let configuration: ModelConfiguration
    public let weights: ModelWeights

    public init(configuration: ModelConfiguration, weights: ModelWeights) {
        self.configuration = configuration
        self.weights = weights
    }

    var shape: ModelShape { configuration.shape }

    func apply<B: ModelBackend>(_ function: String, _ x: B.Value, layer: Int?, on b: B, trace: inout [NonlinearityCall]) -> B.Value {
        trace.append(NonlinearityCall(function: function, layer: layer, shape: b.shape(of: x)))
        guard let approximation = configuration.approximations[function] else { return x } // unreachable: validated
        return b.scope(function) { approximation.evaluate(x, on: b) }
    }

    /// The input embedding: one-hot tokens [T × V] · W_emb [V × d] (the client's tokens are private).
    public func embed<B: ModelBackend>(_ oneHot: B.Value, on b: B) -> B.Value {
        b.scope("embedding") { b.linear(oneHot, weights.matrix("wte", layer: -1, rows: shape.vocabulary, columns: shape.width)) }
    }

    /// The blocks, the final LayerNorm where the architecture has one, and the vocabulary
    /// projection when embeddings are included. `hidden` is [T × d].
    public func forward<B: ModelBackend>(_ hidden: B.Value, on b: B, trace: inout [NonlinearityCall]) -> B.Value {
        var h = hidden
        for layer in 0..<shape.layers {
            h = b.scope("layer\(layer)") { block(h, layer: layer, on: b, trace: &trace) }
        }
        if configuration.architecture.hasLayerNorm {
            h = b.scope("final") { apply("layernorm", h, layer: nil, on: b, trace: &trace) }
        }
        if configuration.includeEmbeddings {
            h = b.scope("lm-head") { b.linear(h, weights.matrix("wte.T", layer: -1, rows: shape.width, columns: shape.vocabulary)) }
        }
        return h
    }

    /// One block: (LN →) multi-head attention → residual → (LN →) FFN → residual.
    public func block<B: ModelBackend>(_ x: B.Value, layer: Int, on b: B, trace: inout [NonlinearityCall]) -> B.Value {
        let a = configuration.architecture, t = configuration.tokens, d = shape.width, heads = shape.heads, dh = shape.headWidth
        let attnInput = a.hasLayerNorm ? apply("layernorm", x, layer: layer, on: b, trace: &trace) : x
        let attention = b.scope("attention") { () -> B.Value in
            func project(_ name: String) -> B.Value {
                let y = b.linear(attnInput, weights.matrix(name, layer: layer, rows: d, columns: d))
                return b.transposed(b.reshaped(y, [t, heads, dh]), [1, 0, 2])   // [H, T, dh]
            }
            let q = project("q"), k = project("k"), v = project("v")
            // Scores with the 1/√dh temperature folded into W_q would be free; here it is applied
            // to the scores as a public constant, as the reference implementations do.
            let scores = b.multiplyConstant(b.privateMatmul(q, b.transposed(k, [0, 2, 1])), 1 / Double(dh).squareRoot())
            let probabilities = apply(a.attentionFunction, scores, layer: layer, on: b, trace: &trace)
            let context = b.reshaped(b.transposed(b.privateMatmul(probabilities, v), [1, 0, 2]), [t, d])
            return b.linear(context, weights.matrix("o", layer: layer, rows: d, columns: d))
        }
        let h = b.add(x, attention)
        guard a != .aero || layer < (configuration.ffnKeep ?? shape.layers) else { return h }
        let ffnInput = a.hasLayerNorm ? apply("layernorm", h, layer: layer, on: b, trace: &trace) : h
        let ffn = b.scope("ffn") { () -> B.Value in
            if a.fusedFFN { return b.linear(ffnInput, weights.fusedFFN(layer: layer, alpha: configuration.ffnScaleAlpha)) }
            let up = b.linear(ffnInput, weights.matrix("ffn.in", layer: layer, rows: d, columns: shape.ffnWidth))
            let activated: B.Value = switch a.activation {
            case .gelu: apply("gelu", up, layer: layer, on: b, trace: &trace)
            case .relu: apply("relu", up, layer: layer, on: b, trace: &trace)
            case .none: up
            }
            let scale = a == .sm ? configuration.ffnScaleAlpha : 1
            let wout = weights.matrix("ffn.out", layer: layer, rows: shape.ffnWidth, columns: d)
            let scaled = scale == 1 ? wout : WeightMatrix(rows: wout.rows, columns: wout.columns) { wout.values.map { $0 / scale } }
            return b.linear(activated, scaled)
        }
        return b.add(h, ffn)
    }
}
