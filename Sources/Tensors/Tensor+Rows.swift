// Layout operations along the last axis ("rows"), used by row-wise algorithms such as a
// maximum by halving steps. Shapes are validated by the callers; these do not throw.

extension Tensor {
    /// Row length (the last extent; 1 for a scalar).
    @inlinable public var rowLength: Int { shape.last ?? 1 }

    /// Number of rows (elements ÷ row length).
    @inlinable public var rowCount: Int { rowLength == 0 ? 0 : count / rowLength }

    /// Columns [start, start + width) of every row.
    public func columns(from start: Int, count width: Int) -> Tensor {
        let n = rowLength
        var out = [Scalar]()
        out.reserveCapacity(rowCount * width)
        for r in 0..<rowCount { out += scalars[(r * n + start)..<(r * n + start + width)] }
        return Tensor(uncheckedShape: Array(shape.dropLast()) + [width], scalars: out)
    }

    /// Row-wise concatenation: every row of `self` followed by the same row of `other`.
    public func concatenatingColumns(_ other: Tensor) -> Tensor {
        let na = rowLength, nb = other.rowLength
        var out = [Scalar]()
        out.reserveCapacity(count + other.count)
        for r in 0..<rowCount {
            out += scalars[(r * na)..<(r * na + na)]
            out += other.scalars[(r * nb)..<(r * nb + nb)]
        }
        return Tensor(uncheckedShape: Array(shape.dropLast()) + [na + nb], scalars: out)
    }

    /// Every row rotated right by `shift` (element j moves to j + shift mod n), as torch's `roll`.
    public func rolled(by shift: Int) -> Tensor {
        let n = rowLength
        guard n > 0 else { return self }
        var out = scalars
        for r in 0..<rowCount {
            for j in 0..<n { out[r * n + (j + shift) % n] = scalars[r * n + j] }
        }
        return Tensor(uncheckedShape: shape, scalars: out)
    }

    /// Running combination along each row: out[j] = combine(out[j − 1], x[j]).
    public func scanningRows(_ combine: (Scalar, Scalar) -> Scalar) -> Tensor {
        let n = rowLength
        var out = scalars
        for r in 0..<rowCount where n > 1 {
            for j in 1..<n { out[r * n + j] = combine(out[r * n + j - 1], scalars[r * n + j]) }
        }
        return Tensor(uncheckedShape: shape, scalars: out)
    }

    /// Same-shaped tensors stacked along a new leading axis.
    public static func stacking(_ parts: [Tensor]) -> Tensor {
        Tensor(uncheckedShape: [parts.count] + (parts.first?.shape ?? []), scalars: parts.flatMap(\.scalars))
    }

    /// The inverse of `stacking`: `parts` equal blocks of the leading axis.
    public func unstacked(_ parts: Int) -> [Tensor] {
        let size = count / Swift.max(parts, 1)
        return (0..<parts).map { i in
            Tensor(uncheckedShape: Array(shape.dropFirst()), scalars: Array(scalars[(i * size)..<((i + 1) * size)]))
        }
    }
}
