import Testing
@testable import Arithmetic
import Randomness

@Suite("BigInteger against native UInt64/UInt128 arithmetic")
struct BigIntegerNativeOracleTests {
    @Test func ringOperationsMatchUInt128() {
        var g = ChaChaRandom(seed: 11)
        for _ in 0..<2000 {
            let a = g.next() >> (g.next() % 64), b = g.next() >> (g.next() % 64)
            let A = BigInteger(a), B = BigInteger(b)
            #expect((A + B).exactUInt128 == UInt128(a) + UInt128(b))
            #expect((A * B).exactUInt128 == UInt128(a) * UInt128(b))
            let diff = A - B
            #expect(diff == BigInteger(Int128(a) - Int128(b)))
            if b != 0 {
                #expect((A / B).exactUInt64 == a / b)
                #expect((A % B).exactUInt64 == a % b)
                #expect(BigInteger.gcd(A, B).exactUInt64 == nativeGCD(a, b))
            }
            let s = Int(g.next() % 70)
            #expect((A << s) == BigInteger(UInt128(a) << UInt128(min(s, 64))) << max(0, s - 64))
            #expect((A >> s).exactUInt64 == (s >= 64 ? 0 : a >> UInt64(s)))
            #expect(A.bitWidth == 64 - a.leadingZeroBitCount)
        }
    }

    @Test func signedDivisionFollowsSwiftInt() {
        var g = ChaChaRandom(seed: 12)
        for _ in 0..<2000 {
            let a = Int(bitPattern: UInt(g.next())) >> Int(g.next() % 63)
            var b = Int(bitPattern: UInt(g.next())) >> Int(g.next() % 63)
            if b == 0 { b = 3 }
            #expect((BigInteger(a) / BigInteger(b)).exactInt == a / b)
            #expect((BigInteger(a) % BigInteger(b)).exactInt == a % b)
            #expect((BigInteger(a) >> 5).exactInt == a >> 5)
            let (q, r) = BigInteger(a).floorDivided(by: BigInteger(b))!
            #expect(q * BigInteger(b) + r == BigInteger(a))
            #expect(r.signum == 0 || r.signum == b.signum())
        }
    }

    @Test func powerAndInverseMatchNativeModularArithmetic() throws {
        var g = ChaChaRandom(seed: 13)
        for _ in 0..<300 {
            let q = (g.next() >> 2) | 1
            let a = g.next() % q, e = g.next() >> (g.next() % 64)
            var expected: UInt64 = 1, base = a, ex = e
            while ex > 0 {
                if ex & 1 == 1 { expected = referenceMulMod(expected, base, q) }
                base = referenceMulMod(base, base, q)
                ex >>= 1
            }
            #expect(BigInteger(a).power(BigInteger(e), modulo: BigInteger(q)).exactUInt64 == expected % q)
            if let inv = BigInteger(a).inverse(modulo: BigInteger(q)) {
                #expect(referenceMulMod(a, inv.exactUInt64!, q) == 1 % q)
            } else {
                #expect(nativeGCD(a, q) != 1)
            }
        }
        #expect(BigInteger(6).inverse(modulo: 15) == nil)
        #expect(BigInteger(4).inverse(modulo: 0) == nil)
    }

    @Test func doubleConversionMatchesNativeRounding() {
        var g = ChaChaRandom(seed: 14)
        for _ in 0..<2000 {
            let hi = g.next() >> (g.next() % 64), lo = g.next()
            let v = UInt128(hi) << 64 | UInt128(lo)
            #expect(BigInteger(v).doubleValue == Double(v))
            #expect((-BigInteger(v)).doubleValue == -Double(v))
        }
        // Ties to even just above 2^53, and a value whose sticky bits decide.
        let tie = (BigInteger(1) << 100) + (BigInteger(1) << 47)
        #expect(tie.doubleValue == Double(sign: .plus, exponent: 100, significand: 1))
        #expect((tie + 1).doubleValue == Double(sign: .plus, exponent: 100, significand: 1).nextUp)
        #expect(BigInteger(exactly: 1e300)?.doubleValue == 1e300)
        #expect(BigInteger(exactly: 0.5) == nil)
        #expect(BigInteger(truncating: .nan) == nil)
    }

    @Test func copyOnWriteKeepsValueSemantics() {
        let a = BigInteger(decimal: "123456789012345678901234567890")
        var b = a
        b.formAdd(1)
        #expect(a == BigInteger(decimal: "123456789012345678901234567890"))
        #expect(b == a + 1)
        var c = b
        c.formMultiply(by: 3, modulo: 1000)
        #expect(b == a + 1)
        #expect(c == (b * 3).modulo(1000))
    }

    @Test func randomBelowBoundIsInRangeAndCoversIt() {
        var g = ChaChaRandom(seed: 15)
        let bound = BigInteger(10)
        var seen = [Int](repeating: 0, count: 10)
        for _ in 0..<10_000 {
            let r = BigInteger.random(below: bound, using: &g)
            seen[r.exactInt!] += 1
        }
        // Each residue expected 1000 times, σ ≈ 30.
        #expect(seen.allSatisfy { abs($0 - 1000) < 150 })
        let big = BigInteger.powerOfTwo(300) - 17
        for _ in 0..<200 { #expect(BigInteger.random(below: big, using: &g) < big) }
    }

    private func nativeGCD(_ a: UInt64, _ b: UInt64) -> UInt64 {
        var (x, y) = (a, b)
        while y != 0 { (x, y) = (y, x % y) }
        return x
    }
}

extension BigInteger {
    /// Test convenience: parse a literal that is known to be valid.
    init(decimal text: String) { self = try! BigInteger(parsing: text, radix: 10) }
}

@Suite("BigInteger against Python big-integer fixtures")
struct BigIntegerFixtureTests {
    struct Case: Decodable {
        let a, b, m, e: String
        let shift: Int
        let sum, difference, product, quotient, remainder: String
        let floor_quotient, floor_remainder, modulo, power_mod: String
        let inverse: String?
        let gcd, shift_left, shift_right: String
        let radix2, radix16, radix36, radix62: String
        let double: Double?
    }
    struct Fixture: Decodable { let generator: String; let cases: [Case] }

    @Test func allOperationsMatchPython() throws {
        let fixture = try loadFixture("bigint_fixture.json", as: Fixture.self)
        #expect(fixture.cases.count == 200)
        for c in fixture.cases {
            let a = try BigInteger(parsing: c.a), b = try BigInteger(parsing: c.b)
            let m = try BigInteger(parsing: c.m), e = try BigInteger(parsing: c.e)
            #expect((a + b).description == c.sum)
            #expect((a - b).description == c.difference)
            #expect((a * b).description == c.product)
            #expect((a / b).description == c.quotient)
            #expect((a % b).description == c.remainder)
            let (fq, fr) = a.floorDivided(by: b)!
            #expect(fq.description == c.floor_quotient)
            #expect(fr.description == c.floor_remainder)
            #expect(a.modulo(m).description == c.modulo)
            #expect(a.modulo(m).power(e, modulo: m).description == c.power_mod)
            #expect(a.inverse(modulo: m)?.description == c.inverse)
            #expect(BigInteger.gcd(a, b).description == c.gcd)
            #expect((a << c.shift).description == c.shift_left)
            #expect((a >> c.shift).description == c.shift_right)
            #expect(try a.text(radix: 2) == c.radix2)
            #expect(try a.text(radix: 16) == c.radix16)
            #expect(try a.text(radix: 36) == c.radix36)
            #expect(try a.text(radix: 62) == c.radix62)
            #expect(try BigInteger(parsing: c.radix62, radix: 62) == a)
            #expect(try BigInteger(parsing: c.radix16.uppercased(), radix: 16) == a)
            if let d = c.double { #expect(a.doubleValue == d) }
        }
    }
}

@Suite("BigInteger text parsing reports errors")
struct BigIntegerParsingTests {
    @Test func invalidInputThrowsWithPosition() {
        #expect(throws: ArithmeticError.invalidDigit(text: "12a4", offset: 2, radix: 10)) { try BigInteger(parsing: "12a4") }
        #expect(throws: ArithmeticError.invalidDigit(text: "-102", offset: 3, radix: 2)) { try BigInteger(parsing: "-102", radix: 2) }
        #expect(throws: ArithmeticError.invalidDigit(text: "1 2", offset: 1, radix: 10)) { try BigInteger(parsing: "1 2") }
        #expect(throws: ArithmeticError.invalidDigit(text: "é1", offset: 0, radix: 10)) { try BigInteger(parsing: "é1") }
        #expect(throws: ArithmeticError.emptyNumber) { try BigInteger(parsing: "") }
        #expect(throws: ArithmeticError.emptyNumber) { try BigInteger(parsing: "-") }
        #expect(throws: ArithmeticError.invalidRadix(63)) { try BigInteger(parsing: "1", radix: 63) }
        #expect(throws: ArithmeticError.invalidRadix(1)) { try BigInteger(parsing: "1", radix: 1) }
        #expect(throws: ArithmeticError.invalidRadix(0)) { try BigInteger(7).text(radix: 0) }
        #expect(BigInteger("12x") == nil)
    }

    @Test func signsAndCaseAreAccepted() throws {
        #expect(try BigInteger(parsing: "+42") == 42)
        #expect(try BigInteger(parsing: "-ff", radix: 16) == -255)
        #expect(try BigInteger(parsing: "FF", radix: 16) == 255)
        #expect(try BigInteger(parsing: "z", radix: 62) == 61)
        #expect(try BigInteger(parsing: "Z", radix: 62) == 35)
        #expect(try BigInteger(255).text(radix: 16, uppercase: true) == "FF")
    }

    @Test func machineIntegerConversions() {
        #expect(BigInteger(Int.min).exactInt == Int.min)
        #expect((BigInteger(Int.max) + 1).exactInt == nil)
        #expect(BigInteger(UInt64.max).exactUInt64 == UInt64.max)
        #expect((BigInteger(UInt64.max) + 1).exactUInt64 == nil)
        #expect(BigInteger(-1).exactUInt64 == nil)
        #expect(BigInteger(-1).truncatedUInt64 == UInt64.max)
        #expect(BigInteger(UInt128.max).exactUInt128 == UInt128.max)
        #expect(BigInteger(Int128.min) == -(BigInteger(1) << 127))
    }
}
