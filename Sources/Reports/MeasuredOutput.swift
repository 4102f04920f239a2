import CostModel
import Foundation
import Scenario

/// Renders what a run over a real transport measured, beside the ledger and the prediction.
public enum MeasuredOutput {
    /// The JSON `measured` object.
    public static func record(_ m: MeasuredExecution, ledger: CostTotals, predictedLatency: Double, network: String) -> [String: Any] {
        ["transport": m.transport, "bytes_sent": m.bytesSent, "flights": m.flights, "wire_bytes_sent": m.wireBytesSent,
         "wall_s": m.wallSeconds.map(JSONText.number), "wall_max_s": JSONText.number(m.wall),
         "predicted_latency_s": JSONText.number(predictedLatency), "predicted_network": network, "ledger_bytes_sent": ledger.bytesSent, "ledger_rounds": ledger.rounds,
         "bytes_equal_ledger": m.bytesSent == ledger.bytesSent, "flights_equal_rounds": m.flights.allSatisfy { $0 == ledger.rounds },
         "correlations": m.correlations, "dealer_bytes_received": m.dealerBytesReceived.map { $0 as Any } ?? NSNull(),
         "ledger_offline_bytes": ledger.offlineBytes]
    }

    /// Table lines.
    ///   - network: the network the prediction is for (over loopback, `localhost` is the one to compare with).
    public static func lines(_ m: MeasuredExecution, ledger: CostTotals, predictedLatency: Double, network: String, indent: String = "") -> [String] {
        let bytesNote = m.bytesSent == ledger.bytesSent ? "equal to the ledger" : "ledger: \(ledger.bytesSent.map(String.init).joined(separator: ", ")) B — DIFFERENT"
        let flightsNote = m.flights.allSatisfy { $0 == ledger.rounds } ? "equal to the rounds" : "ledger rounds: \(ledger.rounds) — DIFFERENT"
        let ratio = predictedLatency > 0 ? String(format: ", measured/predicted %.2f", m.wall / predictedLatency) : ""
        return [
            indent + String(format: "measured over %@: wall %.4f s (party 0 %.4f s, party 1 %.4f s); predicted latency on %@ %.4f s%@",
                            m.transport.uppercased(), m.wall, m.wallSeconds.first ?? 0, m.wallSeconds.last ?? 0, network, predictedLatency, ratio),
            indent + "  socket bytes sent  party 0 \(m.bytesSent[0]) B, party 1 \(m.bytesSent[1]) B (\(bytesNote))",
            indent + "  flights            \(m.flights.map(String.init).joined(separator: ", ")) (\(flightsNote))",
            indent + "  on the wire        \(m.wireBytesSent.map { "\($0) B" }.joined(separator: ", ")) (with 9-byte frame headers, simulator-only reconstructions for the error, handshake and closing)",
            indent + "  correlations       " + (m.dealerBytesReceived.map { "from the dealer process: \($0.map { "\($0) B" }.joined(separator: ", ")) received (offline; the ledger's offline \(ledger.offlineBytes) B)" }
                ?? "seeded (trusted first party: party 1's shares from a shared seed, party 0 holds the rest; reproducible, not secure)"),
        ]
    }
}
