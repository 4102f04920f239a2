import Foundation
import Testing
@testable import Scenario

/// `spu-semi2k` against SecretFlow SPU 0.9.5's SEMI2K as measured here
/// (Tests/TwoPartyTests/Fixtures/spu_costs.json, measure_spu_costs.py): the ops whose
/// algorithms PISim runs as SPU does must send exactly SPU's bytes per party, in as many
/// rounds as SPU sends messages. SEMI2K's counts are deterministic (the fixture's min = max).
@Suite("SPU semi2k against the measured peer")
struct SPUSemi2kTests {
    static let fixture = SPUCostFixture.ops("SEMI2K")

    /// (fixture label, PISim op, whether SPU's send actions are the rounds: one message per
    /// round for elementwise ops; a matmul opens its two operands as two messages of one round).
    static let matched: [(String, String, Bool)] = [
        ("relu [1024]", "relu", true), ("exp [1024]", "exp", true), ("reciprocal [1024]", "reciprocal", true),
        ("softmax [1, 8]", "softmax", true), ("softmax [1, 128]", "softmax", true), ("softmax [1, 512]", "softmax", true),
        ("softmax [128, 128]", "softmax", true), ("softmax [12, 32, 32]", "softmax", true), ("softmax [12, 128, 128]", "softmax", true),
        ("softmax [enable_optimize_denominator_with_broadcast] [1, 128]", "softmax", true),
        ("softmax [enable_optimize_denominator_with_broadcast] [12, 128, 128]", "softmax", true),
        ("matmul_x_privW [128, 768]x[768, 768]", "matmul", false), ("matmul_x_privW [128, 768]x[768, 2304]", "matmul", false),
        ("matmul_x_privW [128, 768]x[768, 3072]", "matmul", false), ("matmul_x_privW [128, 3072]x[3072, 768]", "matmul", false),
        ("matmul_x_privW [32, 768]x[768, 768]", "matmul", false),
        ("attn_QKt [12, 128, 64]x[12, 64, 128]", "matmul", false), ("attn_AV [12, 128, 128]x[12, 128, 64]", "matmul", false),
        // Charged from their own measurement (the profile's analytic entries): a check of the
        // per-element and per-row split on the measured shapes.
        ("rsqrt [1024]", "inv-sqrt", true), ("tanh [1024]", "tanh", true), ("gelu_tanh [1024]", "gelu", true),
        ("gelu_tanh [128, 3072]", "gelu", true), ("layernorm [128, 768]", "layernorm", true),
    ]

    @Test(arguments: matched.map(\.0)) func bytesPerPartyEqualSPU(_ label: String) throws {
        let (_, op, roundsAreMessages) = try #require(Self.matched.first { $0.0 == label })
        let measured = try #require(Self.fixture.first { $0.label == label }, "fixture entry \(label)")
        let shape = SPUCostFixture.shape(measured, pisimOp: op)
        var profile = try ProtocolProfile.load("spu-semi2k")
        if label.contains("enable_optimize_denominator_with_broadcast") {
            // The compiler option makes the divide one reciprocal per row, broadcast, and a product.
            profile.nonlinearities["softmax"]?.division = .perRowBroadcast
        }
        let r = try OperationRunner.run(op: op, shape: shape, profile: profile, network: .lan)
        for (i, party) in ["party0", "party1"].enumerated() {
            let spu = try #require(measured.parties[party])
            #expect(r.totals.bytesSent[i] == spu.bytes_sent, "\(label) \(party): PISim \(r.totals.bytesSent[i]) B, SPU \(spu.bytes_sent) B")
            if roundsAreMessages { #expect(r.totals.rounds == spu.send_actions, "\(label): \(r.totals.rounds) rounds, SPU \(spu.send_actions) messages") }
        }
    }

    /// A profile that asks for SPU's Goldschmidt without saying what its normalisation
    /// sends is refused, with the file and line, rather than given a free bit decomposition.
    @Test func spuGoldschmidtWithoutNormalisationCostIsRefused() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let text = try String(contentsOf: root.appendingPathComponent("protocols/spu-semi2k.yaml"), encoding: .utf8)
        let stripped = text.split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.hasPrefix("    normalize: {bits_per_element") }
        #expect(stripped.count < text.split(separator: "\n", omittingEmptySubsequences: false).count)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("spu-no-normalize-\(UUID().uuidString).yaml").path
        try stripped.joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        do {
            _ = try ProtocolProfile.load(path)
            Issue.record("accepted spu-goldschmidt without a normalisation cost")
        } catch {
            #expect("\(error)".contains("needs normalize") && "\(error)".contains(path), "\(error)")
        }
    }
}
