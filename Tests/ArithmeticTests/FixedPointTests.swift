import Testing
@testable import Arithmetic
import Randomness

@Suite("Fixed-point encoding, truncation and bad parameters")
struct FixedPointTests {
    @Test(arguments: [(64, 16), (32, 12), (64, 40), (20, 8)])
    func roundTripErrorIsWithinHalfAnULP(bits: Int, f: Int) throws {
        let ring = try PowerOfTwoRing(bits: bits)
        let nearest = try FixedPointFormat(ring: ring, fractionalBits: f)
        let towardZero = try FixedPointFormat(ring: ring, fractionalBits: f, rounding: .towardZero)
        var g = ChaChaRandom(seed: UInt64(bits * 100 + f))
        for _ in 0..<5000 {
            let x = (Double(g.next() >> 11) / Double(1 << 53) * 2 - 1) * nearest.limit * 0.999
            let y = nearest.decode(try nearest.encode(x))
            #expect(abs(y - x) <= nearest.resolution / 2)
            let z = towardZero.decode(try towardZero.encode(x))
            #expect(abs(z - x) < towardZero.resolution)
            #expect(abs(z) <= abs(x))
        }
    }

    @Test func roundTripInPrimeAndBigRings() throws {
        let word = try FixedPointFormat(ring: WordModulusRing(modulus: (1 << 61) - 1), fractionalBits: 20)
        let big = try FixedPointFormat(ring: BigModulusRing(modulus: .powerOfTwo(200) - 75), fractionalBits: 40)
        var g = ChaChaRandom(seed: 4)
        for _ in 0..<2000 {
            let x = (Double(g.next() >> 11) / Double(1 << 53) * 2 - 1) * 1000
            #expect(abs(word.decode(try word.encode(x)) - x) <= word.resolution / 2)
            #expect(abs(big.decode(try big.encode(x)) - x) <= big.resolution / 2)
        }
        // Beyond 2^64: scaling by 2^40 and back is exact in Double and in GMP.
        let hugeValue = big.decode(try big.encode(-1e40))
        #expect(hugeValue == -1e40)
    }

    @Test func exactTruncationAfterMultiplication() throws {
        let f = 16
        let fp = try FixedPointFormat(ring: PowerOfTwoRing.z64, fractionalBits: f)
        var g = ChaChaRandom(seed: 5)
        for _ in 0..<5000 {
            let x = (Double(g.next() >> 11) / Double(1 << 53) * 2 - 1) * 1000
            let y = (Double(g.next() >> 11) / Double(1 << 53) * 2 - 1) * 1000
            let a = try fp.encode(x), b = try fp.encode(y)
            let exact = fp.decode(a) * fp.decode(b)   // product of the encoded values
            let (pf, wf) = fp.multiply(a, b, mode: .floor, using: &g)
            let (pn, _) = fp.multiply(a, b, mode: .nearest, using: &g)
            #expect(!wf)
            // Floor: result ≤ exact < result + ulp. Nearest: |error| ≤ ulp/2.
            #expect(fp.decode(pf) <= exact && exact - fp.decode(pf) < fp.resolution)
            #expect(abs(fp.decode(pn) - exact) <= fp.resolution / 2)
        }
    }

    @Test func productWrapIsDetected() throws {
        let fp = try FixedPointFormat(ring: PowerOfTwoRing(bits: 32), fractionalBits: 12)
        var g = ChaChaRandom(seed: 6)
        // The raw product carries 2f fractional bits: |x · y| · 2^24 must stay below 2^31.
        // 2 · 3 fits; 100 · 100 and 1000 · 1000 wrap.
        let (six, sixWrapped) = fp.multiply(try fp.encode(2), try fp.encode(3), mode: .floor, using: &g)
        #expect(!sixWrapped && fp.decode(six) == 6)
        #expect(fp.multiply(try fp.encode(100), try fp.encode(100), mode: .floor, using: &g).wrapped)
        let (p, wrapped) = fp.multiply(try fp.encode(1000), try fp.encode(1000), mode: .floor, using: &g)
        #expect(wrapped)
        #expect(fp.decode(p) != 1_000_000)
    }

    /// SecureML truncation: unbiased, off by at most one unit, except with probability
    /// |x| / 2^k when the shares wrap.
    @Test func probabilisticTruncationErrorDistribution() throws {
        let f = 16
        let fp = try FixedPointFormat(ring: PowerOfTwoRing.z64, fractionalBits: f)
        var g = ChaChaRandom(seed: 7)
        let trials = 20_000
        var sumError = 0.0, sumSquares = 0.0, maxError = 0.0
        for t in 0..<trials {
            // Values with 2f fractional bits, |x| < 2^40 (so wraps have probability < 2^-23).
            let raw = Int64(bitPattern: g.next()) >> 24
            let exact = Double(raw) / Double(1 << f)      // in units of the output ulp
            let r = fp.truncate(UInt64(bitPattern: raw), mode: .probabilistic, using: &g)
            let error = Double(Int64(bitPattern: r)) - exact
            sumError += error
            sumSquares += error * error
            maxError = max(maxError, abs(error))
            _ = t
        }
        let mean = sumError / Double(trials)
        // Stochastic rounding: error uniform-ish in (−1, 1) with σ ≤ 0.5, so the mean's σ ≤ 0.0036.
        #expect(abs(mean) < 0.02)
        #expect(maxError < 1)
        #expect(sumSquares / Double(trials) < 0.25)

        // Large value: x = 2^60 (as a 2f-bit fixed-point value) fails with probability 2^60 / 2^64 = 1/16.
        let big = UInt64(1) << 60
        var failures = 0
        for _ in 0..<trials {
            let r = fp.truncate(big, mode: .probabilistic, using: &g)
            if abs(Double(Int64(bitPattern: r)) - Double(big >> UInt64(f))) > 1 { failures += 1 }
        }
        let expected = Double(trials) / 16, sigma = (Double(trials) * (1.0 / 16) * (15.0 / 16)).squareRoot()
        #expect(abs(Double(failures) - expected) < 5 * sigma)
    }

    @Test func probabilisticTruncationWorksInPrimeField() throws {
        let fp = try FixedPointFormat(ring: WordModulusRing(modulus: (1 << 61) - 1), fractionalBits: 10)
        var g = ChaChaRandom(seed: 8)
        for _ in 0..<2000 {
            let x = Int(Int64(bitPattern: g.next()) >> 30)
            let r = fp.truncate(fp.ring.element(x), mode: .probabilistic, using: &g)
            let error = fp.ring.centeredDouble(r) - Double(x) / 1024
            #expect(abs(error) < 1)
        }
    }

    @Test func outOfRangeValuesThrowOrAreCounted() throws {
        let fp = try FixedPointFormat(ring: PowerOfTwoRing(bits: 32), fractionalBits: 16)
        #expect(fp.limit == 32768)
        #expect(throws: ArithmeticError.valueOutOfRange(value: 40000, limit: 32768)) { try fp.encode(40000) }
        #expect(throws: ArithmeticError.self) { try fp.encode(-32768) }
        #expect(throws: ArithmeticError.self) { try fp.encode(.nan) }
        #expect(throws: ArithmeticError.self) { try fp.encode(.infinity) }
        var overflows = 0
        let saturated = fp.encode(1e9, overflows: &overflows)
        let negative = fp.encode(-.infinity, overflows: &overflows)
        let fine = fp.encode(1.5, overflows: &overflows)
        #expect(overflows == 2)
        #expect(fp.decode(saturated) > 32767.99 && fp.decode(saturated) < 32768)
        #expect(fp.decode(negative) < -32767.99)
        #expect(fp.decode(fine) == 1.5)
    }

    @Test func impossibleParametersThrowWithReason() throws {
        let ring = try PowerOfTwoRing(bits: 32)
        #expect(throws: ArithmeticError.self) { try FixedPointFormat(ring: ring, fractionalBits: 32) }
        #expect(throws: ArithmeticError.self) { try FixedPointFormat(ring: ring, fractionalBits: 40) }
        #expect(throws: ArithmeticError.self) { try FixedPointFormat(ring: ring, fractionalBits: -1) }
        do {
            _ = try FixedPointFormat(ring: PowerOfTwoRing.z64, fractionalBits: 64)
            Issue.record("f = 64 over Z/2^64 was accepted")
        } catch {
            #expect(error.description.contains("64 fractional bits do not fit Z/2^64"))
        }
        #expect(try FixedPointFormat(ring: ring, fractionalBits: 31).limit == 1)
    }
}
