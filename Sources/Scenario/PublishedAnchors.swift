import CostModel
import Foundation

/// A published figure PISim's prediction is checked against (`pisim validate`): what was
/// run (as scenario keys), what was reported, how it was counted, and where it is printed.
/// Anchors are predictions, never inputs: no profile is fitted to them.
public struct PublishedAnchor {
    /// What a figure measures.
    public enum Metric: String, Sendable, CaseIterable {
        /// Online communication.
        case comm
        /// Preprocessing (keys, triples) communication or storage.
        case offline
        /// Message flights.
        case rounds
        /// End-to-end seconds.
        case latency
        /// CKKS bootstraps.
        case bootstraps
    }

    /// How a paper counted bytes, converted once to PISim's counters.
    public enum Convention: String, Sendable, CaseIterable {
        /// One party's sent + received bytes, which for two parties is the sum of both
        /// parties' sent bytes: PISim's `comm_bytes`.
        case bothDirections = "both-directions"
        /// One party's sent bytes: the larger of PISim's `bytes_sent`.
        case onePartySent = "one-party-sent"
        /// As the profile reports it (its `offline_bytes`; e.g. sigma: one party's key bytes).
        case profile
        /// Not stated in the source: compared with `comm_bytes` (both directions), and the
        /// report says so.
        case unstated
    }

    public struct Figure: Sendable {
        public var metric: Metric
        /// In `unit`.
        public var value: Double
        /// "GB" (10⁹ B), "GiB" (2³⁰ B), "MB" (10⁶ B), "s", "count".
        public var unit: String
        public var convention: Convention

        /// `value` in PISim's units (bytes, seconds, counts).
        public var converted: Double { value * (Self.units[unit] ?? 1) }

        static let units: [String: Double] = ["GB": 1e9, "GiB": 1_073_741_824, "MB": 1e6, "MiB": 1_048_576, "s": 1, "count": 1]
    }

    public var id: String
    /// The work and table (or artifact) the figures come from.
    public var citation: String
    /// How it was read (A: full text or authors' code; B: a secondary copy naming the table;
    /// R: a third-party reproduction; see the file's header).
    public var grade: String
    public var notes: String
    /// The run, as scenario keys (resolved like a scenario file; fidelity is estimate).
    var run: YAMLNode
    public var figures: [Figure]
}

/// One row of `pisim validate`: an anchor's figure, PISim's prediction and their ratio, or
/// why it could not be predicted.
public struct ValidationRow {
    public var anchor: PublishedAnchor
    public var figure: PublishedAnchor.Figure
    /// PISim's prediction in the figure's unit; nil when not predicted.
    public var predicted: Double?
    /// The resolved run, e.g. "bert-base T=128 sigma" (nil when not resolved).
    public var run: String?
    /// Why there is no prediction (a profile not built yet, …).
    public var missing: String?

    /// predicted / published.
    public var ratio: Double? { predicted.map { $0 / max(figure.value, .leastNonzeroMagnitude) } }
}

/// Reads `protocols/measurements/published.yaml` and predicts each anchor.
public enum PublishedAnchors {
    /// The bundled file (beside the profiles).
    public static var bundledPath: String {
        URL(fileURLWithPath: ProtocolProfile.bundledDirectory).appendingPathComponent("measurements/published.yaml").path
    }

    static let anchorKeys = ["id", "citation", "grade", "notes", "run", "published"]
    static let figureKeys = ["value", "unit", "convention"]

    /// - Throws: `FileError` naming the file, line and key of the first malformed entry.
    public static func load(path: String) throws(FileError) -> [PublishedAnchor] {
        let root = try YAMLNode.parse(try YAMLNode.readText(path: path), file: path)
        let top = try root.mapping(allowed: ["anchors"], required: ["anchors"])
        var ids = Set<String>()
        return try top["anchors"]!.sequence().map { (node: YAMLNode) throws(FileError) -> PublishedAnchor in
            let m = try node.mapping(allowed: anchorKeys, required: ["id", "citation", "grade", "run", "published"])
            let id = try m["id"]!.string()
            guard ids.insert(id).inserted else { throw m["id"]!.error("duplicate anchor id '\(id)'") }
            guard case .mapping = m["run"]!.node else { throw m["run"]!.error("run is a mapping of scenario keys") }
            let grade = try m["grade"]!.choice(["A", "B", "C", "R", "D"])
            var figures = [PublishedAnchor.Figure]()
            let published = try m["published"]!.mapping(allowed: PublishedAnchor.Metric.allCases.map(\.rawValue))
            // In the fixed order of `Metric` (a mapping has none), so the report is deterministic.
            for metric in PublishedAnchor.Metric.allCases {
                guard let f = published[metric.rawValue] else { continue }
                let key = metric.rawValue
                let fm = try f.mapping(allowed: figureKeys, required: ["value", "unit"])
                let unit = try fm["unit"]!.choice(Array(PublishedAnchor.Figure.units.keys).sorted())
                let convention = try fm["convention"].map { (c: YAMLNode) throws(FileError) in
                    PublishedAnchor.Convention(rawValue: try c.choice(PublishedAnchor.Convention.allCases.map(\.rawValue))) ?? .unstated
                } ?? .unstated
                let isBytes = [PublishedAnchor.Metric.comm, .offline].contains(metric)
                guard isBytes == ["GB", "GiB", "MB", "MiB"].contains(unit) else {
                    throw fm["unit"]!.error("\(key) is \(isBytes ? "bytes (GB, GiB, MB, MiB)" : "not bytes (s or count)"), got \(unit)")
                }
                let value = try fm["value"]!.nonNegative()
                guard value > 0 else { throw fm["value"]!.error("a published figure must be positive") }
                figures.append(PublishedAnchor.Figure(metric: metric, value: value, unit: unit, convention: convention))
            }
            guard !figures.isEmpty else { throw m["published"]!.error("no published figure") }
            return PublishedAnchor(id: id, citation: try m["citation"]!.string(), grade: grade, notes: try m["notes"]?.string() ?? "",
                                   run: m["run"]!, figures: figures)
        }
    }

    /// Each anchor's run in estimate fidelity, one row per figure. An anchor whose run cannot
    /// be resolved (a profile PISim does not have yet) gets rows without a prediction.
    public static func validate(_ anchors: [PublishedAnchor], directory: String) -> [ValidationRow] {
        var profiles = [String: ProtocolProfile]()
        return anchors.flatMap { anchor -> [ValidationRow] in
            do {
                var document = ScenarioDocument(root: anchor.run, directory: directory)
                document.override("fidelity", with: ["estimate"], origin: "pisim validate")
                let scenario = try Scenario.resolve(document.firstPoint(), profiles: &profiles)
                let report = try ModelRunner.estimate(scenario.request)
                let q = scenario.request
                let label = "\(q.model.name) T=\(q.tokens)\(q.generate > 0 ? "+\(q.generate)" : "") \(q.profile.name)"
                return anchor.figures.map { f in
                    ValidationRow(anchor: anchor, figure: f, predicted: predicted(f, report) / (PublishedAnchor.Figure.units[f.unit] ?? 1), run: label)
                }
            } catch {
                var why = (error as? FileError)?.message ?? "\(error)"
                // "no protocol profile 'x' (available: …)": the list is in every other row.
                if why.hasPrefix("no protocol profile"), let cut = why.range(of: " (available") { why = String(why[..<cut.lowerBound]) + " yet" }
                return anchor.figures.map { ValidationRow(anchor: anchor, figure: $0, predicted: nil, run: nil, missing: why) }
            }
        }
    }

    /// PISim's counter for a figure, in bytes, seconds or counts, by its convention.
    static func predicted(_ f: PublishedAnchor.Figure, _ r: RunReport) -> Double {
        switch f.metric {
        case .comm: Double(f.convention == .onePartySent ? (r.totals.bytesSent.max() ?? 0) : r.totals.bytes)
        case .offline: Double(r.totals.offlineBytes)
        case .rounds: Double(r.totals.batchedRounds)
        case .latency: r.latency.total
        case .bootstraps: Double(r.totals.bootstraps)
        }
    }
}
