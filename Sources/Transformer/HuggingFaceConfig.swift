import Foundation

/// Reads a Hugging Face `config.json` into a model shape and block design.
///
/// Keys by `model_type` (the names `transformers` writes):
/// - `gpt2`: n_layer, n_head, n_embd, n_inner (null: 4·n_embd), vocab_size, layer_norm_epsilon.
/// - `bert`: num_hidden_layers, num_attention_heads, hidden_size, intermediate_size, vocab_size, layer_norm_eps.
/// - `llama`: the same plus num_key_value_heads (default: the heads), rms_norm_eps, rope_theta,
///   tie_word_embeddings.
/// - `gpt_neox`: the same plus rotary_pct, rotary_emb_base, use_parallel_residual, tie_word_embeddings.
/// - `vit`: the same plus image_size, patch_size, num_channels and id2label (the classes).
/// `hidden_act` must be the family's (gelu / gelu_new for GELU families, silu for LLaMA): any
/// other is refused rather than silently replaced.
public enum HuggingFaceConfig {
    public static let supportedTypes = ["gpt2", "bert", "llama", "gpt_neox", "vit"]

    /// The largest config file read (Hugging Face configs are a few kB).
    public static let maximumBytes = 1 << 24

    /// The model shape `path` describes, named by its `_name_or_path` (or the file's folder),
    /// and for ViT the tokens one image makes ((image / patch)² + 1).
    ///
    /// - Throws: `TransformerError.invalidOption` naming the file and key: unreadable JSON,
    ///   an unknown `model_type` (with the supported ones), a missing or non-integer key, or
    ///   an activation PISim does not model for that family.
    public static func load(path: String) throws(TransformerError) -> (shape: ModelShape, imageTokens: Int?) {
        // Read at most `maximumBytes` + 1 (a device or a huge file is refused, not exhausted).
        guard let handle = FileHandle(forReadingAtPath: path) else { throw .invalidOption("\(path): cannot read the file") }
        defer { try? handle.close() }
        let data: Data
        do { data = try handle.read(upToCount: maximumBytes + 1) ?? Data() } catch {
            throw .invalidOption("\(path): cannot read the file (\(error.localizedDescription))")
        }
        guard data.count <= maximumBytes else { throw .invalidOption("\(path): over \(maximumBytes >> 20) MiB; a config.json is a few kB") }
        let value: HeaderValue
        do { value = try WeightFile.parseHeader(Array(data), path: path, format: "JSON document") } catch {
            throw .invalidOption(error.description)
        }
        guard case let .object(fields) = value else { throw .invalidOption("\(path): the top level is not a JSON object") }
        var byKey = [String: HeaderValue]()
        for (key, v) in fields where byKey[key] == nil { byKey[key] = v }
        return try parse(byKey, path: path)
    }

    static func parse(_ c: [String: HeaderValue], path: String) throws(TransformerError) -> (shape: ModelShape, imageTokens: Int?) {
        let r = ConfigReader(fields: c, path: path)
        guard let type = r.string("model_type") else { throw r.fail("model_type", "missing; supported: \(supportedTypes.joined(separator: ", "))") }
        let name = r.string("_name_or_path").flatMap { $0.isEmpty ? nil : $0 }
            ?? URL(fileURLWithPath: path).deletingLastPathComponent().lastPathComponent
        var shape: ModelShape
        var imageTokens: Int?
        switch type {
        case "gpt2":
            try r.activation("activation_function", allowed: ["gelu_new", "gelu", "gelu_pytorch_tanh"])
            let d = try r.int("n_embd")
            shape = ModelShape(name: name, layers: try r.int("n_layer"), heads: try r.int("n_head"), width: d,
                               ffnWidth: try r.int("n_inner", default: 4 * d), vocabulary: try r.int("vocab_size"), family: .gpt2)
            shape.design.normEpsilon = try r.double("layer_norm_epsilon", default: 1e-5)
        case "bert":
            try r.activation("hidden_act", allowed: ["gelu"])
            shape = ModelShape(name: name, layers: try r.int("num_hidden_layers"), heads: try r.int("num_attention_heads"),
                               width: try r.int("hidden_size"), ffnWidth: try r.int("intermediate_size"), vocabulary: try r.int("vocab_size"), family: .bert)
            shape.design.normEpsilon = try r.double("layer_norm_eps", default: 1e-12)
        case "llama":
            try r.activation("hidden_act", allowed: ["silu"])
            let heads = try r.int("num_attention_heads")
            shape = ModelShape(name: name, layers: try r.int("num_hidden_layers"), heads: heads, width: try r.int("hidden_size"),
                               ffnWidth: try r.int("intermediate_size"), vocabulary: try r.int("vocab_size"), family: .llama,
                               kvHeads: try r.int("num_key_value_heads", default: heads))
            shape.design.normEpsilon = try r.double("rms_norm_eps", default: 1e-6)
            if let hd = r.present("head_dim"), case let .integer(n) = hd, shape.heads > 0, n != shape.width / shape.heads {
                throw r.fail("head_dim", "\(n) differs from hidden_size / num_attention_heads; PISim's heads are d / H wide")
            }
            shape.design.rotaryBase = try r.double("rope_theta", default: 10_000)
            shape.design.tiedHead = try r.bool("tie_word_embeddings", default: false)
            if r.present("rope_scaling") != nil { throw r.fail("rope_scaling", "scaled rotary embeddings are not modelled") }
        case "gpt_neox":
            try r.activation("hidden_act", allowed: ["gelu"])
            shape = ModelShape(name: name, layers: try r.int("num_hidden_layers"), heads: try r.int("num_attention_heads"),
                               width: try r.int("hidden_size"), ffnWidth: try r.int("intermediate_size"), vocabulary: try r.int("vocab_size"), family: .neox)
            shape.design.normEpsilon = try r.double("layer_norm_eps", default: 1e-5)
            shape.design.rotaryFraction = try r.double("rotary_pct", default: 0.25)
            shape.design.rotaryBase = try r.double("rotary_emb_base", default: 10_000)
            shape.design.parallelResidual = try r.bool("use_parallel_residual", default: true)
            shape.design.tiedHead = try r.bool("tie_word_embeddings", default: false)
        case "vit":
            try r.activation("hidden_act", allowed: ["gelu"])
            let image = try r.int("image_size"), patch = try r.int("patch_size"), channels = try r.int("num_channels", default: 3)
            guard patch > 0, image > 0, image % patch == 0 else { throw r.fail("patch_size", "must divide image_size \(image), got \(patch)") }
            var classes = 1000
            if case let .object(labels)? = r.present("id2label") { classes = labels.count }
            shape = ModelShape(name: name, layers: try r.int("num_hidden_layers"), heads: try r.int("num_attention_heads"),
                               width: try r.int("hidden_size"), ffnWidth: try r.int("intermediate_size"), vocabulary: classes, family: .vit,
                               patchFeatures: channels * patch * patch)
            shape.design.normEpsilon = try r.double("layer_norm_eps", default: 1e-12)
            imageTokens = (image / patch) * (image / patch) + 1
        default:
            throw r.fail("model_type", "'\(type)' is not supported; supported: \(supportedTypes.joined(separator: ", "))")
        }
        try shape.validate()
        return (shape, imageTokens)
    }
}

/// Typed reads of a config's keys, each failure naming the file and key.
struct ConfigReader {
    let fields: [String: HeaderValue]
    let path: String

    func fail(_ key: String, _ why: String) -> TransformerError { .invalidOption("\(path): key '\(key)': \(why)") }

    func present(_ key: String) -> HeaderValue? {
        guard let v = fields[key] else { return nil }
        if case .null = v { return nil }
        return v
    }

    func shown(_ v: HeaderValue) -> String {
        if case let .string(t) = v { return "'" + t + "'" }
        if case let .integer(n) = v { return String(n) }
        if case let .otherNumber(t) = v { return t }
        if case let .bool(b) = v { return b ? "true" : "false" }
        return "a list or object"
    }

    func string(_ key: String) -> String? {
        guard let v = present(key), case let .string(s) = v else { return nil }
        return s
    }

    func int(_ key: String, default value: Int? = nil) throws(TransformerError) -> Int {
        guard let raw = present(key) else {
            guard let value else { throw fail(key, "missing (a \(string("model_type") ?? "") config needs it)") }
            return value
        }
        guard case let .integer(n) = raw else { throw fail(key, "expected an integer, got \(shown(raw))") }
        return n
    }

    func double(_ key: String, default value: Double) throws(TransformerError) -> Double {
        guard let raw = present(key) else { return value }
        if case let .integer(n) = raw { return Double(n) }
        guard case let .otherNumber(text) = raw, let x = Double(text), x.isFinite else {
            throw fail(key, "expected a finite number, got \(shown(raw))")
        }
        return x
    }

    func bool(_ key: String, default value: Bool) throws(TransformerError) -> Bool {
        guard let raw = present(key) else { return value }
        guard case let .bool(b) = raw else { throw fail(key, "expected true or false, got \(shown(raw))") }
        return b
    }

    func activation(_ key: String, allowed: [String]) throws(TransformerError) {
        guard let raw = present(key) else { return }
        guard case let .string(a) = raw, allowed.contains(a) else {
            throw fail(key, "\(shown(raw)) is not modelled for this family (PISim runs \(allowed.joined(separator: " / ")))")
        }
    }
}
