import Testing
import Arithmetic
import Randomness
@testable import Tensors

/// Straightforward triple loop, the oracle for the tiled kernel.
func naiveMatmul<S: MatmulScalar>(_ a: [S], _ b: [S], m: Int, k: Int, n: Int) -> [S] {
    var c = [S](repeating: .matmulZero, count: m * n)
    for i in 0..<m { for j in 0..<n { for p in 0..<k { c[i * n + j] = S.multiplyAdd(c[i * n + j], a[i * k + p], b[p * n + j]) } } }
    return c
}

@Suite("Tensors")
struct TensorTests {
    @Test(arguments: [(1, 1, 1), (3, 5, 7), (17, 65, 300), (64, 64, 64), (2, 129, 513)])
    func matmulMatchesNaiveLoops(m: Int, k: Int, n: Int) throws {
        var g = ChaChaRandom(seed: UInt64(m * 1000 + k * 10 + n))
        let au = (0..<m * k).map { _ in g.next() }, bu = (0..<k * n).map { _ in g.next() }
        let cu = try Tensor(shape: [m, k], scalars: au).matmul(Tensor(shape: [k, n], scalars: bu))
        #expect(cu.shape == [m, n])
        #expect(cu.scalars == naiveMatmul(au, bu, m: m, k: k, n: n))
        // Small integers as Double: sums are exact, so equality is exact too.
        let ad = au.map { Double($0 % 1000) }, bd = bu.map { Double($0 % 1000) }
        let cd = try Tensor(shape: [m, k], scalars: ad).matmul(Tensor(shape: [k, n], scalars: bd))
        #expect(cd.scalars == naiveMatmul(ad, bd, m: m, k: k, n: n))
    }

    @Test func batchedMatmulAndSharedRightOperand() throws {
        var g = ChaChaRandom(seed: 2)
        let a = try Tensor(shape: [2, 3, 4, 5], element: { _ in Double(g.next() % 10) })
        let b = try Tensor(shape: [2, 3, 5, 6], element: { _ in Double(g.next() % 10) })
        let w = try Tensor(shape: [5, 6], element: { _ in Double(g.next() % 10) })
        let c = try a.matmul(b), d = try a.matmul(w)
        #expect(c.shape == [2, 3, 4, 6])
        for batch in 0..<6 {
            let ab = Array(a.scalars[(batch * 20)..<(batch * 20 + 20)])
            let bb = Array(b.scalars[(batch * 30)..<(batch * 30 + 30)])
            #expect(Array(c.scalars[(batch * 24)..<(batch * 24 + 24)]) == naiveMatmul(ab, bb, m: 4, k: 5, n: 6))
            #expect(Array(d.scalars[(batch * 24)..<(batch * 24 + 24)]) == naiveMatmul(ab, w.scalars, m: 4, k: 5, n: 6))
        }
        #expect(throws: TensorError.self) { try a.matmul(a) }
    }

    @Test func ringMatmulAgreesAcrossRepresentations() throws {
        var g = ChaChaRandom(seed: 3)
        let z32 = try PowerOfTwoRing(bits: 32)
        let a = try Tensor(shape: [7, 9], element: { _ in z32.random(using: &g) })
        let b = try Tensor(shape: [9, 4], element: { _ in z32.random(using: &g) })
        let native = try a.matmul(b, in: z32)
        let big = try BigModulusRing(modulus: .powerOfTwo(32))
        let viaGMP = try a.map { BigInteger($0) }.matmul(b.map { BigInteger($0) }, in: big)
        #expect(native.scalars.map { BigInteger($0) } == viaGMP.scalars)
        let zq = try WordModulusRing(modulus: (1 << 61) - 1)
        let qa = a.map { $0 % zq.q.value }, qb = b.map { $0 % zq.q.value }
        let word = try qa.matmul(qb, in: zq)
        let bigQ = try BigModulusRing(modulus: BigInteger(zq.q.value))
        let gmp = try qa.map { BigInteger($0) }.matmul(qb.map { BigInteger($0) }, in: bigQ)
        #expect(word.scalars.map { BigInteger($0) } == gmp.scalars)
    }

    @Test func broadcastingZip() throws {
        let x = try Tensor(shape: [2, 3], scalars: [1.0, 2, 3, 4, 5, 6])
        let rowMax = try x.max(alongAxis: -1, keepingDimension: true)
        #expect(rowMax.shape == [2, 1])
        let shifted = try x.zip(rowMax, -)
        #expect(shifted.scalars == [-2, -1, 0, -2, -1, 0])
        let bias = Tensor([10.0, 20, 30])
        #expect(try x.zip(bias, +).scalars == [11, 22, 33, 14, 25, 36])
        #expect(throws: TensorError.shapesNotBroadcastable([2, 3], [2])) { try x.zip(Tensor([1.0, 2]), +) }
    }

    @Test func reductionsAlongEachAxis() throws {
        let x = try Tensor(shape: [2, 3, 4], element: { Double($0) })
        #expect(try x.sum(alongAxis: 0).scalars == (0..<12).map { Double($0 + $0 + 12) })
        #expect(try x.sum(alongAxis: 1).shape == [2, 4])
        #expect(try x.sum(alongAxis: 1).scalars[0] == 0 + 4 + 8)
        #expect(try x.sum(alongAxis: 2).scalars == [6, 22, 38, 54, 70, 86])
        #expect(throws: TensorError.invalidAxis(axis: 3, rank: 3)) { try x.sum(alongAxis: 3) }
    }

    @Test func transposeAndReshape() throws {
        let x = try Tensor(shape: [2, 3, 4], element: { $0 })
        let t = try x.transposed([2, 0, 1])
        #expect(t.shape == [4, 2, 3])
        for i in 0..<2 { for j in 0..<3 { for k in 0..<4 { #expect(t[k, i, j] == x[i, j, k]) } } }
        #expect(try x.transposed().transposed() == x)
        #expect(try x.reshaped([6, -1]).shape == [6, 4])
        #expect(throws: TensorError.self) { try x.reshaped([5, 5]) }
        #expect(throws: TensorError.self) { try x.transposed([0, 0, 1]) }
        #expect(throws: TensorError.elementCountMismatch(shape: [2, 2], count: 3)) { try Tensor(shape: [2, 2], scalars: [1, 2, 3]) }
        #expect(throws: TensorError.invalidShape([-1])) { try Tensor(shape: [-1], repeating: 0) }
    }
}
