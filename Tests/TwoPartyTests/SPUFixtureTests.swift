import Foundation
import Testing

/// The SPU 0.9.5 measurements (Fixtures/spu_costs.json, made by measure_spu_costs.py) are
/// what the SPU-based profiles will be checked against; these tests hold the fixture to its
/// own stated conventions so that a re-measurement that breaks them is caught.
@Suite("SPU 0.9.5 fixture")
struct SPUFixtureTests {
    struct Fixture: Decodable {
        struct Party: Decodable {
            var bytes_sent: Int
            var bytes_recv: Int
            var send_actions: Int
            var recv_actions: Int
            var send_bytes_min: Int
            var send_bytes_max: Int
        }
        struct Op: Decodable {
            var name: String
            var label: String
            var `protocol`: String
            var parties: [String: Party]
            var wall_s: Double
        }
        var spu_version: String
        var ops: [Op]
    }

    static func fixture() throws -> Fixture {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/spu_costs.json")
        return try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url))
    }

    @Test func partiesAgreeAndEveryOpIsMeasuredUnderBothProtocols() throws {
        let f = try Self.fixture()
        #expect(f.spu_version == "0.9.5")
        for op in f.ops {
            let p0 = try #require(op.parties["party0"]), p1 = try #require(op.parties["party1"])
            // What one party sends the other receives (payload bytes and messages).
            #expect(p0.bytes_sent == p1.bytes_recv && p1.bytes_sent == p0.bytes_recv, "\(op.protocol) \(op.label)")
            #expect(p0.send_actions == p1.recv_actions && p1.send_actions == p0.recv_actions, "\(op.protocol) \(op.label)")
            #expect(p0.send_bytes_min <= p0.bytes_sent && p0.bytes_sent <= p0.send_bytes_max)
            #expect(op.wall_s > 0)
        }
        let labels = { (p: String) in Set(f.ops.filter { $0.protocol == p }.map(\.label)) }
        #expect(labels("CHEETAH") == labels("SEMI2K"))
        #expect(Set(f.ops.map(\.name)).isSuperset(of: ["mul", "square", "less", "relu", "exp", "reciprocal", "rsqrt", "tanh", "softmax",
                                                      "gelu_tanh", "gelu_erf", "layernorm", "matmul_x_privW", "attn_QKt", "attn_AV"]))
    }

    /// SEMI2K draws its triples from a trusted first party's seeds: its bytes do not vary
    /// between runs. CHEETAH's do (Ferret refills), and the fixture records the range.
    @Test func semi2kIsDeterministic() throws {
        for op in try Self.fixture().ops where op.protocol == "SEMI2K" {
            for p in op.parties.values { #expect(p.send_bytes_min == p.send_bytes_max, "\(op.label)") }
        }
        // A fixed-point product of 1024 pairs: each party opens its shares of x − a and y − b
        // (mul_aa, 8 + 8 bytes per element) and TruncAPr2 sends 4 bytes per element
        // (the fixture's mpc_profile: 16,384 + 4,096 bytes from each party).
        let mul = try #require(try Self.fixture().ops.first { $0.protocol == "SEMI2K" && $0.label == "mul [1024]x[1024]" })
        #expect(mul.parties["party0"]?.bytes_sent == (16 + 4) * 1024)
    }
}
