import Tensors

/// Where each of PISim's weights lives in a Hugging Face state dict, per family, and how to
/// turn the stored tensor into PISim's layout: matrices [in × out] (y = x·W), vectors [n].
///
/// Names (models saved by `save_pretrained` / `safetensors`; optional prefixes in brackets):
/// - gpt2 (`GPT2LMHeadModel`, Conv1D already [in × out]; [`transformer.`]): `wte`, `wpe`,
///   `h.i.ln_1`, `h.i.attn.c_attn` (q, k, v side by side), `h.i.attn.c_proj`, `h.i.ln_2`,
///   `h.i.mlp.c_fc`, `h.i.mlp.c_proj`, `ln_f`; head tied to `wte`.
/// - bert (`BertModel`, nn.Linear [out × in]; [`bert.`]): `embeddings.{word,position,token_type}_embeddings`,
///   `embeddings.LayerNorm`, `encoder.layer.i.attention.self.{query,key,value}`,
///   `…attention.output.dense`, `…attention.output.LayerNorm`, `…intermediate.dense`,
///   `…output.dense`, `…output.LayerNorm`, `pooler.dense`.
/// - llama (`LlamaForCausalLM`; `model.`): `embed_tokens`, `layers.i.self_attn.{q,k,v,o}_proj`,
///   `layers.i.mlp.{gate,up,down}_proj`, `layers.i.{input,post_attention}_layernorm`, `norm`,
///   and `lm_head` (absent when tied: the embedding then).
/// - neox (`GPTNeoXForCausalLM`; `gpt_neox.`): `embed_in`, `layers.i.attention.query_key_value`
///   (per head q, k, v interleaved: output row h·3·dh + s·dh + j), `layers.i.attention.dense`,
///   `layers.i.mlp.dense_h_to_4h`, `layers.i.mlp.dense_4h_to_h`, `layers.i.{input,post_attention}_layernorm`,
///   `final_layer_norm`, and `embed_out`.
struct HuggingFaceNames: Sendable {
    /// A stored tensor and the change of layout that gives PISim's.
    struct Located: Sendable {
        var name: String
        /// Stored [out × in] (nn.Linear): transpose to [in × out].
        var transposed = false
        /// Keep these columns (of the [in × out] matrix, or elements of a vector) only.
        var columns: [Int]?
        /// Take this row of a stored matrix as the vector (BERT's token type 0).
        var row: Int?
    }

    let family: ModelFamily
    let shape: ModelShape
    /// "" or the model's prefix ("transformer.", "bert.", "model.", "gpt_neox.").
    let prefix: String
    let names: Set<String>

    /// The prefix under which `file` stores the family's tensors.
    init(shape: ModelShape, names: Set<String>) {
        self.family = shape.family
        self.shape = shape
        self.names = names
        let probes: [(String, String)] = switch shape.family {
        case .gpt2: [("", "wte.weight"), ("transformer.", "wte.weight")]
        case .bert: [("", "embeddings.word_embeddings.weight"), ("bert.", "embeddings.word_embeddings.weight")]
        case .llama: [("model.", "embed_tokens.weight"), ("", "embed_tokens.weight")]
        case .neox: [("gpt_neox.", "embed_in.weight"), ("", "embed_in.weight")]
        case .vit: [("vit.", "embeddings.patch_embeddings.projection.weight"), ("", "embeddings.patch_embeddings.projection.weight")]
        }
        prefix = probes.first { names.contains($0.0 + $0.1) }?.0 ?? probes[0].0
    }

    /// An example tensor name, for errors.
    var example: String {
        switch family {
        case .gpt2: "h.0.attn.c_attn.weight"
        case .bert: "encoder.layer.0.attention.self.query.weight"
        case .llama: "model.layers.0.self_attn.q_proj.weight"
        case .neox: "gpt_neox.layers.0.attention.query_key_value.weight"
        case .vit: "vit.encoder.layer.0.attention.attention.query.weight"
        }
    }

    func p(_ n: String) -> String { prefix + n }

    /// NeoX's fused q/k/v rows of part `s` (0 q, 1 k, 2 v), as columns after the transpose.
    func neoxColumns(_ s: Int) -> [Int] {
        let dh = shape.headWidth
        return (0..<shape.heads).flatMap { h in (0..<dh).map { h * 3 * dh + s * dh + $0 } }
    }

    /// The matrix `name` ("q", "k", "v", "o", "ffn.in", "ffn.gate", "ffn.out", "wte", "wte.T",
    /// "head", "pooler") of block `layer`; nil where the family has none.
    func matrix(_ name: String, layer i: Int) -> Located? {
        let d = shape.width
        switch family {
        case .gpt2:
            switch name {
            case "q": return Located(name: p("h.\(i).attn.c_attn.weight"), columns: Array(0..<d))
            case "k": return Located(name: p("h.\(i).attn.c_attn.weight"), columns: Array(d..<(2 * d)))
            case "v": return Located(name: p("h.\(i).attn.c_attn.weight"), columns: Array((2 * d)..<(3 * d)))
            case "o": return Located(name: p("h.\(i).attn.c_proj.weight"))
            case "ffn.in": return Located(name: p("h.\(i).mlp.c_fc.weight"))
            case "ffn.out": return Located(name: p("h.\(i).mlp.c_proj.weight"))
            case "wte": return Located(name: p("wte.weight"))
            case "wte.T": return Located(name: p("wte.weight"), transposed: true)
            default: return nil
            }
        case .bert:
            let l = "encoder.layer.\(i)."
            switch name {
            case "q": return Located(name: p(l + "attention.self.query.weight"), transposed: true)
            case "k": return Located(name: p(l + "attention.self.key.weight"), transposed: true)
            case "v": return Located(name: p(l + "attention.self.value.weight"), transposed: true)
            case "o": return Located(name: p(l + "attention.output.dense.weight"), transposed: true)
            case "ffn.in": return Located(name: p(l + "intermediate.dense.weight"), transposed: true)
            case "ffn.out": return Located(name: p(l + "output.dense.weight"), transposed: true)
            case "wte": return Located(name: p("embeddings.word_embeddings.weight"))
            case "wte.T": return Located(name: p("embeddings.word_embeddings.weight"), transposed: true)
            case "pooler": return Located(name: p("pooler.dense.weight"), transposed: true)
            default: return nil
            }
        case .llama:
            let l = "layers.\(i)."
            switch name {
            case "q": return Located(name: p(l + "self_attn.q_proj.weight"), transposed: true)
            case "k": return Located(name: p(l + "self_attn.k_proj.weight"), transposed: true)
            case "v": return Located(name: p(l + "self_attn.v_proj.weight"), transposed: true)
            case "o": return Located(name: p(l + "self_attn.o_proj.weight"), transposed: true)
            case "ffn.gate": return Located(name: p(l + "mlp.gate_proj.weight"), transposed: true)
            case "ffn.in": return Located(name: p(l + "mlp.up_proj.weight"), transposed: true)
            case "ffn.out": return Located(name: p(l + "mlp.down_proj.weight"), transposed: true)
            case "wte": return Located(name: p("embed_tokens.weight"))
            case "head", "wte.T":
                return names.contains("lm_head.weight") ? Located(name: "lm_head.weight", transposed: true)
                    : Located(name: p("embed_tokens.weight"), transposed: true)
            default: return nil
            }
        case .neox:
            let l = "layers.\(i)."
            switch name {
            case "q", "k", "v":
                return Located(name: p(l + "attention.query_key_value.weight"), transposed: true,
                               columns: neoxColumns(["q", "k", "v"].firstIndex(of: name) ?? 0))
            case "o": return Located(name: p(l + "attention.dense.weight"), transposed: true)
            case "ffn.in": return Located(name: p(l + "mlp.dense_h_to_4h.weight"), transposed: true)
            case "ffn.out": return Located(name: p(l + "mlp.dense_4h_to_h.weight"), transposed: true)
            case "wte": return Located(name: p("embed_in.weight"))
            case "head", "wte.T":
                return names.contains("embed_out.weight") ? Located(name: "embed_out.weight", transposed: true)
                    : Located(name: p("embed_in.weight"), transposed: true)
            default: return nil
            }
        case .vit:
            return nil
        }
    }

    /// The public vector `name` of block `layer` (−1: outside the blocks): "q.bias", "k.bias",
    /// "v.bias", "o.bias", "ffn.in.bias", "ffn.gate.bias", "ffn.out.bias", "ln1.gain",
    /// "ln1.bias", "ln2.*", "lnf.*", "lne.*", "pooler.bias", "type"; nil where the family has none.
    func vector(_ name: String, layer i: Int) -> Located? {
        let d = shape.width
        switch family {
        case .gpt2:
            switch name {
            case "q.bias": return Located(name: p("h.\(i).attn.c_attn.bias"), columns: Array(0..<d))
            case "k.bias": return Located(name: p("h.\(i).attn.c_attn.bias"), columns: Array(d..<(2 * d)))
            case "v.bias": return Located(name: p("h.\(i).attn.c_attn.bias"), columns: Array((2 * d)..<(3 * d)))
            case "o.bias": return Located(name: p("h.\(i).attn.c_proj.bias"))
            case "ffn.in.bias": return Located(name: p("h.\(i).mlp.c_fc.bias"))
            case "ffn.out.bias": return Located(name: p("h.\(i).mlp.c_proj.bias"))
            case "ln1.gain": return Located(name: p("h.\(i).ln_1.weight"))
            case "ln1.bias": return Located(name: p("h.\(i).ln_1.bias"))
            case "ln2.gain": return Located(name: p("h.\(i).ln_2.weight"))
            case "ln2.bias": return Located(name: p("h.\(i).ln_2.bias"))
            case "lnf.gain": return Located(name: p("ln_f.weight"))
            case "lnf.bias": return Located(name: p("ln_f.bias"))
            default: return nil
            }
        case .bert:
            let l = "encoder.layer.\(i)."
            switch name {
            case "q.bias": return Located(name: p(l + "attention.self.query.bias"))
            case "k.bias": return Located(name: p(l + "attention.self.key.bias"))
            case "v.bias": return Located(name: p(l + "attention.self.value.bias"))
            case "o.bias": return Located(name: p(l + "attention.output.dense.bias"))
            case "ffn.in.bias": return Located(name: p(l + "intermediate.dense.bias"))
            case "ffn.out.bias": return Located(name: p(l + "output.dense.bias"))
            case "ln1.gain": return Located(name: p(l + "attention.output.LayerNorm.weight"))
            case "ln1.bias": return Located(name: p(l + "attention.output.LayerNorm.bias"))
            case "ln2.gain": return Located(name: p(l + "output.LayerNorm.weight"))
            case "ln2.bias": return Located(name: p(l + "output.LayerNorm.bias"))
            case "lne.gain": return Located(name: p("embeddings.LayerNorm.weight"))
            case "lne.bias": return Located(name: p("embeddings.LayerNorm.bias"))
            case "pooler.bias": return Located(name: p("pooler.dense.bias"))
            case "type": return Located(name: p("embeddings.token_type_embeddings.weight"), row: 0)
            default: return nil
            }
        case .llama:
            let l = "layers.\(i)."
            switch name {
            case "q.bias": return Located(name: p(l + "self_attn.q_proj.bias"))
            case "k.bias": return Located(name: p(l + "self_attn.k_proj.bias"))
            case "v.bias": return Located(name: p(l + "self_attn.v_proj.bias"))
            case "o.bias": return Located(name: p(l + "self_attn.o_proj.bias"))
            case "ln1.gain": return Located(name: p(l + "input_layernorm.weight"))
            case "ln2.gain": return Located(name: p(l + "post_attention_layernorm.weight"))
            case "lnf.gain": return Located(name: p("norm.weight"))
            default: return nil
            }
        case .neox:
            let l = "layers.\(i)."
            switch name {
            case "q.bias", "k.bias", "v.bias":
                return Located(name: p(l + "attention.query_key_value.bias"), columns: neoxColumns(["q.bias", "k.bias", "v.bias"].firstIndex(of: name) ?? 0))
            case "o.bias": return Located(name: p(l + "attention.dense.bias"))
            case "ffn.in.bias": return Located(name: p(l + "mlp.dense_h_to_4h.bias"))
            case "ffn.out.bias": return Located(name: p(l + "mlp.dense_4h_to_h.bias"))
            case "ln1.gain": return Located(name: p(l + "input_layernorm.weight"))
            case "ln1.bias": return Located(name: p(l + "input_layernorm.bias"))
            case "ln2.gain": return Located(name: p(l + "post_attention_layernorm.weight"))
            case "ln2.bias": return Located(name: p(l + "post_attention_layernorm.bias"))
            case "lnf.gain": return Located(name: p("final_layer_norm.weight"))
            case "lnf.bias": return Located(name: p("final_layer_norm.bias"))
            default: return nil
            }
        case .vit:
            return nil
        }
    }

    /// The learned position table [P × d], nil for families without one.
    var positions: String? {
        switch family {
        case .gpt2: p("wpe.weight")
        case .bert: p("embeddings.position_embeddings.weight")
        default: nil
        }
    }

    /// The stored shape after the layout change of `l` (nil for a bad row or column index).
    static func shape(of l: Located, stored: [Int]) -> [Int]? {
        var s = stored
        if let row = l.row {
            guard s.count == 2, (0..<s[0]).contains(row) else { return nil }
            s = [s[1]]
        }
        if l.transposed {
            guard s.count == 2 else { return nil }
            s = [s[1], s[0]]
        }
        if let c = l.columns {
            guard let last = s.last, c.allSatisfy({ (0..<last).contains($0) }) else { return nil }
            s[s.count - 1] = c.count
        }
        return s
    }

    /// The stored tensor in PISim's layout (shapes checked by `shape(of:stored:)` first).
    static func apply(_ l: Located, to t: Tensor<Double>) -> Tensor<Double> {
        var t = t
        if let row = l.row, t.shape.count == 2 {
            let n = t.shape[1]
            t = Tensor(uncheckedShape: [n], scalars: Array(t.scalars[(row * n)..<((row + 1) * n)]))
        }
        if l.transposed { t = (try? t.transposed([1, 0])) ?? t }
        if let c = l.columns {
            let n = t.shape.last ?? 1, rows = t.count / max(n, 1)
            var out = [Double]()
            out.reserveCapacity(rows * c.count)
            for r in 0..<rows { for j in c { out.append(t.scalars[r * n + j]) } }
            t = Tensor(uncheckedShape: Array(t.shape.dropLast()) + [c.count], scalars: out)
        }
        return t
    }
}
