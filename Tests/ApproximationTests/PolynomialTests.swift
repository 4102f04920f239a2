import Foundation
import Testing
import Backend
import Tensors
@testable import Approximation

@Suite("Polynomials and Chebyshev series")
struct PolynomialTests {
    @Test func clenshawAgreesWithPowerBasisAndConversionsRoundTrip() throws {
        let interval = try Interval(-3, 5)
        let series = ChebyshevSeries(coefficients: [0.5, -1.25, 0.75, 0.1, -0.05, 0.02], interval: interval)
        let power = series.powerBasis
        for x in interval.uniformGrid(count: 50) {
            // Direct definition: T_k(t) = cos(k arccos t).
            let t = interval.toUnit(x)
            let direct = series.coefficients.enumerated().reduce(0.0) { $0 + $1.element * cos(Double($1.offset) * acos(max(-1, min(1, t)))) }
            #expect(abs(series(x) - direct) < 1e-12)
            #expect(abs(power(x) - direct) < 1e-11)
        }
        let back = ChebyshevSeries(power, on: interval)
        for (a, b) in zip(back.coefficients, series.coefficients) { #expect(abs(a - b) < 1e-12) }
    }

    @Test func derivativeMatchesFiniteDifference() throws {
        let s = ChebyshevSeries(coefficients: [1, 2, 3, 4], interval: try Interval(0, 2))
        let d = s.derivative
        for x in [0.1, 0.7, 1.3, 1.9] {
            let h = 1e-6
            #expect(abs(d(x) - (s(x + h) - s(x - h)) / (2 * h)) < 1e-6)
        }
    }

    @Test func interpolationAndLeastSquaresReproducePolynomials() throws {
        let cubic = TargetFunction(name: "cubic") { x in 2 - x + 0.5 * x * x - 0.25 * x * x * x }
        let interval = try Interval(-2, 3)
        for method in [FitMethod.chebyshev, .leastSquares, .minimax] {
            let fit = try PolynomialFitter.fit(cubic, degree: 3, on: interval, method: method)
            #expect(fit.errors.maxAbsolute < 1e-12, "\(method)")
        }
    }

    @Test func taylorSeriesOfExpAndReciprocal() throws {
        let fit = try PolynomialFitter.fit(.exp, degree: 12, on: Interval(-1, 1), method: .taylor)
        // Remainder bound e/13! ≈ 4.4e-10.
        #expect(fit.errors.maxAbsolute < 5e-10)
        let r = try PolynomialFitter.fit(.reciprocal, degree: 6, on: Interval(0.9, 1.1), method: .taylor, expansionPoint: 1)
        // |x − 1|^7 / x^8 at x = 0.9: 1e-7 / 0.43 ≈ 2.3e-7.
        #expect(r.errors.maxAbsolute < 2.5e-7)
        #expect(throws: ApproximationError.self) { try PolynomialFitter.fit(.gelu, degree: 3, on: Interval(-1, 1), method: .taylor) }
    }

    @Test func badArgumentsAreRefused() throws {
        #expect(throws: ApproximationError.self) { try PolynomialFitter.fit(.exp, degree: -1, on: Interval(0, 1), method: .minimax) }
        #expect(throws: ApproximationError.self) { try Interval(1, 0) }
        #expect(throws: ApproximationError.self) { try Interval(1, 1) }
        #expect(throws: ApproximationError.self) { try Interval(parsing: "3") }
        #expect(throws: ApproximationError.self) { try Interval(0, .infinity) }
        #expect(try Interval(parsing: "-8:0") == Interval(-8, 0))
        #expect(throws: ApproximationError.singularity(function: "reciprocal", at: 0, interval: try Interval(-1, 1))) {
            try PolynomialFitter.fit(.reciprocal, degree: 4, on: Interval(-1, 1), method: .chebyshev)
        }
        #expect(throws: ApproximationError.self) { try PolynomialFitter.fit(.inverseSqrt, degree: 4, on: Interval(-1, 4), method: .chebyshev) }
    }
}

@Suite("Remez minimax against an independent LP fixture")
struct RemezTests {
    struct Case: Decodable {
        let function: String
        let interval: [Double]
        let degree: Int
        let minimax_max_abs_error: Double
        let chebyshev_interpolant_max_abs_error: Double
        let precision_limited: Bool
    }
    struct Fixture: Decodable { let cases: [Case] }

    static let functions: [String: TargetFunction] = [
        "exp": .exp, "reciprocal": .reciprocal, "inv_sqrt": .inverseSqrt, "gelu": .gelu, "tanh": .tanh,
        "sigmoid": .sigmoid, "log": .log, "sin": .sin, "abs": .abs,
    ]

    static func fixture() throws -> [Case] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/minimax_fixture.json")
        return try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url)).cases
    }

    /// Smooth functions, degrees 1–15: Remez equioscillates (max error = levelled error
    /// within 0.1 %), matches the LP minimax within 0.5 %, and beats Chebyshev interpolation.
    @Test(arguments: ["exp", "reciprocal", "inv_sqrt", "gelu", "tanh", "sigmoid", "log", "sin"])
    func smoothFunctionsMatchFixture(name: String) throws {
        let f = Self.functions[name]!
        for c in try Self.fixture() where c.function == name && !c.precision_limited && c.minimax_max_abs_error > 1e-13 {
            let interval = try Interval(c.interval[0], c.interval[1])
            let fit = try PolynomialFitter.fit(f, degree: c.degree, on: interval, method: .minimax)
            let ours = fit.errors.maxAbsolute
            let levelled = try #require(fit.levelledError)
            #expect(abs(ours - levelled) <= 1e-3 * ours, "\(name) \(interval) degree \(c.degree): max \(ours) vs levelled \(levelled)")
            #expect(abs(ours - c.minimax_max_abs_error) <= 5e-3 * c.minimax_max_abs_error,
                    "\(name) \(interval) degree \(c.degree): \(ours) vs LP \(c.minimax_max_abs_error)")
            let interpolant = PolynomialFitter.chebyshevInterpolant(f, degree: c.degree, on: interval)
            let interpolantError = ErrorStatistics(of: { interpolant($0) }, against: f, on: interval).maxAbsolute
            #expect(ours <= interpolantError * (1 + 1e-9))
        }
    }

    @Test func relativeMinimaxEquioscillatesInRelativeError() throws {
        let fit = try PolynomialFitter.fit(.reciprocal, degree: 6, on: Interval(1, 8), method: .minimax, relative: true)
        let levelled = try #require(fit.levelledError)
        #expect(abs(fit.errors.maxRelative - levelled) <= 1e-3 * levelled)
    }
}
