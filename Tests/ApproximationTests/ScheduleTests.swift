import Foundation
import Testing
import Backend
import Tensors
@testable import Approximation

@Suite("Evaluation schedules: values and exact operation counts")
struct ScheduleTests {
    static let dense = [0.3, -1.7, 0.45, 2.2, -0.6, 0.25, 1.15, -0.8, 0.35, 0.05, -0.15, 0.9, 0.02, 0.07, -0.03, 0.11]

    func series(degree: Int, on interval: Interval = .unit) -> ChebyshevSeries {
        ChebyshevSeries(Polynomial(Array(Self.dense.prefix(degree + 1))), on: interval)
    }

    @Test(arguments: EvaluationSchedule.allCases)
    func everyScheduleComputesThePolynomial(schedule: EvaluationSchedule) throws {
        let interval = try Interval(-2, 3)
        let backend = PlaintextBackend()
        let xs = Tensor(interval.uniformGrid(count: 33))
        for degree in 0...15 {
            // OpenFHE's PS with (k, m) = (2, 3) (degrees 12–13) takes the quotient's leading
            // coefficient to be a power of two (`limit = log2(q.back())` doublings); on this
            // wide power-basis series it is not, and the result is off by ~1e-2. The op-by-op
            // Python transcription of OpenFHE shows the same error, so PISim keeps the behaviour.
            if schedule == .chebyshevBSGS, degree == 12 || degree == 13 { continue }
            let s = series(degree: degree, on: interval)
            let y = backend.reveal(PolynomialEvaluator.evaluate(s, at: backend.input(xs), on: backend, schedule: schedule))
            // Rounding scales with the series' size (Σ|c_k|), not with |p(x)| near a root.
            let scale = s.coefficients.reduce(0) { $0 + abs($1) }
            for (x, v) in zip(xs.scalars, y.scalars) {
                #expect(abs(v - s(x)) <= 1e-10 * max(1, scale), "\(schedule) degree \(degree) at \(x): \(v) vs \(s(x))")
            }
        }
    }

    /// Hand-counted: Horner on a dense cubic is c3·x (scalar), then two (acc·x + c) steps.
    @Test func hornerCubic() {
        let (c, depth, nonscalar) = PolynomialEvaluator.cost(of: series(degree: 3), schedule: .horner)
        #expect(c.nonscalarMultiplications == 2 && c.scalarMultiplications == 1 && c.constantAdditions == 3 && c.additions == 0)
        #expect(depth == 3 && nonscalar == 2)
    }

    /// Product tree, degree 7: x², x³ = x²·x, x⁴ = (x²)², x⁵ = x⁴·x, x⁶ = x⁴·x², x⁷ = x⁴·x³
    /// (6 products, 3 of them squares... x² and x⁴ are squares: 2), then 7 scalar products,
    /// 6 additions and the constant: depth ⌈log2 7⌉ + 1 = 4.
    @Test func productTreeDegreeSeven() {
        let (c, depth, nonscalar) = PolynomialEvaluator.cost(of: series(degree: 7), schedule: .productTree)
        #expect(c.nonscalarMultiplications == 6 && c.squares == 2)
        #expect(c.scalarMultiplications == 7 && c.additions == 6 && c.constantAdditions == 1)
        #expect(depth == 4 && nonscalar == 3)
    }

    /// Paterson–Stockmeyer, degree 7: k = 3; baby steps x², x³ (2 products); blocks
    /// {c0,c1,c2}, {c3,c4,c5}, {c6,c7}; Horner in x³ (2 products). Scalars: c1, c2, c4, c5, c7.
    @Test func patersonStockmeyerDegreeSeven() {
        let (c, depth, nonscalar) = PolynomialEvaluator.cost(of: series(degree: 7), schedule: .patersonStockmeyer)
        #expect(c.nonscalarMultiplications == 4)
        #expect(c.scalarMultiplications == 5 && c.additions == 4 && c.constantAdditions == 3)
        #expect(depth == 4 && nonscalar == 4)
    }

    /// Chebyshev linear, degree 3 on [−1, 1]: T2 = 2T1² − 1, T3 = 2T1T2 − T1 (doublings as
    /// additions), then c1T1 + c2T2 + c3T3 + c0.
    /// On a general interval the affine map t = αx + β adds one scalar product and one level.
    @Test func chebyshevLinearCubic() throws {
        let (c, depth, nonscalar) = PolynomialEvaluator.cost(of: series(degree: 3), schedule: .chebyshevLinear)
        #expect(c.nonscalarMultiplications == 2 && c.squares == 1 && c.integerMultiplications == 0)
        // Additions: the two doublings, T3's − T1, and two in the combination.
        #expect(c.scalarMultiplications == 3 && c.additions == 5 && c.constantAdditions == 2)
        #expect(depth == 3 && nonscalar == 2)
        let general = PolynomialEvaluator.cost(of: series(degree: 3, on: try Interval(-8, 8)), schedule: .chebyshevLinear)
        #expect(general.counts.scalarMultiplications == 4 && general.depth == 4)
    }

    @Test func productTreeDepthIsLogarithmic() {
        for n in 1...64 {
            let (_, depth, _) = PolynomialEvaluator.cost(of: ChebyshevSeries(Polynomial([Double](repeating: 0.5, count: n + 1)), on: .unit), schedule: .productTree)
            let log2Ceil = n == 1 ? 0 : Int.bitWidth - (n - 1).leadingZeroBitCount
            #expect(depth == log2Ceil + 1, "degree \(n)")
        }
    }
}

/// OpenFHE's Chebyshev evaluation, operation for operation: depth and multiplication
/// counts against a fixture measured on the openfhe 1.6.1 wheel and traced from its
/// source (exp(x/4) on [−8, 8], exp on [−1, 1]; degrees 1–16, 27, 59, 119, 247 measured on
/// the wheel, the rest from the op-by-op transcription that reproduces those exactly).
@Suite("Chebyshev BSGS matches OpenFHE")
struct ChebyshevBSGSTests {
    struct Row { var degree: Int; var general: Bool; var depth: Int; var ctct: Int; var scalar: Int; var tableDepth: Int }

    static func fixture() throws -> [Row] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/openfhe_chebyshev_counts.csv")
        let lines = try String(contentsOf: url, encoding: .utf8).split(whereSeparator: \.isNewline).dropFirst()
        return lines.map { line in
            // degree,"interval",method,k,m,final_level,final_nsd,eff_depth,table,ctct_mult,ctct_square,ctct_total,const_mult,…
            let f = line.replacingOccurrences(of: "\"[-1,1]\"", with: "unit").split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            return Row(degree: Int(f[0])!, general: f[1] == "general", depth: Int(f[7])!, ctct: Int(f[11])!, scalar: Int(f[12])!, tableDepth: Int(f[8])!)
        }
    }

    @Test func depthAndCountsMatchOpenFHE() throws {
        let rows = try Self.fixture()
        #expect(rows.count >= 40)
        let quarterExp = TargetFunction(name: "exp(x/4)") { exponential($0 / 4) }
        // Every degree up to 64, then a sample (every 17th, and 1007, 2031) to keep debug test time low.
        for row in rows where row.degree <= 64 || row.degree % 17 == 0 || row.degree == 1007 || row.degree == 2031 {
            let interval = row.general ? try Interval(-8, 8) : Interval.unit
            let series = PolynomialFitter.chebyshevInterpolant(row.general ? quarterExp : .exp, degree: row.degree, on: interval)
            let (counts, depth, _) = PolynomialEvaluator.cost(of: series, schedule: .chebyshevBSGS)
            #expect(depth == row.depth, "degree \(row.degree) general \(row.general)")
            #expect(counts.nonscalarMultiplications == row.ctct, "degree \(row.degree) general \(row.general)")
            #expect(counts.scalarMultiplications == row.scalar, "degree \(row.degree) general \(row.general)")
        }
    }

    /// The acceptance list: degrees 5, 13, 27, 59, 119 on a general interval need
    /// depth 4, 5, 6, 7, 8 (OpenFHE FUNCTION_EVALUATION.md's table).
    @Test func documentedDepthTable() throws {
        for (degree, depth) in [(5, 4), (13, 5), (27, 6), (59, 7), (119, 8), (247, 9)] {
            let s = PolynomialFitter.chebyshevInterpolant(.sigmoid, degree: degree, on: try Interval(-8, 8))
            #expect(PolynomialEvaluator.cost(of: s, schedule: .chebyshevBSGS).depth == depth, "degree \(degree)")
            let unit = PolynomialFitter.chebyshevInterpolant(.exp, degree: degree, on: .unit)
            #expect(PolynomialEvaluator.cost(of: unit, schedule: .chebyshevBSGS).depth == depth - 1, "degree \(degree) on [−1, 1]")
        }
    }

    /// On a well-scaled series the recursion loses nothing: BSGS equals Clenshaw to rounding.
    @Test func valuesOnWellScaledSeries() throws {
        let b = PlaintextBackend()
        for degree in [5, 13, 27, 59, 119] {
            let s = PolynomialFitter.chebyshevInterpolant(.sigmoid, degree: degree, on: try Interval(-8, 8))
            let xs = Tensor(try Interval(-8, 8).uniformGrid(count: 101))
            let y = b.reveal(PolynomialEvaluator.evaluate(s, at: b.input(xs), on: b, schedule: .chebyshevBSGS))
            for (x, v) in zip(xs.scalars, y.scalars) { #expect(abs(v - s(x)) < 1e-12, "degree \(degree) at \(x)") }
        }
    }

    @Test func longDivisionReconstructs() {
        // f = q·g + r with Chebyshev products T_i·T_j = (T_{i+j} + T_{|i−j|})/2, in the doubled-c0 convention.
        let f: [Double] = [0.4, -1.2, 0.7, 0.3, -0.25, 0.9, 0.05, 1]
        let g: [Double] = [0, 0, 0, 0, 1]
        let (q, r) = ChebyshevBSGS.longDivision(f, by: g)
        var product = [Double](repeating: 0, count: 12)
        let qs = [q[0] / 2] + q.dropFirst(), gs = [g[0] / 2] + g.dropFirst()
        for (i, a) in qs.enumerated() { for (j, c) in gs.enumerated() { product[i + j] += a * c / 2; product[abs(i - j)] += a * c / 2 } }
        let rs = [r[0] / 2] + r.dropFirst()
        for (i, v) in rs.enumerated() { product[i] += v }
        let fs = [f[0] / 2] + f.dropFirst()
        for i in 0..<fs.count { #expect(abs(product[i] - fs[i]) < 1e-12, "T_\(i)") }
    }
}
