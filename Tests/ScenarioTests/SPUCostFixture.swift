import Foundation

/// SecretFlow SPU 0.9.5 measured op by op (Tests/TwoPartyTests/Fixtures/spu_costs.json,
/// made by measure_spu_costs.py): what the SPU profiles' tests compare with.
enum SPUCostFixture {
    struct Op: Decodable {
        struct Party: Decodable {
            var bytes_sent: Int
            var send_bytes_min: Int
            var send_bytes_max: Int
            var send_actions: Int
        }
        struct Input: Decodable { var shape: [Int] }
        var label: String
        var `protocol`: String
        var inputs: [Input]
        var parties: [String: Party]
    }
    struct Document: Decodable { var ops: [Op] }

    static let all: [Op] = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("TwoPartyTests/Fixtures/spu_costs.json")
        return (try? JSONDecoder().decode(Document.self, from: Data(contentsOf: url)))?.ops ?? []
    }()

    /// The ops measured under `protocol` ("CHEETAH", "SEMI2K").
    static func ops(_ protocol: String) -> [Op] { all.filter { $0.protocol == `protocol` } }

    /// PISim's shape for a fixture op: the first input's, or for a matmul T×D×D′ (B×T×D×D′ batched).
    static func shape(_ op: Op, pisimOp: String) -> [Int] {
        let shapes = op.inputs.map(\.shape)
        guard pisimOp == "matmul" else { return shapes[0] }
        return shapes[0].count == 3 ? shapes[0] + [shapes[1][2]] : shapes[0] + [shapes[1][1]]
    }
}
