import Foundation
import Testing
import Scenario
import Transformer
@testable import Reports

@Suite("Run reports")
struct RunOutputTests {
    static func runs() throws -> [ScenarioResult] {
        let text = """
        protocol: crypten
        model: {name: tiny, layers: 2, heads: 2, width: 16, ffn_width: 64, vocabulary: 32}
        architecture: [baseline, aero]
        tokens: 6
        fidelity: execute
        seed: 3
        """
        return try Scenario.resolveAll(try ScenarioDocument.parse(text, file: "reports.yaml")).map { try $0.run() }
    }

    @Test func jsonHasTheDocumentedKeysAndIsDeterministic() throws {
        let a = try RunOutput.json(try Self.runs()), b = try RunOutput.json(try Self.runs())
        #expect(a == b)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(a.utf8)) as? [String: Any])
        let runs = try #require(object["runs"] as? [[String: Any]])
        #expect(runs.count == 2)
        for key in ["scenario", "model", "architecture", "protocol", "network", "totals", "by_nonlinearity", "by_layer", "error"] {
            #expect(runs[0][key] != nil, "missing \(key)")
        }
        let totals = try #require(runs[0]["totals"] as? [String: Any])
        for key in ["comm_bytes", "rounds", "latency_s", "mults"] { #expect(totals[key] != nil) }
        let byNonlinearity = try #require(runs[0]["by_nonlinearity"] as? [String: Any])
        #expect(Set(byNonlinearity.keys) == ["softmax", "layernorm", "gelu", "linear"])
        let aero = try #require(runs[1]["by_nonlinearity"] as? [String: Any])
        #expect(Set(aero.keys) == ["softmax", "linear"])
        // The parts sum to the totals.
        for run in runs {
            let parts = try #require(run["by_nonlinearity"] as? [String: [String: Any]]), totals = try #require(run["totals"] as? [String: Any])
            for key in ["comm_bytes", "offline_bytes", "rounds", "mults"] {
                #expect(parts.values.reduce(0) { $0 + ($1[key] as? Int ?? -1) } == totals[key] as? Int, "\(key)")
            }
        }
        // Provenance: what produced the run, resolved.
        let provenance = try #require(runs[0]["provenance"] as? [String: Any])
        for key in ["pisim_version", "git_revision", "seed", "profile", "precision", "network", "model"] { #expect(provenance[key] != nil, "\(key)") }
        let profile = try #require(provenance["profile"] as? [String: Any])
        #expect((profile["sha256"] as? String)?.count == 64)
        let network = try #require(provenance["network"] as? [String: Any])
        #expect(network["duplex"] as? String == "full" && network["bandwidth_mbps"] as? Double == 100 && network["rtt_ms"] as? Double == 80)
        let precision = try #require(provenance["precision"] as? [String: Any])
        #expect(precision["fractional_bits"] as? Int == 16 && precision["ring_bits"] as? Int == 64)
        let error = try #require(runs[0]["error"] as? [String: Any])
        let layers = try #require(error["by_layer"] as? [[String: Any]])
        #expect(layers.count == 2)
        #expect(layers.allSatisfy { ($0["attention_kl_mean"] as? Double ?? -1) >= 0 })
        let ratios = try #require(object["ratios_to_first"] as? [[String: Any]])
        #expect(ratios.first?["comm"] as? Double == 1)
    }

    @Test func csvHasOneRowPerPart() throws {
        let runs = try Self.runs()
        let lines = RunOutput.csv(runs).split(separator: "\n")
        let parts = runs.reduce(0) { $0 + $1.report.byNonlinearity.count + $1.report.byLayer.count + 1 }
        #expect(lines.count == 1 + parts)
        #expect(lines[0].hasPrefix("scenario,architecture,model,"))
        let names = lines[0].split(separator: ",")
        #expect(Set(names).count == names.count)   // the swept architecture appears once
        let columns = lines[0].split(separator: ",").count
        #expect(lines.allSatisfy { $0.split(separator: ",", omittingEmptySubsequences: false).count == columns })
    }

    @Test func markdownAndHTMLShowEveryRun() throws {
        let runs = try Self.runs()
        let md = RunOutput.markdown(runs, byLayer: true)
        #expect(md.contains("| architecture=baseline |") && md.contains("## architecture=aero"))
        let html = RunHTML.page(runs)
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(html.components(separatedBy: "<svg").count - 1 == 5)   // three bar charts, two error curves
        #expect(html.contains("Communication by part") && html.contains("Attention KL divergence per block"))
        #expect(!html.contains("<script"))
        #expect(html == RunHTML.page(try Self.runs()))
    }

    @Test func sweepOverANumberDrawsCurves() throws {
        let text = """
        protocol: crypten
        model: {name: tiny, layers: 1, heads: 2, width: 16, ffn_width: 64, vocabulary: 32}
        tokens: [4, 8]
        fidelity: estimate
        """
        let runs = try Scenario.resolveAll(try ScenarioDocument.parse(text, file: "s.yaml")).map { try $0.run() }
        let html = RunHTML.page(runs)
        #expect(html.contains("Latency vs tokens"))
        #expect(!html.contains("Output error vs tokens"))   // estimates carry no error
    }
}
