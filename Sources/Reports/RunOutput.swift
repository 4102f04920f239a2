import CostModel
import Foundation
import Scenario

/// Renders `pisim run` / `pisim compare` reports: terminal table, JSON, CSV, Markdown.
/// Every renderer is a pure function of the runs, so the same scenario and seed give the
/// same bytes.
public enum RunOutput {
    static func totals(_ t: CostTotals, _ l: LatencyBreakdown) -> [String: Any] {
        ["comm_bytes": t.bytes, "rounds": t.rounds, "batched_rounds": t.batchedRounds, "offline_bytes": t.offlineBytes,
         "mults": t.multiplications, "depth": t.depth, "latency_s": l.total, "round_trips_s": l.roundTrips, "transfer_s": l.transfer,
         "compute_s": l.compute, "bootstraps": t.bootstraps, "rotations": t.rotations]
    }

    static let number = JSONText.number

    /// One run as a JSON object (keys: scenario, model, architecture, protocol, network,
    /// totals, by_nonlinearity, by_layer, error, and the sweep entry it is).
    public static func record(_ run: ScenarioResult) -> [String: Any] {
        let r = run.report, q = r.request
        var byNonlinearity = [String: Any]()
        for p in r.byNonlinearity { byNonlinearity[p.name] = totals(p.totals, p.latency) }
        var error: [String: Any] = ["max_abs": number(r.maxAbsoluteError), "mean_abs": number(r.meanAbsoluteError),
                                    "failure": r.failure.map { $0 as Any } ?? NSNull()]
        if let a = r.accuracy {
            var nonlinear = [String: Any]()
            for n in a.byNonlinearity {
                nonlinear[n.name] = ["max_abs": number(n.maxAbsolute), "mean_abs": number(n.meanAbsolute), "calls": n.calls,
                                     "out_of_range": n.outOfRange, "out_of_range_unit": n.outOfRangeUnit]
            }
            error["by_nonlinearity"] = nonlinear
            error["by_layer"] = a.byLayer.map {
                ["layer": $0.layer, "hidden_max_abs": number($0.hiddenMaxAbsolute), "hidden_mean_abs": number($0.hiddenMeanAbsolute),
                 "attention_kl_mean": number($0.attentionKLMean), "attention_kl_max": number($0.attentionKLMax),
                 "attention_negative_rows": $0.attentionNegativeRows] as [String: Any]
            }
        }
        var sweep = [String: Any]()
        for a in run.scenario.assignments { sweep[a.key] = a.value }
        return [
            "scenario": run.scenario.name, "label": run.scenario.label, "sweep": sweep,
            "model": q.model.name, "layers": q.model.layers, "architecture": q.architecture.rawValue, "protocol": q.profile.name,
            "attention": q.attention ?? q.architecture.attentionFunction, "network": q.network.name, "tokens": q.tokens, "batch": q.batch, "include_embeddings": q.includeEmbeddings, "causal_mask": q.causalMask,
            "seed": q.seed, "fidelity": r.fidelity.rawValue,
            "totals": totals(r.totals, r.latency),
            "by_nonlinearity": byNonlinearity,
            "by_layer": r.byLayer.map { ["layer": $0.name].merging(totals($0.totals, $0.latency)) { a, _ in a } },
            "error": error,
        ]
    }

    /// One run: its record. Several: {scenario, runs: [...], ratios vs the first}.
    public static func json(_ runs: [ScenarioResult]) throws -> String {
        let object: Any
        if runs.count == 1 {
            object = record(runs[0])
        } else {
            object = ["scenario": runs.first?.scenario.name ?? "", "runs": runs.map(record),
                      "ratios_to_first": ratios(runs).map { ["label": $0.label, "comm": number($0.comm), "rounds": number($0.rounds),
                                                              "latency": number($0.latency)] as [String: Any] }] as [String: Any]
        }
        return try JSONText.text(object)
    }

    /// Communication, rounds and latency of each run divided by the first's.
    public static func ratios(_ runs: [ScenarioResult]) -> [(label: String, comm: Double, rounds: Double, latency: Double)] {
        guard let first = runs.first?.report else { return [] }
        func ratio(_ a: Double, _ b: Double) -> Double { b == 0 ? (a == 0 ? 1 : .infinity) : a / b }
        return runs.map {
            ($0.scenario.label, ratio(Double($0.report.totals.bytes), Double(first.totals.bytes)),
             ratio(Double($0.report.totals.batchedRounds), Double(first.totals.batchedRounds)),
             ratio($0.report.latency.total, first.latency.total))
        }
    }

    // MARK: Terminal table

    static func column(_ s: String, _ width: Int, right: Bool = true) -> String {
        s.count >= width ? (right ? " " + s : s + " ") : (right ? String(repeating: " ", count: width - s.count) + s : s + String(repeating: " ", count: width - s.count))
    }

    static func scientific(_ v: Double) -> String { v.isNaN ? "–" : (v.isInfinite ? "inf" : String(format: "%.2e", v)) }

    /// Per-nonlinearity cost and error, totals, and optionally the per-layer breakdown.
    public static func table(_ run: ScenarioResult, byLayer: Bool) -> String {
        let r = run.report, q = r.request
        var lines = ["\(run.scenario.label == run.scenario.name ? "" : "[\(run.scenario.label)] ")\(q.model.name) (\(q.model.layers) layers) " +
                     "\(q.architecture.rawValue), T = \(q.tokens)\(q.batch > 1 ? ", B = \(q.batch)" : ""), \(q.profile.name) on \(q.network.name), \(r.fidelity.rawValue)" +
                     (q.includeEmbeddings ? "" : ", no embeddings") + (q.causalMask ? "" : ", no causal mask")]
        let errors = r.errorsByNonlinearity
        let header = column("", 14, right: false) + column("comm", 13) + column("rounds", 8) + column("mults", 13) + column("depth", 6)
            + column("boots", 7) + column("latency s", 11) + column("max error", 10) + column("out of range", 14)
        lines.append(header)
        func row(_ name: String, _ t: CostTotals, _ l: LatencyBreakdown, error: Double?, outOfRange: String) -> String {
            column(name, 14, right: false) + column(OperationOutput.bytes(t.bytes), 13) + column("\(t.batchedRounds)", 8)
                + column("\(t.multiplications)", 13) + column("\(t.depth)", 6) + column("\(t.bootstraps)", 7)
                + column(String(format: "%.3f", l.total), 11) + column(error.map(scientific) ?? "–", 10) + column(outOfRange, 14)
        }
        for p in r.byNonlinearity {
            let e = errors[p.name]
            lines.append(row(p.name, p.totals, p.latency, error: e?.maxAbsolute, outOfRange: e?.outOfRangeLabel ?? "–"))
        }
        lines.append(row("total", r.totals, r.latency, error: r.maxAbsoluteError.isNaN ? nil : r.maxAbsoluteError, outOfRange: ""))
        if byLayer {
            lines.append("by layer:")
            for p in r.byLayer { lines.append(row(p.name, p.totals, p.latency, error: nil, outOfRange: "")) }
            if let a = r.accuracy, !a.byLayer.isEmpty {
                lines.append("error propagation: layer  hidden max   hidden mean  attention KL mean / max  rows < 0")
                for l in a.byLayer {
                    lines.append(column("", 19) + column("\(l.layer)", 6) + column(scientific(l.hiddenMaxAbsolute), 12)
                                 + column(scientific(l.hiddenMeanAbsolute), 13) + column(scientific(l.attentionKLMean), 13)
                                 + " / " + column(scientific(l.attentionKLMax), 9) + column("\(l.attentionNegativeRows)", 10))
                }
            }
        }
        lines.append(String(format: "latency = %.3f s round trips + %.3f s transfer + %.3f s compute", r.latency.roundTrips,
                            r.latency.transfer, r.latency.compute))
        lines.append(r.maxAbsoluteError.isNaN ? "error: not measured (estimate fidelity; use --fidelity execute)"
                     : String(format: "output error vs the exact model: max %.3e, mean %.3e", r.maxAbsoluteError, r.meanAbsoluteError))
        if let f = r.failure { lines.append("FAILED: \(f)") }
        return lines.joined(separator: "\n")
    }

    /// Runs side by side with ratios to the first (what `pisim compare` prints).
    public static func comparison(_ runs: [ScenarioResult]) -> String {
        let width = max(12, (runs.map(\.scenario.label.count).max() ?? 0) + 1)
        var lines = [column("run", width, right: false) + column("comm", 13) + column("× first", 9) + column("rounds", 8)
                     + column("× first", 9) + column("latency s", 11) + column("× first", 9) + column("max error", 10)]
        for (run, ratio) in zip(runs, ratios(runs)) {
            let r = run.report
            lines.append(column(run.scenario.label, width, right: false) + column(OperationOutput.bytes(r.totals.bytes), 13)
                         + column(String(format: "%.3f", ratio.comm), 9) + column("\(r.totals.batchedRounds)", 8)
                         + column(String(format: "%.3f", ratio.rounds), 9) + column(String(format: "%.3f", r.latency.total), 11)
                         + column(String(format: "%.3f", ratio.latency), 9) + column(scientific(r.maxAbsoluteError), 10))
        }
        return lines.joined(separator: "\n")
    }

    // MARK: CSV and Markdown

    static func csvField(_ s: String) -> String {
        s.contains(where: { ",\"\n".contains($0) }) ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }

    /// One row per run and part (each nonlinearity, each layer, the total).
    public static func csv(_ runs: [ScenarioResult]) -> String {
        let sweepKeys = runs.first?.scenario.assignments.map(\.key) ?? []
        var lines = [(["scenario"] + sweepKeys + ["model", "layers", "architecture", "protocol", "network", "tokens", "fidelity", "part", "name",
                      "comm_bytes", "rounds", "mults", "depth", "bootstraps", "latency_s", "max_abs_error", "mean_abs_error",
                      "out_of_range"]).joined(separator: ",")]
        for run in runs {
            let r = run.report, q = r.request
            let prefix = [run.scenario.name] + run.scenario.assignments.map(\.value)
                + [q.model.name, "\(q.model.layers)", q.architecture.rawValue, q.profile.name, q.network.name, "\(q.tokens)", r.fidelity.rawValue]
            let errors = r.errorsByNonlinearity
            func line(_ part: String, _ name: String, _ t: CostTotals, _ l: LatencyBreakdown, _ maxError: Double?, _ meanError: Double?,
                      _ outOfRange: Int?) -> String {
                let values = [part, name, "\(t.bytes)", "\(t.batchedRounds)", "\(t.multiplications)", "\(t.depth)", "\(t.bootstraps)",
                              "\(l.total)", maxError.map { $0.isNaN ? "" : "\($0)" } ?? "", meanError.map { $0.isNaN ? "" : "\($0)" } ?? "",
                              outOfRange.map { "\($0)" } ?? ""]
                return (prefix + values).map(csvField).joined(separator: ",")
            }
            for p in r.byNonlinearity {
                let e = errors[p.name]
                lines.append(line("nonlinearity", p.name, p.totals, p.latency, e?.maxAbsolute, e?.meanAbsolute, e?.outOfRange))
            }
            for p in r.byLayer { lines.append(line("layer", p.name, p.totals, p.latency, nil, nil, nil)) }
            lines.append(line("total", "total", r.totals, r.latency, r.maxAbsoluteError, r.meanAbsoluteError, nil))
        }
        return lines.joined(separator: "\n")
    }

    /// A summary table of the runs (with ratios to the first), then each run's breakdown.
    public static func markdown(_ runs: [ScenarioResult], byLayer: Bool) -> String {
        var out = ["# \(runs.first?.scenario.name ?? "PISim run")", ""]
        if runs.count > 1 {
            out += ["| run | comm | × first | rounds | latency (s) | × first | max error |", "|---|---:|---:|---:|---:|---:|---:|"]
            for (run, ratio) in zip(runs, ratios(runs)) {
                let r = run.report
                out.append("| \(run.scenario.label) | \(OperationOutput.bytes(r.totals.bytes)) | \(String(format: "%.3f", ratio.comm)) | " +
                           "\(r.totals.batchedRounds) | \(String(format: "%.3f", r.latency.total)) | \(String(format: "%.3f", ratio.latency)) | " +
                           "\(scientific(r.maxAbsoluteError)) |")
            }
            out.append("")
        }
        for run in runs {
            let r = run.report, q = r.request
            out += ["## \(run.scenario.label)", "",
                    "\(q.model.name) (\(q.model.layers) layers), `\(q.architecture.rawValue)`, T = \(q.tokens), `\(q.profile.name)` on " +
                    "`\(q.network.name)`, \(r.fidelity.rawValue)", "",
                    "| nonlinearity | comm | rounds | mults | depth | bootstraps | latency (s) | max error | out of range |",
                    "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
            let errors = r.errorsByNonlinearity
            func row(_ name: String, _ t: CostTotals, _ l: LatencyBreakdown, _ e: Double?, _ o: String) -> String {
                "| \(name) | \(OperationOutput.bytes(t.bytes)) | \(t.batchedRounds) | \(t.multiplications) | \(t.depth) | \(t.bootstraps) | " +
                    "\(String(format: "%.3f", l.total)) | \(e.map(scientific) ?? "–") | \(o) |"
            }
            for p in r.byNonlinearity {
                let e = errors[p.name]
                out.append(row(p.name, p.totals, p.latency, e?.maxAbsolute, e?.outOfRangeLabel ?? "–"))
            }
            out.append(row("**total**", r.totals, r.latency, r.maxAbsoluteError.isNaN ? nil : r.maxAbsoluteError, ""))
            if byLayer {
                out += ["", "| layer | comm | rounds | latency (s) |", "|---|---:|---:|---:|"]
                for p in r.byLayer {
                    out.append("| \(p.name) | \(OperationOutput.bytes(p.totals.bytes)) | \(p.totals.batchedRounds) | \(String(format: "%.3f", p.latency.total)) |")
                }
            }
            if let f = r.failure { out += ["", "**Failed:** \(f)"] }
            out.append("")
        }
        return out.joined(separator: "\n")
    }
}
