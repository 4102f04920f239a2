import Foundation
import Testing
import Approximation
import Backend
import CostModel
import Tensors
@testable import TwoParty

/// CrypTen 0.4.1's own communication accounting, measured with two CrypTen processes
/// (`Fixtures/measure_crypten_costs.py`, `communicator.verbose = True`): bytes per party
/// (sent + received, which for two parties is the total on the wire) and rounds.
struct CrypTenFixture: Decodable {
    struct Result: Decodable {
        let op: String
        let shape: [Int]
        let bytes_party0: Int
        let rounds_party0: Int
    }
    let crypten_version: String
    let results: [Result]

    static func load() throws -> CrypTenFixture {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/crypten_costs.json")
        return try JSONDecoder().decode(CrypTenFixture.self, from: Data(contentsOf: url))
    }

    func measured(_ op: String, _ shape: [Int]) -> (bytes: Int, rounds: Int)? {
        results.first { $0.op == op && $0.shape == shape }.map { ($0.bytes_party0, $0.rounds_party0) }
    }
}

/// Runs `body` on a fresh CrypTen-profile engine with inputs of `shape` in [lo, hi],
/// counting only what `body` does (inputs are shared first, as in the measurement).
func cryptenCost(shape: [Int], range: (Double, Double) = (-4, 4), seed: UInt64 = 7,
                 _ body: (TwoPartyBackend, SharedTensor) -> SharedTensor) throws -> (bytes: Int, rounds: Int, result: Tensor<Double>, input: Tensor<Double>) {
    var settings = TwoPartySettings()
    settings.seed = seed
    let engine = try TwoPartyEngine(settings: settings)
    let backend = TwoPartyBackend(engine: engine, profileName: "crypten")
    var g = SplitMix(seed: seed)
    let x = try Tensor(shape: shape, element: { _ in range.0 + (range.1 - range.0) * g.nextUnit() })
    let shared = backend.input(x)
    engine.ledger.reset()
    let y = body(backend, shared)
    let t = engine.ledger.totals()
    return (t.bytes, t.rounds, backend.reveal(y), x)
}

/// A tiny deterministic generator for test inputs (not for shares).
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func nextUnit() -> Double { Double(next() >> 11) / Double(1 << 53) }
}

@Suite("CrypTen profile reproduces CrypTen 0.4.1's measured accounting")
struct CrypTenAccountingTests {
    static let fixture = try! CrypTenFixture.load()

    func check(_ op: String, _ shape: [Int], range: (Double, Double) = (-4, 4),
               _ body: (TwoPartyBackend, SharedTensor) -> SharedTensor) throws {
        let expected = try #require(Self.fixture.measured(op, shape), "no fixture for \(op) \(shape)")
        let got = try cryptenCost(shape: shape, range: range, body)
        #expect(got.bytes == expected.bytes, "\(op) \(shape): \(got.bytes) B vs CrypTen \(expected.bytes) B")
        #expect(got.rounds == expected.rounds, "\(op) \(shape): \(got.rounds) rounds vs CrypTen \(expected.rounds)")
    }

    @Test(arguments: [[1], [128]])
    func elementwise(shape: [Int]) throws {
        try check("mul", shape) { b, x in b.multiply(x, x) }
        try check("square", shape) { b, x in b.square(x) }
        try check("_ltz", shape) { b, x in b.isNegative(x) }
        try check("relu", shape) { b, x in ReLUApproximation().evaluate(x, on: b) }
        try check("exp", shape) { b, x in (try! LimitExponential(iterations: 8)).evaluate(x, on: b) }
        try check("reciprocal", shape, range: (0.5, 8)) { b, x in
            (try! NewtonReciprocal(iterations: 10, range: Interval(-8, 8), signCorrected: true)).evaluate(x, on: b)
        }
        try check("reciprocal_all_pos", shape, range: (0.5, 8)) { b, x in
            (try! NewtonReciprocal(iterations: 10, range: Interval(0.5, 8))).evaluate(x, on: b)
        }
        try check("inv_sqrt", shape, range: (0.5, 8)) { b, x in (try! NewtonInverseSqrt(range: Interval(0.1, 100))).evaluate(x, on: b) }
        try check("sqrt", shape, range: (0.5, 8)) { b, x in SqrtViaInverse(try! NewtonInverseSqrt(range: Interval(0.1, 100))).evaluate(x, on: b) }
        try check("sigmoid", shape) { b, x in try! CrypTenSigmoid().evaluate(x, on: b) }
        try check("eq (2PC _eqz_2PC)", shape) { b, x in b.engine.equalsZero(x) }
    }

    static func cryptenSoftmax() -> StandardSoftmax {
        StandardSoftmax(exp: try! LimitExponential(iterations: 8),
                        reciprocal: try! NewtonReciprocal(iterations: 10, range: Interval(1, 250)), maxMethod: .cryptenLogReduction)
    }

    @Test(arguments: [[128], [512], [4, 128], [2, 3, 128], [1, 128], [2], [8], [100], [197], [384]])
    func softmaxRows(shape: [Int]) throws {
        try check("softmax(dim=-1)", shape) { b, x in Self.cryptenSoftmax().evaluate(x, on: b) }
    }

    @Test(arguments: [[128], [512], [4, 128], [2], [8], [100], [197], [384]])
    func maxWithArgmax(shape: [Int]) throws {
        try check("max(dim=-1) [value+one-hot]", shape) { b, x in b.cryptenLogReductionMaximum(x).value }
    }

    @Test func componentsAndTwoQuad() throws {
        try check("component: crypten.rand (16-bit B2A) per element", [4]) { b, x in b.engine.uniformRandom(shape: x.shape) }
        try check("component: weighted_index (tie-break) on a row (cost is data-independent)", [128]) { b, x in b.weightedIndex(x) }
        try check("component: pairwise max(dim=-1) on reduced row (method=pairwise)", [8]) { b, x in b.cryptenPairwiseMaximum(x) }
        try check("2quad_softmax (x+5).square()/sum, default reciprocal", [128], range: (-1, 1)) { b, x in
            QuadSoftmax(reciprocal: try! NewtonReciprocal(iterations: 10, range: Interval(-250, 250), signCorrected: true)).evaluate(x, on: b)
        }
        try check("2quad_softmax (x+5).square()*reciprocal_all_pos(sum)", [128], range: (-1, 1)) { b, x in
            QuadSoftmax(reciprocal: try! NewtonReciprocal(iterations: 10, range: Interval(1, 250))).evaluate(x, on: b)
        }
    }
}
