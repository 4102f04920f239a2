import Arithmetic
import Backend
import Randomness
import Tensors

/// A fixed-point representation to evaluate in: Z/2^k with f fractional bits.
public struct FixedPointSpec: Sendable, Hashable, Codable {
    public var ringBits: Int
    public var fractionalBits: Int
    public var truncation: String

    /// Parses "k:f" (e.g. "64:16").
    ///
    /// - Throws: `ApproximationError.invalidParameter` for text that is not k:f, and the
    ///   arithmetic layer's reason for parameters that cannot work (f ≥ k, k > 64).
    public init(parsing text: String, truncation: TruncationMode = .floor) throws(ApproximationError) {
        let parts = text.split(separator: ":")
        guard parts.count == 2, let k = Int(parts[0]), let f = Int(parts[1]) else {
            throw .invalidParameter("'\(text)' is not a fixed-point spec: write RINGBITS:FRACBITS, e.g. 64:16")
        }
        ringBits = k
        fractionalBits = f
        self.truncation = truncation.rawValue
        _ = try format()
    }

    func format() throws(ApproximationError) -> FixedPointFormat<PowerOfTwoRing> {
        do {
            return try FixedPointFormat(ring: PowerOfTwoRing(bits: ringBits), fractionalBits: fractionalBits)
        } catch {
            throw .invalidParameter(error.description)
        }
    }
}

/// Error and cost of one approximation: approximation error (exact Double evaluation of
/// the method vs the true function), and, with a fixed-point spec, the total error in the
/// protocol's representation and the quantisation error between the two.
public struct ApproximationReport: Sendable, Codable {
    public var function: String
    public var method: String
    public var degree: Int?
    public var iterations: Int?
    public var range: [Double]
    public var evaluationRange: [Double]
    public var rowLength: Int?
    /// Approximation error: the method in exact Double arithmetic vs the true function.
    public var approximation: ErrorStatistics
    /// Total error in fixed point vs the true function (nil without a fixed-point spec).
    public var fixedPoint: ErrorStatistics?
    /// Fixed point vs the same method in Double: the error quantisation adds.
    public var quantisation: ErrorStatistics?
    public var fixedPointFormat: String?
    public var productWraps: Int?
    public var inputOverflows: Int?
    /// Inputs (or rows) outside the method's stated range, among the evaluated points.
    public var outOfRange: Int
    public var samples: Int
    public var costs: OperationCounts
    public var depth: Int
    public var nonscalarDepth: Int
    public var coefficients: [Double]?
    public var notes: [String]
    /// Evaluation points and values, for plots (not serialised).
    public var curve: Curve?

    public struct Curve: Sendable, Codable {
        public var x: [Double]
        public var exact: [Double]
        public var approximate: [Double]
        public var fixedPoint: [Double]?
    }

    enum CodingKeys: String, CodingKey {
        case function, method, degree, iterations, range, evaluationRange, rowLength, approximation, fixedPoint, quantisation
        case fixedPointFormat, productWraps, inputOverflows, outOfRange, samples, costs, depth, nonscalarDepth, coefficients, notes
    }

    /// Runs `approximation` on a grid (elementwise functions) or on random rows (row
    /// functions) of `evaluationRange` (default: its stated range), in Double and, if
    /// given, in fixed point, and counts its operations.
    ///
    /// - Parameters:
    ///   - samples: grid points (elementwise) or rows (row functions).
    ///   - rowLength: row length for row functions.
    ///   - seed: seeds the random rows and probabilistic truncation.
    public static func measure(_ approximation: any NonlinearApproximation, fixedPoint: FixedPointSpec? = nil,
                               evaluationRange: Interval? = nil, samples: Int = 2001, rowLength: Int = 128,
                               seed: UInt64 = 1) throws(ApproximationError) -> ApproximationReport {
        let range = evaluationRange ?? approximation.inputRange
        let input: Tensor<Double>
        if approximation.isRowwise {
            var g = ChaChaRandom(seed: seed)
            let rows = max(1, min(samples, 64))
            input = (try? Tensor(shape: [rows, rowLength], element: { _ in
                range.lower + range.width * Double(g.next() >> 11) / Double(1 << 53)
            })) ?? Tensor([])
        } else {
            input = Tensor(range.uniformGrid(count: max(samples, 2)))
        }
        let exact = approximation.reference(input)
        let plain = PlaintextBackend()
        let approx = plain.reveal(approximation.evaluate(plain.input(input), on: plain))
        let points = input.scalars
        var report = ApproximationReport(
            function: approximation.function, method: approximation.method,
            degree: approximation.parameters.degree, iterations: approximation.parameters.iterations,
            range: [approximation.inputRange.lower, approximation.inputRange.upper],
            evaluationRange: [range.lower, range.upper],
            rowLength: approximation.isRowwise ? rowLength : nil,
            approximation: ErrorStatistics(points: points, exact: exact.scalars, approx: approx.scalars),
            outOfRange: approximation.outOfRangeCount(input), samples: input.count,
            costs: OperationCounts(), depth: 0, nonscalarDepth: 0,
            coefficients: approximation.parameters.coefficients, notes: approximation.parameters.notes)
        var fixedValues: [Double]?
        if let spec = fixedPoint {
            let mode = TruncationMode(rawValue: spec.truncation) ?? .floor
            let backend = FixedPointBackend(format: try spec.format(), truncation: mode, seed: seed)
            let y = backend.reveal(approximation.evaluate(backend.input(input), on: backend))
            report.fixedPoint = ErrorStatistics(points: points, exact: exact.scalars, approx: y.scalars)
            report.quantisation = ErrorStatistics(points: points, exact: approx.scalars, approx: y.scalars)
            report.fixedPointFormat = "Z/2^\(spec.ringBits), f = \(spec.fractionalBits), truncation \(spec.truncation)"
            report.productWraps = backend.productWraps
            report.inputOverflows = backend.inputOverflows
            fixedValues = y.scalars
        }
        let counter = OperationCounter()
        let traced = approximation.evaluate(counter.input(shape: approximation.isRowwise ? [1, rowLength] : [1]), on: counter)
        report.costs = counter.counts
        report.depth = traced.depth
        report.nonscalarDepth = traced.nonscalarDepth
        if !approximation.isRowwise {
            report.curve = Curve(x: points, exact: exact.scalars, approximate: approx.scalars, fixedPoint: fixedValues)
        }
        return report
    }
}
