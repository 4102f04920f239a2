import CostModel
import Foundation
import Scenario

/// Renders `pisim run` / `pisim compare` reports: terminal table, JSON, CSV, Markdown.
/// Every renderer is a pure function of the runs, so the same scenario and seed give the
/// same bytes.
public enum RunOutput {
    static func totals(_ t: CostTotals, _ l: LatencyBreakdown) -> [String: Any] {
        ["comm_bytes": t.bytes, "bytes_sent": t.bytesSent, "rounds": t.rounds, "batched_rounds": t.batchedRounds, "offline_bytes": t.offlineBytes,
         "mults": t.multiplications, "depth": t.depth, "latency_s": l.total, "round_trips_s": l.roundTrips, "transfer_s": l.transfer,
         "compute_s": l.compute, "bootstraps": t.bootstraps, "rotations": t.rotations]
    }

    static let number = JSONText.number

    /// What produced the run and with what, resolved: enough to trace and rerun it.
    static func provenance(_ run: ScenarioResult) -> [String: Any] {
        let q = run.report.request, p = q.profile, n = q.network
        let precision: [String: Any] = if let ckks = p.ckks {
            ["ring_dimension": ckks.parameters.ringDimension, "scaling_bits": ckks.parameters.scalingBits,
             "first_prime_bits": ckks.parameters.firstPrimeBits, "depth": ckks.parameters.multiplicativeDepth]
        } else {
            ["ring_bits": p.settings.ringBits, "fractional_bits": p.settings.fractionalBits, "truncation": p.settings.truncationCost == nil ? p.settings.truncation.rawValue : "analytic",
             "field_modulus": p.fieldModulus.map { $0.description } ?? NSNull()]
        }
        return [
            "pisim_version": BuildInfo.version, "git_revision": BuildInfo.revision, "seed": q.seed,
            "profile": ["name": p.name, "file": p.file, "sha256": p.textSHA256],
            "precision": precision,
            "network": ["name": n.name, "bandwidth_mbps": n.bandwidthBitsPerSecond / 1e6, "rtt_ms": n.roundTripSeconds * 1000,
                        "duplex": n.duplex.rawValue, "source": n.source, "latency": n.latencyConvention],
            "model": ["name": q.model.name, "family": q.model.family.rawValue, "layers": q.model.layers, "heads": q.model.heads,
                      "kv_heads": q.model.kvHeads, "width": q.model.width, "ffn_width": q.model.ffnWidth, "vocabulary": q.model.vocabulary,
                      "norm": q.model.design.norm.rawValue, "norm_placement": q.model.design.normPlacement.rawValue,
                      "feed_forward": q.model.design.feedForward.rawValue, "positions": q.model.design.positions.rawValue,
                      "parallel_residual": q.model.design.parallelResidual, "head": q.model.design.head.rawValue],
            "weights": q.weightFile?.path ?? "seeded",
            "counts": "comm_bytes: bytes sent by both parties online (bytes_sent: client, server); offline_bytes: preprocessing; "
                + "rounds: message flights (batched_rounds: parallel branches overlapped); mults: "
                + (p.ckks == nil ? "Beaver multiplications (per element)" : "ciphertext × ciphertext products (in ciphertexts)"),
        ]
    }

    /// One run as a JSON object (keys: scenario, model, architecture, protocol, network,
    /// totals, by_nonlinearity (with linear and transfer: the parts sum to the totals),
    /// by_layer, error, provenance, and the sweep entry it is).
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
                                     "out_of_range": n.outOfRange, "out_of_range_unit": n.outOfRangeUnit, "ideal": n.ideal]
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
        var out: [String: Any] = [
            "scenario": run.scenario.name, "label": run.scenario.label, "sweep": sweep,
            "model": q.model.name, "layers": q.model.layers, "architecture": q.architecture.rawValue, "protocol": q.profile.name,
            "attention": q.attention ?? q.architecture.attentionFunction, "network": q.network.name, "tokens": q.tokens, "batch": q.batch, "include_embeddings": q.includeEmbeddings, "causal_mask": q.causalMask,
            "seed": q.seed, "fidelity": r.fidelity.rawValue,
            "totals": totals(r.totals, r.latency),
            "by_nonlinearity": byNonlinearity,
            "by_layer": r.byLayer.map { ["layer": $0.name].merging(totals($0.totals, $0.latency)) { a, _ in a } },
            "error": error,
            "provenance": provenance(run),
        ]
        if let m = r.measured { out["measured"] = MeasuredOutput.record(m, ledger: r.totals, predictedLatency: r.latency.total, network: r.request.network.name) }
        if let g = r.generation {
            out["generate"] = g.steps
            out["generation"] = ["steps": g.steps, "prefill": totals(g.prefill.totals, g.prefill.latency),
                                 "decode": totals(g.decode.totals, g.decode.latency), "per_token": totals(g.perToken.totals, g.perToken.latency),
                                 "counts": "prefill: the prompt's pass; decode: all steps (each one token over the KV cache); per_token: decode / steps"]
        }
        return out
    }

    /// One run: its record. Several: {scenario, runs: [...], ratios vs the first, ranking}.
    public static func json(_ runs: [ScenarioResult], rankBy metric: RankMetric = .latency) throws -> String {
        let object: Any
        if runs.count == 1 {
            object = record(runs[0])
        } else {
            object = ["scenario": runs.first?.scenario.name ?? "", "runs": runs.map(record),
                      "ratios_to_first": ratios(runs).map { ["label": $0.label, "comm": number($0.comm), "offline": number($0.offline),
                                                              "rounds": number($0.rounds), "latency": number($0.latency)] as [String: Any] },
                      "ranking": ["by": metric.rawValue, "labels": ranked(runs, by: metric).map { runs[$0].scenario.label }]] as [String: Any]
        }
        return try JSONText.text(object)
    }

    /// How `compare` orders runs: lowest first.
    public enum RankMetric: String, CaseIterable, Sendable {
        case latency, comm, offline, rounds, error

        func value(_ r: RunReport) -> Double {
            switch self {
            case .latency: r.latency.total
            case .comm: Double(r.totals.bytes)
            case .offline: Double(r.totals.offlineBytes)
            case .rounds: Double(r.totals.batchedRounds)
            case .error: r.maxAbsoluteError.isNaN ? .infinity : r.maxAbsoluteError
            }
        }
    }

    /// Run indices ordered by `metric`, lowest first (ties keep scenario order).
    static func ranked(_ runs: [ScenarioResult], by metric: RankMetric) -> [Int] {
        runs.indices.sorted { (metric.value(runs[$0].report), $0) < (metric.value(runs[$1].report), $1) }
    }

    /// Communication, offline bytes, rounds and latency of each run divided by the first's.
    public static func ratios(_ runs: [ScenarioResult]) -> [(label: String, comm: Double, offline: Double, rounds: Double, latency: Double)] {
        guard let first = runs.first?.report else { return [] }
        func ratio(_ a: Double, _ b: Double) -> Double { b == 0 ? (a == 0 ? 1 : .infinity) : a / b }
        return runs.map {
            ($0.scenario.label, ratio(Double($0.report.totals.bytes), Double(first.totals.bytes)),
             ratio(Double($0.report.totals.offlineBytes), Double(first.totals.offlineBytes)),
             ratio(Double($0.report.totals.batchedRounds), Double(first.totals.batchedRounds)),
             ratio($0.report.latency.total, first.latency.total))
        }
    }

    // MARK: Terminal table

    static func column(_ s: String, _ width: Int, right: Bool = true) -> String {
        s.count >= width ? (right ? " " + s : s + " ") : (right ? String(repeating: " ", count: width - s.count) + s : s + String(repeating: " ", count: width - s.count))
    }

    static func scientific(_ v: Double) -> String { v.isNaN ? "–" : (v.isInfinite ? "inf" : String(format: "%.2e", v)) }

    static func title(_ run: ScenarioResult) -> String {
        let r = run.report, q = r.request
        return "\(run.scenario.label == run.scenario.name ? "" : "[\(run.scenario.label)] ")\(q.model.name) (\(q.model.layers) layers) " +
            "\(q.architecture.rawValue), T = \(q.tokens)\(q.generate > 0 ? " + \(q.generate) generated" : "")\(q.batch > 1 ? ", B = \(q.batch)" : ""), \(q.profile.name) on \(q.network.name), \(r.fidelity.rawValue)" +
            (q.includeEmbeddings ? "" : ", no embeddings") + (q.causalMask ? "" : ", no causal mask")
    }

    /// Per-part cost and error (each nonlinearity, linear, transfer: they sum to the total),
    /// what the columns count, and optionally the per-layer breakdown.
    public static func table(_ run: ScenarioResult, byLayer: Bool) -> String {
        let r = run.report
        let t = RunTable(run)
        var lines = [title(run)] + t.terminalLines
        if byLayer {
            lines.append("by layer:")
            for p in r.byLayer {
                lines.append(column(p.name, 14, right: false) + column(OperationOutput.bytes(p.totals.bytes), 13) + column("\(p.totals.batchedRounds)", 8)
                             + column(String(format: "%.3f", p.latency.total), 11) + " s")
            }
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
        if let g = r.generation {
            lines.append("generation (\(g.steps) token\(g.steps == 1 ? "" : "s") after the prefill, KV cache kept private):")
            for p in [g.prefill, g.decode, g.perToken] {
                lines.append("  " + column(p.name, 10, right: false) + column(OperationOutput.bytes(p.totals.bytes), 13) + " comm"
                             + column("\(p.totals.batchedRounds)", 8) + " rounds" + column(String(format: "%.3f", p.latency.total), 11) + " s")
            }
        }
        lines.append(t.legend)
        if let note = t.idealNote { lines.append(note) }
        lines.append(r.maxAbsoluteError.isNaN ? "error: not measured (estimate fidelity; use --fidelity execute)"
                     : String(format: "output error vs the exact model: max %.3e, mean %.3e", r.maxAbsoluteError, r.meanAbsoluteError))
        if let f = r.failure { lines.append("FAILED: \(f)") }
        if let m = r.measured { lines += MeasuredOutput.lines(m, ledger: r.totals, predictedLatency: r.latency.total, network: r.request.network.name) }
        return lines.joined(separator: "\n")
    }

    /// Runs side by side, ranked by `metric` (lowest first), with ratios to the scenario's
    /// first run (what `pisim compare` prints).
    public static func comparison(_ runs: [ScenarioResult], rankBy metric: RankMetric = .latency) -> String {
        let width = max(12, (runs.map(\.scenario.label.count).max() ?? 0) + 1)
        let ratios = ratios(runs)
        var lines = ["ranked by \(metric.rawValue), lowest first; × first = ratio to the scenario's first run (\(runs.first?.scenario.label ?? ""))",
                     column("#", 3, right: false) + column("run", width, right: false) + column("comm", 13) + column("× first", 9)
                        + column("offline", 12) + column("rounds", 8) + column("× first", 9) + column("latency s", 11) + column("× first", 9)
                        + column("max error", 10)]
        for (rank, i) in ranked(runs, by: metric).enumerated() {
            let r = runs[i].report, ratio = ratios[i]
            lines.append(column("\(rank + 1)", 3, right: false) + column(runs[i].scenario.label, width, right: false)
                         + column(OperationOutput.bytes(r.totals.bytes), 13) + column(String(format: "%.3f", ratio.comm), 9)
                         + column(OperationOutput.bytes(r.totals.offlineBytes), 12) + column("\(r.totals.batchedRounds)", 8)
                         + column(String(format: "%.3f", ratio.rounds), 9) + column(String(format: "%.3f", r.latency.total), 11)
                         + column(String(format: "%.3f", ratio.latency), 9) + column(scientific(r.maxAbsoluteError), 10))
        }
        return lines.joined(separator: "\n")
    }

    // MARK: CSV and Markdown

    static func csvField(_ s: String) -> String {
        s.contains(where: { ",\"\n".contains($0) }) ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }

    /// One row per run and part (each nonlinearity, linear, transfer, each layer, the
    /// total). A swept key appears once, among the sweep columns.
    public static func csv(_ runs: [ScenarioResult]) -> String {
        let sweepKeys = runs.first?.scenario.assignments.map(\.key) ?? []
        let fixed: [(String, (ScenarioResult) -> String)] = [
            ("model", { $0.report.request.model.name }), ("layers", { "\($0.report.request.model.layers)" }),
            ("architecture", { $0.report.request.architecture.rawValue }), ("protocol", { $0.report.request.profile.name }),
            ("network", { $0.report.request.network.name }), ("tokens", { "\($0.report.request.tokens)" }),
            ("fidelity", { $0.report.fidelity.rawValue }),
        ].filter { !sweepKeys.contains($0.0) }
        var lines = [(["scenario"] + sweepKeys + fixed.map(\.0) + ["part", "name", "comm_bytes", "client_sent_bytes", "server_sent_bytes",
                      "offline_bytes", "rounds", "mults", "depth", "bootstraps", "compute_s", "latency_s", "max_abs_error", "mean_abs_error",
                      "error_kind", "out_of_range"]).joined(separator: ",")]
        for run in runs {
            let r = run.report
            let prefix = [run.scenario.name] + run.scenario.assignments.map(\.value) + fixed.map { $0.1(run) }
            let errors = r.errorsByNonlinearity
            func line(_ part: String, _ name: String, _ t: CostTotals, _ l: LatencyBreakdown, _ maxError: Double?, _ meanError: Double?,
                      _ kind: String, _ outOfRange: Int?) -> String {
                func value(_ e: Double?) -> String { e.map { $0.isNaN ? "" : "\($0)" } ?? "" }
                let values = [part, name, "\(t.bytes)", "\(t.bytesSent.first ?? 0)", "\(t.bytesSent.count > 1 ? t.bytesSent[1] : 0)",
                              "\(t.offlineBytes)", "\(t.batchedRounds)", "\(t.multiplications)", "\(t.depth)", "\(t.bootstraps)",
                              "\(l.compute)", "\(l.total)", value(maxError), value(meanError), kind, outOfRange.map { "\($0)" } ?? ""]
                return (prefix + values).map(csvField).joined(separator: ",")
            }
            for p in r.byNonlinearity {
                let e = errors[p.name]
                lines.append(line("nonlinearity", p.name, p.totals, p.latency, e?.maxAbsolute, e?.meanAbsolute,
                                  e.map { $0.ideal ? "ideal" : "measured" } ?? "", e?.outOfRange))
            }
            for p in r.byLayer { lines.append(line("layer", p.name, p.totals, p.latency, nil, nil, "", nil)) }
            lines.append(line("total", "total", r.totals, r.latency, r.maxAbsoluteError, r.meanAbsoluteError,
                              r.maxAbsoluteError.isNaN ? "" : "measured", nil))
        }
        return lines.joined(separator: "\n")
    }

    /// A summary table of the runs (with ratios to the first), then each run's breakdown.
    public static func markdown(_ runs: [ScenarioResult], byLayer: Bool) -> String {
        var out = ["# \(runs.first?.scenario.name ?? "PISim run")", ""]
        if runs.count > 1 {
            out += ["| run | comm | × first | offline | rounds | latency (s) | × first | max error |", "|---|---:|---:|---:|---:|---:|---:|---:|"]
            for (run, ratio) in zip(runs, ratios(runs)) {
                let r = run.report
                out.append("| \(run.scenario.label) | \(OperationOutput.bytes(r.totals.bytes)) | \(String(format: "%.3f", ratio.comm)) | " +
                           "\(OperationOutput.bytes(r.totals.offlineBytes)) | \(r.totals.batchedRounds) | \(String(format: "%.3f", r.latency.total)) | " +
                           "\(String(format: "%.3f", ratio.latency)) | \(scientific(r.maxAbsoluteError)) |")
            }
            out.append("")
        }
        for run in runs {
            let r = run.report, q = r.request
            let t = RunTable(run)
            out += ["## \(run.scenario.label)", "",
                    "\(q.model.name) (\(q.model.layers) layers), `\(q.architecture.rawValue)`, T = \(q.tokens), `\(q.profile.name)` on " +
                    "`\(q.network.name)`, \(r.fidelity.rawValue)", ""] + t.markdownLines + ["", t.legend + "."]
            if let note = t.idealNote { out += ["", note + "."] }
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
