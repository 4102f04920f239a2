import CostModel
import Foundation
import Plotting
import Scenario

/// The per-part table of one run, as header and cell strings, shared by the terminal,
/// Markdown and HTML renderers so that every format shows the same columns with the same
/// meaning. Rows: each nonlinearity, then `linear` and `transfer` (they sum to the total),
/// then the total.
///
/// Columns that do not apply to the run's protocol print "–" rather than 0: depth and
/// bootstraps for two-party runs; communication, offline bytes and rounds on CKKS rows
/// other than the ciphertext transfer. Per-party bytes appear when the parties' bytes
/// differ on some row (BumbleBee's HE products, CKKS transfers). Errors of nonlinearities
/// the profile computes exactly (analytic steps without a value method) read "ideal".
struct RunTable {
    struct Column {
        var header: String
        /// Terminal width (cells are right-aligned, the first column left-aligned).
        var width: Int
        var cell: (Row) -> String
    }

    struct Row {
        var name: String
        var totals: CostTotals
        var latency: LatencyBreakdown
        var error: AccuracyReport.Nonlinearity?
        /// The whole model's output error (the total row of an execute run).
        var outputError: Double?
        var isTotal = false
    }

    let run: ScenarioResult
    let rows: [Row]
    let columns: [Column]
    let homomorphic: Bool

    init(_ run: ScenarioResult) {
        self.run = run
        let r = run.report
        let errors = r.errorsByNonlinearity
        rows = r.byNonlinearity.map { Row(name: $0.name, totals: $0.totals, latency: $0.latency, error: errors[$0.name]) }
            + [Row(name: "total", totals: r.totals, latency: r.latency, outputError: r.maxAbsoluteError.isNaN ? nil : r.maxAbsoluteError, isTotal: true)]
        homomorphic = r.request.profile.ckks != nil
        let he = homomorphic
        let perParty = rows.contains { $0.totals.bytesSent.count > 1 && $0.totals.bytesSent[0] != $0.totals.bytesSent[1] }
        func communicated(_ row: Row) -> Bool { !he || row.totals.bytes > 0 || row.isTotal }
        var c: [Column] = [Column(header: "", width: 14) { $0.name }]
        c.append(Column(header: "comm", width: 13) { communicated($0) ? OperationOutput.bytes($0.totals.bytes) : "–" })
        if perParty {
            c.append(Column(header: "client sent", width: 13) { communicated($0) ? OperationOutput.bytes($0.totals.bytesSent[0]) : "–" })
            c.append(Column(header: "server sent", width: 13) { communicated($0) ? OperationOutput.bytes($0.totals.bytesSent.count > 1 ? $0.totals.bytesSent[1] : 0) : "–" })
        }
        c.append(Column(header: "offline", width: 12) { he ? "–" : OperationOutput.bytes($0.totals.offlineBytes) })
        c.append(Column(header: "rounds", width: 8) { communicated($0) ? "\($0.totals.batchedRounds)" : "–" })
        c.append(Column(header: he ? "ct×ct" : "triples", width: 13) { "\($0.totals.multiplications)" })
        if he {
            c.append(Column(header: "depth", width: 6) { "\($0.totals.depth)" })
            c.append(Column(header: "boots", width: 7) { "\($0.totals.bootstraps)" })
        }
        c.append(Column(header: "compute s", width: 11) { String(format: "%.3f", $0.latency.compute) })
        c.append(Column(header: "latency s", width: 11) { String(format: "%.3f", $0.latency.total) })
        c.append(Column(header: "max error", width: 10) { row in
            if row.isTotal { return row.outputError.map(RunOutput.scientific) ?? "–" }
            guard let e = row.error else { return "–" }
            return e.ideal ? "ideal" : RunOutput.scientific(e.maxAbsolute)
        })
        c.append(Column(header: "out of range", width: 14) { $0.isTotal ? "" : $0.error?.outOfRangeLabel ?? "–" })
        columns = c
    }

    /// What the columns count, for a note under the table.
    var legend: String {
        let mults = homomorphic ? "ct×ct = ciphertext × ciphertext products (in ciphertexts)"
            : "triples = Beaver multiplications consumed (per element)"
        let comm = homomorphic ? "comm = ciphertexts sent (client → server input, server → client output)"
            : "comm = bytes sent by both parties, online; offline = preprocessing (keys, dealer triples)"
        return "\(comm); rounds = message flights, batched; \(mults); \(run.report.request.network.latencyConvention)"
    }

    /// The nonlinearities whose error is ideal, for a note (empty when none).
    var idealNote: String? {
        let ideal = rows.compactMap { $0.error?.ideal == true ? $0.name : nil }
        guard !ideal.isEmpty else { return nil }
        return "ideal: \(run.report.request.profile.name) charges \(ideal.joined(separator: ", ")) by a cited formula and computes the exact value "
            + "(no value_method), so the error shown is re-sharing's (≈ ½ ulp), not the protocol's approximation; the output error treats them as exact"
    }

    /// Fixed-width terminal lines: header, then one line per row.
    var terminalLines: [String] {
        func line(_ cells: [String]) -> String {
            zip(columns, cells).enumerated().map { i, pair in RunOutput.column(pair.1, pair.0.width, right: i > 0) }.joined()
        }
        return [line(columns.map(\.header))] + rows.map { row in line(columns.map { $0.cell(row) }) }
    }

    /// A Markdown table.
    var markdownLines: [String] {
        let header = ["part"] + columns.dropFirst().map(\.header)
        return ["| " + header.joined(separator: " | ") + " |", "|---" + String(repeating: "|---:", count: columns.count - 1) + "|"]
            + rows.map { row in "| " + columns.map { c in row.isTotal && c.header.isEmpty ? "**total**" : c.cell(row) }.joined(separator: " | ") + " |" }
    }

    /// An HTML table.
    var html: String {
        let header: [String] = ["part"] + columns.dropFirst().map(\.header)
        var lines = ["<table><tr>" + header.map { "<th>\(xmlEscaped($0))</th>" }.joined() + "</tr>"]
        for row in rows {
            let cells: [String] = columns.map { "<td>\(xmlEscaped($0.cell(row)))</td>" }
            lines.append("<tr>" + cells.joined() + "</tr>")
        }
        return lines.joined(separator: "\n") + "</table>"
    }
}
