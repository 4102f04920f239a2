import Foundation
import Testing
import CostModel
import Transformer
@testable import Scenario

/// Inputs that used to kill the process (traps, aborts, hangs, memory exhaustion): each
/// must now resolve and run, or be refused with an error, quickly. A trap here fails the
/// whole test run, which is the point.
@Suite("No traps: huge sizes, alias bombs, long sequences")
struct TrapTests {
    /// Values that overflow or exhaust something when taken at face value.
    static let hostile = ["0", "-1", "2147483648", "4294967296", "9007199254740993", "9223372036854775807", "1e308", "1e-300", "nan"]

    /// Every numeric scenario key, set to every hostile value, resolved and (when it
    /// resolves) estimated: an error or a report, never a trap.
    @Test func hugeValuesInEveryNumericKey() throws {
        let keys = ["tokens", "batch", "layers", "ffn_keep", "seed", "model.layers", "model.heads", "model.width", "model.ffn_width",
                    "model.vocabulary", "precision.ring_bits", "precision.fractional_bits", "network.bandwidth_mbps", "network.rtt_ms",
                    "approximations.softmax.iterations", "approximations.softmax.reciprocal_iterations", "approximations.gelu.degree",
                    "approximations.layernorm.reciprocal_iterations", "approximations.softmax.exp_iterations"]
        var refused = 0, ran = 0
        for key in keys {
            for value in Self.hostile {
                var d = ScenarioDocument.empty()
                d.override("model", with: ["gpt2-small"])
                d.override("protocol", with: ["crypten"])
                d.override("fidelity", with: ["estimate"])
                if key == "ffn_keep" { d.override("architecture", with: ["aero"]) }
                d.override(key, with: [value])
                do {
                    for s in try Scenario.resolveAll(d) { _ = try s.run(); ran += 1 }
                } catch {
                    refused += 1
                    #expect(!"\(error)".isEmpty)
                }
            }
        }
        #expect(refused > 0 && ran > 0)
    }

    /// CKKS precision keys and profile cost figures at their extremes.
    @Test func hugeValuesInProfilesAndCKKSPrecision() throws {
        for key in ["precision.scaling_bits", "precision.depth", "precision.ring_dimension", "precision.first_prime_bits"] {
            for value in Self.hostile {
                var d = ScenarioDocument.empty()
                d.override("protocol", with: ["ckks-openfhe"])
                d.override("fidelity", with: ["estimate"])
                d.override("layers", with: ["1"])
                d.override("tokens", with: ["8"])
                d.override(key, with: [value])
                _ = try? Scenario.resolveAll(d).map { try $0.run() }
            }
        }
        let base = try String(contentsOf: examplesDirectory.deletingLastPathComponent().appendingPathComponent("protocols/crypten.yaml"), encoding: .utf8)
        for value in ["1e308", "9223372036854775807", "4611686018427387904"] {
            let text = base.replacingOccurrences(of: "  gelu:\n    method: minimax\n    degree: 8\n    range: [-8, 8]\n", with: """
              gelu:
                method: analytic
                bits_per_element: \(value)
                rounds: 9223372036854775807
                rounds_per_log2_row: 9223372036854775807
                offline_bytes_per_element: \(value)

            """)
            let profile = try ProtocolProfile.parse(text, file: "huge.yaml")
            let request = RunRequest(model: ModelShape.presets[0], architecture: .baseline, profile: profile, network: .wan, tokens: 64)
            #expect(throws: RunError.self) { _ = try ModelRunner.estimate(request) }
            #expect(throws: RunError.self) { _ = try OperationRunner.run(op: "gelu", shape: [4], profile: profile, network: .lan) }
        }
    }

    @Test func aliasBombIsRefusedQuickly() throws {
        var lines = ["a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
        for (previous, name) in zip("abcdefgh", "bcdefghi") {
            lines.append("\(name): &\(name) [" + Array(repeating: "*\(previous)", count: 9).joined(separator: ", ") + "]")
        }
        let started = Date()
        #expect(throws: FileError.self) { _ = try ScenarioDocument.parse((lines + ["protocol: crypten"]).joined(separator: "\n"), file: "bomb.yaml") }
        #expect(Date().timeIntervalSince(started) < 5)
        // A few aliases are fine.
        _ = try ScenarioDocument.parse("x: &x 64\ntokens: *x\nprotocol: crypten", file: "ok.yaml")
    }

    @Test func misspeltKeyHoldingAListIsAnUnknownKey() throws {
        let d = try ScenarioDocument.parse("protocol: crypten\ntokenz: [" + (1...40).map(String.init).joined(separator: ", ") + "]",
                                           file: "typo.yaml")
        let error = Self.resolvingFirst(d)
        #expect(error?.message.contains("unknown key 'tokenz'") == true && error?.message.contains("did you mean 'tokens'") == true && error?.line == 2)
        // A sweep past the hard cap is refused whatever the flags.
        let thirty = "[" + (1...30).map(String.init).joined(separator: ", ") + "]"
        let wide = try ScenarioDocument.parse("""
        protocol: crypten
        fidelity: estimate
        approximations: {softmax: {iterations: \(thirty)}, gelu: {degree: \(thirty)}, layernorm: {reciprocal_iterations: \(thirty)}}
        """, file: "wide.yaml")
        #expect(wide.runCount == 27_000)
        #expect(throws: FileError.self) { _ = try wide.points() }
    }

    static func resolvingFirst(_ d: ScenarioDocument) -> FileError? {
        var profiles = [String: ProtocolProfile]()
        do {
            _ = try Scenario.resolve(try d.firstPoint(), profiles: &profiles)
            return nil
        } catch {
            return error
        }
    }

    /// GPT-2 at T = 10^6 in estimate: O(shapes), well under a second.
    @Test func estimateStaysLinearInShapes() throws {
        let profile = try ProtocolProfile.load("crypten")
        let started = Date()
        let r = try ModelRunner.estimate(RunRequest(model: ModelShape.presets[0], architecture: .baseline, profile: profile, network: .wan,
                                                    tokens: 1_000_000))
        #expect(Date().timeIntervalSince(started) < 1)
        #expect(r.totals.bytes > 0 && r.totals.saturatedCounters.isEmpty)
        // And a context length whose attention scores pass 2^50 elements is refused.
        #expect(throws: (any Error).self) {
            _ = try ModelRunner.estimate(RunRequest(model: ModelShape.presets[0], architecture: .baseline, profile: profile, network: .wan,
                                                    tokens: 1 << 32))
        }
    }

    @Test func executeRunsThatCannotFitAreRefusedUpFront() throws {
        var d = ScenarioDocument.empty()
        d.override("protocol", with: ["crypten"])
        d.override("tokens", with: ["4096"])
        let run = try #require(try Scenario.resolveAll(d).first)
        let estimate = MemoryEstimate(executing: run.request)
        #expect(estimate.bytes > 20_000_000_000)
        #expect(throws: RunError.self) { try run.checkMemory(limit: MemoryEstimate.defaultLimit) }
        // The allowance covers what was measured: one crypten block at T = 512 peaked at 1.24 GB.
        var small = run.request
        small.tokens = 512
        small.model.layers = 1
        small.includeEmbeddings = false
        let s = MemoryEstimate(executing: small).bytes
        #expect(s >= 1_240_000_000 && s < 2 * 1_240_000_000)
        #expect(MemoryEstimate.parseSize("16G") == 16 << 30 && MemoryEstimate.parseSize("500M") == 500 << 20 && MemoryEstimate.parseSize("-1") == nil)
    }
}

/// The pisim binary under per-case time and memory limits: each case must exit 0 or 2
/// (a one-line error), within the limits, with no trap or backtrace.
@Suite("No traps: the command line under limits")
struct CommandLineLimitTests {
    static var binary: URL? {
        let candidates = [URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("pisim"),
                          URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
                              .appendingPathComponent(".build/debug/pisim")]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }

    static let cases: [[String]] = [
        ["run", "--seq", "32768", "--fidelity", "estimate"],
        ["run", "--seq", "4294967296", "--fidelity", "estimate"],
        ["run", "--batch", "1000000000000", "--fidelity", "estimate"],
        ["run", "--set", "model.width=1000000000000", "--fidelity", "estimate"],
        ["run", "--set", "model.vocabulary=9223372036854775807", "--fidelity", "estimate"],
        ["run", "--fractional-bits", "9223372036854775807", "--fidelity", "estimate"],
        ["run", "--set", "network.bandwidth_mbps=1e-300", "--fidelity", "estimate"],
        ["run", "--seq", "4096", "--fidelity", "execute"],
        ["op", "softmax", "--shape", "3037000500x3037000500"],
        ["op", "matmul", "--shape", "3037000500x3037000500x3037000500"],
        ["approx", "exp", "--samples", "9223372036854775807"],
        ["approx", "exp", "--samples", "1000000000"],
        ["approx", "reciprocal", "--method", "newton", "--iterations", "9223372036854775807"],
        ["approx", "exp", "--method", "minimax", "--degree", "9223372036854775807"],
        ["approx", "power-softmax", "--p", "9223372036854775807"],
        ["approx", "exp", "--fixed-point", "9223372036854775807:16"],
        ["approx", "softmax", "--length", "9223372036854775807"],
        ["run", "--max-memory", "1e400", "--seq", "8"],
        ["run", "--max-runs", "-5"],
        ["op", "softmax", "--shape", "2x16", "--seed", "18446744073709551615", "--input-range", "-1e308:1e308"],
        ["run", "--fidelity", "estimate", "--shard", "1/99999999999999999999"],
        ["run", "--fidelity", "estimate", "--shard", "9223372036854775807/9223372036854775807"],
        ["run", "--model", "llama-7b", "--generate", "9223372036854775807", "--fidelity", "estimate"],
        ["run", "--model", "llama-7b", "--generate", "65536", "--seq", "4294967296", "--fidelity", "estimate"],
        ["run", "--model", "llama-7b", "--generate", "1000", "--fidelity", "execute"],
        ["run", "--set", "model.kv_heads=9223372036854775807", "--fidelity", "estimate"],
        ["run", "--set", "model={hf_config: /dev/zero}", "--fidelity", "estimate"],
        ["merge", "/dev/null"],
        ["merge", "no-such-part.json"],
        ["merge", "/dev/zero"],
    ]

    @Test(arguments: cases) func exitsCleanlyWithinLimits(_ arguments: [String]) throws {
        let pisim = try #require(Self.binary, "build pisim first (swift build)")
        let process = Process()
        // 4 GB of address space and 60 s of CPU per case; `timeout` bounds the wall time.
        process.executableURL = URL(fileURLWithPath: "/usr/bin/timeout")
        process.arguments = ["60", "/usr/bin/prlimit", "--as=4000000000", "--cpu=60", pisim.path] + arguments
        process.currentDirectoryURL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let err = Pipe()
        process.standardError = err
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let stderr = String(data: err.fileHandleForReading.readDataToEndOfFile(), encoding: .utf8) ?? ""
        process.waitUntilExit()
        #expect([0, 2].contains(process.terminationStatus), "\(arguments.joined(separator: " ")) exited \(process.terminationStatus): \(stderr.prefix(300))")
        #expect(!stderr.contains("Fatal error") && !stderr.contains("Backtrace"), "\(stderr.prefix(300))")
        if process.terminationStatus == 2 { #expect(stderr.contains("pisim: error:") || stderr.contains("Error: ")) }
    }
}
