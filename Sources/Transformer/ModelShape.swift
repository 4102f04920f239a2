/// The dimensions of a decoder-only transformer.
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
    /// Vocabulary size.
    public var vocabulary: Int

    public init(name: String, layers: Int, heads: Int, width: Int, ffnWidth: Int, vocabulary: Int) {
        self.name = name
        self.layers = layers
        self.heads = heads
        self.width = width
        self.ffnWidth = ffnWidth
        self.vocabulary = vocabulary
    }

    /// d / H.
    public var headWidth: Int { width / heads }

    /// Presets: GPT-2 (Radford et al. 2019; Hugging Face configs) and Pythia (Biderman et al.
    /// 2023; EleutherAI configs).
    public static let presets: [ModelShape] = [
        ModelShape(name: "gpt2-small", layers: 12, heads: 12, width: 768, ffnWidth: 3072, vocabulary: 50257),
        ModelShape(name: "gpt2-medium", layers: 24, heads: 16, width: 1024, ffnWidth: 4096, vocabulary: 50257),
        ModelShape(name: "gpt2-large", layers: 36, heads: 20, width: 1280, ffnWidth: 5120, vocabulary: 50257),
        ModelShape(name: "pythia-70m", layers: 6, heads: 8, width: 512, ffnWidth: 2048, vocabulary: 50304),
        ModelShape(name: "pythia-160m", layers: 12, heads: 12, width: 768, ffnWidth: 3072, vocabulary: 50304),
        ModelShape(name: "pythia-410m", layers: 24, heads: 16, width: 1024, ffnWidth: 4096, vocabulary: 50304),
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
