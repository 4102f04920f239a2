import Arithmetic
import Backend
import CostModel
import Randomness
import Tensors

/// Additive shares over any modular ring, e.g. a prime field Z/q: a word-size q on native
/// words (`WordModulusRing`) or a multi-word q on GMP (`BigModulusRing`).
public struct FieldShares<Element: Sendable & Hashable>: Sendable {
    public var shape: [Int]
    public var share0: [Element]
    public var share1: [Element]
    /// Scale of the encoded value: 2^fractionalBits.
    public var fractionalBits: Int
}

/// The two-party engine over a general modular ring Z/m. Products are executed by Beaver
/// triples (counted at the openings, ⌈log2 m / 8⌉ bytes per element); truncation is the
/// SecureML local protocol, which works in Z/q with failure probability |x|/q, or analytic;
/// comparisons and equality, which need bit decomposition in a field, are analytic (the
/// settings must give their cost).
public final class FieldTwoPartyBackend<Ring: ModularRing>: ArithmeticBackend {
    public typealias Value = FieldShares<Ring.Element>

    public let format: FixedPointFormat<Ring>
    public let ledger: CostLedger
    public let channel: Channel
    public let comparisonCost: AnalyticCost
    public let equalityCost: AnalyticCost
    public let truncationCost: AnalyticCost?
    var dealer: ChaChaRandom
    var owner: ChaChaRandom
    public private(set) var inputOverflows = 0

    /// - Throws: `TwoPartyError.invalidParameter` for fixed-point parameters the ring cannot hold
    ///   or invalid costs.
    public init(ring: Ring, fractionalBits: Int, comparisonCost: AnalyticCost, equalityCost: AnalyticCost,
                truncationCost: AnalyticCost? = nil, seed: UInt64 = 1, ledger: CostLedger = CostLedger()) throws(TwoPartyError) {
        guard 2 * fractionalBits + 2 < ring.bitWidth else {
            throw .invalidParameter("\(fractionalBits) fractional bits do not fit \(ring): a product needs 2f + 2 bits below log2 m")
        }
        guard comparisonCost.isValid, equalityCost.isValid, truncationCost?.isValid ?? true else {
            throw .invalidParameter("analytic costs must be non-negative")
        }
        do { format = try FixedPointFormat(ring: ring, fractionalBits: fractionalBits) } catch { throw .invalidParameter(error.description) }
        self.ledger = ledger
        let bytes = (ring.bitWidth + 7) / 8
        channel = Channel(ledger: ledger, wireBytesPerElement: bytes, wireBytesPerBit: bytes)
        self.comparisonCost = comparisonCost
        self.equalityCost = equalityCost
        self.truncationCost = truncationCost
        dealer = ChaChaRandom(seed: seed, stream: 0xF1E1D)
        owner = ChaChaRandom(seed: seed, stream: 0x0A4E)
    }

    var ring: Ring { format.ring }
    var f: Int { format.fractionalBits }
    public var name: String { "two-party \(ring) f=\(f)" }

    // MARK: Sharing

    func split(_ values: [Ring.Element], using g: inout ChaChaRandom) -> ([Ring.Element], [Ring.Element]) {
        let s0 = values.map { _ in ring.random(using: &g) }
        return (s0, zip(values, s0).map { ring.subtract($0, $1) })
    }

    func make(_ shape: [Int], _ values: [Ring.Element], bits: Int) -> Value {
        let (s0, s1) = split(values, using: &dealer)
        return Value(shape: shape, share0: s0, share1: s1, fractionalBits: bits)
    }

    func clear(_ x: Value) -> [Ring.Element] { zip(x.share0, x.share1).map { ring.add($0, $1) } }

    public func shape(of value: Value) -> [Int] { value.shape }

    public func input(_ x: Tensor<Double>) -> Value {
        let encoded = x.scalars.map { format.encode($0, overflows: &inputOverflows) }
        let (s0, s1) = split(encoded, using: &owner)
        return Value(shape: x.shape, share0: s0, share1: s1, fractionalBits: f)
    }

    public func reveal(_ value: Value) -> Tensor<Double> {
        let scale = Double(sign: .plus, exponent: value.fractionalBits, significand: 1)
        return Tensor(uncheckedShape: value.shape, scalars: clear(value).map { ring.centeredDouble($0) / scale })
    }

    // MARK: Local operations

    func encode(_ c: Double, bits: Int) -> Ring.Element {
        ring.element(integral: (c * Double(sign: .plus, exponent: bits, significand: 1)).rounded())
    }

    func scaled(_ x: Value, to bits: Int) -> Value {
        guard bits != x.fractionalBits else { return x }
        let k = ring.element(BigInteger.powerOfTwo(bits - x.fractionalBits))
        return Value(shape: x.shape, share0: x.share0.map { ring.multiply($0, k) }, share1: x.share1.map { ring.multiply($0, k) },
                     fractionalBits: bits)
    }

    func combine(_ a: Value, _ b: Value, _ op: (Ring.Element, Ring.Element) -> Ring.Element) -> Value {
        let bits = max(a.fractionalBits, b.fractionalBits)
        let x = scaled(a, to: bits), y = scaled(b, to: bits)
        let s0 = Tensor(uncheckedShape: x.shape, scalars: x.share0).broadcasting(Tensor(uncheckedShape: y.shape, scalars: y.share0), op)
        let s1 = Tensor(uncheckedShape: x.shape, scalars: x.share1).broadcasting(Tensor(uncheckedShape: y.shape, scalars: y.share1), op)
        return Value(shape: s0.shape, share0: s0.scalars, share1: s1.scalars, fractionalBits: bits)
    }

    public func constant(_ c: Double, shape: [Int]) -> Value {
        let count = shape.reduce(1, *)
        return Value(shape: shape, share0: Array(repeating: encode(c, bits: f), count: count),
                     share1: Array(repeating: ring.zero, count: count), fractionalBits: f)
    }

    public func add(_ a: Value, _ b: Value) -> Value { combine(a, b) { ring.add($0, $1) } }
    public func subtract(_ a: Value, _ b: Value) -> Value { combine(a, b) { ring.subtract($0, $1) } }
    public func negate(_ a: Value) -> Value {
        Value(shape: a.shape, share0: a.share0.map { ring.negate($0) }, share1: a.share1.map { ring.negate($0) }, fractionalBits: a.fractionalBits)
    }

    public func addConstant(_ a: Value, _ c: Double) -> Value {
        let e = encode(c, bits: a.fractionalBits)
        var r = a
        r.share0 = a.share0.map { ring.add($0, e) }
        return r
    }

    public func addPublic(_ a: Value, _ m: Tensor<Double>) -> Value {
        let e = m.map { encode($0, bits: a.fractionalBits) }
        let s0 = Tensor(uncheckedShape: a.shape, scalars: a.share0).broadcasting(e) { ring.add($0, $1) }
        let s1 = Tensor(uncheckedShape: a.shape, scalars: a.share1).broadcasting(e) { x, _ in x }
        return Value(shape: s0.shape, share0: s0.scalars, share1: s1.scalars, fractionalBits: a.fractionalBits)
    }

    public func multiplyInteger(_ a: Value, _ k: Int) -> Value {
        let e = ring.element(k)
        return Value(shape: a.shape, share0: a.share0.map { ring.multiply($0, e) }, share1: a.share1.map { ring.multiply($0, e) },
                     fractionalBits: a.fractionalBits)
    }

    public func multiplyConstant(_ a: Value, _ c: Double) -> Value {
        if c.isSmallInteger { return multiplyInteger(a, Int(c)) }
        let e = encode(c, bits: f)
        return truncated(Value(shape: a.shape, share0: a.share0.map { ring.multiply($0, e) }, share1: a.share1.map { ring.multiply($0, e) },
                               fractionalBits: a.fractionalBits + f))
    }

    public func multiplyPublic(_ a: Value, _ m: Tensor<Double>) -> Value {
        let integral = m.isSmallIntegral
        let bits = integral ? 0 : f
        let e = m.map { encode($0, bits: bits) }
        let s0 = Tensor(uncheckedShape: a.shape, scalars: a.share0).broadcasting(e) { ring.multiply($0, $1) }
        let s1 = Tensor(uncheckedShape: a.shape, scalars: a.share1).broadcasting(e) { ring.multiply($0, $1) }
        return truncated(Value(shape: s0.shape, share0: s0.scalars, share1: s1.scalars, fractionalBits: a.fractionalBits + bits))
    }

    public func sum(_ a: Value, alongAxis axis: Int) -> Value {
        let s0 = Tensor(uncheckedShape: a.shape, scalars: a.share0).reducing(alongAxis: axis, initial: ring.zero) { ring.add($0, $1) }
        let s1 = Tensor(uncheckedShape: a.shape, scalars: a.share1).reducing(alongAxis: axis, initial: ring.zero) { ring.add($0, $1) }
        return Value(shape: s0.shape, share0: s0.scalars, share1: s1.scalars, fractionalBits: a.fractionalBits)
    }

    // MARK: Products and truncation

    /// Beaver's product with broadcasting; openings of x − a and y − b counted at the channel.
    public func multiply(_ x: Value, _ y: Value) -> Value {
        let plan = BroadcastPlan(unchecked: x.shape, y.shape)
        let a = (0..<x.count).map { _ in ring.random(using: &dealer) }, b = (0..<y.count).map { _ in ring.random(using: &dealer) }
        var pairs = [(Int, Int)]()
        plan.forEachPair { pairs.append(($0, $1)) }
        let c = pairs.map { ring.multiply(a[$0.0], b[$0.1]) }
        let (a0, a1) = split(a, using: &dealer), (b0, b1) = split(b, using: &dealer), (c0, c1) = split(c, using: &dealer)
        // Open ε = x − a and δ = y − b in one round.
        let r = ring
        let opened = channel.openTogether("mul", [
            (zip(x.share0, a0).map { r.subtract($0, $1) }, zip(x.share1, a1).map { r.subtract($0, $1) }),
            (zip(y.share0, b0).map { r.subtract($0, $1) }, zip(y.share1, b1).map { r.subtract($0, $1) }),
        ], multiplications: pairs.count) { r.add($0, $1) }
        let eps = opened[0], delta = opened[1]
        var z0 = [Ring.Element](), z1 = [Ring.Element]()
        for (k, (i, j)) in pairs.enumerated() {
            z0.append(ring.add(ring.add(c0[k], ring.multiply(eps[i], b0[j])), ring.add(ring.multiply(a0[i], delta[j]), ring.multiply(eps[i], delta[j]))))
            z1.append(ring.add(c1[k], ring.add(ring.multiply(eps[i], b1[j]), ring.multiply(a1[i], delta[j]))))
        }
        return truncated(Value(shape: plan.shape, share0: z0, share1: z1, fractionalBits: x.fractionalBits + y.fractionalBits))
    }

    public func square(_ x: Value) -> Value { multiply(x, x) }

    /// Back to f fractional bits: SecureML local truncation on the shares, or analytic.
    func truncated(_ x: Value) -> Value {
        guard x.fractionalBits > f else { return x }
        let m = x.fractionalBits - f
        if let cost = truncationCost {
            channel.charge("truncate", cost, elements: x.count, truncatedBits: m)
        }
        let s0 = x.share0.map { FixedPointFormat<Ring>.truncateShare($0, party: 0, bits: m, ring: ring) }
        let s1 = x.share1.map { FixedPointFormat<Ring>.truncateShare($0, party: 1, bits: m, ring: ring) }
        return Value(shape: x.shape, share0: s0, share1: s1, fractionalBits: f)
    }

    // MARK: Analytic primitives

    public func analytic(_ a: Value, kind: String, cost: AnalyticCost, _ function: (Tensor<Double>) -> Tensor<Double>) -> Value {
        channel.charge(kind, cost, elements: a.count, rowLength: a.shape.last ?? 1)
        let y = function(reveal(a))
        return make(y.shape, y.scalars.map { format.encode($0, overflows: &inputOverflows) }, bits: f)
    }

    func bits(_ a: Value, kind: String, cost: AnalyticCost, _ test: (Ring.Element) -> Bool) -> Value {
        channel.charge(kind, cost, elements: a.count, rowLength: a.shape.last ?? 1)
        return make(a.shape, clear(a).map { test($0) ? ring.one : ring.zero }, bits: 0)
    }

    public func isNegative(_ a: Value) -> Value { bits(a, kind: "ltz", cost: comparisonCost) { ring.isNegative($0) } }
    public func isZero(_ a: Value) -> Value { bits(a, kind: "eq", cost: equalityCost) { $0 == ring.zero } }
    public func maximum(_ a: Value, alongAxis axis: Int) -> Value { treeMaximum(a) }
    public func scope<T>(_ name: String, _ body: () -> T) -> T { ledger.scope(name, body) }

    /// Dealer-provided uniform values in [0, 1) at f bits (no communication).
    public func uniformRandom(shape: [Int]) -> Value {
        make(shape, (0..<shape.reduce(1, *)).map { _ in ring.element(Int(dealer.next() >> UInt64(64 - f))) }, bits: f)
    }

    // MARK: Layout

    func relayout(_ a: Value, _ op: (Tensor<Ring.Element>) -> Tensor<Ring.Element>) -> Value {
        let s0 = op(Tensor(uncheckedShape: a.shape, scalars: a.share0)), s1 = op(Tensor(uncheckedShape: a.shape, scalars: a.share1))
        return Value(shape: s0.shape, share0: s0.scalars, share1: s1.scalars, fractionalBits: a.fractionalBits)
    }

    public func columns(_ a: Value, from start: Int, count width: Int) -> Value { relayout(a) { $0.columns(from: start, count: width) } }
    public func concatenatingColumns(_ a: Value, _ b: Value) -> Value {
        let bits = max(a.fractionalBits, b.fractionalBits)
        let x = scaled(a, to: bits), y = scaled(b, to: bits)
        let s0 = Tensor(uncheckedShape: x.shape, scalars: x.share0).concatenatingColumns(Tensor(uncheckedShape: y.shape, scalars: y.share0))
        let s1 = Tensor(uncheckedShape: x.shape, scalars: x.share1).concatenatingColumns(Tensor(uncheckedShape: y.shape, scalars: y.share1))
        return Value(shape: s0.shape, share0: s0.scalars, share1: s1.scalars, fractionalBits: bits)
    }
    public func rolled(_ a: Value, by shift: Int) -> Value { relayout(a) { $0.rolled(by: shift) } }
    public func cumulativeSum(_ a: Value) -> Value { relayout(a) { $0.scanningRows { ring.add($0, $1) } } }
    public func stacked(_ values: [Value]) -> Value {
        let bits = values.map(\.fractionalBits).max() ?? f
        let parts = values.map { scaled($0, to: bits) }
        return Value(shape: [parts.count] + (parts.first?.shape ?? []), share0: parts.flatMap(\.share0), share1: parts.flatMap(\.share1),
                     fractionalBits: bits)
    }
    public func unstacked(_ a: Value, count: Int) -> [Value] {
        let s0 = Tensor(uncheckedShape: a.shape, scalars: a.share0).unstacked(count)
        let s1 = Tensor(uncheckedShape: a.shape, scalars: a.share1).unstacked(count)
        return zip(s0, s1).map { Value(shape: $0.shape, share0: $0.scalars, share1: $1.scalars, fractionalBits: a.fractionalBits) }
    }
}

extension FieldShares {
    /// Number of elements.
    public var count: Int { share0.count }
}
