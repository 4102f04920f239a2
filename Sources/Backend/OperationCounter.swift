import Tensors

/// What a traced value knows: its shape and how many sequential multiplications lie
/// behind it.
public struct TracedValue: Sendable, Hashable {
    public var shape: [Int]
    /// Levels consumed: every private product and every product with a non-integer public
    /// constant costs one (a rescale in CKKS).
    public var depth: Int
    /// Private-by-private products only (the rounds of a multiplication-based 2PC protocol).
    public var nonscalarDepth: Int
}

/// Operation counts of one evaluation.
public struct OperationCounts: Sendable, Hashable, Codable {
    /// Private × private products, squares included (ciphertext × ciphertext in HE).
    public var nonscalarMultiplications = 0
    /// Of those, squares.
    public var squares = 0
    /// Products with a non-integer public constant.
    public var scalarMultiplications = 0
    /// Products with a public integer (free of rescale and truncation).
    public var integerMultiplications = 0
    /// Additions and subtractions of two private values.
    public var additions = 0
    /// Additions of a public constant.
    public var constantAdditions = 0
    /// Private comparisons (sign tests).
    public var comparisons = 0
    /// Operations charged from a formula (not executed).
    public var analytic = 0

    public init() {}
}

/// A backend that computes nothing but records every operation and the depth of every
/// value. Polynomial schedules run on it to report their exact cost: the counts are
/// those of the code path itself, not of a formula.
public final class OperationCounter: ArithmeticBackend {
    public typealias Value = TracedValue

    public private(set) var counts = OperationCounts()

    public init() {}

    public var name: String { "operation counter" }
    public func shape(of value: Value) -> [Int] { value.shape }
    public func input(_ x: Tensor<Double>) -> Value { TracedValue(shape: x.shape, depth: 0, nonscalarDepth: 0) }

    /// A fresh input of the given shape at depth 0.
    public func input(shape: [Int]) -> Value { TracedValue(shape: shape, depth: 0, nonscalarDepth: 0) }

    public func reveal(_ value: Value) -> Tensor<Double> { Tensor(uncheckedShape: value.shape, repeating: .nan) }
    public func constant(_ c: Double, shape: [Int]) -> Value { TracedValue(shape: shape, depth: 0, nonscalarDepth: 0) }

    func joined(_ a: Value, _ b: Value, deeper: Bool) -> Value {
        // Broadcast shape; matrix products (privateMatmul) come through here with
        // non-broadcasting shapes and set their own.
        let shape = (try? BroadcastPlan(a.shape, b.shape).shape) ?? (a.shape.count >= b.shape.count ? a.shape : b.shape)
        let step = deeper ? 1 : 0
        return TracedValue(shape: shape, depth: max(a.depth, b.depth) + step,
                           nonscalarDepth: max(a.nonscalarDepth, b.nonscalarDepth) + step)
    }

    public func add(_ a: Value, _ b: Value) -> Value { counts.additions += 1; return joined(a, b, deeper: false) }
    public func subtract(_ a: Value, _ b: Value) -> Value { counts.additions += 1; return joined(a, b, deeper: false) }
    public func negate(_ a: Value) -> Value { a }
    public func addConstant(_ a: Value, _ c: Double) -> Value { counts.constantAdditions += 1; return a }

    public func multiplyConstant(_ a: Value, _ c: Double) -> Value {
        if c.isSmallInteger { return multiplyInteger(a, Int(c)) }
        counts.scalarMultiplications += 1
        var r = a
        r.depth += 1
        return r
    }

    public func multiplyInteger(_ a: Value, _ k: Int) -> Value { counts.integerMultiplications += 1; return a }
    public func multiply(_ a: Value, _ b: Value) -> Value { counts.nonscalarMultiplications += 1; return joined(a, b, deeper: true) }

    public func square(_ a: Value) -> Value {
        counts.nonscalarMultiplications += 1
        counts.squares += 1
        return joined(a, a, deeper: true)
    }

    public func sum(_ a: Value, alongAxis axis: Int) -> Value {
        counts.additions += 1
        var r = a
        let k = axis < 0 ? axis + r.shape.count : axis
        if r.shape.indices.contains(k) { r.shape[k] = 1 }
        return r
    }

    public func addPublic(_ a: Value, _ m: Tensor<Double>) -> Value {
        counts.constantAdditions += 1
        var r = a
        r.shape = BroadcastPlan(unchecked: a.shape, m.shape).shape
        return r
    }

    public func multiplyPublic(_ a: Value, _ m: Tensor<Double>) -> Value {
        if m.isSmallIntegral { return multiplyInteger(a, 1) }
        return multiplyConstant(a, 0.5)
    }

    public func isNegative(_ a: Value) -> Value {
        counts.comparisons += 1
        return TracedValue(shape: a.shape, depth: a.depth + 1, nonscalarDepth: a.nonscalarDepth + 1)
    }

    public func maximum(_ a: Value, alongAxis axis: Int) -> Value {
        counts.comparisons += 1
        return sum(a, alongAxis: axis)
    }

    public func analytic(_ a: Value, kind: String, cost: AnalyticCost, _ function: (Tensor<Double>) -> Tensor<Double>) -> Value {
        counts.analytic += 1
        return a
    }

    public func isZero(_ a: Value) -> Value {
        counts.comparisons += 1
        return TracedValue(shape: a.shape, depth: a.depth + 1, nonscalarDepth: a.nonscalarDepth + 1)
    }

    public func uniformRandom(shape: [Int]) -> Value { TracedValue(shape: shape, depth: 0, nonscalarDepth: 0) }

    func withLastExtent(_ a: Value, _ n: Int) -> Value {
        var r = a
        if r.shape.isEmpty { r.shape = [n] } else { r.shape[r.shape.count - 1] = n }
        return r
    }

    public func columns(_ a: Value, from start: Int, count width: Int) -> Value { withLastExtent(a, width) }
    public func concatenatingColumns(_ a: Value, _ b: Value) -> Value {
        var r = joined(a, b, deeper: false)
        r = withLastExtent(r, (a.shape.last ?? 1) + (b.shape.last ?? 1))
        return r
    }
    public func rolled(_ a: Value, by shift: Int) -> Value { a }
    public func cumulativeSum(_ a: Value) -> Value { a }

    public func stacked(_ values: [Value]) -> Value {
        guard let first = values.first else { return TracedValue(shape: [0], depth: 0, nonscalarDepth: 0) }
        return TracedValue(shape: [values.count] + first.shape, depth: values.map(\.depth).max() ?? 0,
                           nonscalarDepth: values.map(\.nonscalarDepth).max() ?? 0)
    }

    public func unstacked(_ a: Value, count: Int) -> [Value] {
        Array(repeating: TracedValue(shape: Array(a.shape.dropFirst()), depth: a.depth, nonscalarDepth: a.nonscalarDepth), count: count)
    }
}
