/// The dimensions of a transformer and its family's block design.
public struct ModelShape: Sendable, Hashable, Codable {
    public var name: String
    /// L: number of blocks.
    public var layers: Int
    /// H: attention heads per block.
    public var heads: Int
    /// d: model width.
    public var width: Int
    /// FFN inner width (4d for GPT-2).
    public var ffnWidth: Int
    /// Vocabulary size (ViT: the classes of its head).
    public var vocabulary: Int
    /// Key/value heads (grouped-query attention, Ainslie et al. 2023): H for multi-head
    /// attention; each serves H / kvHeads query heads.
    public var kvHeads: Int
    /// ViT: the features of one patch (3·16·16 = 768 for 16×16 RGB patches); 0 otherwise.
    public var patchFeatures: Int
    public var design: BlockDesign

    public init(name: String, layers: Int, heads: Int, width: Int, ffnWidth: Int, vocabulary: Int,
                family: ModelFamily = .gpt2, kvHeads: Int? = nil, patchFeatures: Int = 0) {
        self.name = name
        self.layers = layers
        self.heads = heads
        self.width = width
        self.ffnWidth = ffnWidth
        self.vocabulary = vocabulary
        self.kvHeads = kvHeads ?? heads
        self.patchFeatures = family == .vit && patchFeatures == 0 ? 768 : patchFeatures
        design = BlockDesign(family: family)
    }

    public var family: ModelFamily { design.family }

    /// d / H.
    public var headWidth: Int { width / heads }

    /// Width of the key and value projections: kvHeads · d/H.
    public var kvWidth: Int { kvHeads * headWidth }

    /// Columns of the client's input rows: the vocabulary (one-hot tokens) or a patch's features.
    public var inputWidth: Int { design.input == .patches ? patchFeatures : vocabulary }

    /// Presets, each as its Hugging Face `config.json` gives it: GPT-2 (Radford et al. 2019),
    /// Pythia (Biderman et al. 2023; EleutherAI), BERT (Devlin et al. 2019; bert-base-uncased,
    /// bert-large-uncased), ViT-B/16 and ViT-L/16 (google/vit-*-patch16-224: 1000 classes),
    /// LLaMA-7B (Touvron et al. 2023), Llama-2-13B and TinyLlama-1.1B (grouped-query, 4 KV heads).
    public static let presets: [ModelShape] = [
        ModelShape(name: "gpt2-small", layers: 12, heads: 12, width: 768, ffnWidth: 3072, vocabulary: 50257),
        ModelShape(name: "gpt2-medium", layers: 24, heads: 16, width: 1024, ffnWidth: 4096, vocabulary: 50257),
        ModelShape(name: "gpt2-large", layers: 36, heads: 20, width: 1280, ffnWidth: 5120, vocabulary: 50257),
        ModelShape(name: "pythia-70m", layers: 6, heads: 8, width: 512, ffnWidth: 2048, vocabulary: 50304, family: .neox),
        ModelShape(name: "pythia-160m", layers: 12, heads: 12, width: 768, ffnWidth: 3072, vocabulary: 50304, family: .neox),
        ModelShape(name: "pythia-410m", layers: 24, heads: 16, width: 1024, ffnWidth: 4096, vocabulary: 50304, family: .neox),
        ModelShape(name: "bert-base", layers: 12, heads: 12, width: 768, ffnWidth: 3072, vocabulary: 30522, family: .bert),
        ModelShape(name: "bert-large", layers: 24, heads: 16, width: 1024, ffnWidth: 4096, vocabulary: 30522, family: .bert),
        ModelShape(name: "vit-b16", layers: 12, heads: 12, width: 768, ffnWidth: 3072, vocabulary: 1000, family: .vit),
        ModelShape(name: "vit-l16", layers: 24, heads: 16, width: 1024, ffnWidth: 4096, vocabulary: 1000, family: .vit),
        ModelShape(name: "llama-7b", layers: 32, heads: 32, width: 4096, ffnWidth: 11008, vocabulary: 32000, family: .llama),
        ModelShape(name: "llama2-13b", layers: 40, heads: 40, width: 5120, ffnWidth: 13824, vocabulary: 32000, family: .llama),
        ModelShape(name: "tinyllama-1.1b", layers: 22, heads: 32, width: 2048, ffnWidth: 5632, vocabulary: 32000, family: .llama, kvHeads: 4),
    ]

    /// The preset called `name`.
    ///
    /// - Throws: `TransformerError.unknownModel` listing the presets.
    public static func preset(_ name: String) throws(TransformerError) -> ModelShape {
        guard let m = presets.first(where: { $0.name == name }) else { throw .unknownModel(name, known: presets.map(\.name)) }
        return m
    }

    /// - Throws: `TransformerError.invalidShape` when a dimension is not positive or d is not divisible by H.
    /// The most blocks a model may have: every block is run, even in an estimate.
    public static let maximumLayers = 4096

    public func validate() throws(TransformerError) {
        guard layers > 0, heads > 0, width > 0, ffnWidth > 0, vocabulary > 0 else {
            throw .invalidShape("every dimension must be positive (\(name): L=\(layers) H=\(heads) d=\(width) ffn=\(ffnWidth) V=\(vocabulary))")
        }
        guard width % heads == 0 else { throw .invalidShape("width \(width) is not divisible by \(heads) heads") }
        guard kvHeads > 0, heads % kvHeads == 0 else {
            throw .invalidShape("\(heads) query heads cannot be grouped over \(kvHeads) key/value heads (kv heads must divide the heads)")
        }
        guard design.input == .tokens || patchFeatures > 0 else { throw .invalidShape("a patch input needs patch_features > 0") }
        guard design.rotaryFraction > 0, design.rotaryFraction <= 1 else {
            throw .invalidShape("the rotary fraction must be in (0, 1], got \(design.rotaryFraction)")
        }
        guard design.normEpsilon >= 0, design.normEpsilon.isFinite, design.rotaryBase > 1, design.rotaryBase.isFinite else {
            throw .invalidShape("the norm ε must be ≥ 0 and the rotary base > 1")
        }
        guard layers <= Self.maximumLayers else {
            throw .invalidShape("\(layers) blocks; PISim runs at most \(Self.maximumLayers) (the deepest published transformers have ~100)")
        }
    }
}

/// Errors of the transformer module.
public enum TransformerError: Error, Equatable, CustomStringConvertible {
    case unknownModel(String, known: [String])
    case unknownArchitecture(String, known: [String])
    case invalidShape(String)
    case invalidOption(String)

    public var description: String {
        switch self {
        case let .unknownModel(name, known): "unknown model '\(name)'; presets: \(known.joined(separator: ", "))"
        case let .unknownArchitecture(name, known): "unknown architecture '\(name)'; known: \(known.joined(separator: ", "))"
        case let .invalidShape(why): "invalid model shape: \(why)"
        case let .invalidOption(why): why
        }
    }
}
