import Backend
import Tensors

/// One way of computing one nonlinearity, written once over `ArithmeticBackend` so it runs
/// unchanged on Double, on clear fixed point, on shares and on ciphertexts.
///
/// Elementwise functions act on every element; row functions (softmax variants,
/// LayerNorm) act along the last axis.
public protocol NonlinearApproximation: Sendable {
    /// The function computed ("exp", "softmax", …).
    var function: String { get }
    /// The method ("limit", "newton", "minimax", …).
    var method: String { get }
    /// Inputs the method is designed for; values outside are counted as out of range.
    var inputRange: Interval { get }
    /// Degree and iteration counts, for reports.
    var parameters: ApproximationParameters { get }
    /// Whether the function acts along the last axis rather than elementwise.
    var isRowwise: Bool { get }

    /// The exact function, in Double.
    func reference(_ x: Tensor<Double>) -> Tensor<Double>

    /// The approximation on `backend`.
    func evaluate<B: ArithmeticBackend>(_ x: B.Value, on backend: B) -> B.Value

    /// How many inputs (or rows, for row functions) fall outside the method's range,
    /// including ranges of inner steps (a reciprocal's denominator).
    func outOfRangeCount(_ x: Tensor<Double>) -> Int

    /// True when the value is the exact function rather than an approximation (an
    /// analytic protocol step without a value method): its measured error is ideal.
    var computesExactValues: Bool { get }
}

extension NonlinearApproximation {
    public var computesExactValues: Bool { false }
}

/// Degree, iterations and coefficients of an approximation, for reports.
public struct ApproximationParameters: Sendable, Hashable, Codable {
    public var degree: Int?
    public var iterations: Int?
    /// Power-basis coefficients (constant first), where the method is one polynomial.
    public var coefficients: [Double]?
    /// Other settings in words ("initial guess 3·exp(1−2x)+0.003", "p = 4, ε = 0.001").
    public var notes: [String]

    public init(degree: Int? = nil, iterations: Int? = nil, coefficients: [Double]? = nil, notes: [String] = []) {
        self.degree = degree
        self.iterations = iterations
        self.coefficients = coefficients
        self.notes = notes
    }
}

extension NonlinearApproximation {
    public var isRowwise: Bool { false }

    public func outOfRangeCount(_ x: Tensor<Double>) -> Int {
        x.scalars.reduce(0) { $0 + (inputRange.contains($1) ? 0 : 1) }
    }
}

/// An elementwise approximation with its exact reference given by a `TargetFunction`.
public protocol ElementwiseApproximation: NonlinearApproximation {
    var target: TargetFunction { get }
}

extension ElementwiseApproximation {
    public var function: String { target.name }
    public func reference(_ x: Tensor<Double>) -> Tensor<Double> { x.map(target.evaluate) }
}
