import Foundation
import Testing
import CostModel
import Scenario
@testable import Reports

/// Every figure means what its label says: parts sum to the total in every format, columns
/// that do not apply print "–", per-party and offline bytes appear, ideal errors are marked.
@Suite("Reports that say what they measure")
struct HonestReportTests {
    static func run(_ protocolName: String, fidelity: String = "estimate", extra: String = "") throws -> [ScenarioResult] {
        let text = """
        protocol: \(protocolName)
        model: {name: tiny, layers: 2, heads: 2, width: 16, ffn_width: 64, vocabulary: 32}
        tokens: 8
        fidelity: \(fidelity)
        \(extra)
        """
        return try Scenario.resolveAll(try ScenarioDocument.parse(text, file: "honest.yaml")).map { try $0.run() }
    }

    static let cases: [(String, String)] = [("crypten", "execute"), ("bumblebee", "execute"), ("sigma", "estimate"), ("ckks-openfhe", "estimate")]

    @Test(arguments: cases.map(\.0)) func partsSumToTheTotalInEveryFormat(_ protocolName: String) throws {
        let fidelity = Self.cases.first { $0.0 == protocolName }?.1 ?? "estimate"
        let runs = try Self.run(protocolName, fidelity: fidelity)
        let r = runs[0].report
        // The report itself.
        #expect(r.byNonlinearity.reduce(0) { $0 + $1.totals.bytes } == r.totals.bytes)
        #expect(r.byNonlinearity.reduce(0) { $0 + $1.totals.offlineBytes } == r.totals.offlineBytes)
        #expect(r.byNonlinearity.reduce(0) { $0 + $1.totals.batchedRounds } == r.totals.batchedRounds)
        #expect(r.byNonlinearity.contains { $0.name == "linear" })
        // CSV: the nonlinearity rows' columns add up to the total row's.
        let csv = RunOutput.csv(runs).split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        let header = csv[0]
        for column in ["comm_bytes", "client_sent_bytes", "server_sent_bytes", "offline_bytes", "rounds", "mults"] {
            let i = try #require(header.firstIndex(of: column))
            let parts = csv.filter { $0.count > i && $0[header.firstIndex(of: "part")!] == "nonlinearity" }.reduce(0) { $0 + (Int($1[i]) ?? -1) }
            let total = csv.first { $0[header.firstIndex(of: "part")!] == "total" }.flatMap { Int($0[i]) }
            #expect(parts == total, "\(protocolName) \(column)")
        }
        #expect(Set(header).count == header.count)
        // Markdown and the terminal table: one row per part plus the total.
        let md = RunOutput.markdown(runs, byLayer: false)
        for p in r.byNonlinearity { #expect(md.contains("| \(p.name) |")) }
        let table = RunOutput.table(runs[0], byLayer: false)
        #expect(table.contains("latency = openings × RTT/2 + other rounds × RTT"))
        // JSON.
        let object = try #require(try JSONSerialization.jsonObject(with: Data(RunOutput.json(runs).utf8)) as? [String: Any])
        let parts = try #require(object["by_nonlinearity"] as? [String: [String: Any]])
        let totals = try #require(object["totals"] as? [String: Any])
        #expect(parts.values.reduce(0) { $0 + ($1["comm_bytes"] as? Int ?? -1) } == totals["comm_bytes"] as? Int)
    }

    @Test func columnsThatDoNotApplyPrintADash() throws {
        let twoParty = RunOutput.table(try Self.run("crypten")[0], byLayer: false)
        #expect(!twoParty.contains("boots") && twoParty.contains("triples") && twoParty.contains("offline"))
        let he = RunTable(try Self.run("ckks-openfhe")[0])
        #expect(he.columns.map(\.header).contains("ct×ct") && he.columns.map(\.header).contains("boots"))
        let softmax = try #require(he.rows.first { $0.name == "softmax" })
        let comm = try #require(he.columns.first { $0.header == "comm" })
        #expect(comm.cell(softmax) == "–")
        let transfer = try #require(he.rows.first { $0.name == "transfer" })
        #expect(comm.cell(transfer) != "–")
        #expect(he.columns.contains { $0.header == "client sent" })   // the client sends the input, the server the output
    }

    @Test func offlineAndPerPartyBytesAppear() throws {
        let sigma = RunTable(try Self.run("sigma")[0])
        let total = try #require(sigma.rows.last)
        #expect(total.totals.offlineBytes > total.totals.bytes)   // SIGMA's keys outweigh its online bytes
        let bumblebee = RunTable(try Self.run("bumblebee")[0])
        #expect(bumblebee.columns.contains { $0.header == "server sent" })
        let crypten = RunTable(try Self.run("crypten")[0])
        #expect(!crypten.columns.contains { $0.header == "server sent" })   // symmetric openings: one figure suffices
    }

    /// An analytic nonlinearity without a value method is exact: its error reads "ideal".
    @Test func idealErrorsAreMarked() throws {
        let runs = try Self.run("bumblebee", fidelity: "execute")
        let errors = runs[0].report.errorsByNonlinearity
        #expect(errors["softmax"]?.ideal == true && errors["layernorm"]?.ideal == true)
        #expect(errors["gelu"]?.ideal == false && (errors["gelu"]?.maxAbsolute ?? 0) > 1e-4)   // BumbleBee's own GELU
        let table = RunOutput.table(runs[0], byLayer: false)
        #expect(table.contains("ideal") && table.contains("not the protocol's approximation"))
        #expect(RunOutput.csv(runs).contains(",ideal,"))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(RunOutput.json(runs).utf8)) as? [String: Any])
        let nonlinear = try #require((object["error"] as? [String: Any])?["by_nonlinearity"] as? [String: [String: Any]])
        #expect(nonlinear["softmax"]?["ideal"] as? Bool == true && nonlinear["gelu"]?["ideal"] as? Bool == false)
    }

    @Test func compareRanksByAStatedMetric() throws {
        let text = """
        protocol: crypten
        model: {name: tiny, layers: 1, heads: 2, width: 16, ffn_width: 64, vocabulary: 32}
        architecture: [baseline, aero]
        tokens: 8
        fidelity: estimate
        """
        let runs = try Scenario.resolveAll(try ScenarioDocument.parse(text, file: "c.yaml")).map { try $0.run() }
        let byComm = RunOutput.comparison(runs, rankBy: .comm)
        #expect(byComm.hasPrefix("ranked by comm"))
        let lines = byComm.split(separator: "\n")
        #expect(lines[2].contains("architecture=aero") && lines[3].contains("architecture=baseline"))
    }
}
