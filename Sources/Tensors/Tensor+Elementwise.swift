extension Tensor {
    /// Applies `transform` to every element.
    @inlinable public func map<T>(_ transform: (Scalar) throws -> T) rethrows -> Tensor<T> {
        Tensor<T>(uncheckedShape: shape, scalars: try scalars.map(transform))
    }

    /// Applies `transform` to every element in place.
    @inlinable public mutating func mapInPlace(_ transform: (Scalar) -> Scalar) {
        scalars.withUnsafeMutableBufferPointer { p in
            for i in p.indices { p[i] = transform(p[i]) }
        }
    }

    /// Combines two tensors element by element, broadcasting as NumPy does: shapes are
    /// aligned at the last axis, and an axis of extent 1 (or a missing leading axis)
    /// stretches to match the other operand.
    ///
    /// - Throws: `TensorError.shapesNotBroadcastable`.
    @inlinable
    public func zip<Other, Result>(_ other: Tensor<Other>, _ combine: (Scalar, Other) -> Result) throws(TensorError) -> Tensor<Result> {
        if shape == other.shape {
            var out = [Result]()
            out.reserveCapacity(count)
            scalars.withUnsafeBufferPointer { a in other.scalars.withUnsafeBufferPointer { b in
                for i in 0..<a.count { out.append(combine(a[i], b[i])) }
            } }
            return Tensor<Result>(uncheckedShape: shape, scalars: out)
        }
        let plan = try BroadcastPlan(shape, other.shape)
        var out = [Result]()
        out.reserveCapacity(Tensor<Result>.elementCount(plan.shape))
        scalars.withUnsafeBufferPointer { a in other.scalars.withUnsafeBufferPointer { b in
            plan.forEachPair { i, j in out.append(combine(a[i], b[j])) }
        } }
        return Tensor<Result>(uncheckedShape: plan.shape, scalars: out)
    }
}

/// The index arithmetic of a NumPy-style broadcast of two shapes: for each element of the
/// result, the flat indices of the two operands' elements it combines.
public struct BroadcastPlan: Sendable {
    /// The broadcast result shape.
    public let shape: [Int]
    /// Whether the two shapes are equal (every index maps to itself).
    @usableFromInline let sameShape: Bool
    /// Per result axis, the stride into each operand (0 where that operand is stretched).
    @usableFromInline let leftStrides: [Int]
    @usableFromInline let rightStrides: [Int]

    /// - Throws: `TensorError.shapesNotBroadcastable`.
    public init(_ a: [Int], _ b: [Int]) throws(TensorError) {
        sameShape = a == b
        let rank = max(a.count, b.count)
        let pa = [Int](repeating: 1, count: rank - a.count) + a
        let pb = [Int](repeating: 1, count: rank - b.count) + b
        let sa = Tensor<Int>.strides(of: pa), sb = Tensor<Int>.strides(of: pb)
        var shape = [Int](), ls = [Int](), rs = [Int]()
        for axis in 0..<rank {
            let (x, y) = (pa[axis], pb[axis])
            guard x == y || x == 1 || y == 1 else { throw .shapesNotBroadcastable(a, b) }
            shape.append(x == 1 ? y : x)
            ls.append(x == 1 ? 0 : sa[axis])
            rs.append(y == 1 ? 0 : sb[axis])
        }
        self.shape = shape
        leftStrides = ls
        rightStrides = rs
    }

    /// Number of result elements.
    public var count: Int { shape.reduce(1, *) }

    /// Calls `body(leftIndex, rightIndex)` for each result element in row-major order.
    @inlinable
    public func forEachPair(_ body: (Int, Int) -> Void) {
        let total = shape.reduce(1, *)
        guard total > 0 else { return }
        if sameShape {
            for k in 0..<total { body(k, k) }
            return
        }
        var index = [Int](repeating: 0, count: shape.count)
        var i = 0, j = 0
        for _ in 0..<total {
            body(i, j)
            // Odometer increment from the last axis.
            var axis = shape.count - 1
            while axis >= 0 {
                index[axis] += 1
                i += leftStrides[axis]
                j += rightStrides[axis]
                if index[axis] < shape[axis] { break }
                i -= leftStrides[axis] * shape[axis]
                j -= rightStrides[axis] * shape[axis]
                index[axis] = 0
                axis -= 1
            }
        }
    }
}
