import Foundation
import Randomness
import Tensors

/// The server's weights: seeded random matrices with GPT-2's initialisation scale, or real
/// weights read from a file in Hugging Face naming (`HuggingFaceNames`, per family).
///
/// Seeded weights (N(0, 0.02²); Radford et al. 2019, `initializer_range = 0.02`) are
/// generated per matrix from the seed, layer and name, so no model is ever held in memory
/// whole and a run is reproducible; they have no biases, norm gains or position
/// embeddings (the paper's operation counts). File weights add those: biases after the
/// projections that have them, norm gains and biases, and learned position embeddings.
public struct ModelWeights: Sendable {
    public enum Source: Sendable {
        case seeded(seed: UInt64, standardDeviation: Double)
        /// A `.safetensors` file or `.npy` directory, with where its tensors are.
        case file(WeightFile, names: HuggingFaceNamesBox)
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

    /// Real weights, checked against `shape` for the first `shape.layers` blocks: every
    /// matrix the family needs present with its shape, every optional vector (biases, norm
    /// gains) with its length when present, and every value finite.
    ///
    /// - Throws: `TransformerError.invalidOption` naming the missing tensor or the shape
    ///   that does not fit.
    public init(shape: ModelShape, file: WeightFile) throws(TransformerError) {
        guard shape.family != .vit else {
            throw .invalidOption("\(file.path): weight files for ViT are not read yet (vit runs use seeded weights)")
        }
        let names = HuggingFaceNames(shape: shape, names: Set(file.entries.keys))
        let d = shape.width, f = shape.ffnWidth, kv = shape.kvWidth
        func check(_ l: HuggingFaceNames.Located?, _ expected: [Int], required: Bool) throws(TransformerError) {
            guard let l else { return }
            guard let e = file.entries[l.name] else {
                guard required else { return }
                throw .invalidOption("\(file.path): no tensor '\(l.name)' (Hugging Face \(shape.family.rawValue) names expected, e.g. \(names.example))")
            }
            guard let s = HuggingFaceNames.shape(of: l, stored: e.shape), s == expected else {
                throw .invalidOption("\(file.path): '\(l.name)' has shape \(e.shape), which does not give the \(expected) \(shape.name) needs")
            }
            // A NaN or infinite weight would poison every value downstream, and the error
            // report (NaN against NaN) would read 0.
            if let i = e.firstNonFinite() {
                throw .invalidOption("\(file.path): '\(l.name)' holds a non-finite value (\(e.decode()[i])) at storage index \(i); weights must be finite")
            }
        }
        try check(names.matrix("wte", layer: -1), [shape.vocabulary, d], required: true)
        if let pos = names.positions, let e = file.entries[pos] {
            guard e.shape.count == 2, e.shape[1] == d else {
                throw .invalidOption("\(file.path): '\(pos)' has shape \(e.shape), but \(shape.name) needs [positions, \(d)]")
            }
            try check(HuggingFaceNames.Located(name: pos), e.shape, required: true)
        }
        for i in 0..<shape.layers {
            var matrices: [(String, [Int])] = [("q", [d, d]), ("k", [d, kv]), ("v", [d, kv]), ("o", [d, d]), ("ffn.in", [d, f]), ("ffn.out", [f, d])]
            if shape.design.feedForward == .gated { matrices.append(("ffn.gate", [d, f])) }
            for (name, dims) in matrices { try check(names.matrix(name, layer: i), dims, required: true) }
            for (name, n) in [("q.bias", d), ("k.bias", kv), ("v.bias", kv), ("o.bias", d), ("ffn.in.bias", f), ("ffn.out.bias", d),
                              ("ln1.gain", d), ("ln1.bias", d), ("ln2.gain", d), ("ln2.bias", d)] {
                try check(names.vector(name, layer: i), [n], required: false)
            }
        }
        for name in ["lnf.gain", "lnf.bias", "lne.gain", "lne.bias", "type", "pooler.bias"] {
            try check(names.vector(name, layer: -1), [d], required: false)
        }
        if shape.design.head == .pooler { try check(names.matrix("pooler", layer: -1), [d, d], required: true) }
        if shape.design.head == .vocabulary, !shape.design.tiedHead { try check(names.matrix("head", layer: -1), [d, shape.vocabulary], required: true) }
        self.shape = shape
        source = .file(file, names: HuggingFaceNamesBox(names))
    }

    /// Positions the learned position embedding covers (nil: none, or seeded weights).
    public var maximumPositions: Int? {
        guard case let .file(file, box) = source, let pos = box.names.positions else { return nil }
        return file.entries[pos]?.shape.first
    }

    /// The matrix `name` of block `layer` ([rows × columns]): "q", "k", "v", "o", "ffn.in",
    /// "ffn.gate", "ffn.out", or (layer −1) "wte", "wte.T", "head", "patch", "pooler".
    public func matrix(_ name: String, layer: Int, rows: Int, columns: Int) -> WeightMatrix {
        let made = uncachedMatrix(name, layer: layer, rows: rows, columns: columns), cache = cache
        let key = "\(name)|\(layer)|\(rows)|\(columns)"
        return WeightMatrix(rows: rows, columns: columns) { cache.value(key) { made.values } }
    }

    func uncachedMatrix(_ name: String, layer: Int, rows: Int, columns: Int) -> WeightMatrix {
        switch source {
        case let .seeded(seed, sd): return Self.seededMatrix(name, layer: layer, rows: rows, columns: columns, seed: seed, standardDeviation: sd)
        case let .file(file, box):
            return WeightMatrix(rows: rows, columns: columns) {
                // Shapes were checked at init.
                guard let l = box.names.matrix(name, layer: layer), let t = try? file.tensor(l.name) else {
                    return Tensor(uncheckedShape: [rows, columns], repeating: 0)
                }
                return HuggingFaceNames.apply(l, to: t)
            }
        }
    }

    /// A public vector of block `layer` (layer −1: outside the blocks), nil when the weights
    /// have none: "q.bias", "k.bias", "v.bias", "o.bias", "ffn.in.bias", "ffn.gate.bias",
    /// "ffn.out.bias", "ln1.gain", "ln1.bias", "ln2.gain", "ln2.bias", "lnf.gain", "lnf.bias",
    /// "lne.gain", "lne.bias", "pooler.bias", "head.bias", "type".
    public func vector(_ name: String, layer: Int) -> Tensor<Double>? {
        guard case let .file(file, box) = source, let l = box.names.vector(name, layer: layer), file.entries[l.name] != nil,
              let t = try? file.tensor(l.name) else { return nil }
        return HuggingFaceNames.apply(l, to: t)
    }

    /// The position embeddings of tokens `start ..< start + t` ([t × d]), nil without them
    /// (or past the table: `ModelRunner.modelWeights` refuses such runs).
    public func positions(tokens t: Int, from start: Int = 0) -> Tensor<Double>? {
        guard case let .file(file, box) = source, let pos = box.names.positions, let e = file.entries[pos], start + t <= e.shape[0],
              let table = try? file.tensor(pos) else { return nil }
        let d = shape.width
        return Tensor(uncheckedShape: [t, d], scalars: Array(table.scalars[(start * d)..<((start + t) * d)]))
    }

    /// The public rows added to the embedded input of `batch` sequences of `t` tokens from
    /// position `start` ([B·t × d]): learned positions and BERT's token type 0; nil when
    /// the weights have neither.
    public func embeddingAdditions(tokens t: Int, from start: Int, batch: Int) -> Tensor<Double>? {
        let p = positions(tokens: t, from: start), type = vector("type", layer: -1)
        guard p != nil || type != nil else { return nil }
        let d = shape.width
        var row = p?.scalars ?? [Double](repeating: 0, count: t * d)
        if let type { for i in 0..<(t * d) { row[i] += type.scalars[i % d] } }
        return Tensor(uncheckedShape: [batch * t, d], scalars: Array(repeating: row, count: batch).flatMap { $0 })
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

/// `HuggingFaceNames` behind a reference-free box, so that `ModelWeights.Source` stays public
/// while the naming table is internal.
public struct HuggingFaceNamesBox: Sendable {
    let names: HuggingFaceNames
    init(_ names: HuggingFaceNames) { self.names = names }
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
