import Foundation
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
        let design = shape.design
        if design.feedForward == .gated, architecture.activation == .none {
            throw .invalidOption("\(shape.name) has a gated FFN (\(design.activation) gate · up projection); architecture \(architecture.rawValue) has no activation to gate with")
        }
        guard generate >= 0 else { throw .invalidOption("the tokens to generate must be ≥ 0, got \(generate)") }
        if generate > 0, !design.canGenerate {
            throw .invalidOption("\(shape.name) is an encoder (\(design.family.rawValue)): it does not generate tokens")
        }
        if generate > 0, !includeEmbeddings {
            throw .invalidOption("generating tokens needs the embeddings (each step feeds a token in and reads logits out)")
        }
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

    /// Decode steps after the prefill (each one token, attending to every earlier one
    /// through the KV cache); 0: the prefill only.
    public var generate = 0

    /// Tokens the longest attention row covers: the prefill and every generated token.
    public var contextLength: Int { tokens + generate }

    /// The tensors a forward pass builds, by name and shape: the input rows and the
    /// embedding, the hidden state, the FFN's hidden layer and weights, and the attention scores.
    public var tensorShapes: [(name: String, shape: [Int])] {
        let d = shape.width, rows = [batch, tokens], t = contextLength
        var out: [(String, [Int])] = [("hidden state", rows + [d]), ("FFN hidden layer", rows + [shape.ffnWidth]),
                                      ("FFN weights", [d, shape.ffnWidth]), ("attention weights", [d, d]),
                                      ("attention scores", [batch, shape.heads, tokens, t])]
        if includeEmbeddings { out += [("input rows", rows + [shape.inputWidth]), ("embedding", [shape.inputWidth, d])] }
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

    /// The norm's catalog name ("layernorm", or "rmsnorm" for LLaMA).
    public var normFunction: String { shape.design.norm.rawValue }

    /// The FFN activation's catalog name, nil without one: the family's own ("gelu",
    /// "silu") for architectures that keep it, "relu" for the ReLU variants.
    public var activationFunction: String? {
        switch architecture.activation {
        case .gelu: shape.design.activation
        case .relu: "relu"
        case .none: nil
        }
    }

    /// The nonlinearities this architecture evaluates.
    public var requiredFunctions: [String] {
        var f = [attention]
        if architecture.hasLayerNorm { f.append(normFunction) }
        if let a = activationFunction { f.append(a) }
        if includeEmbeddings, shape.design.head == .pooler { f.append("tanh") }
        return f
    }

    /// The row length each function's approximation is built for: the model width for the
    /// norms, the longest attention row otherwise.
    public func rowLength(of function: String) -> Int {
        [normFunction, "layernorm"].contains(function) ? shape.width : contextLength
    }
}

/// The keys and values of every block's earlier tokens, kept private (shares, or
/// ciphertexts) between decode steps. Keys are kept transposed, [B·kvH, dh, t], so that a new
/// token's key is one more column and the scores are q · keys without a transpose.
public struct KeyValueCache<Value> {
    public var keys: [Value?]
    public var values: [Value?]
    /// Tokens cached so far (the next token's position).
    public var length = 0

    public init(layers: Int) {
        keys = Array(repeating: nil, count: layers)
        values = Array(repeating: nil, count: layers)
    }
}

/// A transformer written once over `ModelBackend`: the same code runs in the clear, in
/// fixed point, on shares, on ciphertexts and on shape-only counters, for every family
/// (`BlockDesign` is data: norm kind and placement, gated FFN, rotary positions,
/// grouped-query attention, parallel residual, heads).
public struct TransformerModel: Sendable {
    public let configuration: ModelConfiguration
    public let weights: ModelWeights

    public init(configuration: ModelConfiguration, weights: ModelWeights) {
        self.configuration = configuration
        self.weights = weights
    }

    var shape: ModelShape { configuration.shape }
    var design: BlockDesign { configuration.shape.design }

    /// The public causal mask [T × T] when the configuration asks for one: dense for
    /// backends that track values, shape-only for estimates (T = 10^6 would be 8 TB dense).
    func attentionMask<B: ModelBackend>(on b: B) -> Tensor<Double>? {
        guard configuration.causalMask else { return nil }
        let t = configuration.tokens
        return b.tracksValues ? causalMask(tokens: t) : Tensor(uncheckedShape: [t, t], scalars: [])
    }

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

    /// The family's norm (LayerNorm or RMSNorm), then its gain and bias when the weights
    /// have them (`which`: "ln1", "ln2", "lnf", "lne").
    func norm<B: ModelBackend>(_ x: B.Value, _ which: String, layer: Int?, on b: B, trace: inout [NonlinearityCall],
                               observe: ForwardObserver?) -> B.Value {
        var y = apply(configuration.normFunction, x, layer: layer, on: b, trace: &trace, observe: observe)
        if let gain = weights.vector("\(which).gain", layer: layer ?? -1) { y = b.multiplyPublic(y, gain) }
        if let bias = weights.vector("\(which).bias", layer: layer ?? -1) { y = b.addPublic(y, bias) }
        return y
    }

    /// The input embedding of `rows` rows (B sequences of the same length) whose first
    /// token is at `position`: one-hot tokens [B·T × V] · W_emb [V × d] (the client's tokens
    /// are private), or patches [B·T × p] · W_patch; then the public additions the weights
    /// have (positions, token type 0, ViT's class token and patch bias) and BERT's norm.
    public func embed<B: ModelBackend>(_ input: B.Value, position: Int = 0, on b: B, trace: inout [NonlinearityCall],
                                       observe: ForwardObserver? = nil) -> B.Value {
        let batch = configuration.batch, rows = b.shape(of: input).first ?? 0, t = rows / max(batch, 1), d = shape.width
        let e = b.scope("embedding") { () -> B.Value in
            let name = design.input == .patches ? "patch" : "wte"
            var e = b.linear(input, weights.matrix(name, layer: -1, rows: shape.inputWidth, columns: d))
            if let added = weights.embeddingAdditions(tokens: t, from: position, batch: batch) { e = b.addPublic(e, added) }
            return e
        }
        guard design.embeddingNorm, configuration.architecture.hasLayerNorm else { return e }
        return b.scope("embedding") { norm(e, "lne", layer: nil, on: b, trace: &trace, observe: observe) }
    }

    /// `embed` of a prefill, not recording the embedding norm's call (for callers that do not trace).
    public func embed<B: ModelBackend>(_ input: B.Value, on b: B) -> B.Value {
        var trace = [NonlinearityCall]()
        return embed(input, on: b, trace: &trace)
    }

    /// The blocks, the final norm where the design and architecture have one, and the head
    /// when embeddings are included. `hidden` is [B·T × d]; `cache`, when given, supplies the
    /// keys and values of earlier tokens and receives these tokens' (decode steps).
    /// `progress` is called after each block with (blocks done, blocks); `observe`
    /// receives revealed intermediate values (for error reports).
    public func forward<B: ModelBackend>(_ hidden: B.Value, on b: B, trace: inout [NonlinearityCall],
                                         cache: inout KeyValueCache<B.Value>?,
                                         progress: ((Int, Int) -> Void)? = nil, observe: ForwardObserver? = nil) -> B.Value {
        var h = hidden
        // A prefill masks the future; a decode step's one token may see every cached key.
        let mask = (cache?.length ?? 0) == 0 ? attentionMask(on: b) : nil
        let position = cache?.length ?? 0
        for layer in 0..<shape.layers {
            h = b.scope("layer\(layer)") { block(h, layer: layer, mask: mask, position: position, cache: &cache, on: b, trace: &trace, observe: observe) }
            observe?(.block(layer: layer, hidden: b.reveal(h)))
            progress?(layer + 1, shape.layers)
        }
        if cache != nil { cache!.length += b.shape(of: hidden)[0] / max(configuration.batch, 1) }
        if design.finalNorm, configuration.architecture.hasLayerNorm {
            h = b.scope("final") { norm(h, "lnf", layer: nil, on: b, trace: &trace, observe: observe) }
        }
        guard configuration.includeEmbeddings else { return h }
        return b.scope("lm-head") { head(h, on: b, trace: &trace, observe: observe) }
    }

    /// `forward` without a KV cache (a prefill whose keys are not kept).
    public func forward<B: ModelBackend>(_ hidden: B.Value, on b: B, trace: inout [NonlinearityCall],
                                         progress: ((Int, Int) -> Void)? = nil, observe: ForwardObserver? = nil) -> B.Value {
        var none: KeyValueCache<B.Value>? = nil
        return forward(hidden, on: b, trace: &trace, cache: &none, progress: progress, observe: observe)
    }

    /// The head: logits for every row (the vocabulary projection, tied to the embedding or
    /// not), or on each sequence's first token the pooler (tanh) or the classifier.
    func head<B: ModelBackend>(_ h: B.Value, on b: B, trace: inout [NonlinearityCall], observe: ForwardObserver?) -> B.Value {
        let d = shape.width, batch = configuration.batch
        switch design.head {
        case .vocabulary:
            return b.linear(h, weights.matrix(design.tiedHead ? "wte.T" : "head", layer: -1, rows: d, columns: shape.vocabulary))
        case .pooler, .classifier:
            let rows = b.shape(of: h)[0]
            let first = b.columns(b.reshaped(h, [batch, rows / max(batch, 1) * d]), from: 0, count: d)   // [B × d]
            if design.head == .classifier {
                return projected(first, "head", layer: -1, weights.matrix("head", layer: -1, rows: d, columns: shape.vocabulary), on: b)
            }
            let pooled = projected(first, "pooler", layer: -1, weights.matrix("pooler", layer: -1, rows: d, columns: d), on: b)
            return apply("tanh", pooled, layer: nil, on: b, trace: &trace, observe: observe)
        }
    }

    /// One block. Pre-norm: x + attn(norm(x)), then + ffn(norm(·)); parallel (NeoX):
    /// x + attn(norm₁(x)) + ffn(norm₂(x)); post-norm (BERT): norm(x + attn(x)), then
    /// norm(· + ffn(·)). Norm-free architectures skip the norms.
    func block<B: ModelBackend>(_ x: B.Value, layer: Int, mask attentionMask: Tensor<Double>?, position: Int,
                                cache: inout KeyValueCache<B.Value>?, on b: B, trace: inout [NonlinearityCall],
                                observe: ForwardObserver? = nil) -> B.Value {
        let a = configuration.architecture, norms = a.hasLayerNorm
        let keepsFFN = a != .aero || layer < (configuration.ffnKeep ?? shape.layers)
        func normed(_ v: B.Value, _ which: String) -> B.Value {
            norms ? norm(v, which, layer: layer, on: b, trace: &trace, observe: observe) : v
        }
        switch design.normPlacement {
        case .post:
            let h = normed(b.add(x, attention(x, layer: layer, mask: attentionMask, position: position, cache: &cache, on: b,
                                              trace: &trace, observe: observe)), "ln1")
            guard keepsFFN else { return h }
            return normed(b.add(h, feedForward(h, layer: layer, on: b, trace: &trace, observe: observe)), "ln2")
        case .pre:
            let attended = attention(normed(x, "ln1"), layer: layer, mask: attentionMask, position: position, cache: &cache, on: b,
                                     trace: &trace, observe: observe)
            if design.parallelResidual {
                guard keepsFFN else { return b.add(x, attended) }
                return b.add(b.add(x, attended), feedForward(normed(x, "ln2"), layer: layer, on: b, trace: &trace, observe: observe))
            }
            let h = b.add(x, attended)
            guard keepsFFN else { return h }
            return b.add(h, feedForward(normed(h, "ln2"), layer: layer, on: b, trace: &trace, observe: observe))
        }
    }

    /// Multi-head attention over this pass's tokens and the cached ones: q, k, v projections,
    /// rotary positions where the design has them, key/value heads repeated for grouped-query
    /// attention, scores with the 1/√dh temperature as a public constant (as the reference
    /// implementations apply it), the attention nonlinearity, A·V and the output projection.
    func attention<B: ModelBackend>(_ x: B.Value, layer: Int, mask: Tensor<Double>?, position: Int,
                                    cache: inout KeyValueCache<B.Value>?, on b: B, trace: inout [NonlinearityCall],
                                    observe: ForwardObserver?) -> B.Value {
        b.scope("attention") { () -> B.Value in
            let d = shape.width, heads = shape.heads, kvHeads = shape.kvHeads, dh = shape.headWidth, batch = configuration.batch
            let t = b.shape(of: x)[0] / max(batch, 1)
            /// [B·T × n·dh] → [B·n, T, dh].
            func split(_ y: B.Value, heads n: Int) -> B.Value {
                guard batch > 1 else { return b.transposed(b.reshaped(y, [t, n, dh]), [1, 0, 2]) }
                return b.reshaped(b.transposed(b.reshaped(y, [batch, t, n, dh]), [0, 2, 1, 3]), [batch * n, t, dh])
            }
            func project(_ name: String, heads n: Int) -> B.Value {
                split(projected(x, name, layer: layer, weights.matrix(name, layer: layer, rows: d, columns: n * dh), on: b), heads: n)
            }
            var q = project("q", heads: heads), k = project("k", heads: kvHeads)
            let v = project("v", heads: kvHeads)
            if design.positions == .rotary {
                q = rotated(q, position: position, on: b)
                k = rotated(k, position: position, on: b)
            }
            var keys = b.transposed(k, [0, 2, 1]), values = b.transposed(v, [0, 2, 1])   // [B·kvH, dh, T]
            if cache != nil {
                if let earlier = cache!.keys[layer] { keys = b.concatenatingColumns(earlier, keys) }
                if let earlier = cache!.values[layer] { values = b.concatenatingColumns(earlier, values) }
                cache!.keys[layer] = keys
                cache!.values[layer] = values
            }
            let group = heads / kvHeads
            let allKeys = repeatedHeads(keys, group: group, on: b)                                     // [B·H, dh, t]
            let allValues = b.transposed(repeatedHeads(values, group: group, on: b), [0, 2, 1])         // [B·H, t, dh]
            let scores = b.multiplyConstant(b.privateMatmul(q, allKeys), 1 / Double(dh).squareRoot())
            let probabilities = apply(configuration.attention, scores, layer: layer, mask: mask, on: b, trace: &trace, observe: observe)
            let weighted = b.privateMatmul(probabilities, allValues)   // [B·H, T, dh]
            let context = batch == 1 ? b.reshaped(b.transposed(weighted, [1, 0, 2]), [t, d])
                : b.reshaped(b.transposed(b.reshaped(weighted, [batch, heads, t, dh]), [0, 2, 1, 3]), [batch * t, d])
            return projected(context, "o", layer: layer, weights.matrix("o", layer: layer, rows: d, columns: d), on: b)
        }
    }

    /// [B·kvH, r, c] with each key/value head repeated `group` times, in place: head h of
    /// the result is key/value head h / group (Hugging Face's `repeat_kv`). A layout change.
    func repeatedHeads<B: ModelBackend>(_ a: B.Value, group: Int, on b: B) -> B.Value {
        guard group > 1 else { return a }
        let s = b.shape(of: a), flat = b.reshaped(a, [s[0], s[1] * s[2]])
        var out = flat
        for _ in 1..<group { out = b.concatenatingColumns(out, flat) }
        return b.reshaped(out, [s[0] * group, s[1], s[2]])
    }

    /// Rotary position embedding (Su et al. 2021, in Hugging Face's half-split layout) of
    /// x [B·n, T, dh] whose first token is at `position`: on the first r dimensions,
    /// x·cos θ + rotate_half(x)·sin θ with θ_i = p·base^(−2i/r), rotate_half(x) = (−x₂, x₁);
    /// the other dh − r pass through (NeoX's partial rotary). Two public products (each a
    /// truncation on shares, a plaintext product on ciphertexts) and layout; the layout is
    /// free here, as every transpose is (slot rotations are not charged).
    func rotated<B: ModelBackend>(_ x: B.Value, position: Int, on b: B) -> B.Value {
        let s = b.shape(of: x), dh = s[2], t = s[1], r = design.rotaryDimensions(headWidth: dh), half = r / 2
        guard r >= 2 else { return x }
        let part = r == dh ? x : b.columns(x, from: 0, count: r)
        let swapped = b.concatenatingColumns(b.columns(part, from: half, count: half), b.columns(part, from: 0, count: half))
        let base = design.rotaryBase
        // [1, T, r], broadcast over the heads. A shape-only backend gets a [1, 1, r] stand-in:
        // its cost depends only on whether the entries are integers, which they are only
        // when every angle is 0 (one token at position 0).
        let integral = position == 0 && t == 1
        func table(_ f: @escaping (Double, Int) -> Double) -> Tensor<Double> {
            guard b.tracksValues else { return Tensor(uncheckedShape: [1, 1, r], repeating: integral ? f(0, half) : 0.5) }
            var out = [Double](repeating: 0, count: t * r)
            for p in 0..<t {
                for j in 0..<r {
                    let angle = Double(position + p) * Foundation.pow(base, -Double(2 * (j % half)) / Double(r))
                    out[p * r + j] = f(angle, j)
                }
            }
            return Tensor(uncheckedShape: [1, t, r], scalars: out)
        }
        let cosines = table { angle, _ in Foundation.cos(angle) }
        let sines = table { angle, j in j < half ? -Foundation.sin(angle) : Foundation.sin(angle) }
        let y = b.add(b.multiplyPublic(part, cosines), b.multiplyPublic(swapped, sines))
        return r == dh ? y : b.concatenatingColumns(y, b.columns(x, from: r, count: dh - r))
    }

    /// The FFN: plain (act(x·W_in)·W_out, AERO's fused or scaled forms) or gated
    /// ((act(x·W_gate) ⊙ x·W_up)·W_down).
    func feedForward<B: ModelBackend>(_ x: B.Value, layer: Int, on b: B, trace: inout [NonlinearityCall],
                                      observe: ForwardObserver?) -> B.Value {
        b.scope("ffn") { () -> B.Value in
            let a = configuration.architecture, alpha = configuration.ffnScaleAlpha, d = shape.width, f = shape.ffnWidth
            if a.fusedFFN {
                let y = b.linear(x, weights.fusedFFN(layer: layer, alpha: alpha))
                return weights.fusedFFNBias(layer: layer, alpha: alpha).map { b.addPublic(y, $0) } ?? y
            }
            let up = projected(x, "ffn.in", layer: layer, weights.matrix("ffn.in", layer: layer, rows: d, columns: f), on: b)
            var activated = up
            if design.feedForward == .gated, let act = configuration.activationFunction {
                let gate = projected(x, "ffn.gate", layer: layer, weights.matrix("ffn.gate", layer: layer, rows: d, columns: f), on: b)
                activated = b.multiply(apply(act, gate, layer: layer, on: b, trace: &trace, observe: observe), up)
            } else if let act = configuration.activationFunction {
                activated = apply(act, up, layer: layer, on: b, trace: &trace, observe: observe)
            }
            let scale = a == .sm ? alpha : 1
            let wout = weights.matrix("ffn.out", layer: layer, rows: f, columns: d)
            let scaled = scale == 1 ? wout : WeightMatrix(rows: wout.rows, columns: wout.columns) { wout.values.map { $0 / scale } }
            let bias = weights.vector("ffn.out.bias", layer: layer).map { scale == 1 ? $0 : $0.map { $0 / scale } }
            return projected(activated, "ffn.out", layer: layer, scaled, bias: bias, on: b)
        }
    }
}
