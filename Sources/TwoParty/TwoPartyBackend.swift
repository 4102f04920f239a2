import Backend
import CostModel
import Tensors

/// The two-party engine as an `ArithmeticBackend`: every catalog approximation runs on
/// shares unchanged, and its communication lands in the engine's ledger under the
/// current scope.
public final class TwoPartyBackend: ArithmeticBackend {
    public typealias Value = SharedTensor

    public let engine: TwoPartyEngine
    public let profileName: String
    /// How products with the server's weights are done and charged.
    public var linearModel: LinearLayerModel = .beaver

    public init(engine: TwoPartyEngine, profileName: String = "2pc") {
        self.engine = engine
        self.profileName = profileName
    }

    public var ledger: CostLedger { engine.ledger }
    public var name: String { "two-party \(profileName) Z/2^\(engine.settings.ringBits) f=\(engine.settings.fractionalBits)" }

    public func shape(of value: SharedTensor) -> [Int] { value.shape }
    public func input(_ x: Tensor<Double>) -> SharedTensor { engine.share(x) }
    /// The simulator reconstructs without a counted opening (measuring error is not part of the protocol).
    public func reveal(_ value: SharedTensor) -> Tensor<Double> { engine.reconstruct(value) }

    public func constant(_ c: Double, shape: [Int]) -> SharedTensor {
        let count = shape.reduce(1, *)
        let zeros = SharedTensor(shape: shape, shares: engine.perParty { _ in [UInt64](repeating: 0, count: count) },
                                 fractionalBits: engine.settings.fractionalBits)
        return engine.addConstant(zeros, c)
    }

    // Local operations: each is recorded (`Channel.recordLocal`, on its result's elements)
    // for the compute model, as the estimator records them.
    func local(_ r: SharedTensor) -> SharedTensor {
        engine.channel.recordLocal(elements: r.count)
        return r
    }

    public func add(_ a: SharedTensor, _ b: SharedTensor) -> SharedTensor { local(engine.add(a, b)) }
    public func subtract(_ a: SharedTensor, _ b: SharedTensor) -> SharedTensor { local(engine.subtract(a, b)) }
    public func negate(_ a: SharedTensor) -> SharedTensor { local(engine.negate(a)) }
    public func addConstant(_ a: SharedTensor, _ c: Double) -> SharedTensor { local(engine.addConstant(a, c)) }
    public func multiplyConstant(_ a: SharedTensor, _ c: Double) -> SharedTensor { local(engine.multiplyConstant(a, c)) }
    public func multiplyInteger(_ a: SharedTensor, _ k: Int) -> SharedTensor { local(engine.multiplyInteger(a, k)) }
    public func multiply(_ a: SharedTensor, _ b: SharedTensor) -> SharedTensor { engine.multiply(a, b) }
    public func square(_ a: SharedTensor) -> SharedTensor { engine.square(a) }
    public func multiplyByBit(_ a: SharedTensor, _ bit: SharedTensor) -> SharedTensor {
        guard let cost = engine.settings.selectCost else { return engine.multiply(a, bit) }
        return engine.analyticSelect(a, bit: bit, cost: cost)
    }
    public func sum(_ a: SharedTensor, alongAxis axis: Int) -> SharedTensor { local(engine.sum(a, alongAxis: axis)) }
    public func multiplyPublic(_ a: SharedTensor, _ m: Tensor<Double>) -> SharedTensor { local(engine.multiplyPublic(a, m)) }
    public func addPublic(_ a: SharedTensor, _ m: Tensor<Double>) -> SharedTensor { local(engine.addPublic(a, m)) }

    /// [a < 0] as a fixed-point 0/1 value: the integer bit rescaled locally.
    public func isNegative(_ a: SharedTensor) -> SharedTensor { engine.lessThanZero(a) }

    /// No native maximum on shares: the comparison tournament (value only).
    public func maximum(_ a: SharedTensor, alongAxis axis: Int) -> SharedTensor { treeMaximum(a) }

    public func scope<T>(_ name: String, _ body: () -> T) -> T { engine.ledger.scope(name, body) }

    public func isZero(_ a: SharedTensor) -> SharedTensor { engine.equalsZero(a) }

    /// Reconstructs, applies `function` at the engine's precision, re-shares, and charges `cost`.
    public func analytic(_ a: SharedTensor, kind: String, cost: AnalyticCost, _ function: (Tensor<Double>) -> Tensor<Double>) -> SharedTensor {
        engine.channel.charge(kind, cost, elements: a.count, rowLength: a.shape.last ?? 1)
        return engine.share(function(engine.reconstruct(a)))
    }
    public func uniformRandom(shape: [Int]) -> SharedTensor { engine.uniformRandom(shape: shape) }

    /// Applies a layout operation to each held party's shares alike.
    func relayout(_ a: SharedTensor, _ op: (Tensor<UInt64>) -> Tensor<UInt64>) -> SharedTensor {
        var shape = a.shape
        let r = engine.perParty { p in
            let t = op(Tensor(uncheckedShape: a.shape, scalars: a[party: p]))
            shape = t.shape
            return t.scalars
        }
        return SharedTensor(shape: shape, shares: r, fractionalBits: a.fractionalBits)
    }

    public func columns(_ a: SharedTensor, from start: Int, count width: Int) -> SharedTensor {
        relayout(a) { $0.columns(from: start, count: width) }
    }

    public func concatenatingColumns(_ a: SharedTensor, _ b: SharedTensor) -> SharedTensor {
        let (x, y) = engine.aligned(a, b)
        var shape = x.shape
        let r = engine.perParty { p in
            let t = Tensor(uncheckedShape: x.shape, scalars: x[party: p]).concatenatingColumns(Tensor(uncheckedShape: y.shape, scalars: y[party: p]))
            shape = t.shape
            return t.scalars
        }
        return SharedTensor(shape: shape, shares: r, fractionalBits: x.fractionalBits)
    }

    public func rolled(_ a: SharedTensor, by shift: Int) -> SharedTensor { relayout(a) { $0.rolled(by: shift) } }

    public func cumulativeSum(_ a: SharedTensor) -> SharedTensor {
        let mask = engine.ring.mask
        return relayout(a) { $0.scanningRows { ($0 &+ $1) & mask } }
    }

    public func stacked(_ values: [SharedTensor]) -> SharedTensor {
        let f = values.map(\.fractionalBits).max() ?? 0
        let parts = values.map { $0.fractionalBits == f ? $0 : engine.rescaled($0, to: f) }
        return SharedTensor(shape: [parts.count] + (parts.first?.shape ?? []), share0: parts.flatMap(\.share0),
                            share1: parts.flatMap(\.share1), fractionalBits: f)
    }

    public func unstacked(_ a: SharedTensor, count: Int) -> [SharedTensor] {
        let shape = Array(a.shape.dropFirst())
        let n = a.count / max(count, 1)
        func slice(_ s: [UInt64], _ i: Int) -> [UInt64] { s.isEmpty ? [] : Array(s[i * n ..< (i + 1) * n]) }
        return (0..<count).map { i in
            SharedTensor(shape: shape, share0: slice(a.share0, i), share1: slice(a.share1, i), fractionalBits: a.fractionalBits)
        }
    }
}

extension TwoPartyBackend {
    /// x [..., d] · W [d × d'] for the server's weights W, by the profile's linear model:
    /// an executed matrix Beaver triple (W secret-shared by the server), or a formula-charged
    /// HE / masked-wire product whose value is exact at the engine's precision.
    public func linearProduct(_ x: SharedTensor, _ w: Tensor<Double>) -> SharedTensor {
        let model = linearModel
        let d = x.shape.last ?? 1, rows = x.count / max(d, 1), dOut = w.shape.last ?? 1
        let flat = SharedTensor(shape: [rows, d], share0: x.share0, share1: x.share1, fractionalBits: x.fractionalBits)
        let outShape = Array(x.shape.dropLast()) + [dOut]
        if engine.channel.chargeLinear(model, rows: rows, d: d, dOut: dOut) {
            let clear = (try? engine.reconstruct(flat).matmul(w)) ?? Tensor(uncheckedShape: [rows, dOut], repeating: 0)
            let y = pricedProduct(clear, model)
            return SharedTensor(shape: outShape, share0: y.share0, share1: y.share1, fractionalBits: y.fractionalBits)
        }
        let product = (try? engine.matmul(flat, engine.share(w))) ?? flat
        return SharedTensor(shape: outShape, share0: product.share0, share1: product.share1, fractionalBits: product.fractionalBits)
    }

    /// a [..., m, k] · b [..., k, n], both private: batched matrix Beaver triples.
    public func privateProduct(_ a: SharedTensor, _ b: SharedTensor) -> SharedTensor {
        let m = a.shape.count >= 2 ? a.shape[a.shape.count - 2] : 1, k = a.shape.last ?? 1, n = b.shape.last ?? 1
        let batch = a.count / max(m * k, 1)
        guard a.shape.count >= 2, b.shape.count >= 2, engine.channel.chargePrivateMatmul(linearModel, batch: batch, m: m, k: k, n: n) else {
            return (try? engine.matmul(a, b)) ?? a
        }
        let clear = (try? engine.reconstruct(a).matmul(engine.reconstruct(b))) ?? Tensor(uncheckedShape: Array(a.shape.dropLast()) + [n], repeating: 0)
        return pricedProduct(clear, linearModel)
    }

    /// The shares of a formula-priced product's exact value: an HE product's at twice the
    /// precision, truncated by the profile's truncation (charged); an analytic protocol's
    /// at the engine's precision (its formula includes its truncation).
    func pricedProduct(_ clear: Tensor<Double>, _ model: LinearLayerModel) -> SharedTensor {
        guard model.isHomomorphic else { return engine.share(clear) }
        let scale = Double(sign: .plus, exponent: engine.settings.fractionalBits, significand: 1)
        var raw = engine.share(clear.map { $0 * scale })
        raw.fractionalBits = 2 * engine.settings.fractionalBits
        return engine.truncated(raw)
    }

    public func transposedShares(_ a: SharedTensor, _ permutation: [Int]) -> SharedTensor {
        relayout(a) { (try? $0.transposed(permutation)) ?? $0 }
    }

    public func reshapedShares(_ a: SharedTensor, _ shape: [Int]) -> SharedTensor {
        SharedTensor(shape: shape, share0: a.share0, share1: a.share1, fractionalBits: a.fractionalBits)
    }
}
