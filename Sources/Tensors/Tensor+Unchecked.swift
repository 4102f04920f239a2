// Non-throwing forms for algorithm code whose shapes are already validated: a mismatch
// here is a programming error in PISim, never a consequence of user input.

extension BroadcastPlan {
    /// The plan for shapes the calling algorithm guarantees to broadcast.
    public init(unchecked a: [Int], _ b: [Int]) {
        do { try self.init(a, b) } catch {
            preconditionFailure("internal shape error: \(error)") // unreachable
        }
    }
}

extension Tensor {
    /// Same elements, another shape of equal count (the caller guarantees it).
    public func reshapedUnchecked(_ shape: [Int]) -> Tensor {
        (try? reshaped(shape)) ?? self
    }

    /// A tensor of `shape` filled with `value`; the shape must have no negative extent.
    public init(uncheckedShape shape: [Int], repeating value: Scalar) {
        self.init(uncheckedShape: shape, scalars: Array(repeating: value, count: Swift.max(0, shape.reduce(1, *))))
    }

    /// `zip` for shapes known to broadcast.
    @inlinable
    public func broadcasting<Other, Result>(_ other: Tensor<Other>, _ combine: (Scalar, Other) -> Result) -> Tensor<Result> {
        do { return try zip(other, combine) } catch {
            preconditionFailure("internal shape error: \(error)") // unreachable
        }
    }

    /// `reduced(alongAxis:keepingDimension: true, …)` for an axis known to exist.
    @inlinable
    public func reducing<Result>(alongAxis axis: Int, initial: Result, _ combine: (Result, Scalar) -> Result) -> Tensor<Result> {
        do { return try reduced(alongAxis: axis, keepingDimension: true, initial: initial, combine) } catch {
            preconditionFailure("internal shape error: \(error)") // unreachable
        }
    }
}
