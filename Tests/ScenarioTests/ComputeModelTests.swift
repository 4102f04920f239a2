import CostModel
import Foundation
import Testing
import Transformer
@testable import Scenario

/// The compute term of two-party latency: the `crypten` and `spu-semi2k` profiles'
/// `compute:` sections are what `pisim calibrate` derives from the peers' measured
/// primitives (Tests/TwoPartyTests/Fixtures/crypten_compute.json from
/// measure_crypten_compute.py, spu_semi2k_compute.json from measure_spu_compute.py), and
/// the composite operations they did not see are predicted within ±30 % of the peer's
/// wall time.
@Suite("Compute model against measured peers")
struct ComputeModelTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("TwoPartyTests/Fixtures")

    static func load(_ profile: String, _ fixture: String) throws -> (PeerTimings, ProtocolProfile) {
        (try PeerTimings.load(path: fixtures.appendingPathComponent(fixture).path), try ProtocolProfile.load(profile))
    }

    static let calibrated = [("crypten", "crypten_compute.json"), ("spu-semi2k", "spu_semi2k_compute.json"),
                             ("spu-cheetah", "spu_cheetah_compute.json")]

    /// Each profile's runs of its fixture's entries, executed once for all the tests here
    /// (a debug-build execution of every entry takes minutes).
    static let runs: [String: Result<(PeerTimings, [ComputeCalibration.Run]), FixtureError>] = Dictionary(uniqueKeysWithValues: calibrated.map { name, file in
        (name, Result { () throws(FixtureError) in
            do {
                let (timings, profile) = try load(name, file)
                return (timings, try ComputeCalibration.runs(timings, profile: profile))
            } catch { throw FixtureError(message: "\(name): \(error)") }
        })
    })

    struct FixtureError: Error { var message: String }

    static func rows(_ name: String) throws -> [ComputeCalibration.Comparison] {
        let (_, runs) = try #require(Self.runs[name]).get()
        let model = try #require(try ProtocolProfile.load(name).settings.compute, "\(name) has a compute section")
        return ComputeCalibration.compare(runs, model: model)
    }

    /// The committed coefficients are the fit's, to the three digits printed: the profile
    /// cannot drift from the script and the measurement.
    @Test(arguments: calibrated.map(\.0)) func profileCoefficientsAreTheFit(_ name: String) throws {
        let (timings, runs) = try #require(Self.runs[name]).get()
        let committed = try #require(try ProtocolProfile.load(name).settings.compute, "\(name).yaml has a compute section")
        let fitted = try ComputeCalibration.fit(runs, machine: timings.machineSummary, source: "test")
        func close(_ a: Double, _ b: Double) -> Bool { abs(a - b) <= 0.006 * max(abs(a), abs(b)) + 1e-15 }
        #expect(close(committed.perMultiplyAccumulateSeconds, fitted.perMultiplyAccumulateSeconds))
        #expect(Set(committed.rates.keys) == Set(fitted.rates.keys))
        for (kind, r) in fitted.rates {
            let c = try #require(committed.rates[kind], "kind \(kind)")
            #expect(close(c.perEvent, r.perEvent) && close(c.perRound, r.perRound) && close(c.perElement, r.perElement), "\(kind)")
        }
    }

    /// bumblebee runs on SPU's CHEETAH code and carries spu-cheetah's compute section.
    @Test func bumblebeeComputeIsCheetahs() throws {
        let a = try #require(try ProtocolProfile.load("bumblebee").settings.compute), b = try #require(try ProtocolProfile.load("spu-cheetah").settings.compute)
        #expect(a.rates == b.rates && a.perMultiplyAccumulateSeconds == b.perMultiplyAccumulateSeconds && a.defaultRate == b.defaultRate)
    }

    /// PISim sends exactly CrypTen's bytes (PISim's two parties' sum = each CrypTen party's
    /// counter, which counts an all_reduce's sends and receives) and rounds for every timed op.
    @Test func bytesAndRoundsEqualCrypTen() throws {
        for c in try Self.rows("crypten") {
            #expect(c.pisimBytes == c.entry.bytesParty0, "\(c.entry.label)")
            #expect(c.pisimRounds == c.entry.roundsParty0, "\(c.entry.label)")
        }
    }

    /// spu-semi2k, on the ops whose algorithms PISim runs as SPU does (the same bytes per
    /// party: SPUSemi2kTests); its other ops run other algorithms and are reported, not
    /// held. Known misses: exp [1024], whose nine truncations are priced from standalone
    /// 0.37·x runs, which cost SPU more per truncation than the chain inside exp does; and
    /// the reciprocal (1.44× at 1 Ki, 0.67× at 64 Ki), whose normalisation (a2b, the
    /// prefix-OR's ANDs, b2a) is priced per round and element as the comparison's binary
    /// circuit, while SPU's a2b costs less per round and more per element than its msb_a2b.
    static let spuSemi2kMisses = ["exp [1024]", "reciprocal [1024]", "reciprocal [65536]"]

    @Test func spuSemi2kPredictionsOnMatchedOps() throws {
        let rows = try Self.rows("spu-semi2k")
        let matched = rows.filter { ["relu", "exp", "linear", "reciprocal", "softmax"].contains($0.entry.op) && $0.entry.role == "check" }
        #expect(matched.count == 9)
        for r in matched {
            let miss = Self.spuSemi2kMisses.contains(r.entry.label)
            #expect((0.7...1.3).contains(r.ratio) != miss,
                    "\(r.entry.label): predicted \(r.predictedSeconds) s, SPU \(r.entry.wallSeconds) s")
        }
    }

    /// spu-cheetah's byte model on the timing fixture's entries of model size (≥ 2·8192
    /// elements), at shapes the cost fixture does not have: both parties' bytes within 3 % of
    /// SPU's (comparisons vary ±2.5 % with how many Ferret refills a run triggers: the
    /// profile charges their average), except tanh, whose per-element charge is the [1024]
    /// measurement's (a fixed HE batch that does not shrink with n; 1.8× at 16 Ki).
    @Test func spuCheetahBytesOnTheTimingFixture() throws {
        let (_, runs) = try #require(Self.runs["spu-cheetah"]).get()
        var checked = 0
        for r in runs where r.entry.shapes.map({ $0.reduce(1, *) }).max() ?? 0 >= 2 * 8192 && !["add", "add8", "scale"].contains(r.entry.op) {
            let ratio = Double(r.report.totals.bytes) / Double(r.entry.bytesParty0 + r.entry.bytesParty1)
            #expect((abs(ratio - 1) <= 0.03) != (r.entry.op == "tanh"), "\(r.entry.label): PISim / SPU bytes \(ratio)")
            checked += 1
        }
        #expect(checked >= 15)
    }

    /// Ops the model is known to miss, with the reason: CrypTen runs a batched matmul as
    /// one torch int64 bmm whose per-matrix overhead the per-MAC figure (fitted on single
    /// products) does not carry. Still checked: it must stay the only miss, and a miss.
    static let knownMisses = ["matmul [12, 128, 64]x[12, 64, 128]"]

    /// Every check op — a prediction, never fitted — within ±30 % of CrypTen's median wall
    /// time on a zero-delay loopback link; every calibration primitive's fit residual within
    /// ±50 % (the sub-millisecond additions and scalings are timer-noise bound).
    @Test func predictedComputeWithinThirtyPercent() throws {
        let rows = try Self.rows("crypten")
        #expect(rows.filter { $0.entry.role == "check" }.count >= 15)
        for r in rows {
            let within = (r.entry.role == "check" ? 0.7...1.3 : 0.5...1.5).contains(r.ratio)
            #expect(within != Self.knownMisses.contains(r.entry.label),
                    "\(r.entry.label) (\(r.entry.role)): predicted \(r.predictedSeconds) s, CrypTen \(r.entry.wallSeconds) s")
        }
    }

    /// Latency = round trips + transfer + compute, with compute from the profile, and the
    /// scale factor multiplies it.
    @Test func latencyCarriesComputeAndScales() throws {
        let profile = try ProtocolProfile.load("crypten")
        let one = try OperationRunner.run(op: "softmax", shape: [4, 64], profile: profile, network: .wan)
        let two = try OperationRunner.run(op: "softmax", shape: [4, 64], profile: profile.scalingCompute(by: 2), network: .wan)
        #expect(one.latency.compute > 0)
        #expect(abs(two.latency.compute - 2 * one.latency.compute) <= 1e-12 * two.latency.compute)
        #expect(two.latency.roundTrips == one.latency.roundTrips && two.latency.transfer == one.latency.transfer)
        #expect(throws: (any Error).self) { try profile.scalingCompute(by: 0) }
        #expect(throws: (any Error).self) { try profile.scalingCompute(by: .infinity) }
    }

    /// A GPT-2 block: the estimate charges the same compute as the execution (the same
    /// events, local operations included).
    @Test func estimateChargesTheExecutedCompute() throws {
        let profile = try ProtocolProfile.load("crypten")
        var shape = ModelShape.presets[0]
        shape.layers = 1
        let one = RunRequest(model: shape, architecture: .baseline, profile: profile, network: .lan, tokens: 8, includeEmbeddings: false)
        let executed = try ModelRunner.execute(one), estimated = try ModelRunner.estimate(one)
        #expect(executed.totals.computeSeconds > 0)
        #expect(executed.totals.computeSeconds == estimated.totals.computeSeconds)
    }
}
