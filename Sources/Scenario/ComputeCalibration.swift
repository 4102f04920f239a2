import CostModel
import Foundation
import TwoParty

/// A peer's measured wall times per operation, as its committed measurement script writes
/// them (`Tests/TwoPartyTests/Fixtures/measure_crypten_compute.py` → `crypten_compute.json`).
public struct PeerTimings: Sendable, Decodable {
    public struct Entry: Sendable, Decodable {
        /// "calibrate" (a primitive the coefficients come from), "check" (a prediction) or
        /// "info" (measured, used for neither).
        public var role: String
        /// The peer's op name ("mul", "ltz", "inv_sqrt", "softmax", "matmul" for two private
        /// operands, "linear" for an activation times the other party's private weights, …).
        public var op: String
        /// Input shapes: one per operand.
        public var shapes: [[Int]]
        /// Bytes each party's counters recorded (the peer's own convention, stated in `conventions`).
        public var bytesParty0: Int
        public var bytesParty1: Int
        public var roundsParty0: Int
        /// Median wall time of a repeat, seconds, and the range over repeats.
        public var wallSeconds: Double
        public var wallSecondsMin: Double
        public var wallSecondsMax: Double

        enum CodingKeys: String, CodingKey {
            case role, op, shapes
            case bytesParty0 = "bytes_party0", bytesParty1 = "bytes_party1", roundsParty0 = "rounds_party0"
            case wallSeconds = "wall_s", wallSecondsMin = "wall_s_min", wallSecondsMax = "wall_s_max"
        }

        /// "ltz [1024]", "matmul [128, 768]x[768, 768]".
        public var label: String { "\(op) " + shapes.map { "\($0)" }.joined(separator: "x") }
    }

    public var entries: [Entry]
    public var machine: [String: JSONScalar]
    public var threadsPerParty: Int?

    enum CodingKeys: String, CodingKey {
        case entries, machine
        case threadsPerParty = "threads_per_party"
    }

    /// Reads a timing fixture.
    ///
    /// - Throws: `FileError` naming the file for unreadable or malformed JSON.
    public static func load(path: String) throws(FileError) -> PeerTimings {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw FileError(file: path, line: 0, key: "", message: "cannot read the timing file")
        }
        do { return try JSONDecoder().decode(PeerTimings.self, from: data) } catch {
            throw FileError(file: path, line: 0, key: "", message: "not a peer timing file (\(error))")
        }
    }

    /// "AMD EPYC, 2 cores" from the machine record.
    public var machineSummary: String {
        let cpu = machine["cpu_model"]?.value ?? "unknown CPU"
        let cores = machine["nproc"].map { ", \($0.value) cores" } ?? ""
        let threads = threadsPerParty.map { ", \($0) thread per party" } ?? ""
        return cpu + cores + threads
    }
}

/// A JSON number, string or list, kept as text (machine records).
public struct JSONScalar: Sendable, Decodable {
    public var value: String
    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let s = try? c.decode(String.self) { value = s }
        else if let i = try? c.decode(Int.self) { value = String(i) }
        else if let d = try? c.decode(Double.self) { value = String(d) }
        else if let a = try? c.decode([Double].self) { value = a.map { String($0) }.joined(separator: " ") }
        else { value = "" }
    }
}

/// Derives a profile's `ComputeModel` from a peer's timings of primitives, and predicts
/// the other timings with it. The events are PISim's own: each entry is run through
/// `OperationRunner` under the profile, so the coefficients price exactly the rounds,
/// elements and multiply-accumulates that PISim records.
public enum ComputeCalibration {
    /// Event kinds that share one pair of coefficients: a calibration primitive determines
    /// its group (the sign test's `a2b` levels and final `b2a` cannot be told apart, so the
    /// binary circuit is one group). Kinds in no group, and the dealer's `offline-` events
    /// (generated inside the online step that uses them), cost 0.
    /// An invocation (the start of a run) and a local operation are priced per event, a
    /// protocol step per round.
    public static let groups: [(name: String, kinds: [String])] = [
        ("invocation", ["invocation"]), ("local", ["local"]), ("mul", ["mul"]), ("square", ["square"]), ("binary", ["a2b", "and", "eq", "b2a", "ltz", "select", "normalize"]),
        ("matmul", ["matmul", "linear"]), ("truncate", ["truncate"]),
    ]

    /// Kinds priced as another when the peer has no calibration entry for them: SPU's
    /// `jnp.square` compiles to a product, so its squares are timed only inside composites.
    static let standIns: [(String, String)] = [("square", "mul")]

    /// Whether a group's fixed cost is per event (local operations) rather than per round.
    static func pricedPerEvent(_ group: Int) -> Bool { ["invocation", "local"].contains(groups[group].name) }

    /// PISim's name for a peer op.
    static func pisimOperation(_ peerOp: String) -> String {
        switch peerOp {
        case "inv_sqrt": "inv-sqrt"
        case "less": "ltz"
        default: peerOp
        }
    }

    /// The operation run for `entry` under `profile` (compute model off) on a zero-delay link.
    public static func run(_ entry: PeerTimings.Entry, profile: ProtocolProfile) throws -> OperationReport {
        var p = profile
        p.settings.compute = nil
        let op = pisimOperation(entry.op)
        if op == "linear" {
            // The client's activation [T, d] times the server's private weights [d, d'], by the profile's linear model.
            guard entry.shapes.count == 2, entry.shapes[0].count == 2, entry.shapes[1].count == 2 else {
                throw RunError.calibration("linear entry \(entry.label) needs shapes [T, d] and [d, d']")
            }
            return try OperationRunner.run(op: "matmul", shape: [entry.shapes[0][0], entry.shapes[0][1], entry.shapes[1][1]],
                                           profile: p, network: .localhost)
        }
        if op == "matmul" {
            guard entry.shapes.count == 2, let a = entry.shapes.first, a.count >= 2, let b = entry.shapes.last else {
                throw RunError.calibration("matmul entry \(entry.label) needs two operand shapes")
            }
            let batch = a.dropLast(2).reduce(1, *)
            return try OperationRunner.run(op: "matmul", shape: [batch, a[a.count - 2], a[a.count - 1], b[b.count - 1]],
                                           profile: p, network: .localhost)
        }
        guard let shape = entry.shapes.first else { throw RunError.calibration("entry \(entry.label) has no shape") }
        return try OperationRunner.run(op: op, shape: shape, profile: p, network: .localhost)
    }

    /// One entry's features: rounds and elements per group, and multiply-accumulates.
    static func features(_ report: OperationReport) -> [Double] {
        var f = [Double](repeating: 0, count: 2 * groups.count + 1)
        for k in report.byKind {
            guard let g = groups.firstIndex(where: { $0.kinds.contains(k.scope) }) else { continue }
            f[2 * g] += Double(pricedPerEvent(g) ? k.totals.operations : k.totals.rounds)
            f[2 * g + 1] += Double(k.totals.elements)
            f[2 * groups.count] += Double(k.totals.multiplyAccumulates)
        }
        return f
    }

    /// Fits seconds per round and per element for each group, and per multiply-accumulate,
    /// to the "calibrate" entries: non-negative least squares on relative error (each
    /// timing weighs the same whatever its size). Groups no calibration entry exercises
    /// stay at 0.
    ///
    /// - Throws: `RunError.calibration` when there is nothing to fit.
    public static func fit(_ timings: PeerTimings, profile: ProtocolProfile, source: String) throws -> ComputeModel {
        try fit(runs(timings, profile: profile), machine: timings.machineSummary, source: source)
    }

    /// Fits to already-run entries (`runs`), so a fit and a comparison share one execution.
    public static func fit(_ runs: [Run], machine: String, source: String) throws -> ComputeModel {
        var rows = [[Double]](), targets = [Double]()
        for r in runs where r.entry.role == "calibrate" {
            guard r.entry.wallSeconds > 0 else { continue }
            rows.append(features(r.report).map { $0 / r.entry.wallSeconds })
            targets.append(1)
        }
        guard !rows.isEmpty else { throw RunError.calibration("no calibration entries with a positive wall time") }
        let theta = nonNegativeLeastSquares(rows, targets)
        let exercised = (0..<groups.count).filter { g in rows.contains { $0[2 * g] > 0 || $0[2 * g + 1] > 0 } }
        var rates = [String: ComputeModel.Rate]()
        for g in exercised {
            let fixed = theta[2 * g]
            for kind in groups[g].kinds {
                rates[kind] = pricedPerEvent(g) ? ComputeModel.Rate(perEvent: fixed, perRound: 0, perElement: theta[2 * g + 1])
                    : ComputeModel.Rate(perRound: fixed, perElement: theta[2 * g + 1])
            }
        }
        // A step no calibration entry exercised is priced as the step it is built like.
        for (kind, like) in standIns where rates[kind] == nil { rates[kind] = rates[like] }
        return ComputeModel(rates: rates, perMultiplyAccumulateSeconds: theta[2 * groups.count],
                            source: source + "; " + machine)
    }

    /// min ‖A·θ − b‖² over θ ≥ 0 by cyclic coordinate descent on the normal equations,
    /// columns scaled to unit norm (exact for these small, well-posed systems; unused
    /// columns stay 0).
    static func nonNegativeLeastSquares(_ a: [[Double]], _ b: [Double]) -> [Double] {
        let n = a.first?.count ?? 0
        let norms = (0..<n).map { j in a.reduce(0) { $0 + $1[j] * $1[j] }.squareRoot() }
        let scaled = a.map { row in (0..<n).map { norms[$0] > 0 ? row[$0] / norms[$0] : 0 } }
        var gram = [[Double]](repeating: [Double](repeating: 0, count: n), count: n), rhs = [Double](repeating: 0, count: n)
        for (row, t) in zip(scaled, b) {
            for i in 0..<n {
                rhs[i] += row[i] * t
                for j in 0..<n { gram[i][j] += row[i] * row[j] }
            }
        }
        var x = [Double](repeating: 0, count: n)
        for _ in 0..<20_000 {
            for i in 0..<n where gram[i][i] > 0 {
                var r = rhs[i]
                for j in 0..<n where j != i { r -= gram[i][j] * x[j] }
                x[i] = max(0, r / gram[i][i])
            }
        }
        return (0..<n).map { norms[$0] > 0 ? x[$0] / norms[$0] : 0 }
    }

    /// The `compute:` section of a profile for `model`, with figures in µs and ns to three
    /// significant digits (what `ProtocolProfile` reads back).
    public static func yaml(_ model: ComputeModel, source: String, machine: String) -> String {
        var lines = ["compute:", "  source: \"\(source)\"", "  machine: \"\(machine)\"",
                     "  per_multiply_accumulate_ns: \(significant(model.perMultiplyAccumulateSeconds * 1e9))", "  kinds:"]
        for group in groups {
            for kind in group.kinds {
                guard let r = model.rates[kind] else { continue }
                let fixed = r.perEvent > 0 ? "per_event_us: \(significant(r.perEvent * 1e6))" : "per_round_us: \(significant(r.perRound * 1e6))"
                lines.append("    \(kind): {\(fixed), per_element_ns: \(significant(r.perElement * 1e9))}")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// `x` to three significant digits, as a plain decimal.
    static func significant(_ x: Double) -> String {
        guard x > 0, x.isFinite else { return "0" }
        let digits = max(0, 2 - Int(log10(x).rounded(.down)))
        return String(format: "%.\(digits)f", x)
    }

    /// One row of the comparison: PISim's predicted compute on loopback against the
    /// peer's median wall time, and PISim's bytes against the peer's counter.
    public struct Comparison: Sendable {
        public var entry: PeerTimings.Entry
        public var predictedSeconds: Double
        public var pisimBytes: Int
        public var pisimRounds: Int
        public var ratio: Double { entry.wallSeconds > 0 ? predictedSeconds / entry.wallSeconds : .nan }
    }

    /// Predicts every calibrate and check entry of `timings` with `model` (the profile's, by default).
    public static func compare(_ timings: PeerTimings, profile: ProtocolProfile, model: ComputeModel? = nil) throws -> [Comparison] {
        guard let m = model ?? profile.settings.compute else {
            throw RunError.calibration("profile '\(profile.name)' has no compute section; run pisim calibrate to derive one")
        }
        return compare(try runs(timings, profile: profile), model: m)
    }

    /// Predicts already-run entries with `model`.
    public static func compare(_ runs: [Run], model: ComputeModel) -> [Comparison] {
        runs.map { r in
            Comparison(entry: r.entry, predictedSeconds: r.report.byKind.reduce(0) { $0 + model.seconds(forKind: $1.scope, totals: $1.totals) },
                       pisimBytes: r.report.totals.bytes, pisimRounds: r.report.totals.rounds)
        }
    }

    /// A calibrate or check entry and PISim's run of it (compute model off, zero-delay link).
    public struct Run: Sendable {
        public var entry: PeerTimings.Entry
        public var report: OperationReport
    }

    /// Runs every calibrate and check entry of `timings` under `profile`, once.
    public static func runs(_ timings: PeerTimings, profile: ProtocolProfile) throws -> [Run] {
        try timings.entries.filter { $0.role != "info" }.map { Run(entry: $0, report: try run($0, profile: profile)) }
    }
}
