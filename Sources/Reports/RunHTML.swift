import CostModel
import Foundation
import Plotting
import Scenario

/// A self-contained HTML report of one or more runs: a summary with ratios to the first run,
/// stacked bars of communication and latency by nonlinearity, error propagation curves
/// (hidden-state error and attention KL per layer), sweep curves over a numeric key, and
/// each run's table. Inline SVG and CSS only; no scripts, no network, no timestamps.
public enum RunHTML {
    /// Writes the page to `path`.
    ///
    /// - Throws: `FileError` when the file cannot be written.
    public static func write(_ runs: [ScenarioResult], to path: String) throws {
        do { try page(runs).write(toFile: path, atomically: true, encoding: .utf8) } catch {
            throw FileError(file: path, line: 0, key: "", message: "cannot write the HTML report: \(error.localizedDescription)")
        }
    }

    static let style = """
    body{font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:24px auto;max-width:980px;color:#222;padding:0 16px}
    h1{font-size:22px}h2{font-size:18px;margin-top:32px;border-bottom:1px solid #ddd}h3{font-size:15px}
    .wide{overflow-x:auto}table{border-collapse:collapse;margin:8px 0;font-size:13px}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}
    td{white-space:nowrap}td:first-child,th:first-child{text-align:left}th{background:#f3f3f3}.note{color:#666;font-size:12px}svg{display:block;margin:8px 0}
    """

    /// Part names (nonlinearities, then linear and transfer) in order of first appearance
    /// over all runs: one colour per category on every chart of the page.
    static func categories(_ runs: [ScenarioResult]) -> [String] {
        var names = [String]()
        for r in runs { for p in r.report.byNonlinearity where !names.contains(p.name) { names.append(p.name) } }
        return names.filter { !ModelRunner.otherParts.contains($0) } + ModelRunner.otherParts.filter(names.contains)
    }

    static func bars(_ runs: [ScenarioResult], _ categories: [String], _ value: (CostTotals, LatencyBreakdown) -> Double) -> [StackedBarChart.Bar] {
        runs.map { run in
            let parts = Dictionary(uniqueKeysWithValues: run.report.byNonlinearity.map { ($0.name, value($0.totals, $0.latency)) })
            return StackedBarChart.Bar(label: run.scenario.label, values: categories.map { parts[$0] ?? 0 })
        }
    }

    /// A stacked-bar chart of byte counts in the unit that suits their size.
    static func byteChart(_ title: String, _ runs: [ScenarioResult], _ categories: [String], note: String, _ bytes: (CostTotals) -> Int) -> String {
        let unit = byteUnit(forMaximum: runs.map { Double(bytes($0.report.totals)) }.max() ?? 0)
        return StackedBarChart(title: title, valueLabel: "\(unit.label) (\(note))", categories: categories,
                               bars: bars(runs, categories) { t, _ in Double(bytes(t)) / unit.divisor }).svg()
    }

    /// The whole page.
    public static func page(_ runs: [ScenarioResult]) -> String {
        let name = runs.first?.scenario.name ?? "PISim"
        var h = ["<!DOCTYPE html>", "<html lang=\"en\"><head><meta charset=\"utf-8\">", "<title>PISim report: \(xmlEscaped(name))</title>",
                 "<style>\(style)</style></head><body>", "<h1>PISim report: \(xmlEscaped(name))</h1>"]
        let conventions = Set(runs.map { $0.report.request.network.latencyConvention }).sorted().joined(separator: "; ")
        h.append("<p class=\"note\">\(runs.count) run\(runs.count == 1 ? "" : "s"). Communication is the bytes both parties send online; offline is preprocessing (keys, dealer triples). \(xmlEscaped(conventions)). Ratios are to the first run. Parts (nonlinearities, linear layers, ciphertext transfer) sum to each run's total.</p>")

        h.append("<h2>Runs</h2><div class=\"wide\"><table><tr><th>run</th><th>model</th><th>architecture</th><th>protocol</th><th>network</th><th>T</th><th>comm</th><th>× first</th><th>offline</th><th>rounds</th><th>latency (s)</th><th>× first</th><th>max error</th></tr>")
        for (run, ratio) in zip(runs, RunOutput.ratios(runs)) {
            let r = run.report, q = r.request
            h.append("<tr><td>\(xmlEscaped(run.scenario.label))</td><td>\(xmlEscaped(q.model.name)) (\(q.model.layers) L)</td><td>\(q.architecture.rawValue)</td><td>\(xmlEscaped(q.profile.name))</td><td>\(xmlEscaped(q.network.name))</td><td>\(q.tokens)</td><td>\(OperationOutput.bytes(r.totals.bytes))</td><td>\(String(format: "%.3f", ratio.comm))</td><td>\(OperationOutput.bytes(r.totals.offlineBytes))</td><td>\(r.totals.batchedRounds)</td><td>\(String(format: "%.3f", r.latency.total))</td><td>\(String(format: "%.3f", ratio.latency))</td><td>\(RunOutput.scientific(r.maxAbsoluteError))</td></tr>")
        }
        h.append("</table></div>")

        let cats = categories(runs)
        h.append("<h2>Cost by part</h2>")
        h.append(byteChart("Communication by part", runs, cats, note: "both parties, online") { $0.bytes })
        if runs.contains(where: { $0.report.totals.offlineBytes > 0 }) {
            h.append(byteChart("Offline communication by part", runs, cats, note: "preprocessing") { $0.offlineBytes })
        }
        h.append(StackedBarChart(title: "Latency by part", valueLabel: "seconds", categories: cats,
                                 bars: bars(runs, cats) { _, l in l.total }).svg())
        h.append(StackedBarChart(title: "Rounds by part", valueLabel: "rounds", categories: cats,
                                 bars: bars(runs, cats) { t, _ in Double(t.batchedRounds) }).svg())
        if runs.contains(where: { $0.report.request.profile.ckks != nil }) {
            h.append(StackedBarChart(title: "Bootstraps by part", valueLabel: "bootstraps (ciphertexts)", categories: cats,
                                     bars: bars(runs, cats) { t, _ in Double(t.bootstraps) }).svg())
        }

        let executed = runs.filter { $0.report.accuracy != nil }
        if !executed.isEmpty {
            h.append("<h2>Error propagation</h2>")
            h.append("<p class=\"note\">Per block: max |hidden − exact model's hidden| and the mean KL divergence (nats) of attention rows against the exact model with the same weights and inputs.</p>")
            let hidden = executed.map { run in
                LinePlot.Series(name: run.scenario.label, x: run.report.accuracy!.byLayer.map { Double($0.layer) },
                                y: run.report.accuracy!.byLayer.map(\.hiddenMaxAbsolute))
            }
            h.append(LinePlot(title: "Hidden-state error per block", xLabel: "block", yLabel: "max abs error", logY: true, integerX: true, series: hidden).svg())
            let kl = executed.map { run in
                LinePlot.Series(name: run.scenario.label, x: run.report.accuracy!.byLayer.map { Double($0.layer) },
                                y: run.report.accuracy!.byLayer.map(\.attentionKLMean))
            }
            h.append(LinePlot(title: "Attention KL divergence per block", xLabel: "block", yLabel: "mean KL (nats)", logY: true, integerX: true, series: kl).svg())
        }

        if let sweep = sweepPlots(runs) { h.append("<h2>Sweep</h2>"); h += sweep }

        h.append("<h2>Runs in detail</h2>")
        for run in runs { h.append(detail(run)) }
        h.append("</body></html>")
        return h.joined(separator: "\n") + "\n"
    }

    /// Latency and error against the first numeric sweep axis, one line per combination of
    /// the other axes.
    static func sweepPlots(_ runs: [ScenarioResult]) -> [String]? {
        guard let keys = runs.first?.scenario.assignments.map(\.key),
              let axis = keys.first(where: { k in runs.allSatisfy { r in r.scenario.assignments.first { $0.key == k }.flatMap { Double($0.value) } != nil } })
        else { return nil }
        var groups = [(name: String, runs: [(x: Double, run: ScenarioResult)])]()
        for run in runs {
            let x = Double(run.scenario.assignments.first { $0.key == axis }!.value)!
            let rest = run.scenario.assignments.filter { $0.key != axis }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            let name = rest.isEmpty ? run.scenario.name : rest
            if let i = groups.firstIndex(where: { $0.name == name }) { groups[i].runs.append((x, run)) } else { groups.append((name, [(x, run)])) }
        }
        guard groups.contains(where: { $0.runs.count > 1 }) else { return nil }
        func series(_ value: (RunReport) -> Double) -> [LinePlot.Series] {
            groups.map { g in
                let sorted = g.runs.sorted { $0.x < $1.x }
                return LinePlot.Series(name: g.name, x: sorted.map(\.x), y: sorted.map { value($0.run.report) })
            }
        }
        let integral = runs.allSatisfy { r in r.scenario.assignments.first { $0.key == axis }.flatMap { Double($0.value) }.map { $0 == $0.rounded() } ?? false }
        let unit = byteUnit(forMaximum: runs.map { Double($0.report.totals.bytes) }.max() ?? 0)
        var out = [LinePlot(title: "Latency vs \(axis)", xLabel: axis, yLabel: "seconds", integerX: integral, series: series { $0.latency.total }).svg(),
                   LinePlot(title: "Communication vs \(axis)", xLabel: axis, yLabel: unit.label, integerX: integral,
                            series: series { Double($0.totals.bytes) / unit.divisor }).svg()]
        if runs.contains(where: { $0.report.accuracy != nil }) {
            out.append(LinePlot(title: "Output error vs \(axis)", xLabel: axis, yLabel: "max abs error", logY: true, integerX: integral,
                                series: series { $0.maxAbsoluteError }).svg())
        }
        return out
    }

    static func detail(_ run: ScenarioResult) -> String {
        let r = run.report, q = r.request
        let t = RunTable(run)
        var h = ["<h3>\(xmlEscaped(run.scenario.label))</h3>",
                 "<p class=\"note\">\(xmlEscaped(q.model.name)) (\(q.model.layers) layers, d = \(q.model.width), H = \(q.model.heads)), \(q.architecture.rawValue), T = \(q.tokens), \(xmlEscaped(q.profile.name)) on \(xmlEscaped(q.network.name)) (\(xmlEscaped(q.network.source))), \(r.fidelity.rawValue), seed \(q.seed)</p>",
                 "<div class=\"wide\">" + t.html + "</div>", "<p class=\"note\">\(xmlEscaped(t.legend))</p>"]
        if let note = t.idealNote { h.append("<p class=\"note\">\(xmlEscaped(note))</p>") }
        if let f = r.failure { h.append("<p><b>Failed:</b> \(xmlEscaped(f))</p>") }
        return h.joined(separator: "\n")
    }
}
