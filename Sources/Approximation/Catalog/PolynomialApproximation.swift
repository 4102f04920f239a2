import Backend
import Tensors

/// A single polynomial designed on an interval, evaluated with a chosen schedule.
public struct PolynomialApproximation: ElementwiseApproximation {
    public let fit: PolynomialFit
    public let target: TargetFunction
    public let schedule: EvaluationSchedule

    /// Designs the polynomial.
    ///
    /// - Throws: `ApproximationError` for a bad degree or interval.
    public init(_ target: TargetFunction, method: FitMethod, degree: Int, on interval: Interval,
                schedule: EvaluationSchedule = .chebyshevBSGS, relative: Bool = false) throws(ApproximationError) {
        fit = try PolynomialFitter.fit(target, degree: degree, on: interval, method: method, relative: relative)
        self.target = target
        self.schedule = schedule
    }

    public var method: String { fit.method.rawValue }
    public var inputRange: Interval { fit.interval }

    public var parameters: ApproximationParameters {
        ApproximationParameters(degree: fit.degree, coefficients: fit.series.powerBasis.coefficients,
                                notes: ["schedule \(schedule.rawValue)", "Chebyshev coefficients \(fit.series.coefficients)"])
    }

    public func evaluate<B: ArithmeticBackend>(_ x: B.Value, on backend: B) -> B.Value {
        PolynomialEvaluator.evaluate(fit.series, at: x, on: backend, schedule: schedule)
    }
}
