/// A Chebyshev series on an interval [a, b]: p(x) = Σ coefficients[k] · T_k(t) with
/// t = (2x − a − b)/(b − a) ∈ [−1, 1], the basis in which approximations are designed
/// (well conditioned) and in which CKKS libraries evaluate them.
public struct ChebyshevSeries: Sendable, Hashable, Codable {
    /// c_0 … c_n, the coefficient of T_k at index k (no halving of c_0).
    public var coefficients: [Double]
    /// The interval mapped onto [−1, 1].
    public var interval: Interval

    public init(coefficients: [Double], interval: Interval) {
        self.coefficients = coefficients.isEmpty ? [0] : coefficients
        self.interval = interval
    }

    /// The nominal degree.
    @inlinable public var degree: Int { coefficients.count - 1 }

    /// p(x) by Clenshaw's recurrence (stable for all degrees).
    @inlinable public func callAsFunction(_ x: Double) -> Double {
        Self.clenshaw(coefficients, at: interval.toUnit(x))
    }

    /// Σ c_k T_k(t) by Clenshaw: b_k = c_k + 2t·b_{k+1} − b_{k+2}, result c_0 + t·b_1 − b_2.
    @inlinable public static func clenshaw(_ c: [Double], at t: Double) -> Double {
        var b1 = 0.0, b2 = 0.0
        var k = c.count - 1
        while k >= 1 {
            let b0 = c[k] + 2 * t * b1 - b2
            b2 = b1
            b1 = b0
            k -= 1
        }
        return c[0] + t * b1 - b2
    }

    /// The same polynomial in the power basis of x (exact up to rounding; conditioning
    /// degrades for high degree on wide intervals, which is why evaluation stays in the
    /// Chebyshev basis where it can).
    public var powerBasis: Polynomial {
        // Power-basis coefficients in t of T_0 … T_n by T_{k+1} = 2t·T_k − T_{k−1}.
        var inT = [Double](repeating: 0, count: coefficients.count)
        var tPrev = [1.0], tCur = [0.0, 1.0]
        inT[0] += coefficients[0]
        if coefficients.count > 1 { inT[1] += coefficients[1] }
        if coefficients.count > 2 {
            for k in 2..<coefficients.count {
                var next = [Double](repeating: 0, count: k + 1)
                for (i, v) in tCur.enumerated() { next[i + 1] += 2 * v }
                for (i, v) in tPrev.enumerated() { next[i] -= v }
                for (i, v) in next.enumerated() { inT[i] += coefficients[k] * v }
                tPrev = tCur
                tCur = next
            }
        }
        // Substitute t = (2x − a − b)/(b − a).
        let scale = 2 / interval.width, offset = -(interval.lower + interval.upper) / interval.width
        return Polynomial(inT).composedWithAffine(scale: scale, offset: offset)
    }

    /// The Chebyshev series on `interval` of a power-basis polynomial.
    public init(_ polynomial: Polynomial, on interval: Interval) {
        // x = (t(b − a) + a + b)/2: rewrite p in t, then convert t^j to Chebyshev form
        // with t·T_k = (T_{k+1} + T_{|k−1|})/2.
        let inT = polynomial.composedWithAffine(scale: interval.width / 2, offset: interval.midpoint)
        var result = [Double](repeating: 0, count: inT.coefficients.count)
        var tPower = [1.0]  // t^j in the Chebyshev basis
        for (j, c) in inT.coefficients.enumerated() {
            if j > 0 {
                var next = [Double](repeating: 0, count: j + 1)
                for (k, v) in tPower.enumerated() {
                    next[k + 1] += v / 2
                    next[abs(k - 1)] += v / 2
                }
                tPower = next
            }
            for (k, v) in tPower.enumerated() { result[k] += c * v }
        }
        self.init(coefficients: result, interval: interval)
    }

    /// The derivative, as a Chebyshev series on the same interval.
    public var derivative: ChebyshevSeries {
        let n = degree
        guard n > 0 else { return ChebyshevSeries(coefficients: [0], interval: interval) }
        var d = [Double](repeating: 0, count: n + 1)
        // d_{k−1} = d_{k+1} + 2k c_k, then halve d_0; scale by dt/dx = 2/(b − a).
        for k in stride(from: n, through: 1, by: -1) {
            d[k - 1] = (k + 1 <= n ? d[k + 1] : 0) + 2 * Double(k) * coefficients[k]
        }
        d[0] /= 2
        let s = 2 / interval.width
        return ChebyshevSeries(coefficients: Array(d.prefix(n)).map { $0 * s }, interval: interval)
    }
}
