import Backend
import CostModel
import Tensors

/// The shape and scale of a value in a cost-only run.
public struct EstimatedValue: Sendable, Hashable {
    public var shape: [Int]
    public var fractionalBits: Int
    public var count: Int { shape.reduce(1, *) }

    public init(shape: [Int], fractionalBits: Int) {
        self.shape = shape
        self.fractionalBits = fractionalBits
    }
}

/// Costs without values ("estimate" fidelity): every operation records, through the same
/// `Channel` accounting, exactly the openings the executed protocol makes — counts that
/// depend only on shapes — so a whole model is costed in milliseconds. Tests check that its
/// totals equal the executed engine's on the same computation.
public final class TwoPartyEstimator: ArithmeticBackend {
    public typealias Value = EstimatedValue

    public let settings: TwoPartySettings
    public let ledger: CostLedger
    public let channel: Channel
    public var linearModel: LinearLayerModel = .beaver
    let ringBits: Int

    public init(settings: TwoPartySettings, ledger: CostLedger = CostLedger()) throws(TwoPartyError) {
        try settings.validate()
        self.settings = settings
        self.ledger = ledger
        if ledger.computeModel == nil { ledger.computeModel = settings.compute }
        channel = Channel(ledger: ledger, wireBytesPerElement: settings.wireBytesPerElement, wireBytesPerBit: settings.wireBytesPerBit)
        ringBits = settings.ringBits
    }

    var f: Int { settings.fractionalBits }
    var circuitLevels: Int { Int.bitWidth - (ringBits - 1).leadingZeroBitCount }
    public var name: String { "two-party estimate" }

    func broadcastShape(_ a: [Int], _ b: [Int]) -> [Int] { BroadcastPlan(unchecked: a, b).shape }

    // MARK: Protocol costs (mirroring TwoPartyEngine and BinaryCircuits)

    func truncated(_ x: Value) -> Value {
        x.fractionalBits > f ? truncate(x, bits: x.fractionalBits - f) : x
    }

    func truncate(_ x: Value, bits m: Int) -> Value {
        if let cost = settings.truncationCost {
            channel.charge("truncate", cost, elements: x.count, truncatedBits: m)
        } else if settings.truncation == .oneRound {
            channel.recordOpening("truncate", elements: x.count)
        }
        return Value(shape: x.shape, fractionalBits: x.fractionalBits - m)
    }

    func product(_ x: Value, _ y: Value, kind: String, openings: Int, cost: AnalyticCost?) -> Value {
        let shape = broadcastShape(x.shape, y.shape)
        let n = shape.reduce(1, *)
        if let cost {
            channel.charge(kind, cost, elements: n)
        } else {
            channel.recordOpening(kind, elements: openings, multiplications: n)
        }
        return truncated(Value(shape: shape, fractionalBits: x.fractionalBits + y.fractionalBits))
    }

    func bitOutput(_ x: Value, kind: String, cost: AnalyticCost?, executed: () -> Void) -> Value {
        if let cost {
            channel.charge(kind, cost, elements: x.count)
        } else {
            executed()
        }
        return Value(shape: x.shape, fractionalBits: 0)
    }

    // MARK: ArithmeticBackend

    public func shape(of value: Value) -> [Int] { value.shape }
    public func input(_ x: Tensor<Double>) -> Value { Value(shape: x.shape, fractionalBits: f) }
    /// Shape-only: no values to reveal.
    public func reveal(_ value: Value) -> Tensor<Double> { Tensor(uncheckedShape: value.shape, repeating: .nan) }
    public func constant(_ c: Double, shape: [Int]) -> Value { Value(shape: shape, fractionalBits: f) }

    func addShape(_ a: Value, _ b: Value) -> Value {
        Value(shape: broadcastShape(a.shape, b.shape), fractionalBits: max(a.fractionalBits, b.fractionalBits))
    }
    func subtractShape(_ a: Value, _ b: Value) -> Value { addShape(a, b) }
    func negateShape(_ a: Value) -> Value { a }
    func addConstantShape(_ a: Value, _ c: Double) -> Value { a }
    func addPublicShape(_ a: Value, _ m: Tensor<Double>) -> Value {
        Value(shape: broadcastShape(a.shape, m.shape), fractionalBits: a.fractionalBits)
    }
    func multiplyIntegerShape(_ a: Value, _ k: Int) -> Value { a }

    func multiplyConstantShape(_ a: Value, _ c: Double) -> Value {
        if c.isSmallInteger { return a }
        let j = -c.magnitude.exponent
        if c.magnitude.significand == 1, j > 0, j < ringBits - 1 {
            var r = truncate(a, bits: j)
            r.fractionalBits = a.fractionalBits
            return r
        }
        return multiplyPublicShape(a, Tensor([c]))
    }

    func multiplyPublicShape(_ a: Value, _ m: Tensor<Double>) -> Value {
        let integral = m.isSmallIntegral
        return truncated(Value(shape: broadcastShape(a.shape, m.shape), fractionalBits: a.fractionalBits + (integral ? 0 : f)))
    }

    // Local operations, recorded as the executed backend records them (`Channel.recordLocal`).
    func local(_ r: Value) -> Value {
        channel.recordLocal(elements: r.count)
        return r
    }

    public func add(_ a: Value, _ b: Value) -> Value { local(addShape(a, b)) }
    public func subtract(_ a: Value, _ b: Value) -> Value { local(subtractShape(a, b)) }
    public func negate(_ a: Value) -> Value { local(negateShape(a)) }
    public func addConstant(_ a: Value, _ c: Double) -> Value { local(addConstantShape(a, c)) }
    public func addPublic(_ a: Value, _ m: Tensor<Double>) -> Value { local(addPublicShape(a, m)) }
    public func multiplyInteger(_ a: Value, _ k: Int) -> Value { local(multiplyIntegerShape(a, k)) }
    public func multiplyConstant(_ a: Value, _ c: Double) -> Value { local(multiplyConstantShape(a, c)) }
    public func multiplyPublic(_ a: Value, _ m: Tensor<Double>) -> Value { local(multiplyPublicShape(a, m)) }
    public func sum(_ a: Value, alongAxis axis: Int) -> Value { local(sumShape(a, alongAxis: axis)) }

    public func multiply(_ a: Value, _ b: Value) -> Value {
        product(a, b, kind: "mul", openings: a.count + b.count, cost: settings.multiplicationCost)
    }

    public func multiplyByBit(_ a: Value, _ bit: Value) -> Value {
        guard let cost = settings.selectCost else { return multiply(a, bit) }
        let shape = broadcastShape(a.shape, bit.shape)
        channel.charge("select", cost, elements: shape.reduce(1, *))
        return Value(shape: shape, fractionalBits: a.fractionalBits)
    }

    public func square(_ a: Value) -> Value {
        if let cost = settings.squareCost ?? settings.multiplicationCost {
            channel.charge("square", cost, elements: a.count)
            return truncated(Value(shape: a.shape, fractionalBits: 2 * a.fractionalBits))
        }
        channel.recordOpening("square", elements: a.count, multiplications: a.count)
        return truncated(Value(shape: a.shape, fractionalBits: 2 * a.fractionalBits))
    }

    func sumShape(_ a: Value, alongAxis axis: Int) -> Value {
        var s = a.shape
        let k = axis < 0 ? axis + s.count : axis
        if s.indices.contains(k) { s[k] = 1 }
        return Value(shape: s, fractionalBits: a.fractionalBits)
    }

    /// LTZ: AND for the generate bits (2n words opened), ⌈log2 k⌉ levels of two stacked
    /// ANDs (4n words), then a single-bit B2A (n bits).
    public func isNegative(_ a: Value) -> Value {
        bitOutput(a, kind: "ltz", cost: settings.comparisonCost) {
            channel.recordOpening("a2b", elements: 2 * a.count)
            for _ in 0..<circuitLevels { channel.recordOpening("a2b", elements: 4 * a.count) }
            channel.recordOpening("b2a", elements: a.count, bitsOnly: true)
        }
    }

    /// eqz: ⌈log2 k⌉ levels of one AND (2n words), then a single-bit B2A.
    public func isZero(_ a: Value) -> Value {
        bitOutput(a, kind: "eq", cost: settings.equalityCost) {
            for _ in 0..<circuitLevels { channel.recordOpening("eq", elements: 2 * a.count) }
            channel.recordOpening("b2a", elements: a.count, bitsOnly: true)
        }
    }

    /// crypten.rand: f random bits per value through one single-bit B2A call.
    public func uniformRandom(shape: [Int]) -> Value {
        channel.recordOpening("b2a", elements: shape.reduce(1, *) * f, bitsOnly: true)
        return Value(shape: shape, fractionalBits: f)
    }

    public func maximum(_ a: Value, alongAxis axis: Int) -> Value { treeMaximum(a) }
    public func scope<T>(_ name: String, _ body: () -> T) -> T { ledger.scope(name, body) }

    public func analytic(_ a: Value, kind: String, cost: AnalyticCost, _ function: (Tensor<Double>) -> Tensor<Double>) -> Value {
        channel.charge(kind, cost, elements: a.count, rowLength: a.shape.last ?? 1)
        return Value(shape: a.shape, fractionalBits: f)
    }

    // MARK: Layout (free)

    func withLast(_ a: Value, _ n: Int) -> Value { Value(shape: Array(a.shape.dropLast()) + [n], fractionalBits: a.fractionalBits) }
    public func columns(_ a: Value, from start: Int, count width: Int) -> Value { withLast(a, width) }
    public func concatenatingColumns(_ a: Value, _ b: Value) -> Value {
        Value(shape: Array(a.shape.dropLast()) + [(a.shape.last ?? 1) + (b.shape.last ?? 1)], fractionalBits: max(a.fractionalBits, b.fractionalBits))
    }
    public func rolled(_ a: Value, by shift: Int) -> Value { a }
    public func cumulativeSum(_ a: Value) -> Value { a }
    public func stacked(_ values: [Value]) -> Value {
        Value(shape: [values.count] + (values.first?.shape ?? []), fractionalBits: values.map(\.fractionalBits).max() ?? f)
    }
    public func unstacked(_ a: Value, count: Int) -> [Value] {
        Array(repeating: Value(shape: Array(a.shape.dropFirst()), fractionalBits: a.fractionalBits), count: count)
    }

    // MARK: Linear layers

    /// As `TwoPartyBackend.linearProduct`: a Beaver matmul opens the activation and the
    /// weights; HE and masked-wire products are charged by formula.
    public func linearCost(_ x: Value, columns dOut: Int) -> Value {
        let d = x.shape.last ?? 1, rows = x.count / max(d, 1)
        let out = Value(shape: Array(x.shape.dropLast()) + [dOut], fractionalBits: 2 * f)
        if channel.chargeLinear(linearModel, rows: rows, d: d, dOut: dOut) { return pricedProduct(out) }
        channel.recordOpening("matmul", elements: x.count + d * dOut, multiplications: rows * dOut,
                              multiplyAccumulates: (rows * dOut).saturatingMultiplying(d))
        return truncated(out)
    }

    /// As `TwoPartyBackend.pricedProduct`: an HE product truncated (charged), an analytic
    /// one already at the engine's precision.
    func pricedProduct(_ out: Value) -> Value {
        linearModel.isHomomorphic ? truncated(out) : Value(shape: out.shape, fractionalBits: f)
    }

    /// As `TwoPartyEngine.matmul`: open both operands, then truncate.
    public func privateMatmulCost(_ a: Value, _ b: Value) -> Value {
        let m = a.shape[a.shape.count - 2], n = b.shape.last ?? 1
        let batch = a.count / max(m * (a.shape.last ?? 1), 1)
        if channel.chargePrivateMatmul(linearModel, batch: batch, m: m, k: a.shape.last ?? 1, n: n) {
            return pricedProduct(Value(shape: Array(a.shape.dropLast()) + [n], fractionalBits: 2 * f))
        }
        channel.recordOpening("matmul", elements: a.count + b.count, multiplications: batch * m * n,
                              multiplyAccumulates: (batch * m * n).saturatingMultiplying(a.shape.last ?? 1))
        return truncated(Value(shape: Array(a.shape.dropLast()) + [n], fractionalBits: a.fractionalBits + b.fractionalBits))
    }
}
