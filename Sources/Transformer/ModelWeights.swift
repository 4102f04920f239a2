import Foundation
import Randomness
import Tensors

/// The server's weights: seeded random matrices with GPT-2's initialisation scale, or real
/// weights read from a file in Hugging Face GPT-2 naming.
///
/// Seeded weights (N(0, 0.02²); Radford et al. 2019, `initializer_range = 0.02`) are
/// generated per matrix from the seed, layer and name, so no model is ever held in memory
/// whole and a run is reproducible; they have no biases, LayerNorm gains or position
/// embeddings (the paper's operation counts). File weights add those: biases after every
/// projection, LayerNorm's gain and bias, and learned position embeddings.
public struct ModelWeights: Sendable {
    public enum Source: Sendable {
        case seeded(seed: UInt64, standardDeviation: Double)
        /// A `.safetensors` file or `.npy` directory; `prefix` is "" or "transformer.".
        case file(WeightFile, prefix: String)
    }

    public let shape: ModelShape
    public let source: Source
    /// Matrices made once and shared by every pass over these weights (the clear
    /// reference and both parties' threads), up to `WeightCache.defaultCapacity` bytes.
    let cache = WeightCache()

    public init(shape: ModelShape, seed: UInt64, standardDeviation: Double = 0.02) {
        self.shape = shape
        source = .seeded(seed: seed, standardDeviation: standardDeviation)
    }

    /// Real weights, checked against `shape` for the first `shape.layers` blocks.
    ///
    /// Names (GPT2LMHeadModel's state dict, Conv1D layout y = x·W + b, optionally under
    /// `transformer.`): `wte.weight` [V × d], `wpe.weight` [P × d], per block i
    /// `h.i.ln_1.{weight,bias}` [d], `h.i.attn.c_attn.{weight [d × 3d], bias [3d]}` (q, k, v
    /// side by side), `h.i.attn.c_proj.{weight [d × d], bias}`, `h.i.ln_2.*`,
    /// `h.i.mlp.c_fc.{weight [d × f], bias [f]}`, `h.i.mlp.c_proj.{weight [f × d], bias [d]}`,
    /// and `ln_f.{weight,bias}`. The vocabulary projection is tied to `wte`.
    ///
    /// - Throws: `TransformerError.invalidOption` naming the missing tensor or the shape
    ///   that does not fit.
    public init(shape: ModelShape, file: WeightFile) throws(TransformerError) {
        let prefix = file.entries["wte.weight"] == nil && file.entries["transformer.wte.weight"] != nil ? "transformer." : ""
        let d = shape.width, f = shape.ffnWidth
        func check(_ name: String, _ expected: [Int], required: Bool = true) throws(TransformerError) {
            guard let e = file.entries[prefix + name] else {
                guard required else { return }
                throw .invalidOption("\(file.path): no tensor '\(prefix + name)' (Hugging Face GPT-2 names expected, e.g. h.0.attn.c_attn.weight)")
            }
            guard e.shape == expected else {
                throw .invalidOption("\(file.path): '\(prefix + name)' has shape \(e.shape), but \(shape.name) needs \(expected)")
            }
            try finite(prefix + name, e)
        }
        // A NaN or infinite weight would poison every value downstream, and the error
        // report (NaN against NaN) would read 0.
        func finite(_ name: String, _ e: WeightFile.Entry) throws(TransformerError) {
            if let i = e.firstNonFinite() {
                throw .invalidOption("\(file.path): '\(name)' holds a non-finite value (\(e.decode()[i])) at storage index \(i); weights must be finite")
            }
        }
        try check("wte.weight", [shape.vocabulary, d])
        if let wpe = file.entries[prefix + "wpe.weight"] {
            guard wpe.shape.count == 2, wpe.shape[1] == d else {
                throw .invalidOption("\(file.path): '\(prefix)wpe.weight' has shape \(wpe.shape), but \(shape.name) needs [positions, \(d)]")
            }
            try finite(prefix + "wpe.weight", wpe)
        }
        for i in 0..<shape.layers {
            try check("h.\(i).attn.c_attn.weight", [d, 3 * d])
            try check("h.\(i).attn.c_proj.weight", [d, d])
            try check("h.\(i).mlp.c_fc.weight", [d, f])
            try check("h.\(i).mlp.c_proj.weight", [f, d])
            for (name, n) in [("attn.c_attn.bias", 3 * d), ("attn.c_proj.bias", d), ("mlp.c_fc.bias", f), ("mlp.c_proj.bias", d),
                              ("ln_1.weight", d), ("ln_1.bias", d), ("ln_2.weight", d), ("ln_2.bias", d)] {
                try check("h.\(i).\(name)", [n], required: false)
            }
        }
        try check("ln_f.weight", [d], required: false)
        try check("ln_f.bias", [d], required: false)
        self.shape = shape
        source = .file(file, prefix: prefix)
    }

    /// Positions the learned position embedding covers (nil: none, or seeded weights).
    public var maximumPositions: Int? {
        guard case let .file(file, prefix) = source else { return nil }
        return file.entries[prefix + "wpe.weight"]?.shape.first
    }

    /// The matrix `name` of block `layer` ([rows × columns]): "q", "k", "v", "o", "ffn.in",
    /// "ffn.out", or "wte" / "wte.T" (layer −1).
    public func matrix(_ name: String, layer: Int, rows: Int, columns: Int) -> WeightMatrix {
        let made = uncachedMatrix(name, layer: layer, rows: rows, columns: columns), cache = cache
        let key = "\(name)|\(layer)|\(rows)|\(columns)"
        return WeightMatrix(rows: rows, columns: columns) { cache.value(key) { made.values } }
    }

    func uncachedMatrix(_ name: String, layer: Int, rows: Int, columns: Int) -> WeightMatrix {
        switch source {
        case let .seeded(seed, sd): return Self.seededMatrix(name, layer: layer, rows: rows, columns: columns, seed: seed, standardDeviation: sd)
        case let .file(file, prefix):
            let d = shape.width
            return WeightMatrix(rows: rows, columns: columns) {
                func load(_ n: String) -> Tensor<Double> {
                    (try? file.tensor(prefix + n)) ?? Tensor(uncheckedShape: [rows, columns], repeating: 0)  // shapes checked at init
                }
                switch name {
                case "q", "k", "v":
                    let offset = name == "q" ? 0 : (name == "k" ? d : 2 * d)
                    return load("h.\(layer).attn.c_attn.weight").columns(from: offset, count: d)
                case "o": return load("h.\(layer).attn.c_proj.weight")
                case "ffn.in": return load("h.\(layer).mlp.c_fc.weight")
                case "ffn.out": return load("h.\(layer).mlp.c_proj.weight")
                case "wte.T": return (try? load("wte.weight").transposed([1, 0])) ?? Tensor(uncheckedShape: [rows, columns], repeating: 0)
                default: return load("wte.weight")
                }
            }
        }
    }

    /// A public vector of block `layer` (layer −1: the final LayerNorm), nil when the
    /// weights have none: "q.bias", "k.bias", "v.bias", "o.bias", "ffn.in.bias",
    /// "ffn.out.bias", "ln1.gain", "ln1.bias", "ln2.gain", "ln2.bias", "lnf.gain", "lnf.bias".
    public func vector(_ name: String, layer: Int) -> Tensor<Double>? {
        guard case let .file(file, prefix) = source else { return nil }
        let d = shape.width
        func load(_ n: String) -> Tensor<Double>? {
            guard file.entries[prefix + n] != nil else { return nil }
            return try? file.tensor(prefix + n)
        }
        switch name {
        case "q.bias", "k.bias", "v.bias":
            guard let b = load("h.\(layer).attn.c_attn.bias") else { return nil }
            let offset = name == "q.bias" ? 0 : (name == "k.bias" ? d : 2 * d)
            return Tensor(uncheckedShape: [d], scalars: Array(b.scalars[offset..<(offset + d)]))
        case "o.bias": return load("h.\(layer).attn.c_proj.bias")
        case "ffn.in.bias": return load("h.\(layer).mlp.c_fc.bias")
        case "ffn.out.bias": return load("h.\(layer).mlp.c_proj.bias")
        case "ln1.gain": return load("h.\(layer).ln_1.weight")
        case "ln1.bias": return load("h.\(layer).ln_1.bias")
        case "ln2.gain": return load("h.\(layer).ln_2.weight")
        case "ln2.bias": return load("h.\(layer).ln_2.bias")
        case "lnf.gain": return load("ln_f.weight")
        case "lnf.bias": return load("ln_f.bias")
        default: return nil
        }
    }

    /// The position embeddings of tokens 0 ..< t ([t × d]), nil without them.
    public func positions(tokens t: Int) -> Tensor<Double>? {
        guard case let .file(file, prefix) = source, let e = file.entries[prefix + "wpe.weight"], t <= e.shape[0],
              let wpe = try? file.tensor(prefix + "wpe.weight") else { return nil }
        return Tensor(uncheckedShape: [t, shape.width], scalars: Array(wpe.scalars[0..<(t * shape.width)]))
    }

    static func seededMatrix(_ name: String, layer: Int, rows: Int, columns: Int, seed: UInt64, standardDeviation sd: Double) -> WeightMatrix {
        let stream = UInt64(truncatingIfNeeded: layer &* 1_000_003) ^ UInt64(truncatingIfNeeded: name.utf8.reduce(5381) { ($0 &* 33) &+ Int($1) })
        return WeightMatrix(rows: rows, columns: columns) {
            var g = ChaChaRandom(seed: seed, stream: stream)
            var values = [Double]()
            values.reserveCapacity(rows * columns)
            while values.count < rows * columns {
                let u1 = max(Double(g.next() >> 11) / Double(1 << 53), 1e-300), u2 = Double(g.next() >> 11) / Double(1 << 53)
                let r = (-2 * Foundation.log(u1)).squareRoot() * sd
                values.append(r * Foundation.cos(2 * Double.pi * u2))
                values.append(r * Foundation.sin(2 * Double.pi * u2))
            }
            return Tensor(uncheckedShape: [rows, columns], scalars: Array(values.prefix(rows * columns)))
        }
    }

    /// The fused AERO FFN matrix W_in·W_out (d×f · f×d = d×d), scaled by 1/α.
    public func fusedFFN(layer: Int, alpha: Double = 1) -> WeightMatrix {
        let d = shape.width, f = shape.ffnWidth
        let win = matrix("ffn.in", layer: layer, rows: d, columns: f), wout = matrix("ffn.out", layer: layer, rows: f, columns: d)
        return WeightMatrix(rows: d, columns: d) {
            let product = (try? win.values.matmul(wout.values)) ?? Tensor(uncheckedShape: [d, d], repeating: 0)
            return product.map { $0 / alpha }
        }
    }

    /// The fused FFN's bias (b_in·W_out + b_out)/α, nil without biases.
    public func fusedFFNBias(layer: Int, alpha: Double = 1) -> Tensor<Double>? {
        let bin = vector("ffn.in.bias", layer: layer), bout = vector("ffn.out.bias", layer: layer)
        guard bin != nil || bout != nil else { return nil }
        let d = shape.width, f = shape.ffnWidth
        var out = bout?.scalars ?? [Double](repeating: 0, count: d)
        if let bin {
            let w = matrix("ffn.out", layer: layer, rows: f, columns: d).values
            for i in 0..<f where bin.scalars[i] != 0 { for j in 0..<d { out[j] += bin.scalars[i] * w.scalars[i * d + j] } }
        }
        return Tensor(uncheckedShape: [d], scalars: out.map { $0 / alpha })
    }
}

/// Weight matrices by name, made once: thread-safe (a recursive lock, since one matrix may
/// be made from others: the fused AERO FFN), bounded in bytes, oldest out first.
final class WeightCache: @unchecked Sendable {
    /// Bytes of Double matrices kept at most (512 MiB: one GPT-2 small block is 57 MB).
    static let defaultCapacity = 512 << 20

    let lock = NSRecursiveLock()
    var entries = [String: Tensor<Double>]()
    var order = [String]()
    var bytes = 0
    let capacity: Int

    init(capacity: Int = WeightCache.defaultCapacity) { self.capacity = capacity }

    /// The cached matrix for `key`, made by `make` (once) when absent.
    func value(_ key: String, _ make: () -> Tensor<Double>) -> Tensor<Double> {
        lock.lock()
        defer { lock.unlock() }
        if let hit = entries[key] { return hit }
        let t = make()
        let size = t.count * MemoryLayout<Double>.size
        guard size <= capacity else { return t }
        while bytes + size > capacity, !order.isEmpty {
            let old = order.removeFirst()
            bytes -= (entries.removeValue(forKey: old)?.count ?? 0) * MemoryLayout<Double>.size
        }
        entries[key] = t
        order.append(key)
        bytes += size
        return t
    }
}
