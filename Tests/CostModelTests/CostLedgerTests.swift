import Testing
@testable import CostModel

@Suite("Cost ledger and network model")
struct CostLedgerTests {
    @Test func scopesNestAndAggregate() {
        let ledger = CostLedger()
        ledger.scope("layer0") {
            ledger.scope("softmax") {
                ledger.record(CostEvent(kind: "mul", elements: 4, bytesSent: [64, 64], rounds: 1, multiplications: 4))
                ledger.scope("reciprocal") { ledger.record(CostEvent(kind: "square", elements: 1, bytesSent: [8, 8], rounds: 1)) }
            }
            ledger.scope("gelu") { ledger.record(CostEvent(kind: "ltz", elements: 2, bytesSent: [432, 432], rounds: 8)) }
        }
        ledger.scope("layer1") { ledger.scope("softmax") { ledger.record(CostEvent(kind: "mul", bytesSent: [32, 32], rounds: 1)) } }
        #expect(ledger.totals().bytes == 128 + 16 + 864 + 64)
        #expect(ledger.totals().rounds == 11)
        #expect(ledger.totals(under: ["layer0", "softmax"]).bytes == 144)
        let byLayer = ledger.totals(byScopeComponent: 0)
        #expect(byLayer.map(\.name) == ["layer0", "layer1"])
        #expect(byLayer[0].totals.rounds == 10)
        let byNonlinearity = ledger.totals(byNames: ["softmax", "gelu"])
        #expect(byNonlinearity.first { $0.name == "softmax" }?.totals.bytes == 128 + 16 + 64)
        #expect(ledger.events[1].scope == ["layer0", "softmax", "reciprocal"])
    }

    @Test func parallelBranchesBatchRounds() {
        let ledger = CostLedger()
        _ = ledger.parallel([
            { ledger.record(CostEvent(kind: "a", bytesSent: [10, 10], rounds: 3)) },
            { ledger.record(CostEvent(kind: "b", bytesSent: [5, 5], rounds: 1)); ledger.record(CostEvent(kind: "c", rounds: 1)) },
        ])
        ledger.record(CostEvent(kind: "d", rounds: 2))
        let t = ledger.totals()
        #expect(t.rounds == 7)
        #expect(t.batchedRounds == 3 + 2)
        #expect(t.bytes == 30)
    }

    @Test func latencyTerms() throws {
        // Each party sends 12.5 MB (100 Mbit) in one simultaneous exchange, then the client
        // 2.5 MB and the server 5 MB in a query/answer exchange.
        var opening = CostEvent(kind: "open", bytesSent: [12_500_000, 12_500_000], rounds: 9)
        var answer = CostEvent(kind: "linear", bytesSent: [2_500_000, 5_000_000], rounds: 1)
        answer.simultaneous = false
        opening.computeSeconds = 0.25
        let totals = CostTotals([opening, answer])
        #expect(totals.bytes == 32_500_000 && totals.fullDuplexBytes == 20_000_000)
        let full = NetworkModel.wan.latency(of: totals)
        #expect(abs(full.transfer - 1.6) < 1e-12)   // (12.5 + 7.5) MB at 100 Mbit/s, each direction
        #expect(abs(full.roundTrips - 0.8) < 1e-12)
        #expect(abs(full.total - 2.65) < 1e-12)
        var shared = NetworkModel.wan
        shared.duplex = .half
        #expect(abs(shared.latency(of: totals).transfer - 2.6) < 1e-12)   // 32.5 MB over one shared link
        #expect(throws: CostModelError.self) { try NetworkModel(name: "x", bandwidthBitsPerSecond: 1e-294, roundTripSeconds: 1, source: "") }
        #expect(throws: CostModelError.self) { try NetworkModel(name: "x", bandwidthBitsPerSecond: 1e9, roundTripSeconds: 1e300, source: "") }
        #expect(throws: CostModelError.self) { try NetworkModel(name: "x", bandwidthBitsPerSecond: 0, roundTripSeconds: 1, source: "") }
        #expect(throws: CostModelError.unknownNetwork("moon", known: ["lan", "wan", "cheetah-lan", "cheetah-wan", "localhost"])) { try NetworkModel.preset(named: "moon") }
    }
}
