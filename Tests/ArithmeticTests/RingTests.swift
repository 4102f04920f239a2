import Testing
@testable import Arithmetic
import Randomness

/// Checks every protocol operation of `ring` against the same operation on GMP in
/// `BigModulusRing` with the same modulus, on random and edge elements.
func checkAgainstGMP<R: ModularRing>(_ ring: R, seed: UInt64, count: Int = 2000) throws {
    let reference = try BigModulusRing(modulus: ring.modulus)
    var g = ChaChaRandom(seed: seed)
    let m = ring.modulus
    let edges = ([0, 1, m - 1, m - 2, m >> 1, (m >> 1) + 1, (m >> 1) - 1] as [BigInteger]).filter { $0.signum >= 0 && $0 < m }
    for i in 0..<count {
        let ca = i < edges.count ? edges[i] : ring.canonical(ring.random(using: &g))
        let cb = ring.canonical(ring.random(using: &g))
        let a = ring.element(ca), b = ring.element(cb)
        #expect(ring.canonical(a) == ca)
        #expect(ring.canonical(ring.add(a, b)) == reference.add(ca, cb))
        #expect(ring.canonical(ring.subtract(a, b)) == reference.subtract(ca, cb))
        #expect(ring.canonical(ring.negate(a)) == reference.negate(ca))
        #expect(ring.canonical(ring.multiply(a, b)) == reference.multiply(ca, cb))
        #expect(ring.centered(a) == reference.centered(ca))
        #expect(ring.centeredDouble(a) == reference.centered(ca).doubleValue)
        let n = Int(g.next() % UInt64(ring.bitWidth + 1))
        #expect(ring.canonical(ring.shiftedRight(a, by: n)) == ca >> n)
        #expect(ring.canonical(ring.arithmeticShiftedRight(a, by: n)) == reference.element(reference.centered(ca) >> n))
        let exact = reference.centered(ca) * reference.centered(cb)
        #expect(ring.productWraps(a, b) == (reference.centered(reference.element(exact)) != exact))
        let small = Int(truncatingIfNeeded: g.next()) >> 3
        #expect(ring.canonical(ring.element(small)) == BigInteger(small).modulo(m))
        #expect(ring.canonical(ring.element(BigInteger(small) * 3)) == (BigInteger(small) * 3).modulo(m))
    }
}

@Suite("Rings agree with GMP")
struct RingTests {
    @Test(arguments: [1, 2, 7, 16, 32, 37, 63, 64])
    func powerOfTwoRing(bits: Int) throws {
        try checkAgainstGMP(PowerOfTwoRing(bits: bits), seed: UInt64(bits))
    }

    @Test(arguments: [3, 65537, (1 << 61) - 1, (1 << 62) - 57] as [UInt64])
    func wordModulusRing(q: UInt64) throws {
        try checkAgainstGMP(WordModulusRing(modulus: q), seed: q)
    }

    @Test func bigModulusRingSelfConsistency() throws {
        // A 218-bit CKKS-like product of primes, and 2^100.
        let q = BigInteger.powerOfTwo(218) - 33
        let ring = try BigModulusRing(modulus: q)
        var g = ChaChaRandom(seed: 3)
        for _ in 0..<500 {
            let a = ring.random(using: &g), b = ring.random(using: &g)
            #expect(a < q && a.signum >= 0)
            #expect(ring.add(ring.subtract(a, b), b) == a)
            #expect(ring.multiply(a, b) == (a * b).modulo(q))
            let c = ring.centered(a)
            #expect(c.magnitude <= q >> 1)
            #expect(ring.element(c) == a)
        }
        let z100 = try BigModulusRing(modulus: .powerOfTwo(100))
        #expect(z100.centered(.powerOfTwo(99)) == -BigInteger.powerOfTwo(99))
        #expect(z100.centered(.powerOfTwo(99) - 1) == BigInteger.powerOfTwo(99) - 1)
    }

    @Test func uniformSamplingInSmallPrimeField() throws {
        let ring = try WordModulusRing(modulus: 7)
        var g = ChaChaRandom(seed: 8)
        var counts = [Int](repeating: 0, count: 7)
        for _ in 0..<70_000 { counts[Int(ring.random(using: &g))] += 1 }
        // Expected 10,000 each, σ ≈ 93.
        #expect(counts.allSatisfy { abs($0 - 10_000) < 500 })
    }

    @Test func invalidRingsThrow() {
        #expect(throws: ArithmeticError.self) { try PowerOfTwoRing(bits: 0) }
        #expect(throws: ArithmeticError.self) { try PowerOfTwoRing(bits: 65) }
        #expect(throws: ArithmeticError.self) { try BigModulusRing(modulus: 1) }
        #expect(throws: ArithmeticError.self) { try WordModulusRing(modulus: 8) }
    }
}
