import Foundation
import Testing
@testable import Scenario

/// `spu-cheetah` against SecretFlow SPU 0.9.5's CHEETAH as measured here
/// (Tests/TwoPartyTests/Fixtures/spu_costs.json, measure_spu_costs.py). Cheetah's counts
/// depend on run history — the Beaver-triple cache refilled by one HE batch per 4,096 small
/// products and Ferret OT refills — which the profile charges at their steady-state average.
/// So: ops of model size (≥ 2·8192 elements, where SPU takes the direct HE paths) must send
/// SPU's median bytes per party to within 2 %; smaller ops must fall inside the range SPU's
/// own repeats spanned (min … max, widened by 2 %).
@Suite("SPU Cheetah against the measured peer")
struct SPUCheetahTests {
    static let fixture = SPUCostFixture.ops("CHEETAH")

    /// Fixture label → PISim op. Not matched: gelu_erf (XLA's erf expansion; the profile's
    /// GELU is jax.nn.gelu's default tanh form), matmul_x_secretW (no PISim op multiplies
    /// by secret-shared weights; its cost is the attention products').
    static let matched: [(String, String)] = [
        ("mul [1024]x[1024]", "mul"), ("mul [128, 768]x[128, 768]", "mul"), ("square [1024]", "mul"), ("less [1024]x[1024]", "ltz"),
        ("relu [1024]", "relu"), ("exp [1024]", "exp"), ("reciprocal [1024]", "reciprocal"), ("rsqrt [1024]", "inv-sqrt"),
        ("tanh [1024]", "tanh"), ("softmax [1, 8]", "softmax"), ("softmax [1, 128]", "softmax"), ("softmax [1, 512]", "softmax"),
        ("softmax [128, 128]", "softmax"), ("softmax [12, 32, 32]", "softmax"), ("softmax [12, 128, 128]", "softmax"),
        ("softmax [enable_optimize_denominator_with_broadcast] [1, 128]", "softmax"),
        ("softmax [enable_optimize_denominator_with_broadcast] [12, 128, 128]", "softmax"),
        ("gelu_tanh [1024]", "gelu"), ("gelu_tanh [128, 3072]", "gelu"), ("layernorm [128, 768]", "layernorm"),
        ("matmul_x_privW [128, 768]x[768, 768]", "matmul"), ("matmul_x_privW [128, 768]x[768, 2304]", "matmul"),
        ("matmul_x_privW [128, 768]x[768, 3072]", "matmul"), ("matmul_x_privW [128, 3072]x[3072, 768]", "matmul"),
        ("matmul_x_privW [32, 768]x[768, 768]", "matmul"),
        ("attn_QKt [12, 128, 64]x[12, 64, 128]", "matmul"), ("attn_AV [12, 128, 128]x[12, 128, 64]", "matmul"),
    ]

    /// PISim's bytes per party for a fixture op.
    static func predicted(_ label: String) throws -> (pisim: [Int], spu: SPUCostFixture.Op) {
        let (_, op) = try #require(matched.first { $0.0 == label })
        let measured = try #require(fixture.first { $0.label == label }, "fixture entry \(label)")
        let shape = SPUCostFixture.shape(measured, pisimOp: op)
        var profile = try ProtocolProfile.load("spu-cheetah")
        if label.contains("enable_optimize_denominator_with_broadcast") { profile.nonlinearities["softmax"]?.division = .perRowBroadcast }

        let r = try OperationRunner.run(op: op, shape: shape, profile: profile, network: .lan)
        return (r.totals.bytesSent, measured)
    }

    @Test(arguments: matched.map(\.0)) func bytesPerPartyMatchSPU(_ label: String) throws {
        let (pisim, spu) = try Self.predicted(label)
        let elements = spu.inputs.map { $0.shape.reduce(1, *) }.max() ?? 0
        for (i, name) in ["party0", "party1"].enumerated() {
            let p = try #require(spu.parties[name])
            let ratio = Double(pisim[i]) / Double(p.bytes_sent)
            if elements >= 2 * 8192 {
                #expect(abs(ratio - 1) <= 0.02, "\(label) \(name): PISim \(pisim[i]) B, SPU median \(p.bytes_sent) B (\(ratio)×)")
            } else {
                #expect(Double(pisim[i]) >= 0.98 * Double(p.send_bytes_min) && Double(pisim[i]) <= 1.02 * Double(p.send_bytes_max),
                        "\(label) \(name): PISim \(pisim[i]) B outside SPU's \(p.send_bytes_min)…\(p.send_bytes_max) B (median \(p.bytes_sent))")
            }
        }
    }
}
