import Backend

/// Chebyshev-series evaluation exactly as OpenFHE's CKKS `EvalChebyshevSeries` performs it
/// (openfhe-development v1.5.1 `ckksrns-advancedshe.cpp` lines 572–896 and
/// `ckksrns-utils.cpp` `LongDivisionChebyshev`/`ComputeDegreesPS`; the same operation
/// sequence as the openfhe 1.6.1 wheel): degrees below 5 by the linear method, others by
/// Paterson–Stockmeyer with baby steps T_1…T_k, giant steps T_k, T_2k, …, T_{2^(m−1)k} and a
/// recursive division of the series by the giant steps.
///
/// Run on `OperationCounter`, it yields the depth and the ciphertext and scalar
/// multiplication counts OpenFHE spends: depth ⌈log2 k⌉ + m (+1 for a general interval),
/// ciphertext products k + 2m + 2^(m−1) − 4 (checked against the wheel in the tests).
///
/// Coefficients follow OpenFHE's convention inside this file (c_0 is doubled:
/// p = c_0/2 + Σ c_i T_i); `evaluate` converts from `ChebyshevSeries`.
enum ChebyshevBSGS {
    /// OpenFHE's threshold: `Degree(c) < 5` selects the linear method.
    static let linearThreshold = 5

    static func evaluate<B: ArithmeticBackend>(_ s: ChebyshevSeries, at x: B.Value, on b: B) -> B.Value {
        var c = s.coefficients
        c[0] *= 2
        let d = degree(c)
        guard d >= 1 else { return b.constant(s.coefficients[0], shape: b.shape(of: x)) }
        let t1 = PolynomialEvaluator.toUnitVariable(x, interval: s.interval, on: b)
        if d < linearThreshold { return linear(c, t1: t1, on: b) }
        return patersonStockmeyer(Array(c.prefix(d + 1)), degree: d, t1: t1, on: b)
    }

    /// Index of the last non-zero coefficient (OpenFHE `Degree`, exact comparison with 0).
    static func degree(_ c: [Double]) -> Int {
        var i = c.count - 1
        while i > 0, c[i] == 0 { i -= 1 }
        return i
    }

    /// T_1 … T_k in order, by OpenFHE's recurrences (`ChebyshevCache`).
    static func babySteps<B: ArithmeticBackend>(_ t1: B.Value, upTo k: Int, on b: B) -> [B.Value] {
        var cache = ChebyshevCache(t: t1, backend: b)
        return (1...max(k, 1)).map { cache.polynomial($0) }
    }

    /// Linear method (`EvalChebyshevSeriesLinear`): every T_i, then c_d·T_d plus the other
    /// terms whose |c_i| exceeds 2^−44, plus c_0/2.
    static func linear<B: ArithmeticBackend>(_ c: [Double], t1: B.Value, on b: B) -> B.Value {
        let k = c.count - 1
        let t = babySteps(t1, upTo: k, on: b)
        var result = b.multiplyConstant(t[k - 1], c[k])
        for i in 0..<(k - 1) where abs(c[i + 1]) > 0x1p-44 {
            result = b.add(result, b.multiplyConstant(t[i], c[i + 1]))
        }
        return c[0] != 0 ? b.addConstant(result, c[0] / 2) : result
    }

    /// OpenFHE `ComputeDegreesPS`: the baby-step count k and giant-step count m for degree n.
    static func parameters(degree n: Int) -> (k: Int, m: Int) {
        let table: [(upper: Int, m: Int)] = [(2, 1), (11, 2), (13, 3), (17, 2), (55, 3), (59, 4), (76, 3), (239, 4), (247, 5),
                                             (284, 4), (991, 5), (1007, 6), (1083, 5), (2015, 6), (2031, 7), (2204, 6)]
        if let m = table.first(where: { n <= $0.upper })?.m {
            return (n / ((1 << m) - 1) + 1, m)
        }
        // Above the table: the (k, m) minimising k + 2m + 2^(m−1) − 4 with n < k(2^m − 1) and
        // |⌊log2 k⌋ − ⌊log2 √(n/2)⌋| ≤ 1, k ascending then m ascending.
        var best: (cost: Int, k: Int, m: Int)?
        let target = Int(naturalLog((Double(n / 2)).squareRoot()) / naturalLog(2))
        for k in 1...n {
            let mMax = n / k > 0 ? Int((naturalLog(Double(n / k)) / naturalLog(2) + 1).rounded(.up)) + 1 : 1
            guard mMax >= 1 else { continue }
            for m in 1...mMax where n < k * ((1 << m) - 1) {
                let logK = Int.bitWidth - 1 - k.leadingZeroBitCount
                if abs(logK - target) <= 1 {
                    let cost = k + 2 * m + (1 << (m - 1)) - 4
                    if best == nil || cost < best!.cost { best = (cost, k, m) }
                }
            }
        }
        return best.map { ($0.k, $0.m) } ?? (n, 1)
    }

    /// Paterson–Stockmeyer (`EvalChebyshevSeriesPS`).
    static func patersonStockmeyer<B: ArithmeticBackend>(_ c: [Double], degree n: Int, t1: B.Value, on b: B) -> B.Value {
        let (k, m) = parameters(degree: n)
        let t = babySteps(t1, upTo: k, on: b)
        // Giant steps T_k, T_2k, …, T_{2^(m−1)k}, and T_{k(2^m − 1)} by products.
        var t2 = [t[k - 1]]
        var t2km1 = t[k - 1]
        if m >= 2 {
            for i in 1..<m {
                let sq = b.square(t2[i - 1])
                t2.append(b.addConstant(b.add(sq, sq), -1))
                let p = b.multiply(t2km1, t2[i])
                t2km1 = b.subtract(b.add(p, p), t2[0])
            }
        }
        // Add the monic T_K, K = k(2^m − 1), evaluate, subtract T_K again.
        let k2m2k = k * (1 << (m - 1)) - k
        var f2 = c + [Double](repeating: 0, count: max(0, 2 * k2m2k + k + 1 - c.count))
        f2 = Array(f2.prefix(2 * k2m2k + k + 1))
        f2[f2.count - 1] = 1
        return b.subtract(inner(f2, k: k, m: m, t: t, t2: t2, on: b), t2km1)
    }

    /// `InnerEvalChebyshevPS`: divide by T_{k·2^(m−1)}, recurse on quotient and remainder.
    static func inner<B: ArithmeticBackend>(_ coefficients: [Double], k: Int, m: Int, t: [B.Value], t2: [B.Value], on b: B) -> B.Value {
        let k2m2k = k * (1 << (m - 1)) - k
        var tkm = [Double](repeating: 0, count: k2m2k + k + 1)
        tkm[tkm.count - 1] = 1
        let (q, r) = longDivision(coefficients, by: tkm)
        // Subtract T_{k(2^(m−1) − 1)} from the remainder.
        var r2 = r
        let nr = degree(r2)
        if nr >= k2m2k {
            r2 = Array(r2.prefix(nr + 1))
            r2[k2m2k] -= 1
        } else {
            r2 = Array((r2 + [Double](repeating: 0, count: k2m2k + 1)).prefix(k2m2k + 1))
            r2[k2m2k] = -1
        }
        let (cq, s) = longDivision(r2, by: q)

        // qu: the quotient's value.
        let qu: B.Value
        if degree(q) > k {
            qu = inner(q, k: k, m: m - 1, t: t, t2: t2, on: b)
        } else {
            var v = t[k - 1]
            let doublings = Int(naturalLog(q[q.count - 1]) / naturalLog(2))
            for _ in 0..<max(doublings, 0) { v = b.add(v, v) }
            if q[0] != 0 { v = b.addConstant(v, q[0] / 2) }
            let qq = Array((q + [Double](repeating: 0, count: k)).prefix(k))
            let nq = degree(qq)
            qu = nq > 0 ? b.add(v, weightedSum(t, qq, count: nq, on: b)) : v
        }

        // su: the second remainder, with T_{k(2^(m−1) − 1)} added back.
        var s2 = Array((s + [Double](repeating: 0, count: k2m2k + 1)).prefix(k2m2k + 1))
        s2[k2m2k] = 1
        let su: B.Value
        if degree(s2) > k {
            su = inner(s2, k: k, m: m - 1, t: t, t2: t2, on: b)
        } else {
            let ss = Array((s2 + [Double](repeating: 0, count: k)).prefix(k))
            let ns = degree(ss)
            var v = ns > 0 ? b.add(t[k - 1], weightedSum(t, ss, count: ns, on: b)) : t[k - 1]
            if ss[0] != 0 { v = b.addConstant(v, ss[0] / 2) }
            su = v
        }

        // cu = T_{k·2^(m−1)} + the divisor's remainder.
        let nc = degree(cq)
        var cu: B.Value
        if nc >= 1 {
            var v = nc == 1 ? (abs(cq[1] - 1) > 0x1p-44 ? b.multiplyConstant(t[0], cq[1]) : t[0]) : weightedSum(t, cq, count: nc, on: b)
            if cq[0] != 0 { v = b.addConstant(v, cq[0] / 2) }
            cu = b.add(t2[m - 1], v)
        } else {
            cu = b.addConstant(t2[m - 1], cq[0] / 2)
        }
        return b.add(b.multiply(cu, qu), su)
    }

    /// `EvalPartialLinearWSum`: Σ_{i=1}^{count} w_i · T_i, one scalar product per term (zeros included).
    static func weightedSum<B: ArithmeticBackend>(_ t: [B.Value], _ w: [Double], count: Int, on b: B) -> B.Value {
        var acc = b.multiplyConstant(t[0], w[1])
        if count >= 2 {
            for i in 1..<count { acc = b.add(acc, b.multiplyConstant(t[i], w[i + 1])) }
        }
        return acc
    }

    /// `LongDivisionChebyshev`: f = q·g + r in the Chebyshev basis (c_0 doubled convention),
    /// transcribed from OpenFHE including its normalisation of q_0.
    static func longDivision(_ f: [Double], by g: [Double]) -> (q: [Double], r: [Double]) {
        func isNotOne(_ v: Double) -> Bool { abs(v - 1) > 0x1p-44 }
        var n = degree(f)
        let k = degree(g)
        if n < k { return ([0], f) }
        var q = [Double](repeating: 0, count: n - k + 1)
        var r = Array(f.prefix(n + 1))
        let gLast = g[k]
        while n > k {
            var d = [Double](repeating: 0, count: n + 1)
            q[n - k] = 2 * r[r.count - 1]
            if isNotOne(gLast) { q[n - k] /= gLast }
            if k == n - k {
                d[0] = 2 * g[n - k]
                for i in 1...(2 * k) { d[i] = g[abs(n - k - i)] }
            } else if k > n - k {
                d[0] = 2 * g[n - k]
                for i in 1...(k - (n - k)) { d[i] = g[abs(n - k - i)] + g[n - k + i] }
                for i in (k - (n - k) + 1)...n { d[i] = g[abs(i - n + k)] }
            } else {
                d[n - k] = g[0]
                for i in (n - 2 * k)...n where i != n - k { d[i] = g[abs(i - n + k)] }
            }
            let rb = r[r.count - 1]
            if isNotOne(rb) { d = d.map { $0 * rb } }
            if isNotOne(gLast) { d = d.map { $0 / gLast } }
            for i in 0..<r.count { r[i] -= d[i] }
            if r.count > 1 {
                n = degree(r)
                r = Array(r.prefix(n + 1))
            }
        }
        if n == k {
            var d = Array(g.prefix(k + 1))
            q[0] = r[r.count - 1]
            if isNotOne(gLast) { q[0] /= gLast }
            let rb = r[r.count - 1]
            if isNotOne(rb) { d = d.map { $0 * rb } }
            if isNotOne(gLast) { d = d.map { $0 / gLast } }
            for i in 0..<min(r.count, d.count) { r[i] -= d[i] }
            if r.count > 1 {
                n = degree(r)
                r = Array(r.prefix(n + 1))
            }
        }
        q[0] *= 2
        return (q, r)
    }
}
