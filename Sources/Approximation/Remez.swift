/// The Remez exchange algorithm for the minimax (best uniform) polynomial approximation
/// (E. Remez, 1934; the multiple-exchange form as in Trefethen, ATAP ch. 10, and
/// Pachón & Trefethen, "Barycentric-Remez algorithms for best polynomial approximation in
/// the chebfun system", BIT 2009).
///
/// Each step solves p(x_i) + (−1)^i E / w(x_i) = f(x_i) on a reference of n+2 points for the
/// Chebyshev coefficients of p and the levelled error E, then moves the reference to the
/// n+2 alternating extrema of the weighted error w·(f − p). At convergence the error
/// equioscillates: its maximum equals |E|.
enum Remez {
    struct Result {
        var series: ChebyshevSeries
        var levelledError: Double
        var iterations: Int
    }

    static func minimax(_ f: TargetFunction, degree n: Int, on interval: Interval,
                        relative: Bool, tolerance: Double = 1e-10, maxIterations: Int = 60) throws(ApproximationError) -> Result {
        let weight: (Double) -> Double = relative ? { x in 1 / max(Swift.abs(f(x)), 1e-300) } : { _ in 1 }
        let grid = interval.uniformGrid(count: max(4000, 60 * (n + 2))) + interval.chebyshevNodes(count: max(1000, 20 * (n + 2)))
        let sortedGrid = grid.sorted()
        let scale = sortedGrid.map { Swift.abs(weight($0) * f($0)) }.max() ?? 1
        // Initial reference: the alternating extrema of the Chebyshev interpolant's error.
        // Unlike the symmetric extrema of T_{n+1}, this start also works when the function is
        // odd or even and the best reference is not symmetric (an odd f at odd n would give
        // E = 0 on a symmetric reference).
        let interpolant = PolynomialFitter.chebyshevInterpolant(f, degree: n, on: interval)
        let startExtrema = alternatingExtrema(of: { x in weight(x) * (f(x) - interpolant(x)) }, grid: sortedGrid, interval: interval)
        var reference = startExtrema.count >= n + 2
            ? selectAlternatingReference(startExtrema, count: n + 2).map(\.x)
            : (0...(n + 1)).map { i in interval.fromUnit(-cosine(Double(i) * Double.pi / Double(n + 1))) }
        var best: Result?, bestMaxError = Double.infinity
        for iteration in 1...maxIterations {
            // Solve for c_0…c_n and E.
            var rows = [[Double]](), rhs = [Double]()
            for (i, x) in reference.enumerated() {
                rows.append(PolynomialFitter.chebyshevRow(interval.toUnit(x), degree: n) + [(i % 2 == 0 ? 1 : -1) / weight(x)])
                rhs.append(f(x))
            }
            let solution = try LinearSystems.solve(rows, rhs)
            let series = ChebyshevSeries(coefficients: Array(solution.prefix(n + 1)), interval: interval)
            let levelled = Swift.abs(solution[n + 1])
            let error: (Double) -> Double = { x in weight(x) * (f(x) - series(x)) }

            // Locate the extrema of each same-sign run of the error on the grid, refined.
            let extrema = alternatingExtrema(of: error, grid: sortedGrid, interval: interval)
            let maxError = extrema.map { Swift.abs($0.value) }.max() ?? .infinity
            let result = Result(series: series, levelledError: levelled, iterations: iteration)
            if maxError < bestMaxError { best = result; bestMaxError = maxError }
            // Exact to rounding (f is itself a polynomial of degree ≤ n): nothing to level.
            if maxError <= 1e-13 * scale { return result }
            guard extrema.count >= n + 2 else {
                // Too few sign changes for a multiple exchange (happens for odd or even
                // functions): fall back to a single exchange of the global maximum.
                guard let worst = extrema.max(by: { Swift.abs($0.value) < Swift.abs($1.value) }) else {
                    throw .didNotConverge("minimax degree \(n) on \(interval): the error has no extremum")
                }
                let signs = reference.map { error($0) >= 0 }
                reference = singleExchange(reference, signs: signs, point: worst.x, positive: worst.value >= 0)
                continue
            }
            let selected = selectAlternatingReference(extrema, count: n + 2)
            let minOnReference = selected.map { Swift.abs($0.value) }.min() ?? 0
            if maxError - minOnReference <= tolerance * maxError || maxError - levelled <= tolerance * maxError {
                return result
            }
            reference = selected.map(\.x)
        }
        if let b = best { return b }
        throw .didNotConverge("minimax degree \(n) on \(interval) after \(maxIterations) exchanges")
    }

    struct Extremum { var x: Double; var value: Double }

    /// The one-point exchange of Remez's second algorithm: put `point` into the reference in
    /// place of the neighbour whose error has the same sign, so signs keep alternating.
    static func singleExchange(_ reference: [Double], signs: [Bool], point: Double, positive: Bool) -> [Double] {
        var r = reference
        if let j = r.firstIndex(where: { $0 > point }) {
            if j == 0 {
                if signs[0] == positive { r[0] = point } else { r.insert(point, at: 0); r.removeLast() }
            } else {
                r[signs[j - 1] == positive ? j - 1 : j] = point
            }
        } else {
            let last = r.count - 1
            if signs[last] == positive { r[last] = point } else { r.append(point); r.removeFirst() }
        }
        return r
    }

    /// One extremum per maximal run of equal sign of `error` over the grid, refined by
    /// golden-section search between the neighbouring grid points.
    static func alternatingExtrema(of error: (Double) -> Double, grid: [Double], interval: Interval) -> [Extremum] {
        let values = grid.map(error)
        var result = [Extremum]()
        var runStart = 0
        func closeRun(_ start: Int, _ end: Int) {
            // Largest |error| in grid[start...end], then refine around it.
            var k = start
            for j in start...end where Swift.abs(values[j]) > Swift.abs(values[k]) { k = j }
            let lo = grid[max(k - 1, 0)], hi = grid[min(k + 1, grid.count - 1)]
            let (x, v) = refineMaximum(of: error, lo: lo, hi: hi, start: (grid[k], values[k]))
            result.append(Extremum(x: x, value: v))
        }
        for j in 1..<grid.count where (values[j] >= 0) != (values[runStart] >= 0) {
            closeRun(runStart, j - 1)
            runStart = j
        }
        closeRun(runStart, grid.count - 1)
        return result
    }

    /// Golden-section search for the maximum of |error| on [lo, hi]; keeps `start` if nothing better is found.
    static func refineMaximum(of error: (Double) -> Double, lo: Double, hi: Double, start: (Double, Double)) -> (Double, Double) {
        let ratio = (5.0.squareRoot() - 1) / 2
        var a = lo, b = hi
        var c = b - ratio * (b - a), d = a + ratio * (b - a)
        var fc = Swift.abs(error(c)), fd = Swift.abs(error(d))
        for _ in 0..<50 where b - a > 1e-15 * max(1, Swift.abs(a)) {
            if fc > fd { b = d; d = c; fd = fc; c = b - ratio * (b - a); fc = Swift.abs(error(c)) }
            else { a = c; c = d; fc = fd; d = a + ratio * (b - a); fd = Swift.abs(error(d)) }
        }
        let x = fc > fd ? c : d
        let v = error(x)
        return Swift.abs(v) > Swift.abs(start.1) ? (x, v) : start
    }

    /// Reduces alternating extrema to `count` points, keeping alternation and the largest
    /// values: drop the smaller end point when one too many remain; otherwise drop the
    /// smallest interior extremum together with the smaller of its two (now same-signed)
    /// neighbours.
    static func selectAlternatingReference(_ extrema: [Extremum], count: Int) -> [Extremum] {
        var e = extrema
        while e.count > count {
            if e.count == count + 1 {
                if Swift.abs(e.first!.value) < Swift.abs(e.last!.value) { e.removeFirst() } else { e.removeLast() }
                continue
            }
            var i = 0
            for j in e.indices where Swift.abs(e[j].value) < Swift.abs(e[i].value) { i = j }
            if i == 0 || i == e.count - 1 {
                e.remove(at: i)
            } else {
                let drop = Swift.abs(e[i - 1].value) < Swift.abs(e[i + 1].value) ? i - 1 : i + 1
                e.remove(at: max(i, drop))
                e.remove(at: min(i, drop))
            }
        }
        return e
    }
}
