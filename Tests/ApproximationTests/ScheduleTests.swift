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
            let s = series(degree: degree, on: interval)
            let y = backend.reveal(PolynomialEvaluator.evaluate(s, at: backend.input(xs), on: backend, schedule: schedule))
            for (x, v) in zip(xs.scalars, y.scalars) {
                #expect(abs(v - s(x)) <= 1e-9 * max(1, abs(s(x))), "\(schedule) degree \(degree) at \(x)")
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

    /// Chebyshev linear, degree 3 on [−1, 1]: T2 = 2T1² − 1, T3 = 2T2T1 − T1, then c1T1 + c2T2 + c3T3 + c0.
    /// On a general interval the affine map t = αx + β adds one scalar product and one level.
    @Test func chebyshevLinearCubic() throws {
        let (c, depth, nonscalar) = PolynomialEvaluator.cost(of: series(degree: 3), schedule: .chebyshevLinear)
        #expect(c.nonscalarMultiplications == 2 && c.squares == 1 && c.integerMultiplications == 2)
        #expect(c.scalarMultiplications == 3 && c.additions == 3 && c.constantAdditions == 2)
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
