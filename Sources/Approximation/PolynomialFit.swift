/// How a polynomial approximation is designed.
public enum FitMethod: String, Sendable, CaseIterable, Codable {
    /// Interpolation at the n+1 Chebyshev points of the first kind.
    case chebyshev
    /// (Weighted) least squares on a uniform grid, solved by QR in the Chebyshev basis.
    case leastSquares = "least-squares"
    /// Taylor series about a point (the interval's midpoint unless given).
    case taylor
    /// Minimax by the Remez exchange algorithm.
    case minimax
}

/// A designed polynomial: its Chebyshev series, how it was made, and its measured error.
public struct PolynomialFit: Sendable {
    public let function: String
    public let method: FitMethod
    public let series: ChebyshevSeries
    /// Error against the exact function on a dense grid of the interval.
    public let errors: ErrorStatistics
    /// For minimax fits: the levelled error |E| of the final reference.
    public let levelledError: Double?
    /// For minimax fits: exchange iterations performed.
    public let iterations: Int?

    @inlinable public var degree: Int { series.degree }
    @inlinable public var interval: Interval { series.interval }
}

/// Polynomial fitting: Chebyshev interpolation, least squares, Taylor and Remez minimax.
public enum PolynomialFitter {
    /// Designs a degree-`degree` polynomial for `f` on `interval`.
    ///
    /// - Parameters:
    ///   - relative: minimise relative rather than absolute error (minimax and least squares).
    ///   - expansionPoint: Taylor's centre (defaults to the interval's midpoint).
    /// - Throws: `ApproximationError` for a negative degree, an interval containing a pole,
    ///   a function without Taylor coefficients, or a Remez iteration that fails.
    public static func fit(_ f: TargetFunction, degree: Int, on interval: Interval, method: FitMethod,
                           relative: Bool = false, expansionPoint: Double? = nil) throws(ApproximationError) -> PolynomialFit {
        guard degree >= 0 else { throw .invalidDegree(degree, "a polynomial degree must be ≥ 0") }
        guard degree <= 2048 else { throw .invalidDegree(degree, "degrees above 2048 are not supported") }
        try f.validate(interval)
        var levelled: Double?, iterations: Int?
        let series: ChebyshevSeries
        switch method {
        case .chebyshev:
            series = chebyshevInterpolant(f, degree: degree, on: interval)
        case .leastSquares:
            series = try leastSquares(f, degree: degree, on: interval, relative: relative)
        case .taylor:
            series = try taylor(f, degree: degree, on: interval, about: expansionPoint ?? interval.midpoint)
        case .minimax:
            let r = try Remez.minimax(f, degree: degree, on: interval, relative: relative)
            series = r.series
            levelled = r.levelledError
            iterations = r.iterations
        }
        let errors = ErrorStatistics(of: { series($0) }, against: f, on: interval)
        return PolynomialFit(function: f.name, method: method, series: series, errors: errors,
                             levelledError: levelled, iterations: iterations)
    }

    /// Interpolant at the Chebyshev points of the first kind: c_k = (2/(n+1)) Σ_j f(x_j) T_k(t_j),
    /// with c_0 halved (Trefethen, *Approximation Theory and Approximation Practice*, ch. 3).
    public static func chebyshevInterpolant(_ f: TargetFunction, degree n: Int, on interval: Interval) -> ChebyshevSeries {
        let m = n + 1
        let theta = (0..<m).map { j in Double.pi * (Double(j) + 0.5) / Double(m) }
        let values = theta.map { f(interval.fromUnit(cosine($0))) }
        var c = (0...n).map { k in
            2 / Double(m) * zip(theta, values).reduce(0) { $0 + $1.1 * cosine(Double(k) * $1.0) }
        }
        c[0] /= 2
        return ChebyshevSeries(coefficients: c, interval: interval)
    }

    /// Least squares on a uniform grid of max(20(n+1), 1000) points; with `relative`, each
    /// residual is weighted by 1/|f(x)|.
    public static func leastSquares(_ f: TargetFunction, degree n: Int, on interval: Interval,
                                    relative: Bool) throws(ApproximationError) -> ChebyshevSeries {
        let grid = interval.uniformGrid(count: max(20 * (n + 1), 1000))
        var rows = [[Double]](), rhs = [Double]()
        for x in grid {
            let y = f(x)
            let w = relative ? 1 / max(Swift.abs(y), 1e-300) : 1
            rows.append(chebyshevRow(interval.toUnit(x), degree: n).map { $0 * w })
            rhs.append(y * w)
        }
        return ChebyshevSeries(coefficients: try LinearSystems.leastSquares(rows, rhs), interval: interval)
    }

    /// Taylor polynomial of degree n about x0, re-expressed on the interval.
    public static func taylor(_ f: TargetFunction, degree n: Int, on interval: Interval,
                              about x0: Double) throws(ApproximationError) -> ChebyshevSeries {
        guard let series = f.taylor else {
            throw .invalidParameter("no Taylor series is known for \(f.name): use chebyshev, least-squares or minimax")
        }
        for p in f.poles where p == x0 { throw .singularity(function: f.name, at: x0, interval: interval) }
        let inShift = Polynomial(series(x0, n))  // coefficients of (x − x0)^k
        let inX = inShift.composedWithAffine(scale: 1, offset: -x0)
        return ChebyshevSeries(inX, on: interval)
    }

    /// T_0(t) … T_n(t).
    static func chebyshevRow(_ t: Double, degree n: Int) -> [Double] {
        var row = [Double](repeating: 0, count: n + 1)
        row[0] = 1
        if n >= 1 { row[1] = t }
        if n >= 2 { for k in 2...n { row[k] = 2 * t * row[k - 1] - row[k - 2] } }
        return row
    }
}
