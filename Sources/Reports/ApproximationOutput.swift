import Approximation
import Backend
import Foundation
import Plotting

/// Renders approximation reports as a terminal table, JSON and SVG.
public enum ApproximationOutput {
    /// The JSON record of one report (snake_case keys; NaN and ∞ become null).
    public static func record(_ r: ApproximationReport) -> [String: Any] {
        let number = JSONText.number
        func stats(_ s: ErrorStatistics) -> [String: Any] {
            ["max_abs_error": number(s.maxAbsolute), "max_rel_error": number(s.maxRelative), "rms_error": number(s.rms),
             "argmax_abs": number(s.argmaxAbsolute), "argmax_rel": number(s.argmaxRelative), "samples": s.samples]
        }
        var d: [String: Any] = [
            "function": r.function, "method": r.method, "range": r.range, "evaluation_range": r.evaluationRange,
            "max_abs_error": number(r.approximation.maxAbsolute), "max_rel_error": number(r.approximation.maxRelative),
            "rms_error": number(r.approximation.rms), "argmax_abs": number(r.approximation.argmaxAbsolute),
            "depth": r.depth, "nonscalar_depth": r.nonscalarDepth,
            "nonscalar_mults": r.costs.nonscalarMultiplications, "squares": r.costs.squares,
            "scalar_mults": r.costs.scalarMultiplications, "integer_mults": r.costs.integerMultiplications,
            "additions": r.costs.additions, "constant_additions": r.costs.constantAdditions, "comparisons": r.costs.comparisons,
            "out_of_range": r.outOfRange, "samples": r.samples, "notes": r.notes,
            "coefficients": r.coefficients.map { $0.map(number) } ?? NSNull(),
            "degree": r.degree.map { $0 as Any } ?? NSNull(), "iterations": r.iterations.map { $0 as Any } ?? NSNull(),
        ]
        if let n = r.rowLength { d["row_length"] = n }
        if let fp = r.fixedPoint, let q = r.quantisation {
            d["fixed_point"] = stats(fp).merging(["format": r.fixedPointFormat ?? "", "product_wraps": r.productWraps ?? 0,
                                                  "input_overflows": r.inputOverflows ?? 0]) { a, _ in a }
            d["quantisation"] = stats(q)
        }
        return d
    }

    public static func json(_ reports: [ApproximationReport], single: Bool) throws -> String {
        let value: Any = single && reports.count == 1 ? record(reports[0]) : reports.map(record)
        return try JSONText.text(value)
    }

    static func sci(_ v: Double) -> String { v.isFinite ? String(format: "%.3e", v) : "—" }

    public static func table(_ reports: [ApproximationReport]) -> String {
        var rows: [(String, [String])] = [
            ("function", reports.map(\.function)),
            ("method", reports.map(\.method)),
            ("degree / iterations", reports.map { r in [r.degree.map { "deg \($0)" }, r.iterations.map { "\($0) it" }].compactMap { $0 }.joined(separator: ", ") }),
            ("design range", reports.map { "[\($0.range[0]), \($0.range[1])]" }),
            ("max abs error", reports.map { sci($0.approximation.maxAbsolute) }),
            ("  at x", reports.map { String(format: "%.4g", $0.approximation.argmaxAbsolute) }),
            ("max rel error", reports.map { sci($0.approximation.maxRelative) }),
            ("rms error", reports.map { sci($0.approximation.rms) }),
        ]
        if reports.contains(where: { $0.fixedPoint != nil }) {
            rows += [
                ("fixed point", reports.map { $0.fixedPointFormat ?? "" }),
                ("  max abs error", reports.map { $0.fixedPoint.map { sci($0.maxAbsolute) } ?? "" }),
                ("  quantisation max abs", reports.map { $0.quantisation.map { sci($0.maxAbsolute) } ?? "" }),
                ("  product wraps", reports.map { "\($0.productWraps ?? 0)" }),
            ]
        }
        rows += [
            ("depth (levels)", reports.map { "\($0.depth)" }),
            ("nonscalar depth", reports.map { "\($0.nonscalarDepth)" }),
            ("nonscalar mults", reports.map { "\($0.costs.nonscalarMultiplications)" }),
            ("scalar mults", reports.map { "\($0.costs.scalarMultiplications)" }),
            ("additions", reports.map { "\($0.costs.additions + $0.costs.constantAdditions)" }),
            ("comparisons", reports.map { "\($0.costs.comparisons)" }),
            ("out of range", reports.map { r in r.rowLength.map { "\(r.outOfRange) of \(r.samples / max($0, 1)) rows" } ?? "\(r.outOfRange) of \(r.samples)" }),
        ]
        let labelWidth = rows.map(\.0.count).max() ?? 0
        let widths = reports.indices.map { i in rows.map { $0.1[i].count }.max() ?? 0 }
        return rows.map { label, cells in
            label.padding(toLength: labelWidth + 2, withPad: " ", startingAt: 0)
                + zip(cells, widths).map { $0.padding(toLength: $1 + 2, withPad: " ", startingAt: 0) }.joined()
        }.joined(separator: "\n")
    }

    /// Two panels: the function with each approximation, then |error| on a log scale.
    public static func svg(_ reports: [ApproximationReport]) -> String {
        let curves = reports.compactMap { r in r.curve.map { (r, $0) } }
        guard let first = curves.first else {
            return LinePlot.document([LinePlot(title: "row functions have no 1-D curve", xLabel: "", yLabel: "", series: [])])
        }
        var values = [LinePlot.Series(name: "exact \(first.0.function)", x: first.1.x, y: first.1.exact, color: 0)]
        var errors = [LinePlot.Series]()
        for (i, (r, c)) in curves.enumerated() {
            values.append(.init(name: r.method, x: c.x, y: c.approximate, dashed: true, color: i + 1))
            errors.append(.init(name: r.method, x: c.x, y: zip(c.approximate, c.exact).map { abs($0 - $1) }, color: i + 1))
            if let fp = c.fixedPoint {
                errors.append(.init(name: "\(r.method), fixed point", x: c.x, y: zip(fp, c.exact).map { abs($0 - $1) }, dashed: true, color: i + 1))
            }
        }
        return LinePlot.document([
            LinePlot(title: "\(first.0.function): function and approximation", xLabel: "x", yLabel: "value", series: values),
            LinePlot(title: "absolute error", xLabel: "x", yLabel: "|approx − exact|", logY: true, series: errors),
        ])
    }
}
