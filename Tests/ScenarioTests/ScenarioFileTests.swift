import Foundation
import Testing
import Randomness
import Transformer
@testable import Scenario

/// The examples directory of this checkout.
let examplesDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("examples")

func exampleFiles() throws -> [String] {
    try FileManager.default.contentsOfDirectory(atPath: examplesDirectory.path).filter { $0.hasSuffix(".yaml") }.sorted()
        .map { examplesDirectory.appendingPathComponent($0).path }
}

@Suite("Scenario files")
struct ScenarioFileTests {
    func resolve(_ text: String) throws -> [Scenario] {
        try Scenario.resolveAll(try ScenarioDocument.parse(text, file: "test.yaml", directory: examplesDirectory.path))
    }

    /// Throws the FileError `text` produces, or records that it resolved.
    func failure(_ text: String) -> FileError? {
        do {
            _ = try resolve(text)
            Issue.record("expected an error for:\n\(text)")
            return nil
        } catch let e as FileError {
            return e
        } catch {
            Issue.record("expected a FileError, got \(error)")
            return nil
        }
    }

    @Test func sweepIsTheProductInFileOrder() throws {
        let runs = try resolve("""
        protocol: crypten
        architecture: [baseline, aero]
        tokens: [8, 16, 32]
        fidelity: estimate
        """)
        #expect(runs.count == 6)
        #expect(runs.map(\.label) == ["architecture=baseline tokens=8", "architecture=baseline tokens=16", "architecture=baseline tokens=32",
                                      "architecture=aero tokens=8", "architecture=aero tokens=16", "architecture=aero tokens=32"])
        #expect(runs.map(\.request.tokens) == [8, 16, 32, 8, 16, 32])
        #expect(runs[3].request.architecture == .aero)
    }

    @Test func nestedKeysSweepAndRangesDoNot() throws {
        let runs = try resolve("""
        protocol: crypten
        precision: {fractional_bits: [12, 16]}
        approximations:
          softmax: {method: limit, iterations: [6, 8], range: [-8, 8]}
        """)
        #expect(runs.count == 4)
        #expect(runs.map(\.request.profile.settings.fractionalBits) == [12, 12, 16, 16])
        #expect(runs.map { $0.request.profile.nonlinearities["softmax"]?.iterations } == [6, 8, 6, 8])
        // A list of ranges is a sweep.
        let ranges = try resolve("""
        protocol: crypten
        approximations:
          softmax: {range: [[-8, 8], [-16, 16]]}
        """)
        #expect(ranges.map(\.label) == ["approximations.softmax.range=[-8, 8]", "approximations.softmax.range=[-16, 16]"])
    }

    @Test func flagsOverrideTheFile() throws {
        var d = try ScenarioDocument.parse("protocol: crypten\ntokens: 64\nprecision: {ring_bits: 64}\n", file: "f.yaml")
        d.override("tokens", with: ["8", "16"])
        d.override("precision.fractional_bits", with: ["14"])
        d.override("approximations.softmax.iterations", with: ["6"])
        let runs = try Scenario.resolveAll(d)
        #expect(runs.map(\.request.tokens) == [8, 16])
        #expect(runs[0].request.profile.settings.fractionalBits == 14)
        #expect(runs[0].request.profile.settings.ringBits == 64)
        #expect(runs[0].request.profile.nonlinearities["softmax"]?.iterations == 6)
        #expect(d.runCount == 2)
        #expect(d.axes == [ScenarioDocument.Axis(key: "tokens", values: ["8", "16"])])
    }

    @Test func unknownKeyNamesFileLineAndSuggests() throws {
        let e = try #require(failure("protocol: crypten\narchitecure: aero\n"))
        #expect(e.file == "test.yaml")
        #expect(e.line == 2)
        #expect(e.key == "architecure")
        #expect(e.message.contains("did you mean 'architecture'?"))
        let nested = try #require(failure("protocol: crypten\nprecision:\n  fractional_bit: 12\n"))
        #expect(nested.line == 3)
        #expect(nested.key == "precision.fractional_bit")
        #expect(nested.message.contains("'fractional_bits'"))
        let value = try #require(failure("protocol: crypten\narchitecture: [baseline, aer0]\n"))
        #expect(value.line == 2)
        #expect(value.message.contains("did you mean 'aero'?"))
    }

    @Test func impossibleSettingsAreRefusedWithTheReason() throws {
        let precision = try #require(failure("protocol: crypten\nprecision:\n  fractional_bits: 40\n"))
        #expect(precision.key == "precision")
        #expect(precision.message.contains("2f < k"))
        let keep = try #require(failure("protocol: crypten\narchitecture: baseline\nffn_keep: 3\n"))
        #expect(keep.line == 3 && keep.message.contains("aero"))
        let layers = try #require(failure("protocol: crypten\nmodel: gpt2-small\nlayers: 13\n"))
        #expect(layers.message.contains("1…12"))
        let profile = try #require(failure("protocol: cryptn\n"))
        #expect(profile.key == "protocol" && profile.message.contains("did you mean 'crypten'?"))
        let ckksOnTwoParty = try #require(failure("protocol: crypten\nprecision: {scaling_bits: 40}\n"))
        #expect(ckksOnTwoParty.message.contains("CKKS"))
        let scale = try #require(failure("protocol: ckks-openfhe\nprecision: {scaling_bits: 70}\n"))
        #expect(scale.key == "precision")
        let empty = try #require(failure("protocol: crypten\ntokens: []\n"))
        #expect(empty.key == "tokens" && empty.message.contains("empty"))
        let model = try #require(failure("protocol: crypten\nmodel: {layers: 2, heads: 3, width: 16, ffn_width: 64, vocabulary: 10}\n"))
        #expect(model.message.contains("divisible"))
        let missing = try #require(failure("tokens: 8\n"))
        #expect(missing.message.contains("protocol"))
        let notYAML = try #require(failure("protocol: [crypten\n"))
        #expect(notYAML.message.contains("not valid YAML"))
        let attention = try #require(failure("protocol: crypten\nattention: quad\n"))
        #expect(attention.message.contains("2quad"))
    }

    /// A batch runs B sequences in the same rounds, with more bytes; estimate = execute.
    @Test func batchSharesTheRounds() throws {
        let runs = try resolve("""
        protocol: crypten
        model: {name: tiny, layers: 1, heads: 2, width: 16, ffn_width: 64, vocabulary: 32}
        tokens: 4
        batch: [1, 3]
        """).map { s in
            var e = s
            e.fidelity = .estimate
            return (executed: try s.run().report, estimated: try e.run().report)
        }
        #expect(runs.allSatisfy { $0.executed.totals == $0.estimated.totals })
        #expect(runs[1].executed.totals.batchedRounds == runs[0].executed.totals.batchedRounds)
        #expect(runs[1].executed.totals.bytes > 2 * runs[0].executed.totals.bytes)
        #expect(failure("protocol: crypten\nbatch: 0\n")?.key == "batch")
    }

    @Test func customModelAndNetwork() throws {
        let runs = try resolve("""
        protocol: crypten
        model: {name: toy, layers: 2, heads: 2, width: 16, ffn_width: 64, vocabulary: 32}
        network: {name: satellite, bandwidth_mbps: 10, rtt_ms: 600}
        """)
        #expect(runs[0].request.model == ModelShape(name: "toy", layers: 2, heads: 2, width: 16, ffnWidth: 64, vocabulary: 32))
        #expect(runs[0].request.network.roundTripSeconds == 0.6)
        #expect(runs[0].request.network.bandwidthBitsPerSecond == 10e6)
    }

    /// Every bundled example resolves, and a one-block, short-context version of each runs
    /// at both fidelities with identical costs where the backend has an estimator.
    @Test func examplesResolveAndBothFidelitiesAgree() throws {
        let files = try exampleFiles()
        #expect(files.count >= 4)
        for file in files {
            var d = try ScenarioDocument.load(path: file)
            #expect(try !Scenario.resolveAll(d).isEmpty, "\(file)")
            try d.override("model", yaml: "{name: tiny, layers: 1, heads: 2, width: 16, ffn_width: 64, vocabulary: 32}")
            d.override("tokens", with: ["4"])
            d.override("layers", with: ["1"])
            for s in try Scenario.resolveAll(d) {
                var execute = s, estimate = s
                execute.fidelity = .execute
                estimate.fidelity = .estimate
                let executed = try execute.run().report
                #expect(executed.accuracy != nil)
                if s.request.profile.fieldModulus == nil {
                    let estimated = try estimate.run().report
                    #expect(estimated.totals == executed.totals, "\(file) \(s.label)")
                }
            }
        }
    }

    /// The same scenario and seed give byte-identical reports (JSON through Reports is
    /// tested there; here the report's numbers).
    @Test func runsAreDeterministic() throws {
        let text = """
        protocol: crypten
        model: {name: tiny, layers: 1, heads: 2, width: 16, ffn_width: 64, vocabulary: 32}
        tokens: 6
        seed: 9
        """
        let a = try resolve(text)[0].run().report, b = try resolve(text)[0].run().report
        #expect(a.totals == b.totals)
        #expect(a.maxAbsoluteError == b.maxAbsoluteError)
        #expect(a.accuracy?.byLayer.map(\.attentionKLMean) == b.accuracy?.byLayer.map(\.attentionKLMean))
    }

    /// Random mutations of the examples (deleted, inserted, swapped and replaced characters,
    /// lines and values) either resolve or throw a `FileError`; nothing traps.
    @Test func fuzzedExamplesNeverCrash() throws {
        var g = ChaChaRandom(seed: 2026, stream: 1)
        func below(_ n: Int) -> Int { Int(g.next() % UInt64(max(n, 1))) }
        let tokens = ["[", "]", "{", "}", ":", "-", "'", "\"", "*", "&a", "!!int", "\t", "\n", " ", "0", "-1", "1e400", "nan", "999999999999999999999",
                      "[1, [2]]", "{a: b}", "~", "null", "true", "protocol", "crypten", "ckks-openfhe", "aero", "tokens", "layers", "precision",
                      "fractional_bits", "ring_bits", "approximations", "softmax", "range", "é", "\u{0}"]
        var outcomes = (resolved: 0, refused: 0)
        for file in try exampleFiles() {
            let original = try String(contentsOfFile: file, encoding: .utf8)
            for _ in 0..<60 {
                var text = Array(original)
                for _ in 0...below(3) {
                    switch below(5) {
                    case 0 where !text.isEmpty: text.remove(at: below(text.count))
                    case 1: text.insert(contentsOf: Array(tokens[below(tokens.count)]), at: below(text.count + 1))
                    case 2:
                        var lines = String(text).split(separator: "\n", omittingEmptySubsequences: false)
                        let i = below(lines.count), j = below(lines.count)
                        lines.swapAt(i, j)
                        text = Array(lines.joined(separator: "\n"))
                    case 3:
                        // Replace the value after a random colon.
                        if let colon = text.indices.filter({ text[$0] == ":" }).randomElement(using: &g) {
                            let end = text[colon...].firstIndex(of: "\n") ?? text.endIndex
                            text.replaceSubrange((colon + 1)..<end, with: Array(" " + tokens[below(tokens.count)]))
                        }
                    default: text = Array(text.prefix(below(text.count + 1)))
                    }
                }
                do throws(FileError) {
                    _ = try Scenario.resolveAll(try ScenarioDocument.parse(String(text), file: file, directory: examplesDirectory.path))
                    outcomes.resolved += 1
                } catch {
                    #expect(!error.message.isEmpty && error.file == file)
                    outcomes.refused += 1
                }
            }
        }
        #expect(outcomes.refused > 0)
        #expect(outcomes.resolved > 0)
    }
}
