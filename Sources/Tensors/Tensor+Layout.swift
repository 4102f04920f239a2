extension Tensor {
    /// The same elements viewed with another shape of equal element count. One extent
    /// may be −1, to be inferred.
    ///
    /// - Throws: `TensorError.reshapeCountMismatch` or `.invalidShape`.
    public func reshaped(_ newShape: [Int]) throws(TensorError) -> Tensor {
        var resolved = newShape
        let unknown = newShape.indices.filter { newShape[$0] == -1 }
        guard unknown.count <= 1, newShape.allSatisfy({ $0 >= -1 }) else { throw .invalidShape(newShape) }
        if let u = unknown.first {
            let known = newShape.filter { $0 != -1 }.reduce(1, *)
            guard known > 0, count % known == 0 else { throw .reshapeCountMismatch(from: shape, to: newShape) }
            resolved[u] = count / known
        }
        guard Self.elementCount(resolved) == count else { throw .reshapeCountMismatch(from: shape, to: newShape) }
        return Tensor(uncheckedShape: resolved, scalars: scalars)
    }

    /// Reorders the axes: result axis i is input axis `permutation[i]`.
    ///
    /// - Throws: `TensorError.invalidPermutation`.
    public func transposed(_ permutation: [Int]) throws(TensorError) -> Tensor {
        guard permutation.count == rank, permutation.sorted() == Array(0..<rank) else {
            throw .invalidPermutation(permutation, rank: rank)
        }
        let newShape = permutation.map { shape[$0] }
        let inStrides = strides
        let gatherStrides = permutation.map { inStrides[$0] }
        guard count > 0 else { return Tensor(uncheckedShape: newShape, scalars: []) }
        var out = [Scalar]()
        out.reserveCapacity(count)
        var index = [Int](repeating: 0, count: rank)
        var source = 0
        scalars.withUnsafeBufferPointer { p in
            for _ in 0..<count {
                out.append(p[source])
                var axis = rank - 1
                while axis >= 0 {
                    index[axis] += 1
                    source += gatherStrides[axis]
                    if index[axis] < newShape[axis] { break }
                    source -= gatherStrides[axis] * newShape[axis]
                    index[axis] = 0
                    axis -= 1
                }
            }
        }
        return Tensor(uncheckedShape: newShape, scalars: out)
    }

    /// Swaps the last two axes (matrix transpose, batched over leading axes).
    ///
    /// - Throws: `TensorError.invalidAxis` for a tensor of rank below 2.
    public func transposed() throws(TensorError) -> Tensor {
        guard rank >= 2 else { throw .invalidAxis(axis: 1, rank: rank) }
        var p = Array(0..<rank)
        p.swapAt(rank - 1, rank - 2)
        return try transposed(p)
    }
}
