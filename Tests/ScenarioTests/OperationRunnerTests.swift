import Testing
import Approximation
import CostModel
@testable import Scenario

@Suite("pisim op: every catalog entry under every bundled profile")
struct OperationRunnerTests {
    @Test(arguments: ProtocolProfile.available())
    func everyOperationRuns(profileName: String) throws {
        let profile = try ProtocolProfile.load(profileName)
        for function in ApproximationCatalog.methods.map(\.function) {
            let report = try OperationRunner.run(op: function, shape: [2, 16], profile: profile, network: .wan, seed: 3)
            if let h = report.homomorphic {
                #expect(h.failure == nil, "\(profileName) \(function): \(h.failure ?? "")")
                #expect(report.latency.compute > 0, "\(profileName) \(function)")
            } else {
                #expect(report.totals.bytes > 0, "\(profileName) \(function)")
                #expect(report.totals.rounds > 0)
            }
            #expect(report.latency.total > 0)
            #expect(!report.breakdown.isEmpty)
            #expect(report.breakdown.allSatisfy { $0.scope.hasPrefix(function) })
        }
    }

    @Test func crypTenSoftmaxRowMatchesMeasuredAccounting() throws {
        let r = try OperationRunner.run(op: "softmax", shape: [3, 128], profile: ProtocolProfile.load("crypten"), network: .wan)
        #expect(r.totals.bytes == 3 * 190_512 && r.totals.rounds == 116)
        #expect(r.maxAbsoluteError < 2e-3)
        // WAN, full duplex: 116 openings × 80 ms / 2 (both parties send at once: one one-way
        // delay each) + each party's bytes × 8 / 100 Mbit/s (CrypTen's openings are symmetric,
        // so a party sends half the total), plus CrypTen's measured compute.
        #expect(abs(r.latency.total - r.latency.compute - (116 * 0.04 + Double(3 * 190_512 / 2) * 8 / 100e6)) < 1e-9)
        #expect(r.latency.compute > 0.1 && r.latency.compute < 2)
        let minimal = try OperationRunner.run(op: "softmax", shape: [3, 128], profile: ProtocolProfile.load("crypten-minimal"), network: .wan)
        #expect(minimal.totals.bytes == 3 * 77_984 && minimal.totals.rounds == 100)
    }

    @Test func deterministicForASeed() throws {
        let p = try ProtocolProfile.load("crypten")
        let a = try OperationRunner.run(op: "sigmoid", shape: [64], profile: p, network: .lan, seed: 9)
        let b = try OperationRunner.run(op: "sigmoid", shape: [64], profile: p, network: .lan, seed: 9)
        #expect(a.maxAbsoluteError == b.maxAbsoluteError && a.totals == b.totals)
    }

    @Test func badRequestsThrow() throws {
        let p = try ProtocolProfile.load("crypten")
        #expect(throws: (any Error).self) { try OperationRunner.run(op: "softmaxx", shape: [4], profile: p, network: .lan) }
        #expect(throws: (any Error).self) { try OperationRunner.run(op: "exp", shape: [0], profile: p, network: .lan) }
    }
}

@Suite("spu-semi2k profile against SPU 0.9.5's implementation")
struct SemiTwoKTests {
    /// The limit exp with 8 iterations at f = 18: nine TruncAPr2 (x/2^8 and one per square,
    /// 32 bits each as SPU 0.9.5 sends them, not complexity.md's "bits truncated") and 8
    /// squares (64 bits) = 800 bits per party and 17 rounds per element; measured with SPU:
    /// 102,400 B per party for 1024 elements, 17 messages (spu_costs.json).
    @Test func expMatchesTheImplementation() throws {
        let r = try OperationRunner.run(op: "exp", shape: [128], profile: ProtocolProfile.load("spu-semi2k"), network: .lan)
        #expect(r.totals.bytesSent == [128 * 800 / 8, 128 * 800 / 8])
        #expect(r.totals.rounds == 17)
    }

    /// ReLU: MsbA2B (448 bits, 7 rounds; SPU keeps the bit boolean, no b2a) + one product
    /// (128 bits, 1 round) = 576 bits per party, 8 rounds (SPU: 73,728 B for 1024, 8 messages).
    @Test func reluMatchesTheImplementation() throws {
        let r = try OperationRunner.run(op: "relu", shape: [64], profile: ProtocolProfile.load("spu-semi2k"), network: .lan)
        #expect(r.totals.bytesSent == [64 * (448 + 128) / 8, 64 * (448 + 128) / 8])
        #expect(r.totals.rounds == 8)
        #expect(r.maxAbsoluteError < 1e-5)
    }
}

@Suite("sigma profile against GPU-MPC's accounting")
struct SigmaProfileTests {
    /// GPT-2's GELU (T = 128, 3072 wide): 145 bits per element sent by each party and 7
    /// rounds → 7,127,040 B per party, the replay of GPU-MPC's reconstruct calls
    /// (Fixtures/sigma_cost_model.py); key ≈ 607.6 B per element.
    @Test func geluOfOneGPT2Layer() throws {
        let r = try OperationRunner.run(op: "gelu", shape: [128, 3072], profile: ProtocolProfile.load("sigma"), network: .lan)
        #expect(r.totals.bytesSent == [7_127_040, 7_127_040])
        #expect(r.totals.rounds == 7)
        #expect(abs(Double(r.totals.offlineBytes) - 393_216 * 607.6) < 1)
        #expect(r.maxAbsoluteError < 1e-3)
    }

    /// Softmax rounds grow with the row: 2⌈log2 n⌉ + 21 (35 at n = 128).
    @Test func softmaxRounds() throws {
        let p = try ProtocolProfile.load("sigma")
        #expect(try OperationRunner.run(op: "softmax", shape: [2, 128], profile: p, network: .lan).totals.rounds == 35)
        #expect(try OperationRunner.run(op: "softmax", shape: [2, 512], profile: p, network: .lan).totals.rounds == 39)
    }

    /// ReLU from SIGMA's primitives: DReLU (1 bit, 1 round) + select (ℓ = 50 bits, 1 round).
    @Test func reluFromPrimitives() throws {
        let r = try OperationRunner.run(op: "relu", shape: [800], profile: ProtocolProfile.load("sigma"), network: .lan)
        #expect(r.totals.bytesSent == [800 * 51 / 8, 800 * 51 / 8])
        #expect(r.totals.rounds == 2)
    }
}

@Suite("bumblebee profile: bottom-up from Cheetah primitives")
struct BumbleBeeProfileTests {
    /// Softmax on a row of 128: (n − 1)·788 + n·6173 + 20.8k bits on the wire ≈ 111.2 KiB
    /// per row (the derivation overcounts one compare of 788 bits: n − 1 is charged as n).
    @Test func softmaxRowOf128() throws {
        let r = try OperationRunner.run(op: "softmax", shape: [4, 128], profile: ProtocolProfile.load("bumblebee"), network: .wan)
        let derivedPerRow = Double(127 * 788 + 128 * 6173 + 20_800) / 8
        #expect(abs(Double(r.totals.bytes) / 4 - derivedPerRow) <= 788.0 / 8 + 2)
        #expect(r.totals.rounds == 11 * 7 + 69)
    }

    @Test func geluAndRelu() throws {
        let p = try ProtocolProfile.load("bumblebee")
        let gelu = try OperationRunner.run(op: "gelu", shape: [1000], profile: p, network: .lan)
        #expect(gelu.totals.bytes == 2 * (1000 * 1506 / 8))   // 3012 bits per element on the wire
        #expect(gelu.totals.rounds == 20)
        let relu = try OperationRunner.run(op: "relu", shape: [1000], profile: p, network: .lan)
        #expect(relu.totals.rounds == 11)   // comparison 10 + product 1
    }
}

@Suite("Linear layers under each profile")
struct LinearLayerTests {
    /// BERT's 128×768·768×768 product.
    @Test func matmulCosts() throws {
        // CrypTen: one matrix triple, 16·(m·k + k·n) bytes on the wire, 1 round.
        let c = try OperationRunner.run(op: "matmul", shape: [128, 768, 768], profile: ProtocolProfile.load("crypten"), network: .lan)
        #expect(c.totals.bytes == 16 * (128 * 768 + 768 * 768) && c.totals.rounds == 1)
        // BumbleBee: 12 query ciphertexts (166,912 B) from the client, 12 responses (233,472 B)
        // from the server, then a known-sign truncation of 18 bits per output (9.5 bits per party).
        let b = try OperationRunner.run(op: "matmul", shape: [128, 768, 768], profile: ProtocolProfile.load("bumblebee"), network: .lan)
        let truncation = Int((9.5 * Double(128 * 768) / 8).rounded(.up))
        #expect(b.totals.bytesSent == [12 * 166_912 + truncation, 12 * 233_472 + truncation])
        #expect(b.totals.rounds == 2)
        #expect(b.maxAbsoluteError < 1e-3)
        // SIGMA: 140 bits per output per party, 5 rounds, keys 8(MK + KN + MN) + 676.75·MN.
        let s = try OperationRunner.run(op: "matmul", shape: [128, 768, 768], profile: ProtocolProfile.load("sigma"), network: .lan)
        #expect(s.totals.bytesSent == [128 * 768 * 140 / 8, 128 * 768 * 140 / 8] && s.totals.rounds == 5)
        let key = 8.0 * Double(128 * 768 + 768 * 768) + 684.75 * Double(128 * 768)
        #expect(abs(Double(s.totals.offlineBytes) - key) < 1)
    }

    @Test func matmulNeedsThreeOrFourExtents() throws {
        #expect(throws: (any Error).self) { try OperationRunner.run(op: "matmul", shape: [128, 768], profile: ProtocolProfile.load("crypten"), network: .lan) }
    }
}

@Suite("CKKS profile: Power-Softmax attention under the simulator")
struct CKKSProfileTests {
    /// A 128-token, 12-head attention layer: 196,608 scores in 6 ciphertexts of N/2 = 32,768
    /// slots; the report gives depth, levels, bootstraps and latency per scope.
    @Test func powerSoftmaxAttentionLayer() throws {
        let profile = try ProtocolProfile.load("ckks-openfhe")
        let r = try OperationRunner.run(op: "power-softmax", shape: [12, 128, 128], profile: profile, network: .lan)
        let h = try #require(r.homomorphic)
        #expect(h.failure == nil)
        #expect(h.depth == h.levelsUsed && h.depth <= 28)
        #expect(h.rotations == 6 * 7)   // row sums: ⌈log2 128⌉ rotations on each of 6 ciphertexts
        // With the profile's noise model the error is that of CKKS noise (≈ 1e-6), not rounding.
        #expect(r.maxAbsoluteError < 1e-5)
        #expect(r.latency.compute > 0 && r.latency.roundTrips == 0)
        let scopes = Set(r.breakdown.map(\.scope))
        #expect(scopes.isSuperset(of: ["power-softmax/power", "power-softmax/reciprocal", "power-softmax/normalize"]))
        #expect(r.breakdown.first { $0.scope == "power-softmax/normalize" }?.totals.depth == h.levelsUsed)
    }

    /// With a short chain the simulator bootstraps where levels run out, and says where.
    @Test func bootstrapsWhenLevelsRunOut() throws {
        let text = """
        name: ckks-short
        kind: ckks
        source: "test"
        parameters:
          ring_dimension: {value: 16384, source: "s"}
          scaling_bits: {value: 40, source: "s"}
          depth: {value: 7, source: "s"}
          security: {value: "128", source: "s"}
          bootstrap_depth: {value: 3, source: "s"}
          policy: {value: automatic, source: "s"}
        """
        let profile = try ProtocolProfile.parse(text, file: "short.yaml")
        let r = try OperationRunner.run(op: "power-softmax", shape: [2, 128], profile: profile, network: .lan)
        let h = try #require(r.homomorphic)
        #expect(h.failure == nil)
        #expect(h.bootstraps > 0)
        #expect(r.breakdown.contains { $0.totals.bootstraps > 0 && $0.scope.hasPrefix("power-softmax/reciprocal") })
        let failing = try ProtocolProfile.parse(text.replacingOccurrences(of: "automatic", with: "fail"), file: "short.yaml")
        let f = try OperationRunner.run(op: "power-softmax", shape: [2, 128], profile: failing, network: .lan)
        #expect(f.homomorphic?.failure?.contains("out of levels") == true)
    }

    @Test func insecureParametersAreRefusedWithTheBound() {
        let text = """
        name: bad
        kind: ckks
        source: "test"
        parameters:
          ring_dimension: {value: 8192, source: "s"}
          scaling_bits: {value: 40, source: "s"}
          depth: {value: 20, source: "s"}
          security: {value: "128", source: "s"}
        """
        do { _ = try ProtocolProfile.parse(text, file: "bad.yaml"); Issue.record("accepted") } catch {
            #expect(error.key == "parameters" && error.message.contains("exceeds 218"))
        }
    }
}

@Suite("CKKS packing model")
struct PackingModelTests {
    /// 128×768 activations fill 3 ciphertexts of 32,768 slots; the diagonal method with
    /// baby-step giant-step needs ⌈√768⌉ + ⌈768/28⌉ − 2 = 54 rotations and 768 plaintext
    /// products per ciphertext, and one level.
    @Test func diagonalMatmul() throws {
        let r = try OperationRunner.run(op: "matmul", shape: [128, 768, 768], profile: ProtocolProfile.load("ckks-openfhe"), network: .lan)
        let h = try #require(r.homomorphic)
        #expect(h.rotations == 3 * 54 && h.plaintextMultiplications == 3 * 768)
        #expect(h.levelsUsed == 1)
        #expect(r.maxAbsoluteError < 1e-5)
    }
}
