extension Tensor {
    /// Folds the elements along `axis` with `combine`, starting from `initial`.
    ///
    /// - Parameters:
    ///   - axis: the axis to reduce; negative values count from the end (−1 is the last).
    ///   - keepingDimension: keep the reduced axis with extent 1 (handy for broadcasting
    ///     the result back, as in `x - x.max(axis: -1)`).
    /// - Throws: `TensorError.invalidAxis`.
    @inlinable
    public func reduced<Result>(alongAxis axis: Int, keepingDimension: Bool = false, initial: Result,
                                _ combine: (Result, Scalar) -> Result) throws(TensorError) -> Tensor<Result> {
        let a = axis < 0 ? axis + rank : axis
        guard (0..<rank).contains(a) else { throw .invalidAxis(axis: axis, rank: rank) }
        let outer = shape[..<a].reduce(1, *), extent = shape[a], inner = shape[(a + 1)...].reduce(1, *)
        var out = [Result](repeating: initial, count: outer * inner)
        scalars.withUnsafeBufferPointer { p in
            out.withUnsafeMutableBufferPointer { o in
                for i in 0..<outer {
                    for k in 0..<extent {
                        let base = (i * extent + k) * inner
                        for j in 0..<inner { o[i * inner + j] = combine(o[i * inner + j], p[base + j]) }
                    }
                }
            }
        }
        var newShape = shape
        if keepingDimension { newShape[a] = 1 } else { newShape.remove(at: a) }
        return Tensor<Result>(uncheckedShape: newShape, scalars: out)
    }
}

extension Tensor where Scalar == Double {
    /// Sum along an axis.
    public func sum(alongAxis axis: Int, keepingDimension: Bool = false) throws(TensorError) -> Tensor<Double> {
        try reduced(alongAxis: axis, keepingDimension: keepingDimension, initial: 0, +)
    }

    /// Maximum along an axis (−∞ for an empty axis).
    public func max(alongAxis axis: Int, keepingDimension: Bool = false) throws(TensorError) -> Tensor<Double> {
        try reduced(alongAxis: axis, keepingDimension: keepingDimension, initial: -.infinity) { Swift.max($0, $1) }
    }
}
