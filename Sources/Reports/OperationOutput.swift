import CostModel
import Foundation
import Scenario

/// Renders `pisim op` reports.
public enum OperationOutput {
    static func costRecord(_ t: CostTotals) -> [String: Any] {
        ["comm_bytes": t.bytes, "rounds": t.rounds, "batched_rounds": t.batchedRounds, "offline_bytes": t.offlineBytes,
         "mults": t.multiplications, "level": t.depth, "bootstraps": t.bootstraps, "rotations": t.rotations,
         "compute_s": t.computeSeconds]
    }

    public static func record(_ r: OperationReport) -> [String: Any] {
        let number = JSONText.number
        return [
            "op": r.op, "shape": r.shape, "protocol": r.protocolName, "network": r.network.name, "method": r.method,
            "input_range": [r.inputRange.lower, r.inputRange.upper],
            "comm_bytes": r.totals.bytes, "bytes_sent": r.totals.bytesSent, "rounds": r.totals.rounds,
            "batched_rounds": r.totals.batchedRounds, "offline_bytes": r.totals.offlineBytes, "mults": r.totals.multiplications,
            "latency_s": number(r.latency.total),
            "latency": ["round_trips_s": r.latency.roundTrips, "transfer_s": r.latency.transfer, "compute_s": r.latency.compute],
            "max_abs_error": number(r.maxAbsoluteError), "mean_abs_error": number(r.meanAbsoluteError), "out_of_range": r.outOfRange,
            "error_kind": r.errorIsIdeal ? "ideal" : "measured", "latency_convention": r.network.latencyConvention,
            "breakdown": r.breakdown.map { ["scope": $0.scope].merging(costRecord($0.totals)) { a, _ in a } },
        ]
    }

    public static func json(_ r: OperationReport) throws -> String {
        var object = record(r)
        if let h = r.homomorphic {
            object.merge(["depth": h.depth, "levels_used": h.levelsUsed, "bootstraps": h.bootstraps,
                          "ct_ct_mults": h.ciphertextMultiplications, "pt_mults": h.plaintextMultiplications,
                          "rotations": h.rotations, "rescales": h.rescales, "failure": h.failure ?? NSNull()]) { a, _ in a }
        }
        if let m = r.measured { object["measured"] = MeasuredOutput.record(m, ledger: r.totals, predictedLatency: r.latency.total, network: r.network.name) }
        return try JSONText.text(object)
    }

    public static func bytes(_ b: Int) -> String {
        let v = Double(b)
        if v >= 1e15 { return String(format: "%.3f PB", v / 1e15) }
        if v >= 1e12 { return String(format: "%.3f TB", v / 1e12) }
        if v >= 1e9 { return String(format: "%.3f GB", v / 1e9) }
        if v >= 1e6 { return String(format: "%.3f MB", v / 1e6) }
        if v >= 1e3 { return String(format: "%.3f kB", v / 1e3) }
        return "\(b) B"
    }

    public static func table(_ r: OperationReport) -> String {
        var lines: [String] = [
            "\(r.op) \(r.shape.map(String.init).joined(separator: "x")) under \(r.protocolName) (\(r.method)), network \(r.network.name)",
            "  communication  \(bytes(r.totals.bytes)) (\(r.totals.bytes) B: client sent \(bytes(r.totals.bytesSent.first ?? 0)), server sent \(bytes(r.totals.bytesSent.count > 1 ? r.totals.bytesSent[1] : 0))), offline \(bytes(r.totals.offlineBytes))",
            "  rounds         \(r.totals.rounds) (batched \(r.totals.batchedRounds))",
            "  \(r.homomorphic == nil ? "Beaver mults  " : "ct×ct mults   ") \(r.totals.multiplications)",
            String(format: "  latency        %.4f s = %.4f s rounds + %.4f s transfer + %.4f s compute",
                   r.latency.total, r.latency.roundTrips, r.latency.transfer, r.latency.compute),
            "                 (\(r.network.latencyConvention))",
            String(format: "  error          max %.3e, mean %.3e (inputs in [%g, %g]), out of range %d",
                   r.maxAbsoluteError, r.meanAbsoluteError, r.inputRange.lower, r.inputRange.upper, r.outOfRange)
                + (r.errorIsIdeal ? "\n                 ideal: the profile charges this step by a cited formula and computes the exact value, so this is re-sharing's error, not the protocol's" : ""),
        ]
        if let h = r.homomorphic {
            lines.append("  homomorphic    depth \(h.depth), levels used \(h.levelsUsed), bootstraps \(h.bootstraps), ct×ct \(h.ciphertextMultiplications), pt×ct \(h.plaintextMultiplications), rotations \(h.rotations), rescales \(h.rescales)")
            if let f = h.failure { lines.append("  FAILED         \(f)") }
        }
        if let m = r.measured { lines += MeasuredOutput.lines(m, ledger: r.totals, predictedLatency: r.latency.total, network: r.network.name, indent: "  ") }
        lines.append("  by scope:")
        let width = r.breakdown.map(\.scope.count).max() ?? 0
        for s in r.breakdown {
            let detail = r.homomorphic == nil
                ? bytes(s.totals.bytes).padding(toLength: 14, withPad: " ", startingAt: 0) + "\(s.totals.rounds) rounds"
                : String(format: "level %2d  bootstraps %d  rotations %d  %.3f s", s.totals.depth, s.totals.bootstraps, s.totals.rotations,
                         s.totals.computeSeconds)
            lines.append("    " + s.scope.padding(toLength: width + 2, withPad: " ", startingAt: 0) + detail)
        }
        return lines.joined(separator: "\n")
    }
}
