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

/// An intermediate value of a forward pass, revealed for error reports (revealing is not a
/// protocol step and costs nothing).
public enum ForwardEvent {
    /// A nonlinearity's input and output (`mask`: the causal mask it was given).
    case nonlinearity(function: String, layer: Int?, input: Tensor<Double>, output: Tensor<Double>, mask: Tensor<Double>?)
    /// The hidden state [T × d] after block `layer`.
    case block(layer: Int, hidden: Tensor<Double>)
}

/// Receives `ForwardEvent`s; nil in runs that only count costs.
public typealias ForwardObserver = (ForwardEvent) -> Void

/// What a forward pass needs beyond the shape: the architecture, the context length and
/// the approximation of each nonlinearity (from a protocol profile).
public struct ModelConfiguration: Sendable {
    public var shape: ModelShape
    public var architecture: Architecture
    /// T: tokens per sequence in the forward pass (one prefill).
    public var tokens: Int
    /// B: independent sequences processed together; hidden states are [B·T × d], attention
    /// is per sequence ([B·H, T, T]).
    public var batch: Int = 1
    /// AERO: keep only the first K FFNs (nil: all).
    public var ffnKeep: Int?
    /// Include the token embedding and the vocabulary projection (end-to-end measurements do).
    public var includeEmbeddings: Bool
    /// AERO's learnable FFN output scale 1/α, folded into the FFN weights.
    public var ffnScaleAlpha: Double
    /// Causal attention (GPT-2, Pythia): token t attends to tokens ≤ t. The attention
    /// nonlinearity must then be a `MaskableRowFunction`.
    public var causalMask: Bool
    /// The attention nonlinearity's catalog name: the architecture's ("softmax",
    /// "power-softmax") unless replaced ("2quad", "relu-softmax", …).
    public var attention: String
    /// Approximations by catalog function name: "softmax"/"power-softmax", "layernorm", "gelu", "relu".
    public var approximations: [String: any NonlinearApproximation]

    public init(shape: ModelShape, architecture: Architecture, tokens: Int, ffnKeep: Int? = nil, includeEmbeddings: Bool = true,
                ffnScaleAlpha: Double = 1, causalMask: Bool = true, attention: String? = nil,
                approximations: [String: any NonlinearApproximation]) {
        self.shape = shape
        self.architecture = architecture
        self.tokens = tokens
        self.ffnKeep = ffnKeep
        self.includeEmbeddings = includeEmbeddings
        self.ffnScaleAlpha = ffnScaleAlpha
        self.causalMask = causalMask
        self.attention = attention ?? architecture.attentionFunction
        self.approximations = approximations
    }

    /// - Throws: `TransformerError` for impossible settings or a missing approximation.
    public func validate() throws(TransformerError) {
        try shape.validate()
        guard tokens > 0 else { throw .invalidOption("the context length must be positive, got \(tokens)") }
        guard batch > 0 else { throw .invalidOption("the batch must be positive, got \(batch)") }
        if let k = ffnKeep {
            guard architecture == .aero else { throw .invalidOption("ffn-keep applies to the aero architecture only") }
            guard (0...shape.layers).contains(k) else { throw .invalidOption("ffn-keep must be 0…\(shape.layers), got \(k)") }
        }
        guard ffnScaleAlpha > 0, ffnScaleAlpha.isFinite else { throw .invalidOption("the FFN scale α must be positive") }
        try validateSizes()
        for f in Set(requiredFunctions) where approximations[f] == nil {
            throw .invalidOption("no approximation for \(f)")
        }
        guard Self.attentionFunctions.contains(attention) else {
            throw .invalidOption("unknown attention nonlinearity '\(attention)'; known: \(Self.attentionFunctions.joined(separator: ", "))")
        }
        if causalMask, let a = approximations[attention], !(a is any MaskableRowFunction) {
            throw .invalidOption("\(a.function) (\(a.method)) cannot take a causal mask; set causal_mask: false")
        }
    }

    /// The most elements any one tensor of a run may hold: 2^50 (about 10^15; GPT-2's
    /// attention scores at T = 10^6 are 1.2·10^13). Below it every element count, and every
    /// count times a bit width, fits a 64-bit integer; costs beyond it saturate (see
    /// `CostTotals.saturatedCounters`).
    public static let maximumTensorElements = 1 << 50

    /// The tensors a forward pass builds, by name and shape: one-hot tokens and the
    /// embedding, the hidden state, the FFN's hidden layer and weights, and the attention scores.
    public var tensorShapes: [(name: String, shape: [Int])] {
        let d = shape.width, rows = [batch, tokens]
        var out: [(String, [Int])] = [("hidden state", rows + [d]), ("FFN hidden layer", rows + [shape.ffnWidth]),
                                      ("FFN weights", [d, shape.ffnWidth]), ("attention weights", [d, d]),
                                      ("attention scores", [batch, shape.heads, tokens, tokens])]
        if includeEmbeddings { out += [("one-hot tokens", rows + [shape.vocabulary]), ("embedding", [shape.vocabulary, d])] }
        return out
    }

    /// Refuses a configuration with a tensor over `maximumTensorElements` (or whose size
    /// overflows), naming the tensor and its dimensions.
    public func validateSizes() throws(TransformerError) {
        for (name, dims) in tensorShapes {
            let n = Tensor<Double>.checkedElementCount(dims)
            guard let n, n <= Self.maximumTensorElements else {
                let size = n.map { "\($0) elements" } ?? "more than 2^63 elements"
                throw .invalidOption("the \(name) would hold \(size) (\(dims.map(String.init).joined(separator: " × "))); " +
                                     "PISim refuses tensors over 2^50 elements: reduce the tokens, batch or model dimensions")
            }
        }
    }

    /// Row functions that can stand in for softmax in attention.
    public static let attentionFunctions = ["softmax", "power-softmax", "2quad", "relu-softmax"]

    /// The nonlinearities this architecture evaluates.
    public var requiredFunctions: [String] {
        var f = [attention]
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

    /// The public causal mask [T × T] when the configuration asks for one: dense for
    /// backends that track values, shape-only for estimates (T = 10^6 would be 8 TB dense).
    func attentionMask<B: ModelBackend>(on b: B) -> Tensor<Double>? {
        guard configuration.causalMask else { return nil }
        let t = configuration.tokens
        return b.tracksValues ? causalMask(tokens: t) : Tensor(uncheckedShape: [t, t], scalars: [])
    }

    var shape: ModelShape { configuration.shape }

    func apply<B: ModelBackend>(_ function: String, _ x: B.Value, layer: Int?, mask: Tensor<Double>? = nil, on b: B,
                                trace: inout [NonlinearityCall], observe: ForwardObserver?) -> B.Value {
        trace.append(NonlinearityCall(function: function, layer: layer, shape: b.shape(of: x)))
        guard let approximation = configuration.approximations[function] else { return x } // unreachable: validated
        let y: B.Value
        if let mask, let masked = approximation as? any MaskableRowFunction {
            y = b.scope(function) { masked.evaluate(x, mask: mask, on: b) }
        } else {
            y = b.scope(function) { approximation.evaluate(x, on: b) }
        }
        observe?(.nonlinearity(function: function, layer: layer, input: b.reveal(x), output: b.reveal(y), mask: mask))
        return y
    }

    /// x·W (+ the bias `name.bias` when the weights have one: a public addition).
    func projected<B: ModelBackend>(_ x: B.Value, _ name: String, layer: Int, _ w: WeightMatrix, bias: Tensor<Double>? = nil, on b: B) -> B.Value {
        let y = b.linear(x, w)
        guard let bias = bias ?? weights.vector("\(name).bias", layer: layer) else { return y }
        return b.addPublic(y, bias)
    }

    /// LayerNorm, then its gain and bias when the weights have them (`which`: "ln1", "ln2", "lnf").
    func layerNorm<B: ModelBackend>(_ x: B.Value, _ which: String, layer: Int?, on b: B, trace: inout [NonlinearityCall],
                                    observe: ForwardObserver?) -> B.Value {
        var y = apply("layernorm", x, layer: layer, on: b, trace: &trace, observe: observe)
        if let gain = weights.vector("\(which).gain", layer: layer ?? -1) { y = b.multiplyPublic(y, gain) }
        if let bias = weights.vector("\(which).bias", layer: layer ?? -1) { y = b.addPublic(y, bias) }
        return y
    }

    /// The input embedding: one-hot tokens [B·T × V] · W_emb [V × d] (the client's tokens are
    /// private), plus the position embeddings when the weights have them.
    public func embed<B: ModelBackend>(_ oneHot: B.Value, on b: B) -> B.Value {
        b.scope("embedding") {
            let e = b.linear(oneHot, weights.matrix("wte", layer: -1, rows: shape.vocabulary, columns: shape.width))
            guard let p = weights.positions(tokens: configuration.tokens) else { return e }
            let repeated = Array(repeating: p.scalars, count: configuration.batch).flatMap { $0 }
            return b.addPublic(e, Tensor(uncheckedShape: [configuration.batch * configuration.tokens, shape.width], scalars: repeated))
        }
    }

    /// The blocks, the final LayerNorm where the architecture has one, and the vocabulary
    /// projection when embeddings are included. `hidden` is [T × d].
    /// `progress` is called after each block with (blocks done, blocks); `observe`
    /// receives revealed intermediate values (for error reports).
    public func forward<B: ModelBackend>(_ hidden: B.Value, on b: B, trace: inout [NonlinearityCall],
                                         progress: ((Int, Int) -> Void)? = nil, observe: ForwardObserver? = nil) -> B.Value {
        var h = hidden
        let mask = attentionMask(on: b)
        for layer in 0..<shape.layers {
            h = b.scope("layer\(layer)") { block(h, layer: layer, mask: mask, on: b, trace: &trace, observe: observe) }
            observe?(.block(layer: layer, hidden: b.reveal(h)))
            progress?(layer + 1, shape.layers)
        }
        if configuration.architecture.hasLayerNorm {
            h = b.scope("final") { layerNorm(h, "lnf", layer: nil, on: b, trace: &trace, observe: observe) }
        }
        if configuration.includeEmbeddings {
            h = b.scope("lm-head") { b.linear(h, weights.matrix("wte.T", layer: -1, rows: shape.width, columns: shape.vocabulary)) }
        }
        return h
    }

    /// One block: (LN →) multi-head attention → residual → (LN →) FFN → residual.
    /// `mask`: the attention mask, `attentionMask(on:)` (built once per forward pass).
    func block<B: ModelBackend>(_ x: B.Value, layer: Int, mask attentionMask: Tensor<Double>?, on b: B, trace: inout [NonlinearityCall],
                                observe: ForwardObserver? = nil) -> B.Value {
        let a = configuration.architecture, t = configuration.tokens, d = shape.width, heads = shape.heads, dh = shape.headWidth
        let batch = configuration.batch
        let attnInput = a.hasLayerNorm ? layerNorm(x, "ln1", layer: layer, on: b, trace: &trace, observe: observe) : x
        let attention = b.scope("attention") { () -> B.Value in
            func project(_ name: String) -> B.Value {
                let y = projected(attnInput, name, layer: layer, weights.matrix(name, layer: layer, rows: d, columns: d), on: b)
                guard batch > 1 else { return b.transposed(b.reshaped(y, [t, heads, dh]), [1, 0, 2]) }   // [H, T, dh]
                return b.reshaped(b.transposed(b.reshaped(y, [batch, t, heads, dh]), [0, 2, 1, 3]), [batch * heads, t, dh])
            }
            let q = project("q"), k = project("k"), v = project("v")
            // Scores with the 1/√dh temperature folded into W_q would be free; here it is applied
            // to the scores as a public constant, as the reference implementations do.
            let scores = b.multiplyConstant(b.privateMatmul(q, b.transposed(k, [0, 2, 1])), 1 / Double(dh).squareRoot())
            let probabilities = apply(configuration.attention, scores, layer: layer, mask: attentionMask, on: b, trace: &trace, observe: observe)
            let weighted = b.privateMatmul(probabilities, v)   // [B·H, T, dh]
            let context = batch == 1 ? b.reshaped(b.transposed(weighted, [1, 0, 2]), [t, d])
                : b.reshaped(b.transposed(b.reshaped(weighted, [batch, heads, t, dh]), [0, 2, 1, 3]), [batch * t, d])
            return projected(context, "o", layer: layer, weights.matrix("o", layer: layer, rows: d, columns: d), on: b)
        }
        let h = b.add(x, attention)
        guard a != .aero || layer < (configuration.ffnKeep ?? shape.layers) else { return h }
        let ffnInput = a.hasLayerNorm ? layerNorm(h, "ln2", layer: layer, on: b, trace: &trace, observe: observe) : h
        let ffn = b.scope("ffn") { () -> B.Value in
            let alpha = configuration.ffnScaleAlpha
            if a.fusedFFN {
                let w = weights.fusedFFN(layer: layer, alpha: alpha)
                let y = b.linear(ffnInput, w)
                return weights.fusedFFNBias(layer: layer, alpha: alpha).map { b.addPublic(y, $0) } ?? y
            }
            let up = projected(ffnInput, "ffn.in", layer: layer, weights.matrix("ffn.in", layer: layer, rows: d, columns: shape.ffnWidth), on: b)
            let activated: B.Value = switch a.activation {
            case .gelu: apply("gelu", up, layer: layer, on: b, trace: &trace, observe: observe)
            case .relu: apply("relu", up, layer: layer, on: b, trace: &trace, observe: observe)
            case .none: up
            }
            let scale = a == .sm ? alpha : 1
            let wout = weights.matrix("ffn.out", layer: layer, rows: shape.ffnWidth, columns: d)
            let scaled = scale == 1 ? wout : WeightMatrix(rows: wout.rows, columns: wout.columns) { wout.values.map { $0 / scale } }
            let bias = weights.vector("ffn.out.bias", layer: layer).map { scale == 1 ? $0 : $0.map { $0 / scale } }
            return projected(activated, "ffn.out", layer: layer, scaled, bias: bias, on: b)
        }
        return b.add(h, ffn)
    }
}
