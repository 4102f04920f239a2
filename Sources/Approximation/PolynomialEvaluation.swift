import Backend
import Tensors

/// How a polynomial is evaluated on a backend. Each schedule is one code path, run on the
/// real backend to get values and on `OperationCounter` to get its exact cost.
public enum EvaluationSchedule: String, Sendable, CaseIterable, Codable {
    /// Power basis in x, Horner's rule: depth n, n − 1 private products.
    case horner
    /// Power basis in x: every needed power by a binary product tree (depth ⌈log2 i⌉ for
    /// x^i), then one scalar product per coefficient: depth ⌈log2 n⌉ + 1.
    case productTree = "product-tree"
    /// Power basis in x, Paterson–Stockmeyer (1973): baby steps x … x^k, giant step x^k,
    /// Horner in x^k; about √(2n) private products instead of n.
    case patersonStockmeyer = "paterson-stockmeyer"
    /// Chebyshev basis in t = (2x − a − b)/(b − a), every T_k by the doubling recurrences,
    /// then a linear combination (OpenFHE's `EvalChebyshevSeriesLinear`).
    case chebyshevLinear = "chebyshev-linear"
    /// Chebyshev basis, baby-step giant-step Paterson–Stockmeyer with recursive division by
    /// giant-step polynomials (OpenFHE's `EvalChebyshevSeriesPS`, Lattigo's evaluator).
    case chebyshevBSGS = "chebyshev-bsgs"
}

/// Evaluates designed polynomials on any backend.
public enum PolynomialEvaluator {
    /// p(x) for the Chebyshev series `series`, with the given schedule.
    public static func evaluate<B: ArithmeticBackend>(_ series: ChebyshevSeries, at x: B.Value, on backend: B,
                                                      schedule: EvaluationSchedule) -> B.Value {
        switch schedule {
        case .horner: horner(series.powerBasis, at: x, on: backend)
        case .productTree: productTree(series.powerBasis, at: x, on: backend)
        case .patersonStockmeyer: patersonStockmeyer(series.powerBasis, at: x, on: backend)
        case .chebyshevLinear: chebyshevLinear(series, at: x, on: backend)
        case .chebyshevBSGS: ChebyshevBSGS.evaluate(series, at: x, on: backend)
        }
    }

    /// The cost of evaluating a degree-`series.degree` polynomial with `schedule`, from
    /// running the schedule on `OperationCounter`.
    public static func cost(of series: ChebyshevSeries, schedule: EvaluationSchedule) -> (counts: OperationCounts, depth: Int, nonscalarDepth: Int) {
        let counter = OperationCounter()
        let y = evaluate(series, at: counter.input(shape: [1]), on: counter, schedule: schedule)
        return (counter.counts, y.depth, y.nonscalarDepth)
    }

    // MARK: Power basis

    /// ((c_n x + c_{n−1}) x + …) x + c_0.
    public static func horner<B: ArithmeticBackend>(_ p: Polynomial, at x: B.Value, on b: B) -> B.Value {
        let c = p.coefficients
        guard c.count > 1 else { return b.constant(c[0], shape: b.shape(of: x)) }
        var acc = b.addConstant(b.multiplyConstant(x, c[c.count - 1]), c[c.count - 2])
        for i in stride(from: c.count - 3, through: 0, by: -1) {
            acc = b.addConstant(b.multiply(acc, x), c[i])
        }
        return acc
    }

    /// Σ c_i x^i with each needed power from a binary product tree.
    public static func productTree<B: ArithmeticBackend>(_ p: Polynomial, at x: B.Value, on b: B) -> B.Value {
        var powers = PowerCache(x: x, backend: b)
        return linearCombination(p.coefficients, powers: { powers.power($0) }, shape: b.shape(of: x), on: b)
    }

    /// Paterson–Stockmeyer: p = Σ_j q_j(x)·(x^k)^j with deg q_j < k, k = ⌈√(n+1)⌉, evaluated
    /// by Horner in x^k.
    public static func patersonStockmeyer<B: ArithmeticBackend>(_ p: Polynomial, at x: B.Value, on b: B) -> B.Value {
        let n = p.degree
        guard n >= 2 else { return horner(p, at: x, on: b) }
        let k = Int(Double(n + 1).squareRoot().rounded(.up))
        var powers = PowerCache(x: x, backend: b)
        let giant = powers.power(k)
        let blocks = (n + k) / k  // ⌈(n+1)/k⌉
        func block(_ j: Int) -> B.Value {
            let c = Array(p.coefficients[(j * k)..<min((j + 1) * k, n + 1)])
            return linearCombination(c, powers: { powers.power($0) }, shape: b.shape(of: x), on: b)
        }
        var acc = block(blocks - 1)
        for j in stride(from: blocks - 2, through: 0, by: -1) {
            acc = b.add(b.multiply(acc, giant), block(j))
        }
        return acc
    }

    /// c_0 + Σ_{i≥1, c_i≠0} c_i·x^i, with x^i supplied by `powers`.
    static func linearCombination<B: ArithmeticBackend>(_ c: [Double], powers: (Int) -> B.Value, shape: [Int], on b: B) -> B.Value {
        var acc: B.Value?
        for i in 1..<max(c.count, 1) where c[i] != 0 {
            let term = b.multiplyConstant(powers(i), c[i])
            acc = acc.map { b.add($0, term) } ?? term
        }
        guard let sum = acc else { return b.constant(c.first ?? 0, shape: shape) }
        return c[0] != 0 ? b.addConstant(sum, c[0]) : sum
    }

    // MARK: Chebyshev basis

    /// Maps x to t = (2x − a − b)/(b − a) (one scalar product unless the interval is [−1, 1]).
    static func toUnitVariable<B: ArithmeticBackend>(_ x: B.Value, interval: Interval, on b: B) -> B.Value {
        if interval == .unit { return x }
        let scale = 2 / interval.width, offset = -(interval.lower + interval.upper) / interval.width
        let scaled = b.multiplyConstant(x, scale)
        return offset == 0 ? scaled : b.addConstant(scaled, offset)
    }

    /// Σ c_k T_k(t) with every T_k from `ChebyshevCache`.
    public static func chebyshevLinear<B: ArithmeticBackend>(_ s: ChebyshevSeries, at x: B.Value, on b: B) -> B.Value {
        guard s.degree >= 1 else { return b.constant(s.coefficients[0], shape: b.shape(of: x)) }
        let t = toUnitVariable(x, interval: s.interval, on: b)
        var cache = ChebyshevCache(t: t, backend: b)
        return linearCombination(s.coefficients, powers: { cache.polynomial($0) }, shape: b.shape(of: x), on: b)
    }
}

/// x^i on demand: x^(2j) = (x^j)², otherwise x^(2^⌊log2 i⌋) · x^(i − 2^⌊log2 i⌋), so x^i has
/// depth ⌈log2 i⌉ and each power costs one product.
struct PowerCache<B: ArithmeticBackend> {
    let backend: B
    var cache: [Int: B.Value]

    init(x: B.Value, backend: B) {
        self.backend = backend
        cache = [1: x]
    }

    mutating func power(_ i: Int) -> B.Value {
        if let v = cache[i] { return v }
        let high = 1 << (Int.bitWidth - 1 - i.leadingZeroBitCount)
        let v: B.Value
        if high == i {
            v = backend.square(power(i / 2))
        } else {
            let a = power(high), c = power(i - high)
            v = backend.multiply(a, c)
        }
        cache[i] = v
        return v
    }
}

/// T_k(t) on demand: T_2j = 2T_j² − 1 and T_(2j+1) = 2·T_(j+1)·T_j − T_1, so T_k has depth
/// ⌈log2 k⌉ and each polynomial costs one private product; the doubling is an addition, as
/// in OpenFHE.
struct ChebyshevCache<B: ArithmeticBackend> {
    let backend: B
    var cache: [Int: B.Value]

    init(t: B.Value, backend: B) {
        self.backend = backend
        cache = [1: t]
    }

    mutating func polynomial(_ k: Int) -> B.Value {
        if let v = cache[k] { return v }
        let b = backend
        let v: B.Value
        if k % 2 == 0 {
            let sq = b.square(polynomial(k / 2))
            v = b.addConstant(b.add(sq, sq), -1)
        } else {
            let product = b.multiply(polynomial(k / 2), polynomial(k / 2 + 1))
            v = b.subtract(b.add(product, product), polynomial(1))
        }
        cache[k] = v
        return v
    }
}
