/// Dense linear algebra for the small systems of approximation design (n ≤ a few hundred).
enum LinearSystems {
    /// Solves A·x = b by Gaussian elimination with partial pivoting. `a` is row-major n×n.
    ///
    /// - Throws: `ApproximationError.singularSystem` when a pivot vanishes.
    static func solve(_ a: [[Double]], _ b: [Double]) throws(ApproximationError) -> [Double] {
        let n = b.count
        var m = a, rhs = b
        for col in 0..<n {
            var pivot = col
            for r in (col + 1)..<max(n, col + 1) where abs(m[r][col]) > abs(m[pivot][col]) { pivot = r }
            guard abs(m[pivot][col]) > 1e-300, m[pivot][col].isFinite else {
                throw .singularSystem("pivot \(col) of \(n) vanished")
            }
            m.swapAt(col, pivot)
            rhs.swapAt(col, pivot)
            for r in (col + 1)..<max(n, col + 1) {
                let f = m[r][col] / m[col][col]
                if f == 0 { continue }
                for c in col..<n { m[r][c] -= f * m[col][c] }
                rhs[r] -= f * rhs[col]
            }
        }
        var x = [Double](repeating: 0, count: n)
        for r in stride(from: n - 1, through: 0, by: -1) {
            var s = rhs[r]
            for c in (r + 1)..<max(n, r + 1) { s -= m[r][c] * x[c] }
            x[r] = s / m[r][r]
        }
        return x
    }

    /// Least-squares solution of the overdetermined A·x ≈ b (rows ≥ columns) by Householder QR.
    ///
    /// - Throws: `ApproximationError.singularSystem` when A is rank deficient.
    static func leastSquares(_ a: [[Double]], _ b: [Double]) throws(ApproximationError) -> [Double] {
        let rows = a.count, cols = a.first?.count ?? 0
        guard rows >= cols else { throw .singularSystem("\(rows) samples cannot fix \(cols) coefficients") }
        var r = a, y = b
        for k in 0..<cols {
            var norm = 0.0
            for i in k..<rows { norm += r[i][k] * r[i][k] }
            norm = norm.squareRoot()
            guard norm > 1e-300 else { throw .singularSystem("column \(k) is dependent on the others") }
            let alpha = r[k][k] > 0 ? -norm : norm
            var v = [Double](repeating: 0, count: rows)
            v[k] = r[k][k] - alpha
            for i in (k + 1)..<rows { v[i] = r[i][k] }
            var vv = 0.0
            for i in k..<rows { vv += v[i] * v[i] }
            guard vv > 0 else { continue }
            for c in k..<cols {
                var dot = 0.0
                for i in k..<rows { dot += v[i] * r[i][c] }
                let f = 2 * dot / vv
                for i in k..<rows { r[i][c] -= f * v[i] }
            }
            var dot = 0.0
            for i in k..<rows { dot += v[i] * y[i] }
            let f = 2 * dot / vv
            for i in k..<rows { y[i] -= f * v[i] }
        }
        var x = [Double](repeating: 0, count: cols)
        for i in stride(from: cols - 1, through: 0, by: -1) {
            var s = y[i]
            for c in (i + 1)..<max(cols, i + 1) { s -= r[i][c] * x[c] }
            x[i] = s / r[i][i]
        }
        return x
    }
}
