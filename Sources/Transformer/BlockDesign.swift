/// The transformer families PISim models, each a set of architecture knobs (`BlockDesign`)
/// over the one generic forward pass.
public enum ModelFamily: String, Sendable, Hashable, Codable, CaseIterable {
    /// GPT-2 (Radford et al. 2019): pre-LN, learned positions, GELU FFN, causal, tied head.
    case gpt2
    /// GPT-NeoX / Pythia (Black et al. 2022; Biderman et al. 2023): pre-LN, parallel
    /// attention and MLP (`use_parallel_residual`), rotary on 25 % of each head, untied head.
    case neox
    /// BERT (Devlin et al. 2019): post-LN, bidirectional, erf GELU, token-type and position
    /// embeddings with a LayerNorm, optional tanh pooler on the first token.
    case bert
    /// ViT (Dosovitskiy et al. 2021): patch embedding as a linear layer, a class token,
    /// learned positions, pre-LN, bidirectional, GELU, class head on the first token.
    case vit
    /// LLaMA (Touvron et al. 2023): pre-RMSNorm, SwiGLU FFN, rotary positions, grouped-query
    /// attention, causal, untied head.
    case llama
}

/// The knobs that make one family's block differ from another's: data, read by the one
/// forward pass in `TransformerModel` (no family has its own code path).
public struct BlockDesign: Sendable, Hashable, Codable {
    public enum Norm: String, Sendable, Hashable, Codable {
        /// (x − mean) / √(var + ε), catalog "layernorm".
        case layerNorm = "layernorm"
        /// x / √(mean(x²) + ε) (Zhang & Sennrich 2019), catalog "rmsnorm".
        case rmsNorm = "rmsnorm"
    }

    public enum NormPlacement: String, Sendable, Hashable, Codable {
        /// Norm before each sublayer, residual around it (GPT-2, LLaMA, ViT).
        case pre
        /// Norm after each residual addition (BERT).
        case post
    }

    public enum FeedForward: String, Sendable, Hashable, Codable {
        /// act(x·W_in)·W_out.
        case plain
        /// (act(x·W_gate) ⊙ x·W_up)·W_down (SwiGLU; Shazeer 2020): one private × private product more.
        case gated
    }

    public enum Positions: String, Sendable, Hashable, Codable {
        /// A learned embedding added to the input (GPT-2, BERT, ViT).
        case learned
        /// Rotary embeddings on q and k (Su et al. 2021): a public per-position rotation.
        case rotary
    }

    public enum Input: String, Sendable, Hashable, Codable {
        /// Token ids, one-hot [T × V] times the embedding.
        case tokens
        /// Image patches [T × p] (the first row the class token's place), times the patch projection.
        case patches
    }

    public enum Head: String, Sendable, Hashable, Codable {
        /// Logits over the vocabulary for every token (language models).
        case vocabulary
        /// tanh(h₀·W_p + b_p) of the first token (BERT's pooler).
        case pooler
        /// h₀·W_c [d × classes] of the first token (ViT's classifier).
        case classifier
    }

    public var family: ModelFamily
    public var norm: Norm
    public var normPlacement: NormPlacement
    public var feedForward: FeedForward
    /// The family's own FFN activation's catalog name: "gelu" (erf; GPT-2's tanh form is
    /// approximated by the same profiles) or "silu".
    public var activation: String
    public var positions: Positions
    /// Rotary: the fraction of each head's dimensions rotated (NeoX `rotary_pct`, 1 for LLaMA).
    public var rotaryFraction: Double
    /// Rotary: the base θ of the frequencies θ^(−2i/r) (10 000 in LLaMA and NeoX).
    public var rotaryBase: Double
    /// Attention and FFN both read the block's input and add to it (NeoX).
    public var parallelResidual: Bool
    /// Token t attends to tokens ≤ t (decoders).
    public var causal: Bool
    /// A norm after the last block (pre-norm families).
    public var finalNorm: Bool
    /// A norm on the embeddings (BERT).
    public var embeddingNorm: Bool
    /// The norms' ε (1e-5 GPT-2, 1e-12 BERT, 1e-6 LLaMA / ViT).
    public var normEpsilon: Double
    public var input: Input
    public var head: Head
    /// The vocabulary projection is the token embedding transposed (GPT-2, BERT).
    public var tiedHead: Bool

    public init(family: ModelFamily) {
        self.family = family
        norm = family == .llama ? .rmsNorm : .layerNorm
        normPlacement = family == .bert ? .post : .pre
        feedForward = family == .llama ? .gated : .plain
        activation = family == .llama ? "silu" : "gelu"
        positions = [.llama, .neox].contains(family) ? .rotary : .learned
        rotaryFraction = family == .neox ? 0.25 : 1
        rotaryBase = 10_000
        parallelResidual = family == .neox
        causal = [.gpt2, .neox, .llama].contains(family)
        finalNorm = family != .bert
        embeddingNorm = family == .bert
        normEpsilon = switch family {
        case .gpt2, .neox: 1e-5
        case .bert: 1e-12
        case .vit: 1e-12
        case .llama: 1e-6
        }
        input = family == .vit ? .patches : .tokens
        head = switch family {
        case .bert: .pooler
        case .vit: .classifier
        default: .vocabulary
        }
        tiedHead = family == .gpt2 || family == .bert
    }

    /// Decoders generate tokens; encoders (BERT, ViT) do not.
    public var canGenerate: Bool { causal && head == .vocabulary && input == .tokens }

    /// The rotated dimensions of a head of width `headWidth`: even, at most the head.
    public func rotaryDimensions(headWidth: Int) -> Int {
        guard positions == .rotary else { return 0 }
        let r = Int((Double(headWidth) * rotaryFraction).rounded(.down))
        return min(headWidth, r - r % 2)
    }
}
