import Testing
import Arithmetic
import Backend
import CostModel
import Randomness
import Tensors
@testable import TwoParty

func engine(_ configure: (inout TwoPartySettings) -> Void = { _ in }) throws -> TwoPartyEngine {
    var s = TwoPartySettings()
    configure(&s)
    return try TwoPartyEngine(settings: s)
}

/// Inputs with negative values, zeros and magnitudes near the range limits of f = 16 in
/// Z/2^64 (|x| up to 2^20 keeps products below 2^(63−32)).
func edgeInputs(_ n: Int, seed: UInt64, bound: Double = 1_048_576) -> Tensor<Double> {
    var g = SplitMix(seed: seed)
    let fixed: [Double] = [0, -0.0, 1, -1, bound - 1, -(bound - 1), 1.0 / 65536, -1.0 / 65536]
    return Tensor((0..<n).map { i in i < fixed.count ? fixed[i] : (g.nextUnit() * 2 - 1) * (g.nextUnit() < 0.5 ? bound : 8) })
}

@Suite("Two-party primitives reconstruct correctly and cost their closed forms")
struct ProtocolTests {
    let ulp = 1.0 / 65536

    @Test(arguments: [TwoPartySettings.Truncation.local, .oneRound])
    func multiplicationAndSquare(truncation: TwoPartySettings.Truncation) throws {
        let e = try engine { $0.truncation = truncation }
        // Local truncation fails with probability |raw product|/2^64 (raw = 2f = 32 fractional
        // bits): keep |x·y| ≤ 2^10 so that is ≈ 2^−22. One-round truncation holds for raw
        // values below 2^62: |x·y| ≤ 2^28.
        let bound: Double = truncation == .local ? 32 : 16384
        let x = edgeInputs(200, seed: 1, bound: bound), y = edgeInputs(200, seed: 2, bound: bound)
        let sx = e.share(x), sy = e.share(y)
        e.ledger.reset()
        let p = e.reconstruct(e.multiply(sx, sy)), q = e.reconstruct(e.square(sx))
        let ex = e.reconstruct(sx), ey = e.reconstruct(sy)   // the encoded inputs
        for i in 0..<200 {
            #expect(abs(p.scalars[i] - ex.scalars[i] * ey.scalars[i]) <= 1.01 * ulp, "\(ex.scalars[i]) · \(ey.scalars[i])")
            #expect(abs(q.scalars[i] - ex.scalars[i] * ex.scalars[i]) <= 1.01 * ulp)
        }
        // Closed forms: mul opens 2 elements per product, square 1; 8 bytes per element per party.
        // One-round truncation adds one opening (k bits = 8 bytes) per element and a round each.
        let t = e.ledger.totals()
        let truncBytes = truncation == .local ? 0 : 2 * 200 * 16
        #expect(t.bytes == 200 * 32 + 200 * 16 + truncBytes)
        #expect(t.rounds == (truncation == .local ? 2 : 4))
    }

    @Test func comparisonsOnEdgeValues() throws {
        let e = try engine()
        let x = edgeInputs(300, seed: 3)
        let sx = e.share(x)
        e.ledger.reset()
        let ltz = e.reconstruct(e.lessThanZero(sx))
        let t = e.ledger.totals()
        #expect(t.bytes == 300 * 432 && t.rounds == 8)
        let ex = e.reconstruct(sx)
        for i in 0..<300 { #expect(ltz.scalars[i] == (ex.scalars[i] < 0 ? 1 : 0), "x = \(ex.scalars[i])") }
        e.ledger.reset()
        let zeroes = try Tensor(shape: [6], scalars: [0, 1, -1, 1e-4, 0, 123.5])
        let eq = e.reconstruct(e.equalsZero(e.share(zeroes)))
        #expect(eq.scalars == [1, 0, 0, 0, 1, 0])
    }

    @Test(arguments: [false, true])
    func rowMaximum(crypten: Bool) throws {
        let e = try engine()
        let b = TwoPartyBackend(engine: e)
        for n in [1, 2, 3, 7, 8, 33, 128] {
            let x = try Tensor(shape: [3, n], scalars: edgeInputs(3 * n, seed: UInt64(n), bound: 100).scalars)
            let shared = e.share(x)
            let m = e.reconstruct(crypten ? b.cryptenLogReductionMaximum(shared).value : b.treeMaximum(shared))
            let exact = e.reconstruct(e.share(x))
            for r in 0..<3 { #expect(m.scalars[r] == exact.scalars[(r * n)..<(r * n + n)].max()!, "n = \(n) row \(r)") }
        }
    }

    /// Tree max closed form: ⌈log2 n⌉ levels of (LTZ + one product) with one-product select.
    @Test func treeMaximumCost() throws {
        let e = try engine()
        let x = e.share(try Tensor(shape: [1, 128], element: { Double($0 % 17) }))
        e.ledger.reset()
        _ = TwoPartyBackend(engine: e).treeMaximum(x)
        let t = e.ledger.totals()
        #expect(t.rounds == 7 * 9)
        #expect(t.bytes == (64 + 32 + 16 + 8 + 4 + 2 + 1) * (432 + 32))
    }

    @Test func matrixProduct() throws {
        let e = try engine()
        var g = SplitMix(seed: 4)
        let a = try Tensor(shape: [2, 3, 5], element: { _ in g.nextUnit() * 8 - 4 })
        let w = try Tensor(shape: [5, 4], element: { _ in g.nextUnit() * 8 - 4 })
        let sa = e.share(a), sw = e.share(w)
        e.ledger.reset()
        let c = e.reconstruct(try e.matmul(sa, sw))
        let ea = e.reconstruct(sa), ew = e.reconstruct(sw)
        let exact = try ea.matmul(ew)
        for (u, v) in zip(c.scalars, exact.scalars) { #expect(abs(u - v) <= 1.01 * ulp) }
        let t = e.ledger.totals()
        #expect(t.rounds == 1 && t.bytes == 2 * 8 * (30 + 20))
    }

    @Test func uniformRandomIsInUnitInterval() throws {
        let e = try engine()
        let r = e.reconstruct(e.uniformRandom(shape: [1000]))
        #expect(r.scalars.allSatisfy { $0 >= 0 && $0 < 1 })
        let mean = r.scalars.reduce(0, +) / 1000
        #expect(abs(mean - 0.5) < 0.05)
    }

    @Test func badSettingsThrow() {
        #expect(throws: TwoPartyError.self) { try engine { $0.ringBits = 80 } }
        #expect(throws: TwoPartyError.self) { try engine { $0.fractionalBits = 40 } }
    }

    /// A party's view — every opened masked value — must not depend on the secret: the
    /// openings of a product x·y for x = 0 and for x = 2^20 have the same (uniform)
    /// distribution. Chi-square on the top 4 bits of 20,000 openings each, and a
    /// two-sample comparison of the histograms.
    @Test func viewIsIndependentOfTheSecret() throws {
        func histogram(secret: Double, seed: UInt64) throws -> [Int] {
            let e = try engine { $0.seed = seed }
            e.channel.transcript = []
            let x = e.share(Tensor([Double](repeating: secret, count: 10_000)))
            let y = e.share(Tensor([Double](repeating: 3.25, count: 10_000)))
            e.channel.transcript = []
            _ = e.multiply(x, y)
            _ = e.lessThanZero(x)
            var h = [Int](repeating: 0, count: 16)
            // The multiplication's openings (ε, δ) are ring elements: all 64 bits must look uniform.
            for word in (e.channel.transcript ?? []).prefix(2).joined() { h[Int(word >> 60)] += 1 }
            return h
        }
        let a = try histogram(secret: 0, seed: 11), b = try histogram(secret: 1_048_576, seed: 12)
        let total = Double(a.reduce(0, +)), expected = total / 16
        let chiA = a.reduce(0.0) { $0 + pow2(Double($1) - expected) / expected }
        let chiB = b.reduce(0.0) { $0 + pow2(Double($1) - expected) / expected }
        // 15 degrees of freedom: P(χ² > 37.7) = 0.001.
        #expect(chiA < 37.7 && chiB < 37.7)
        let twoSample = zip(a, b).reduce(0.0) { $0 + pow2(Double($1.0 - $1.1)) / Double($1.0 + $1.1) }
        #expect(twoSample < 37.7)
    }
}

func pow2(_ x: Double) -> Double { x * x }

@Suite("Encoding at the edges of the ring")
struct EncodingEdgeTests {
    /// Inputs beyond Z/2^64's range (and infinities) saturate with the right sign and are
    /// counted; non-finite public constants do not trap.
    @Test func overflowsSaturateWithTheirSign() throws {
        let engine = try TwoPartyEngine(settings: TwoPartySettings())
        let x = engine.share(Tensor([1e300, -.infinity, .infinity, 1.5]))
        #expect(engine.inputOverflows == 3)
        let y = engine.reconstruct(x).scalars
        #expect(y[0] > 1e13 && y[2] > 1e13 && y[1] < -1e13)
        #expect(y[3] == 1.5)
        _ = engine.addConstant(x, .nan)
        _ = engine.addConstant(x, .infinity)
    }
}
