import ArgumentParser
import CostModel
import Foundation
import Randomness
import Reports
import Scenario
import TwoParty
import Transformer

/// The scenario keys every run-like command accepts as flags; each overrides the file's key,
/// and a comma-separated value is a sweep ("--arch baseline,aero").
struct ScenarioOptions: ParsableArguments {
    @Argument(help: "Scenario file (YAML). Without it, the flags describe the run.") var scenario: String?
    @Option(help: "Model preset (key: model).") var model: String?
    @Option(name: .customLong("arch"), help: "Architecture (key: architecture).") var architecture: String?
    @Option(name: .customLong("protocol"), help: "Protocol profile name or path (key: protocol).") var protocolName: String?
    @Option(help: "Network preset (key: network).") var network: String?
    @Option(help: "full or half: whether the link carries both directions at once (key: network.duplex).") var duplex: String?
    @Option(name: [.customLong("seq"), .customLong("tokens")], help: "Context length T (key: tokens).") var tokens: String?
    @Option(help: "Sequences per forward pass B (key: batch).") var batch: String?
    @Option(help: "Tokens to generate after the prefill, one decode step each with a KV cache (key: generate).") var generate: String?
    @Option(help: "Run only the first N blocks (key: layers).") var layers: String?
    @Option(name: .customLong("ffn-keep"), help: "AERO: keep the first K FFNs (key: ffn_keep).") var ffnKeep: String?
    @Flag(name: .customLong("no-embeddings"), help: "Leave out the token embedding and the vocabulary projection (key: embeddings).")
    var noEmbeddings = false
    @Flag(name: .customLong("no-causal-mask"), help: "Bidirectional attention (key: causal_mask).") var noCausalMask = false
    @Option(help: "execute (values and costs) or estimate (the same costs from shapes, fast) (key: fidelity).") var fidelity: String?
    @Option(help: "Seed for weights, inputs and correlated randomness (key: seed).") var seed: String?
    @Option(name: .customLong("fractional-bits"), help: "Fixed-point fractional bits (key: precision.fractional_bits).") var fractionalBits: String?
    @Option(name: .customLong("ring-bits"), help: "Ring bits k of Z/2^k (key: precision.ring_bits).") var ringBits: String?
    @Option(name: .customLong("scaling-bits"), help: "CKKS scaling bits (key: precision.scaling_bits).") var scalingBits: String?
    @Option(name: .customLong("compute-scale"),
            help: "Multiply the profile's measured compute figures, e.g. 0.5 for a machine twice as fast (key: compute_scale).")
    var computeScale: String?
    @Option(name: .customLong("set"), help: "Any key, VALUE in YAML (a list sweeps): --set approximations.gelu.degree=[6,8]")
    var settings: [String] = []
    @Flag(help: "Run a sweep even when it expands to more than --max-runs runs.") var yes = false
    @Option(name: .customLong("max-runs"), help: "Sweeps larger than this ask for --yes.") var maxRuns = 32
    @Option(name: .customLong("max-memory"), help: "Refuse execute runs estimated to need more (e.g. 16G; default: half of physical memory).")
    var maxMemory: String?
    @Option(help: "Where the two parties of an executed two-party run compute: threads (one thread each, the default), one-thread (both in one), or tcp (two processes over localhost TCP; see pisim party).")
    var transport: String = "threads"
    @Option(help: "Correlated randomness over --transport tcp: seeded (derived by the parties; not secure) or dealer (a pisim dealer process sends each party its shares).")
    var correlations: String = "seeded"

    /// The --transport choice.
    func execution() throws -> PartyExecution {
        guard ["seeded", "dealer"].contains(correlations) else { throw CommandFailure("--correlations must be seeded or dealer, got '\(correlations)'") }
        guard let e = PartyExecution(rawValue: transport) else {
            throw CommandFailure("--transport must be \(PartyExecution.allCases.map(\.rawValue).joined(separator: ", ")), got '\(transport)'")
        }
        return e
    }

    /// The document: the file (or nothing) with every flag applied over it.
    func document() throws -> ScenarioDocument {
        var d = try scenario.map { try ScenarioDocument.load(path: $0) } ?? .empty()
        func set(_ key: String, _ value: String?, flag: String) {
            if let value {
                d.override(key, with: value.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) },
                           origin: flag)
            }
        }
        if scenario == nil {
            set("model", "gpt2-small", flag: "default model")
            set("protocol", "crypten", flag: "default protocol")
        }
        set("model", model, flag: "--model")
        set("architecture", architecture, flag: "--arch")
        set("protocol", protocolName, flag: "--protocol")
        set("network", network, flag: "--network")
        set("network.duplex", duplex, flag: "--duplex")
        set("tokens", tokens, flag: "--seq")
        set("batch", batch, flag: "--batch")
        set("generate", generate, flag: "--generate")
        set("layers", layers, flag: "--layers")
        set("ffn_keep", ffnKeep, flag: "--ffn-keep")
        set("fidelity", fidelity, flag: "--fidelity")
        set("seed", seed, flag: "--seed")
        set("precision.fractional_bits", fractionalBits, flag: "--fractional-bits")
        set("precision.ring_bits", ringBits, flag: "--ring-bits")
        set("precision.scaling_bits", scalingBits, flag: "--scaling-bits")
        set("compute_scale", computeScale, flag: "--compute-scale")
        if noEmbeddings { set("embeddings", "false", flag: "--no-embeddings") }
        if noCausalMask { set("causal_mask", "false", flag: "--no-causal-mask") }
        for s in settings {
            guard let eq = s.firstIndex(of: "="), eq != s.startIndex else {
                throw CommandFailure("--set takes key=value (e.g. precision.fractional_bits=16), got '\(s)'")
            }
            try d.override(String(s[..<eq]), yaml: String(s[s.index(after: eq)...]))
        }
        return d
    }

    /// SHA-256 of the scenario file's text (nil without a file).
    func scenarioSHA256() throws -> String? {
        guard let scenario else { return nil }
        guard let data = FileManager.default.contents(atPath: scenario) else { throw CommandFailure("cannot read the scenario file \(scenario)") }
        return SHA256.hexDigest(String(decoding: data, as: UTF8.self))
    }

    /// Every run, resolved and checked before any runs; refuses a large sweep without --yes.
    func scenarios() throws -> [Scenario] {
        let d = try document()
        // Every key and value of the first run is checked before the sweep's size: a
        // misspelt key holding a list is an unknown key, not a large sweep.
        let count = d.runCount
        if count > 1 {
            var profiles = [String: ProtocolProfile]()
            do { _ = try Scenario.resolve(d.firstPoint(), profiles: &profiles) } catch { throw d.attributing(error) }
        }
        if count > maxRuns, count <= ScenarioDocument.maximumRuns, !yes {
            let axes = d.axes.map { "\($0.key) (\($0.values.count))" }.joined(separator: " × ")
            throw CommandFailure("the sweep expands to \(count) runs (\(axes)); pass --yes to run them all, or --max-runs N")
        }
        let runs = try Scenario.resolveAll(d)
        let limit = try maxMemory.map { text -> Int in
            guard let v = MemoryEstimate.parseSize(text) else { throw CommandFailure("--max-memory takes a size such as 16G or 500M, got '\(text)'") }
            return v
        } ?? MemoryEstimate.defaultLimit
        for run in runs { try run.checkMemory(limit: limit) }
        return runs
    }

    /// Runs them in order with progress on stderr (only the runs `selected` takes, by
    /// 0-based index, when given).
    func results(selected: (Int) -> Bool = { _ in true }) throws -> [ScenarioResult] {
        try results(of: scenarios(), selected: selected).map(\.result)
    }

    /// Runs the `selected` ones of `runs`, with their indices.
    func results(of runs: [Scenario], selected: (Int) -> Bool, hosting: PartyHosting? = nil) throws -> [(index: Int, result: ScenarioResult)] {
        var out = [(index: Int, result: ScenarioResult)]()
        let hosting = try hosting ?? (execution() == .oneThread ? .oneThread : .threads)
        for (i, var s) in runs.enumerated() where selected(i) {
            s.request.hosting = hosting
            let prefix = runs.count > 1 ? "[\(i + 1)/\(runs.count)] " : ""
            let hint = s.fidelity == .execute ? " (every value share- or ciphertext-level, \(s.request.model.layers) blocks; --fidelity estimate gives the same costs in milliseconds)" : ""
            Progress.line("\(prefix)\(s.label): \(s.request.model.name) \(s.request.architecture.rawValue) under \(s.request.profile.name), " +
                          "T = \(s.request.tokens), \(s.fidelity.rawValue)\(hint)")
            let started = Date()
            out.append((i, try s.run { done, total in
                // ETA from the blocks so far (blocks cost alike; embeddings and the head are extra).
                let elapsed = Date().timeIntervalSince(started)
                let eta = done < total ? String(format: ", about %.0f s left", elapsed / Double(done) * Double(total - done)) : ""
                Progress.update(String(format: "  block %d/%d, %.1f s%@", done, total, elapsed, eta))
            }))
            Progress.finish(String(format: "  done in %.2f s", Date().timeIntervalSince(started)))
        }
        return out
    }
}

/// Progress on stderr: lines, with in-place updates on a terminal; without one (a log, a
/// CI job) an update is written as its own line at most every 10 seconds, so a long run is
/// never silent.
enum Progress {
    static let isTerminal = isatty(STDERR_FILENO) != 0
    nonisolated(unsafe) static var lastLine = Date.distantPast

    static func line(_ s: String) {
        FileHandle.standardError.write(Data((s + "\n").utf8))
        lastLine = Date()
    }

    static func update(_ s: String) {
        if isTerminal {
            FileHandle.standardError.write(Data(("\r" + s + "\u{1B}[K").utf8))
        } else if Date().timeIntervalSince(lastLine) >= 10 {
            line(s)
        }
    }

    static func finish(_ s: String) {
        FileHandle.standardError.write(Data(((isTerminal ? "\r" : "") + s + (isTerminal ? "\u{1B}[K" : "") + "\n").utf8))
    }
}

/// `pisim run`: a whole forward pass under a protocol, broken down per nonlinearity and layer.
struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Cost and error of private inference of a whole model, from a scenario file or flags.",
        discussion: """
        Examples:
          pisim run examples/aero-gpt2-bumblebee.yaml
          pisim run --model gpt2-small --arch baseline,aero --protocol bumblebee --network wan --seq 128 --fidelity estimate
        Models: \(ModelShape.presets.map(\.name).joined(separator: ", ")).
        Architectures: \(Architecture.allCases.map(\.rawValue).joined(separator: ", ")).
        Networks: \(NetworkModel.presets.map(\.name).joined(separator: ", ")).
        Fidelity: execute (every value share-level / ciphertext-level, error measured; full GPT-2 takes minutes,
        --layers runs fewer blocks) or estimate (the same costs from shapes alone, in milliseconds).
        Any key may be a list (in the file) or comma-separated (on the command line): the runs are the product.
        """)

    @OptionGroup var options: ScenarioOptions
    @OptionGroup var output: RunReportOptions
    @Option(help: "Run only the I-th of N deterministic slices of the sweep (runs I, I+N, I+2N, …) and write them as a part file for pisim merge.")
    var shard: String?
    @Option(help: "With --shard: write the part file here instead of to standard output.") var partFile: String?

    func run() throws {
        try output.validate()
        try reportingErrors {
            if try options.execution() == .tcp {
                guard shard == nil else { throw CommandFailure("--shard writes part files; run the parties of a shard with --transport threads") }
                try LocalParties.checkTransport(try options.scenarios())
                try LocalParties.run(subcommand: "run", arguments: Array(CommandLine.arguments.dropFirst()), dealer: options.correlations == "dealer")
                return
            }
            guard options.correlations == "seeded" else { throw CommandFailure("--correlations dealer runs a dealer process: it needs --transport tcp") }
            guard let shard else {
                try output.print(try options.results())
                return
            }
            guard output.format == "table", output.html == nil, !output.byLayer else {
                throw CommandFailure("--shard writes a part file; give --format, --html and --by-layer to pisim merge")
            }
            let selection = try ShardSelection(parsing: shard)
            let runs = try options.scenarios()
            let done = try options.results(of: runs, selected: selection.contains)
            let part = ShardPart(arguments: ShardArguments.scenarioArguments(Array(CommandLine.arguments.dropFirst())),
                                 scenarioSHA256: try options.scenarioSHA256(), shard: selection, runCount: runs.count,
                                 runs: done.map { ShardPart.Entry(run: $0.index, report: StoredRunReport($0.result.report)) })
            let text = try part.json() + "\n"
            if let partFile {
                do { try text.write(toFile: partFile, atomically: true, encoding: .utf8) } catch {
                    throw CommandFailure("cannot write the part file \(partFile): \(error.localizedDescription)")
                }
            } else {
                Swift.print(text, terminator: "")
            }
        }
    }
}

/// How `pisim run` and `pisim merge` print runs: one renderer for both, so a merged sweep
/// prints the bytes a single run would have.
struct RunReportOptions: ParsableArguments {
    @Option(help: "Output: table, json, csv or markdown.") var format: String = "table"
    @Option(help: "Also write a self-contained HTML report with charts to this file.") var html: String?
    @Flag(name: .customLong("by-layer"), help: "Also break the table down per layer (and per-layer error).") var byLayer = false

    func validate() throws {
        guard ["table", "json", "csv", "markdown"].contains(format) else {
            throw CommandFailure("--format must be table, json, csv or markdown, got '\(format)'")
        }
    }

    func print(_ results: [ScenarioResult]) throws {
        switch format {
        case "json": Swift.print(try RunOutput.json(results))
        case "csv": Swift.print(RunOutput.csv(results))
        case "markdown": Swift.print(RunOutput.markdown(results, byLayer: byLayer))
        default:
            Swift.print(results.map { RunOutput.table($0, byLayer: byLayer) }.joined(separator: "\n\n"))
            if results.count > 1 { Swift.print("\n" + RunOutput.comparison(results)) }
        }
        if let html { try RunHTML.write(results, to: html) }
    }
}

/// `pisim compare`: runs side by side with ratios to the first.
struct Compare: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Two or more architectures, protocols, networks or precisions side by side, with ratios to the first.",
        discussion: """
        Example: pisim compare --model gpt2-small --arch baseline,aero --protocol bumblebee --network wan --fidelity estimate
        The first run is the reference; every list in the scenario (or comma-separated flag) adds runs.
        """)

    @OptionGroup var options: ScenarioOptions
    @Option(help: "Output: table, json, csv or markdown.") var format: String = "table"
    @Option(help: "Also write a self-contained HTML report with charts to this file.") var html: String?
    @Option(name: .customLong("rank-by"), help: "Order runs by latency, comm, offline, rounds or error (lowest first).") var rankBy = "latency"

    func run() throws {
        guard ["table", "json", "csv", "markdown"].contains(format) else {
            throw CommandFailure("--format must be table, json, csv or markdown, got '\(format)'")
        }
        guard let metric = RunOutput.RankMetric(rawValue: rankBy) else {
            throw CommandFailure("--rank-by must be one of \(RunOutput.RankMetric.allCases.map(\.rawValue).joined(separator: ", ")), got '\(rankBy)'")
        }
        try reportingErrors {
            let results = try options.results()
            guard results.count >= 2 else {
                throw CommandFailure("compare needs two or more runs: give a list, e.g. --arch baseline,aero or --protocol crypten,bumblebee")
            }
            switch format {
            case "json": print(try RunOutput.json(results, rankBy: metric))
            case "csv": print(RunOutput.csv(results))
            case "markdown": print(RunOutput.markdown(results, byLayer: false))
            default: print(RunOutput.comparison(results, rankBy: metric))
            }
            if let html { try RunHTML.write(results, to: html) }
        }
    }
}
