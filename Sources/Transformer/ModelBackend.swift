import Backend
import Arithmetic
import Tensors

/// A weight matrix [rows × columns] known to the server, materialised only when a backend
/// needs its values (shape-only runs never allocate it).
public struct WeightMatrix: Sendable {
    public let rows: Int
    public let columns: Int
    let make: @Sendable () -> Tensor<Double>

    public init(rows: Int, columns: Int, make: @escaping @Sendable () -> Tensor<Double>) {
        self.rows = rows
        self.columns = columns
        self.make = make
    }

    public var values: Tensor<Double> { make() }
}

/// The operations of a transformer beyond elementwise arithmetic: products with the
/// server's weights, private × private products (attention), and layout.
public protocol ModelBackend: ArithmeticBackend {
    /// x [..., d] · W [d × d'].
    func linear(_ x: Value, _ w: WeightMatrix) -> Value
    /// a [..., m, k] · b [..., k, n], both private.
    func privateMatmul(_ a: Value, _ b: Value) -> Value
    /// Axes reordered (result axis i is input axis permutation[i]).
    func transposed(_ a: Value, _ permutation: [Int]) -> Value
    /// Same elements, another shape.
    func reshaped(_ a: Value, _ shape: [Int]) -> Value
    /// False for shape-only backends (estimate fidelity): public tensors they are given,
    /// such as the causal mask, may then be shape-only too (no scalars), so that a run
    /// stays O(shapes) in memory and time.
    var tracksValues: Bool { get }
}

extension ModelBackend {
    public var tracksValues: Bool { true }
}

extension PlaintextBackend: ModelBackend {
    public func linear(_ x: Tensor<Double>, _ w: WeightMatrix) -> Tensor<Double> {
        let d = x.shape.last ?? 1
        let flat = Tensor(uncheckedShape: [x.count / max(d, 1), d], scalars: x.scalars)
        let y = (try? flat.matmul(w.values)) ?? Tensor(uncheckedShape: [flat.shape[0], w.columns], repeating: 0)
        return Tensor(uncheckedShape: Array(x.shape.dropLast()) + [w.columns], scalars: y.scalars)
    }

    public func privateMatmul(_ a: Tensor<Double>, _ b: Tensor<Double>) -> Tensor<Double> {
        (try? a.matmul(b)) ?? a
    }

    public func transposed(_ a: Tensor<Double>, _ permutation: [Int]) -> Tensor<Double> { (try? a.transposed(permutation)) ?? a }
    public func reshaped(_ a: Tensor<Double>, _ shape: [Int]) -> Tensor<Double> { (try? a.reshaped(shape)) ?? a }
}

extension OperationCounter: ModelBackend {
    public func linear(_ x: TracedValue, _ w: WeightMatrix) -> TracedValue {
        var r = multiplyConstant(x, 0.5)   // one plaintext product per output: a level, no private product
        r.shape = Array(x.shape.dropLast()) + [w.columns]
        return r
    }

    public func privateMatmul(_ a: TracedValue, _ b: TracedValue) -> TracedValue {
        var r = multiply(a, b)
        r.shape = Array(a.shape.dropLast()) + [b.shape.last ?? 1]
        return r
    }

    public func transposed(_ a: TracedValue, _ permutation: [Int]) -> TracedValue {
        var r = a
        r.shape = permutation.map { a.shape[$0] }
        return r
    }

    public func reshaped(_ a: TracedValue, _ shape: [Int]) -> TracedValue {
        var r = a
        r.shape = shape
        return r
    }
}

extension FixedPointBackend: ModelBackend {
    /// Encodes W at f fractional bits, multiplies in the ring and truncates each output once.
    public func linear(_ x: Tensor<Ring.Element>, _ w: WeightMatrix) -> Tensor<Ring.Element> {
        let d = x.shape.last ?? 1
        let flat = Tensor(uncheckedShape: [x.count / max(d, 1), d], scalars: x.scalars)
        let product = (try? flat.matmul(input(w.values), in: format.ring)) ?? Tensor(uncheckedShape: [flat.shape[0], w.columns], repeating: format.ring.zero)
        return Tensor(uncheckedShape: Array(x.shape.dropLast()) + [w.columns], scalars: truncatedProducts(product.scalars))
    }

    public func privateMatmul(_ a: Tensor<Ring.Element>, _ b: Tensor<Ring.Element>) -> Tensor<Ring.Element> {
        let product = (try? a.matmul(b, in: format.ring)) ?? a
        return Tensor(uncheckedShape: product.shape, scalars: truncatedProducts(product.scalars))
    }

    func truncatedProducts(_ values: [Ring.Element]) -> [Ring.Element] {
        values.map { format.truncate($0, mode: truncation, using: &generator) }
    }

    public func transposed(_ a: Tensor<Ring.Element>, _ permutation: [Int]) -> Tensor<Ring.Element> { (try? a.transposed(permutation)) ?? a }
    public func reshaped(_ a: Tensor<Ring.Element>, _ shape: [Int]) -> Tensor<Ring.Element> { (try? a.reshaped(shape)) ?? a }
}
