import Foundation
import Randomness
import Tensors

/// Seeded random weights with GPT-2's initialisation scale (N(0, 0.02²); Radford et al.
/// 2019, `initializer_range = 0.02`), generated per matrix from the seed, layer and name, so
/// no model is ever held in memory whole and a run is reproducible.
public struct ModelWeights: Sendable {
    public let shape: ModelShape
    public let seed: UInt64
    public let standardDeviation: Double

    public init(shape: ModelShape, seed: UInt64, standardDeviation: Double = 0.02) {
        self.shape = shape
        self.seed = seed
        self.standardDeviation = standardDeviation
    }

    /// The matrix `name` of block `layer` ([rows × columns]).
    public func matrix(_ name: String, layer: Int, rows: Int, columns: Int) -> WeightMatrix {
        let stream = UInt64(truncatingIfNeeded: layer &* 1_000_003) ^ UInt64(truncatingIfNeeded: name.utf8.reduce(5381) { ($0 &* 33) &+ Int($1) })
        let seed = seed, sd = standardDeviation
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

    /// The fused AERO FFN matrix W_in·W_out (d×4d · 4d×d = d×d), scaled by 1/α.
    public func fusedFFN(layer: Int, alpha: Double = 1) -> WeightMatrix {
        let d = shape.width, f = shape.ffnWidth
        let win = matrix("ffn.in", layer: layer, rows: d, columns: f), wout = matrix("ffn.out", layer: layer, rows: f, columns: d)
        return WeightMatrix(rows: d, columns: d) {
            let product = (try? win.values.matmul(wout.values)) ?? Tensor(uncheckedShape: [d, d], repeating: 0)
            return product.map { $0 / alpha }
        }
    }
}
