import ArgumentParser
import Foundation
import Reports
import Scenario

/// The scenario arguments of a `pisim run --shard` command line: what `pisim merge` parses
/// again to resolve the same sweep.
enum ShardArguments {
    /// Options of `run` that choose the output, not the runs (each takes a value).
    static let outputOptions: Set<String> = ["--shard", "--part-file", "--format", "--html"]
    /// Flags of `run` that choose the output.
    static let outputFlags: Set<String> = ["--by-layer"]

    /// `arguments` (after the program name) without the subcommand and the output options.
    static func scenarioArguments(_ arguments: [String]) -> [String] {
        var out = [String](), i = arguments.first == "run" ? 1 : 0
        while i < arguments.count {
            let a = arguments[i]
            let name = a.split(separator: "=", maxSplits: 1).first.map(String.init) ?? a
            if outputOptions.contains(name) {
                i += a.contains("=") ? 1 : 2
                continue
            }
            if !outputFlags.contains(a) { out.append(a) }
            i += 1
        }
        return out
    }
}

/// `pisim merge`: joins the part files of `pisim run --shard I/N` into the report one run
/// of the whole sweep prints, byte for byte.
struct Merge: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Join the parts of a sharded sweep (pisim run --shard I/N) into one report.",
        discussion: """
        Example: for i in 1 2 3 4; do pisim run sweep.yaml --shard $i/4 --part-file part$i.json & done; wait
                 pisim merge part*.json --format markdown
        Every part must come from the same scenario arguments, scenario file text and PISim build, and
        together hold every run once; the scenario file must be where it was (the runs are resolved
        again from it, their reports are read from the parts). The output is what pisim run prints.
        """)

    @Argument(help: "Part files written by pisim run --shard I/N --part-file FILE.") var parts: [String] = []
    @OptionGroup var output: RunReportOptions

    func run() throws {
        try output.validate()
        try reportingErrors {
            let loaded = try parts.map { path throws -> (path: String, part: ShardPart) in (path, try ShardPart.load(path: path)) }
            let (first, reports) = try ShardPart.merge(loaded)
            guard first.gitRevision == BuildInfo.revision, first.pisimVersion == BuildInfo.version else {
                throw CommandFailure("the parts were written by pisim \(first.pisimVersion) (\(first.gitRevision)); this is \(BuildInfo.version) (\(BuildInfo.revision)): merge with the binary that ran them")
            }
            let options: ScenarioOptions
            do { options = try ScenarioOptions.parse(first.arguments) } catch {
                throw CommandFailure("the parts' scenario arguments do not parse: \(ScenarioOptions.message(for: error))")
            }
            guard try options.scenarioSHA256() == first.scenarioSHA256 else {
                throw CommandFailure("the scenario file \(options.scenario ?? "") changed since the parts were written")
            }
            let scenarios = try options.scenarios()
            guard scenarios.count == first.runCount else {
                throw CommandFailure("the scenario now expands to \(scenarios.count) runs; the parts hold \(first.runCount)")
            }
            let results = try zip(scenarios, reports).map { s, stored throws -> ScenarioResult in
                guard stored.profileSHA256 == s.request.profile.textSHA256 else {
                    throw CommandFailure("run '\(s.label)': the profile \(s.request.profile.file) changed since the parts were written")
                }
                return ScenarioResult(scenario: s, report: stored.report(request: s.request))
            }
            try output.print(results)
        }
    }
}
