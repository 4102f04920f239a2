import Approximation
import Arithmetic
import ArgumentParser
import Foundation
import Plotting
import Reports

/// `pisim approx`: error and cost of one approximation (or several, with `--compare`).
struct Approx: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Error and cost of approximating one nonlinearity.",
        discussion: """
        Functions and methods (first is the default):
        \(ApproximationCatalog.methods.map { "  \($0.function): \($0.methods.joined(separator: ", "))" }.joined(separator: "\n"))

        Examples:
          pisim approx exp --method minimax --degree 7 --range -8:0
          pisim approx reciprocal --method newton --iterations 10 --range 1:64 --fixed-point 64:16
          pisim approx power-softmax --p 4 --length 128
          pisim approx gelu --compare minimax,chebyshev,bumblebee --degree 8 --plot gelu.svg
        """)

    @Argument(help: "The function to approximate.")
    var function: String

    @Option(help: "The method (see the list below).")
    var method: String?

    @Option(parsing: .unconditional, help: "Compare these methods side by side (comma-separated).")
    var compare: String?

    @Option(parsing: .unconditional, help: "Polynomial degree.")
    var degree: Int?

    @Option(parsing: .unconditional, help: "Iterations of an iterative method.")
    var iterations: Int?

    @Option(parsing: .unconditional, help: "Design range LOWER:UPPER (e.g. -8:0).")
    var range: String?

    @Option(name: .customLong("eval-range"), parsing: .unconditional, help: "Evaluate on this range instead (points outside the design range are counted).")
    var evalRange: String?

    @Option(name: .customLong("fixed-point"), help: "Also evaluate in fixed point RINGBITS:FRACBITS (e.g. 64:16).")
    var fixedPoint: String?

    @Option(help: "Truncation in fixed point: floor, nearest or probabilistic.")
    var truncation: String = "floor"

    @Option(help: "Polynomial schedule: \(EvaluationSchedule.allCases.map(\.rawValue).joined(separator: ", ")).")
    var schedule: String = EvaluationSchedule.chebyshevBSGS.rawValue

    @Option(help: "Power-Softmax power (even).")
    var p: Int = 4

    @Option(help: "Power-Softmax variant: sum, epsilon, mean, stable.")
    var variant: String = "mean"

    @Option(help: "ε of Power-Softmax / LayerNorm / ReLU-softmax.")
    var epsilon: Double?

    @Option(help: "Row length for row functions.")
    var length: Int = 128

    @Option(name: .customLong("reciprocal"), help: "Inner reciprocal of softmax: newton or goldschmidt.")
    var reciprocalMethod: String?

    @Option(name: .customLong("reciprocal-iterations"), help: "Iterations of the inner reciprocal.")
    var reciprocalIterations: Int?

    @Option(name: .customLong("reciprocal-range"), parsing: .unconditional, help: "Input range of the inner reciprocal or inverse sqrt.")
    var reciprocalRange: String?

    @Option(name: .customLong("exp-iterations"), help: "Limit-exp iterations inside other functions.")
    var expIterations: Int?

    @Option(help: "Grid points (elementwise) or rows (row functions, at most 64).")
    var samples: Int = 2001

    @Option(help: "Seed for random rows and probabilistic truncation.")
    var seed: UInt64 = 1

    @Option(help: "Output format: table or json.")
    var format: String = "table"

    @Option(help: "Write the function, the approximation and its error as an SVG file.")
    var plot: String?

    /// The first problem with the arguments, in one line, or nil.
    func problem() -> String? {
        if !["table", "json"].contains(format) { return "--format must be table or json, got '\(format)'" }
        if !(2...10_000_000).contains(samples) { return "--samples must be 2…10,000,000, got \(samples)" }
        if !(1...1_000_000).contains(length) { return "--length must be in 1…1000000" }
        if let degree, degree < 0 { return "--degree must be ≥ 0, got \(degree)" }
        if let iterations, iterations < 0 { return "--iterations must be ≥ 0, got \(iterations)" }
        if TruncationMode(rawValue: truncation) == nil { return "--truncation must be floor, nearest or probabilistic, got '\(truncation)'" }
        if EvaluationSchedule(rawValue: schedule) == nil {
            return "--schedule must be one of \(EvaluationSchedule.allCases.map(\.rawValue).joined(separator: ", "))"
        }
        return nil
    }

    func options(method: String?) throws -> ApproximationOptions {
        var o = ApproximationOptions()
        o.method = method
        o.degree = degree
        o.iterations = iterations
        o.range = try range.map { try Interval(parsing: $0) }
        o.schedule = EvaluationSchedule(rawValue: schedule) ?? .chebyshevBSGS
        o.p = p
        o.variant = variant
        o.epsilon = epsilon
        o.length = length
        o.reciprocalMethod = reciprocalMethod
        o.reciprocalIterations = reciprocalIterations
        o.reciprocalRange = try reciprocalRange.map { try Interval(parsing: $0) }
        o.expIterations = expIterations
        return o
    }

    func run() throws {
        if let problem = problem() { throw CommandFailure(problem) }
        do {
            let methods: [String?] = compare.map { list in list.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) } } ?? [method]
            let spec = try fixedPoint.map { try FixedPointSpec(parsing: $0, truncation: TruncationMode(rawValue: truncation) ?? .floor) }
            var evaluation = try evalRange.map { try Interval(parsing: $0) }
            var reports = [ApproximationReport]()
            for m in methods {
                let approximation = try ApproximationCatalog.make(function, options(method: m))
                // Side by side, every method is evaluated on the same points: the first's range.
                if compare != nil, evaluation == nil { evaluation = approximation.inputRange }
                reports.append(try ApproximationReport.measure(approximation, fixedPoint: spec, evaluationRange: evaluation,
                                                               samples: samples, rowLength: length, seed: seed))
            }
            if format == "json" {
                print(try ApproximationOutput.json(reports, single: compare == nil))
            } else {
                print(ApproximationOutput.table(reports))
            }
            if let plot {
                try ApproximationOutput.svg(reports).write(toFile: plot, atomically: true, encoding: .utf8)
                FileHandle.standardError.write(Data("wrote \(plot)\n".utf8))
            }
        } catch let error as ApproximationError {
            throw CommandFailure(error.description)
        }
    }
}
