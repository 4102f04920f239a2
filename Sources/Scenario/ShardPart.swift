import CostModel
import Foundation
import Randomness

/// Which slice of a sweep a process runs: `--shard I/N` takes the runs whose index (0-based,
/// in the sweep's own order) is I − 1 modulo N, so consecutive runs — which often differ
/// only in the last sweep axis and cost alike — land on different shards.
public struct ShardSelection: Sendable, Hashable, Codable {
    /// 1…count.
    public var index: Int
    public var count: Int

    /// Parses "I/N" with 1 ≤ I ≤ N ≤ 1,000,000.
    ///
    /// - Throws: `RunError.shard` naming what is wrong.
    public init(parsing text: String) throws(RunError) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let i = Int(parts[0]), let n = Int(parts[1]) else {
            throw RunError.shard("--shard takes I/N (e.g. 2/8 for the second of eight slices), got '\(text)'")
        }
        guard (1...1_000_000).contains(n), (1...n).contains(i) else {
            throw RunError.shard("--shard \(text): I must be between 1 and N, and N between 1 and 1000000")
        }
        index = i
        count = n
    }

    /// Whether run `run` (0-based) belongs to this slice.
    public func contains(_ run: Int) -> Bool { run % count == index - 1 }
}

/// A run's report as a part file stores it: everything but the request, which `pisim merge`
/// resolves again from the scenario (and checks against `profileSHA256`).
public struct StoredRunReport: Sendable, Codable, Equatable {
    public var totals: CostTotals
    public var latency: LatencyBreakdown
    public var byNonlinearity: [RunReport.Part]
    public var byLayer: [RunReport.Part]
    public var maxAbsoluteError: Double
    public var meanAbsoluteError: Double
    public var failure: String?
    public var accuracy: AccuracyReport?
    /// Generating runs: the prefill's and the decode steps' parts.
    public var generation: [RunReport.Part]?
    /// The profile text's SHA-256 the run used (a profile edited between the shards and the
    /// merge is refused).
    public var profileSHA256: String

    public init(_ r: RunReport) {
        totals = r.totals
        latency = r.latency
        byNonlinearity = r.byNonlinearity
        byLayer = r.byLayer
        maxAbsoluteError = r.maxAbsoluteError
        meanAbsoluteError = r.meanAbsoluteError
        failure = r.failure
        accuracy = r.accuracy
        generation = r.generation.map { [$0.prefill, $0.decode] }
        profileSHA256 = r.request.profile.textSHA256
    }

    /// The report again, for `request` (the same run, resolved anew).
    public func report(request: RunRequest) -> RunReport {
        var r = RunReport(request: request, totals: totals, latency: latency, byNonlinearity: byNonlinearity, byLayer: byLayer,
                          maxAbsoluteError: maxAbsoluteError, meanAbsoluteError: meanAbsoluteError, failure: failure, accuracy: accuracy)
        if let g = generation, g.count == 2 { r.generation = RunReport.Generation(steps: request.generate, prefill: g[0], decode: g[1]) }
        return r
    }
}

/// What `pisim run --shard I/N` writes: the runs of one slice, with what is needed to check
/// that every part of a merge comes from the same sweep, run by the same PISim.
public struct ShardPart: Sendable, Codable, Equatable {
    public struct Entry: Sendable, Codable, Equatable {
        /// The run's 0-based index in the sweep.
        public var run: Int
        public var report: StoredRunReport

        public init(run: Int, report: StoredRunReport) {
            self.run = run
            self.report = report
        }
    }

    /// "pisim-shard-part"; `version` is the format's (1).
    public var format = ShardPart.formatName
    public var version = 1
    public var pisimVersion: String
    public var gitRevision: String
    /// The command's scenario arguments (the scenario file and every scenario flag), without
    /// `--shard`, `--output`, `--format` and `--html`: `pisim merge` resolves the sweep again from them.
    public var arguments: [String]
    /// SHA-256 of the scenario file's text (nil: flags only).
    public var scenarioSHA256: String?
    public var shard: ShardSelection
    /// Runs in the whole sweep.
    public var runCount: Int
    public var runs: [Entry]

    public static let formatName = "pisim-shard-part"

    public init(arguments: [String], scenarioSHA256: String?, shard: ShardSelection, runCount: Int, runs: [Entry]) {
        pisimVersion = BuildInfo.version
        gitRevision = BuildInfo.revision
        self.arguments = arguments
        self.scenarioSHA256 = scenarioSHA256
        self.shard = shard
        self.runCount = runCount
        self.runs = runs
    }

    /// Doubles round-trip exactly (shortest representation); NaN and infinities as strings.
    public func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    /// Reads a part file.
    ///
    /// - Throws: `FileError` naming the file when it is unreadable or not a part.
    public static func load(path: String) throws(FileError) -> ShardPart {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw FileError(file: path, line: 0, key: "", message: "cannot read the part file")
        }
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        let part: ShardPart
        do { part = try decoder.decode(ShardPart.self, from: data) } catch {
            throw FileError(file: path, line: 0, key: "", message: "not a pisim shard part (written by pisim run --shard I/N): \(error)")
        }
        guard part.format == formatName, part.version == 1 else {
            throw FileError(file: path, line: 0, key: "format", message: "format '\(part.format)' version \(part.version); this pisim reads \(formatName) version 1")
        }
        return part
    }

    /// The stored reports of a whole sweep, by run index, from its parts: they must come from
    /// one sweep (same arguments, scenario text and PISim build) and hold every run exactly once.
    ///
    /// - Throws: `RunError.shard` naming the first part that does not fit.
    public static func merge(_ parts: [(path: String, part: ShardPart)]) throws(RunError) -> (first: ShardPart, reports: [StoredRunReport]) {
        guard let (firstPath, first) = parts.first else { throw RunError.shard("pisim merge needs at least one part file") }
        var byRun = [Int: (path: String, report: StoredRunReport)]()
        for (path, p) in parts {
            let differs = p.arguments != first.arguments ? "scenario arguments (\(p.arguments.joined(separator: " ")) vs \(first.arguments.joined(separator: " ")))"
                : p.scenarioSHA256 != first.scenarioSHA256 ? "scenario file text"
                : p.runCount != first.runCount ? "run count (\(p.runCount) vs \(first.runCount))"
                : p.shard.count != first.shard.count ? "shard count (\(p.shard.count) vs \(first.shard.count))"
                : (p.pisimVersion, p.gitRevision) != (first.pisimVersion, first.gitRevision) ? "PISim build (\(p.pisimVersion) \(p.gitRevision) vs \(first.pisimVersion) \(first.gitRevision))"
                : nil
            if let differs { throw RunError.shard("\(path) is from another sweep than \(firstPath): its \(differs) differs") }
            for e in p.runs {
                guard (0..<p.runCount).contains(e.run), p.shard.contains(e.run) else {
                    throw RunError.shard("\(path) holds run \(e.run + 1), which is not in shard \(p.shard.index)/\(p.shard.count) of \(p.runCount) runs")
                }
                if let other = byRun[e.run] { throw RunError.shard("run \(e.run + 1) is in both \(other.path) and \(path)") }
                byRun[e.run] = (path, e.report)
            }
        }
        let missing = (0..<first.runCount).filter { byRun[$0] == nil }
        guard missing.isEmpty else {
            let shards = Set(missing.map { $0 % first.shard.count + 1 }).sorted().map { "\($0)/\(first.shard.count)" }
            throw RunError.shard("\(missing.count) of \(first.runCount) runs are missing: shard(s) \(shards.joined(separator: ", ")) not given")
        }
        return (first, (0..<first.runCount).map { byRun[$0]!.report })
    }
}
