import CostModel
import Foundation
import Scenario

/// Renders `pisim run` reports.
public enum RunOutput {
    static func totals(_ t: CostTotals, _ l: LatencyBreakdown) -> [String: Any] {
        ["comm_bytes": t.bytes, "rounds": t.rounds, "batched_rounds": t.batchedRounds, "offline_bytes": t.offlineBytes,
         "mults": t.multiplications, "latency_s": l.total, "round_trips_s": l.roundTrips, "transfer_s": l.transfer,
         "compute_s": l.compute, "bootstraps": t.bootstraps, "rotations": t.rotations]
    }

    public static func record(_ r: RunReport, scenario: String) -> [String: Any] {
        let q = r.request
        var byNonlinearity = [String: Any]()
        for p in r.byNonlinearity { byNonlinearity[p.name] = totals(p.totals, p.latency) }
        return [
            "scenario": scenario, "model": q.model.name, "architecture": q.architecture.rawValue, "protocol": q.profile.name,
            "network": q.network.name, "tokens": q.tokens, "include_embeddings": q.includeEmbeddings, "seed": q.seed,
            "fidelity": r.maxAbsoluteError.isNaN ? "estimate" : "execute",
            "totals": totals(r.totals, r.latency),
            "by_nonlinearity": byNonlinearity,
            "by_layer": r.byLayer.map { ["layer": $0.name].merging(totals($0.totals, $0.latency)) { a, _ in a } },
            "error": ["max_abs": r.maxAbsoluteError.isNaN ? NSNull() : r.maxAbsoluteError as Any,
                      "mean_abs": r.meanAbsoluteError.isNaN ? NSNull() : r.meanAbsoluteError as Any, "failure": r.failure.map { $0 as Any } ?? NSNull()],
        ]
    }

    public static func json(_ r: RunReport, scenario: String) throws -> String {
        let data = try JSONSerialization.data(withJSONObject: record(r, scenario: scenario), options: [.prettyPrinted, .sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }

    public static func table(_ r: RunReport, byLayer: Bool) -> String {
        let q = r.request
        var lines = ["\(q.model.name) \(q.architecture.rawValue), T = \(q.tokens), \(q.profile.name) on \(q.network.name)" +
                     (q.includeEmbeddings ? "" : " (no embeddings)")]
        func row(_ name: String, _ t: CostTotals, _ l: LatencyBreakdown) -> String {
            name.padding(toLength: 16, withPad: " ", startingAt: 0)
                + OperationOutput.bytes(t.bytes).padding(toLength: 14, withPad: " ", startingAt: 0)
                + "\(t.rounds) rounds".padding(toLength: 14, withPad: " ", startingAt: 0)
                + String(format: "%10.3f s", l.total)
                + (t.bootstraps > 0 ? "  \(t.bootstraps) bootstraps" : "")
        }
        lines.append("nonlinearity    communication rounds        latency")
        for p in r.byNonlinearity { lines.append(row(p.name, p.totals, p.latency)) }
        lines.append(row("total", r.totals, r.latency))
        if byLayer {
            lines.append("by layer:")
            for p in r.byLayer { lines.append(row(p.name, p.totals, p.latency)) }
        }
        lines.append(r.maxAbsoluteError.isNaN ? "error: not measured (estimate fidelity)"
                     : String(format: "error vs the exact model: max %.3e, mean %.3e", r.maxAbsoluteError, r.meanAbsoluteError))
        if let f = r.failure { lines.append("FAILED: \(f)") }
        return lines.joined(separator: "\n")
    }
}
