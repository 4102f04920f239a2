import Arithmetic
import Randomness
import Tensors

/// Clear fixed-point arithmetic in a modular ring, exactly as a protocol computes it but
/// without shares: products wrap in the ring and are truncated with the chosen mode,
/// constants are encoded with f fractional bits. Running an approximation here and on
/// `PlaintextBackend` separates quantisation error from approximation error.
///
/// Inputs out of the representable range are saturated and counted (`inputOverflows`);
/// products whose exact value leaves the ring are counted (`productWraps`).
public final class FixedPointBackend<Ring: ModularRing>: ArithmeticBackend {
    public typealias Value = Tensor<Ring.Element>

    public let format: FixedPointFormat<Ring>
    public let truncation: TruncationMode
    /// Randomness for probabilistic truncation (seeded: runs are reproducible).
    public var generator: ChaChaRandom

    /// Inputs and constants that did not fit the format and were saturated.
    public private(set) var inputOverflows = 0
    /// Products whose exact value left the ring's centered range (they wrapped).
    public private(set) var productWraps = 0

    public init(format: FixedPointFormat<Ring>, truncation: TruncationMode, seed: UInt64 = 0) {
        self.format = format
        self.truncation = truncation
        generator = ChaChaRandom(seed: seed)
    }

    public var name: String { "fixed-point \(format.ring) f=\(format.fractionalBits) \(truncation.rawValue)" }
    var ring: Ring { format.ring }

    public func shape(of value: Value) -> [Int] { value.shape }

    public func input(_ x: Tensor<Double>) -> Value { x.map { format.encode($0, overflows: &inputOverflows) } }

    public func reveal(_ value: Value) -> Tensor<Double> { value.map { format.decode($0) } }

    func encodeConstant(_ c: Double) -> Ring.Element { format.encode(c, overflows: &inputOverflows) }

    public func constant(_ c: Double, shape: [Int]) -> Value { Tensor(uncheckedShape: shape, repeating: encodeConstant(c)) }
    public func add(_ a: Value, _ b: Value) -> Value { a.broadcasting(b) { ring.add($0, $1) } }
    public func subtract(_ a: Value, _ b: Value) -> Value { a.broadcasting(b) { ring.subtract($0, $1) } }
    public func negate(_ a: Value) -> Value { a.map { ring.negate($0) } }

    public func addConstant(_ a: Value, _ c: Double) -> Value {
        let e = encodeConstant(c)
        return a.map { ring.add($0, e) }
    }

    /// Multiplies by the encoded constant and truncates (one truncation per element).
    public func multiplyConstant(_ a: Value, _ c: Double) -> Value {
        let e = encodeConstant(c)
        return a.map { product($0, e) }
    }

    public func multiplyInteger(_ a: Value, _ k: Int) -> Value {
        let e = ring.element(k)
        return a.map { ring.multiply($0, e) }
    }

    public func multiply(_ a: Value, _ b: Value) -> Value { a.broadcasting(b) { product($0, $1) } }
    public func square(_ a: Value) -> Value { a.map { product($0, $0) } }

    public func sum(_ a: Value, alongAxis axis: Int) -> Value {
        a.reducing(alongAxis: axis, initial: ring.zero) { ring.add($0, $1) }
    }

    /// m is encoded once per entry (an out-of-range entry counts once, as in `constant`).
    public func addPublic(_ a: Value, _ m: Tensor<Double>) -> Value {
        a.broadcasting(m.map(encodeConstant)) { ring.add($0, $1) }
    }

    /// Integer entries (0/1 masks) multiply without truncation; others are encoded and truncated.
    public func multiplyPublic(_ a: Value, _ m: Tensor<Double>) -> Value {
        let encoded = m.map { c in c.isSmallInteger ? (ring.element(Int(c)), false) : (encodeConstant(c), true) }
        return a.broadcasting(encoded) { x, e in e.1 ? product(x, e.0) : ring.multiply(x, e.0) }
    }

    /// Exact comparison of the centered value (what a comparison protocol outputs).
    public func isNegative(_ a: Value) -> Value {
        let one = encodeConstant(1)
        return a.map { ring.isNegative($0) ? one : ring.zero }
    }

    public func maximum(_ a: Value, alongAxis axis: Int) -> Value {
        let r = ring
        return a.reducing(alongAxis: axis, initial: Optional<Ring.Element>.none) { acc, x in
            guard let m = acc else { return x }
            return r.isNegative(r.subtract(m, x)) ? x : m
        }.map { $0 ?? r.zero }
    }

    func product(_ x: Ring.Element, _ y: Ring.Element) -> Ring.Element {
        let (p, wrapped) = format.multiply(x, y, mode: truncation, using: &generator)
        if wrapped { productWraps += 1 }
        return p
    }

    /// Decodes, applies, and encodes the result at the format's precision.
    public func analytic(_ a: Value, kind: String, cost: AnalyticCost, _ function: (Tensor<Double>) -> Tensor<Double>) -> Value {
        input(function(reveal(a)))
    }

    public func isZero(_ a: Value) -> Value {
        let one = encodeConstant(1)
        return a.map { $0 == ring.zero ? one : ring.zero }
    }

    /// Uniform in [0, 1) on the grid 2^−f (f random bits), like CrypTen's `rand`.
    public func uniformRandom(shape: [Int]) -> Value {
        var out = Tensor<Ring.Element>(uncheckedShape: shape, repeating: ring.zero)
        let f = format.fractionalBits
        out.mapInPlace { _ in ring.element(Int(generator.next() >> UInt64(64 - f))) }
        return out
    }

    public func columns(_ a: Value, from start: Int, count width: Int) -> Value { a.columns(from: start, count: width) }
    public func concatenatingColumns(_ a: Value, _ b: Value) -> Value { a.concatenatingColumns(b) }
    public func rolled(_ a: Value, by shift: Int) -> Value { a.rolled(by: shift) }
    public func cumulativeSum(_ a: Value) -> Value { a.scanningRows { ring.add($0, $1) } }
    public func stacked(_ values: [Value]) -> Value { .stacking(values) }
    public func unstacked(_ a: Value, count: Int) -> [Value] { a.unstacked(count) }
}
