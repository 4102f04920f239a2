import Testing
import Approximation
import Arithmetic
import Backend
import Tensors
@testable import TwoParty

@Suite("Two-party shares over prime fields (native word and GMP)")
struct FieldBackendTests {
    static let comparison = AnalyticCost(bitsPerElement: 400, rounds: 6)
    static let equality = AnalyticCost(bitsPerElement: 200, rounds: 6)

    func check<R: ModularRing>(_ ring: R, bytesPerElement: Int) throws {
        let b = try FieldTwoPartyBackend(ring: ring, fractionalBits: 16, comparisonCost: Self.comparison, equalityCost: Self.equality)
        var g = SplitMix(seed: 21)
        let x = Tensor((0..<64).map { _ in g.nextUnit() * 16 - 8 }), y = Tensor((0..<64).map { _ in g.nextUnit() * 16 - 8 })
        let sx = b.input(x), sy = b.input(y)
        b.ledger.reset()
        let p = b.reveal(b.multiply(sx, sy))
        let ex = b.reveal(sx), ey = b.reveal(sy)
        for i in 0..<64 { #expect(abs(p.scalars[i] - ex.scalars[i] * ey.scalars[i]) <= 1.01 / 65536) }
        #expect(b.ledger.totals().bytes == 2 * 128 * bytesPerElement)
        #expect(b.ledger.totals().rounds == 1)
        // The catalog runs unchanged: exp, a Newton reciprocal and a softmax with a tree max
        // whose comparisons are analytic.
        let exp = try LimitExponential(iterations: 8)
        let e = b.reveal(exp.evaluate(b.input(Tensor([-2.0, 0, 1.5])), on: b)).scalars
        #expect(abs(e[0] - 0.1353) < 0.002 && abs(e[1] - 1) < 0.001 && abs(e[2] - 4.48) < 0.05)
        let softmax = StandardSoftmax(exp: exp, reciprocal: try NewtonReciprocal(range: Interval(1, 64)), maxMethod: .tree)
        let rows = try Tensor(shape: [2, 16], element: { _ in g.nextUnit() * 8 - 4 })
        b.ledger.reset()
        let s = b.reveal(softmax.evaluate(b.input(rows), on: b))
        let reference = softmax.reference(rows)
        for (u, v) in zip(s.scalars, reference.scalars) { #expect(abs(u - v) < 2e-3) }
        #expect(b.ledger.totals(under: ["max"]).rounds == 4 * (6 + 1))
        let relu = b.reveal(ReLUApproximation().evaluate(b.input(Tensor([-3.0, 0.5, 7])), on: b)).scalars
        #expect(relu == [0, 0.5, 7])
    }

    @Test func wordPrime() throws { try check(WordModulusRing(modulus: (1 << 61) - 1), bytesPerElement: 8) }

    @Test func gmpPrime() throws {
        let q = BigInteger.powerOfTwo(127) - 1
        #expect(q.isProbablePrime())
        try check(BigModulusRing(modulus: q), bytesPerElement: 16)
    }

    @Test func refusesFieldsTooSmallForTheProducts() {
        #expect(throws: TwoPartyError.self) {
            try FieldTwoPartyBackend(ring: WordModulusRing(modulus: 65537), fractionalBits: 16, comparisonCost: Self.comparison, equalityCost: Self.equality)
        }
    }
}
