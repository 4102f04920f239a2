/// A real polynomial in the power basis: p(x) = Σ coefficients[i] · x^i.
public struct Polynomial: Sendable, Hashable, Codable {
    /// Coefficients from the constant term up; trailing zeros are kept (they fix the
    /// nominal degree a schedule is built for).
    public var coefficients: [Double]

    public init(_ coefficients: [Double]) {
        self.coefficients = coefficients.isEmpty ? [0] : coefficients
    }

    /// The nominal degree: `coefficients.count − 1`.
    @inlinable public var degree: Int { coefficients.count - 1 }

    /// p(x) by Horner's rule.
    @inlinable public func callAsFunction(_ x: Double) -> Double {
        var acc = 0.0
        for c in coefficients.reversed() { acc = acc * x + c }
        return acc
    }

    public static func + (p: Polynomial, q: Polynomial) -> Polynomial {
        var c = [Double](repeating: 0, count: max(p.coefficients.count, q.coefficients.count))
        for (i, v) in p.coefficients.enumerated() { c[i] += v }
        for (i, v) in q.coefficients.enumerated() { c[i] += v }
        return Polynomial(c)
    }

    public static func * (p: Polynomial, q: Polynomial) -> Polynomial {
        var c = [Double](repeating: 0, count: p.coefficients.count + q.coefficients.count - 1)
        for (i, a) in p.coefficients.enumerated() { for (j, b) in q.coefficients.enumerated() { c[i + j] += a * b } }
        return Polynomial(c)
    }

    public static func * (s: Double, p: Polynomial) -> Polynomial { Polynomial(p.coefficients.map { s * $0 }) }

    /// p′.
    public var derivative: Polynomial {
        guard degree > 0 else { return Polynomial([0]) }
        return Polynomial((1...degree).map { Double($0) * coefficients[$0] })
    }

    /// p(α·x + β): the same function after an affine change of variable.
    public func composedWithAffine(scale α: Double, offset β: Double) -> Polynomial {
        let linear = Polynomial([β, α])
        var result = Polynomial([0]), power = Polynomial([1])
        for c in coefficients {
            result = result + c * power
            power = power * linear
        }
        return Polynomial(Array(result.coefficients.prefix(coefficients.count)))
    }
}
