import Randomness
import Tensors

/// Exact `Double` arithmetic: the reference every other backend is compared with.
public final class PlaintextBackend: ArithmeticBackend {
    public typealias Value = Tensor<Double>

    var generator: ChaChaRandom

    public init(seed: UInt64 = 0) { generator = ChaChaRandom(seed: seed, stream: 0x9A1) }

    public var name: String { "plaintext" }
    public func shape(of value: Value) -> [Int] { value.shape }
    public func input(_ x: Tensor<Double>) -> Value { x }
    public func reveal(_ value: Value) -> Tensor<Double> { value }
    public func constant(_ c: Double, shape: [Int]) -> Value { Tensor(uncheckedShape: shape, repeating: c) }
    public func add(_ a: Value, _ b: Value) -> Value { a.broadcasting(b, +) }
    public func subtract(_ a: Value, _ b: Value) -> Value { a.broadcasting(b, -) }
    public func negate(_ a: Value) -> Value { a.map { -$0 } }
    public func addConstant(_ a: Value, _ c: Double) -> Value { a.map { $0 + c } }
    public func multiplyConstant(_ a: Value, _ c: Double) -> Value { a.map { $0 * c } }
    public func multiplyInteger(_ a: Value, _ k: Int) -> Value { a.map { $0 * Double(k) } }
    public func multiply(_ a: Value, _ b: Value) -> Value { a.broadcasting(b, *) }
    public func square(_ a: Value) -> Value { a.map { $0 * $0 } }
    public func sum(_ a: Value, alongAxis axis: Int) -> Value { a.reducing(alongAxis: axis, initial: 0, +) }
    public func multiplyPublic(_ a: Value, _ m: Tensor<Double>) -> Value { a.broadcasting(m, *) }
    public func addPublic(_ a: Value, _ m: Tensor<Double>) -> Value { a.broadcasting(m, +) }
    public func isNegative(_ a: Value) -> Value { a.map { $0 < 0 ? 1 : 0 } }
    public func maximum(_ a: Value, alongAxis axis: Int) -> Value { a.reducing(alongAxis: axis, initial: -.infinity) { max($0, $1) } }
    public func analytic(_ a: Value, kind: String, cost: AnalyticCost, _ function: (Tensor<Double>) -> Tensor<Double>) -> Value {
        function(a)
    }

    public func isZero(_ a: Value) -> Value { a.map { $0 == 0 ? 1 : 0 } }

    public func uniformRandom(shape: [Int]) -> Value {
        var out = Tensor<Double>(uncheckedShape: shape, repeating: 0)
        out.mapInPlace { _ in Double(generator.next() >> 11) / Double(1 << 53) }
        return out
    }

    public func columns(_ a: Value, from start: Int, count width: Int) -> Value { a.columns(from: start, count: width) }
    public func concatenatingColumns(_ a: Value, _ b: Value) -> Value { a.concatenatingColumns(b) }
    public func rolled(_ a: Value, by shift: Int) -> Value { a.rolled(by: shift) }
    public func cumulativeSum(_ a: Value) -> Value { a.scanningRows(+) }
    public func stacked(_ values: [Value]) -> Value { .stacking(values) }
    public func unstacked(_ a: Value, count: Int) -> [Value] { a.unstacked(count) }
}
