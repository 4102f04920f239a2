import Testing
@testable import Arithmetic
import Randomness

@Suite("Word modulus: Barrett and Shoup against UInt128 and GMP")
struct ModulusTests {
    /// Primes and odd moduli across the supported range, including the extremes.
    static let moduli: [UInt64] = [
        3, 5, 65537, 998_244_353, (1 << 31) - 1, 0xFFFF_FFFF_0000_0001 >> 2 | 1,
        (1 << 61) - 1, 1_152_921_504_606_830_593, (1 << 62) - 57, (1 << 62) - 1, 0x2AAA_AAAA_AAAA_AAAB,
    ]

    @Test(arguments: moduli)
    func barrettReductionMatchesReferences(q: UInt64) throws {
        let modulus = try Modulus(q)
        let gq = BigInteger(q)
        var g = ChaChaRandom(seed: q)
        for _ in 0..<3000 {
            let x = UInt128(g.next()) << 64 | UInt128(g.next())
            #expect(modulus.reduce(x) == UInt64(x % UInt128(q)))
            let w = edgeBiasedWord(&g, modulus: q)
            #expect(modulus.reduce(w) == w % q)
            let a = edgeBiasedWord(&g, modulus: q) % q, b = edgeBiasedWord(&g, modulus: q) % q
            let product = modulus.multiplyMod(a, b)
            #expect(product == referenceMulMod(a, b, q))
            var gmp = BigInteger(a)
            gmp.formMultiply(by: BigInteger(b), modulo: gq)
            #expect(gmp.exactUInt64 == product)
            #expect(modulus.addMod(a, b) == UInt64((UInt128(a) + UInt128(b)) % UInt128(q)))
            #expect(modulus.subtractMod(a, b) == UInt64((UInt128(a) + UInt128(q) - UInt128(b)) % UInt128(q)))
            #expect(modulus.addMod(a, modulus.negateMod(a)) == 0)
        }
        // Extremes of the 128-bit input range.
        for x in [UInt128.max, UInt128.max - 1, UInt128(q) * UInt128(q) - 1, UInt128(q), 0] {
            #expect(modulus.reduce(x) == UInt64(x % UInt128(q)))
        }
    }

    @Test(arguments: moduli)
    func shoupMatchesReference(q: UInt64) throws {
        let modulus = try Modulus(q)
        var g = ChaChaRandom(seed: q ^ 0x5555)
        for _ in 0..<200 {
            let w = edgeBiasedWord(&g, modulus: q)
            let shoup = modulus.multiplier(w)
            for _ in 0..<20 {
                let x = edgeBiasedWord(&g, modulus: q)  // any 64-bit x, not only x < q
                #expect(shoup.multiplyMod(x) == referenceMulMod(w % q, x, q))
            }
        }
    }

    @Test(arguments: moduli)
    func powerAndInverseMatchGMP(q: UInt64) throws {
        let modulus = try Modulus(q)
        var g = ChaChaRandom(seed: q ^ 0xAAAA)
        for _ in 0..<200 {
            let a = edgeBiasedWord(&g, modulus: q), e = g.next() >> (g.next() % 64)
            #expect(modulus.powerMod(a, e) == BigInteger(a % q).power(BigInteger(e), modulo: BigInteger(q)).exactUInt64)
            #expect(modulus.inverseMod(a) == BigInteger(a).inverse(modulo: BigInteger(q))?.exactUInt64)
        }
    }

    @Test func compositeModulusReportsMissingInverse() throws {
        let m = try Modulus(15)
        #expect(m.inverseMod(5) == nil)
        #expect(m.inverseMod(0) == nil)
        #expect(m.inverseMod(7) == 13)
    }

    @Test func invalidModuliThrow() {
        #expect(throws: ArithmeticError.self) { try Modulus(0) }
        #expect(throws: ArithmeticError.self) { try Modulus(1) }
        #expect(throws: ArithmeticError.self) { try Modulus(1 << 40) }
        #expect(throws: ArithmeticError.self) { try Modulus((1 << 62) + 1) }
        #expect(throws: ArithmeticError.self) { try Modulus(UInt64.max) }
    }
}
