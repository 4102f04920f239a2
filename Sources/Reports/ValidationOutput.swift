import Foundation
import Scenario

/// Renders `pisim validate`: published figure, PISim's prediction, their ratio.
public enum ValidationOutput {
    static func shown(_ v: Double, _ unit: String) -> String {
        switch unit {
        case "count": String(format: "%.0f", v)
        case "s": String(format: "%.3g s", v)
        default: String(format: "%.4g %@", v, unit)
        }
    }

    static func cells(_ r: ValidationRow) -> [String] {
        let f = r.figure
        return [r.anchor.id, f.metric.rawValue + (f.convention == .unstated && [.comm, .offline].contains(f.metric) ? " (convention unstated)" : ""),
                shown(f.value, f.unit), r.predicted.map { shown($0, f.unit) } ?? "–",
                r.ratio.map { String(format: "%.2f×", $0) } ?? "–", r.anchor.grade, r.run ?? ("not predicted: " + (r.missing ?? ""))]
    }

    static let header = ["anchor", "figure", "published", "PISim", "PISim / published", "grade", "run"]

    public static func table(_ rows: [ValidationRow]) -> String {
        let all = [header] + rows.map(cells)
        let widths = header.indices.map { i in all.map { $0[i].count }.max() ?? 0 }
        var lines = all.map { row in
            row.enumerated().map { i, c in i == row.count - 1 ? c : c.padding(toLength: widths[i], withPad: " ", startingAt: 0) }.joined(separator: "  ")
        }
        lines.insert(widths.map { String(repeating: "-", count: $0) }.joined(separator: "  "), at: 1)
        lines.append(footnote(rows))
        return lines.joined(separator: "\n")
    }

    public static func markdown(_ rows: [ValidationRow]) -> String {
        var lines = ["| " + header.joined(separator: " | ") + " |", "|" + String(repeating: "---|", count: header.count)]
        lines += rows.map { "| " + cells($0).map { $0.replacingOccurrences(of: "|", with: "\\|") }.joined(separator: " | ") + " |" }
        lines.append("")
        lines.append(footnote(rows))
        return lines.joined(separator: "\n")
    }

    static func footnote(_ rows: [ValidationRow]) -> String {
        var seen = Set<String>(), notes = [String]()
        for r in rows where seen.insert(r.anchor.id).inserted { notes.append("\(r.anchor.id): \(r.anchor.citation)" + (r.anchor.notes.isEmpty ? "" : ". \(r.anchor.notes)")) }
        return "Predictions in estimate fidelity, never fitted. comm: \"both-directions\" is PISim's comm_bytes (both parties' sent bytes), "
            + "\"one-party-sent\" the larger party's; rounds are PISim's batched message flights.\n" + notes.joined(separator: "\n")
    }

    public static func json(_ rows: [ValidationRow]) throws -> String {
        let records: [[String: Any]] = rows.map { r in
            ["anchor": r.anchor.id, "metric": r.figure.metric.rawValue, "unit": r.figure.unit, "convention": r.figure.convention.rawValue,
             "published": r.figure.value, "predicted": r.predicted.map(JSONText.number) ?? NSNull(), "ratio": r.ratio.map(JSONText.number) ?? NSNull(),
             "grade": r.anchor.grade, "citation": r.anchor.citation, "notes": r.anchor.notes, "run": r.run.map { $0 as Any } ?? NSNull(),
             "not_predicted": r.missing.map { $0 as Any } ?? NSNull()]
        }
        return try JSONText.text(["pisim_version": BuildInfo.version, "git_revision": BuildInfo.revision, "rows": records])
    }
}
