import Testing
@testable import Randomness

@Suite("ChaCha20 PRG")
struct ChaChaRandomTests {
    /// RFC 8439 §2.3.2: key 00..1f, nonce 00:00:00:09:00:00:00:4a:00:00:00:00, block count 1.
    /// In the 64-bit-counter layout the nonce's first word is the counter's high half.
    @Test func blockFunctionMatchesRFC8439() throws {
        let key = (0..<32).map { UInt8($0) }
        let counter: UInt64 = 1 | (UInt64(0x0900_0000) << 32)
        var g = try ChaChaRandom(key: key, stream: UInt64(0x4a00_0000), counter: counter)
        let expectedHex = "10f1e7e4d13b5915500fdd1fa32071c4c7d1f4c733c068030422aa9ac3d46c4e"
            + "d2826446079faa0914c2d705d98b02a2b5129cd1de164eb9cbd083e8a2503c4e"
        var bytes = [UInt8]()
        for _ in 0..<8 {
            let w = g.next()
            for j in 0..<8 { bytes.append(UInt8(truncatingIfNeeded: w >> (8 * UInt64(j)))) }
        }
        #expect(bytes.map { String($0, radix: 16).leftPadded(2) }.joined() == expectedHex)
    }

    /// Seeded keystream cross-checked with the `cryptography` Python package (OpenSSL's
    /// ChaCha20, key = seed 42 little-endian + 24 zero bytes, stream 7, counter 0).
    @Test func seededStreamMatchesOpenSSL() {
        var g = ChaChaRandom(seed: 42, stream: 7)
        #expect(g.next() == 0xb513_e58e_333e_87e7)
        #expect(g.next() == 0x2d73_3d76_8ebf_cc73)
        #expect(g.next() == 0xbfde_8d2d_5bfd_faf8)
    }

    @Test func sameSeedSameStreamIsReproducible() {
        var a = ChaChaRandom(seed: 9), b = ChaChaRandom(seed: 9)
        for _ in 0..<100 { #expect(a.next() == b.next()) }
    }

    @Test func streamsAndSeedsDiffer() {
        var a = ChaChaRandom(seed: 9), b = ChaChaRandom(seed: 9).forked(stream: 1), c = ChaChaRandom(seed: 10)
        let xa = (0..<4).map { _ in a.next() }, xb = (0..<4).map { _ in b.next() }, xc = (0..<4).map { _ in c.next() }
        #expect(xa != xb)
        #expect(xa != xc)
    }

    @Test func systemSeededGeneratorsDiffer() {
        var a = ChaChaRandom(), b = ChaChaRandom()
        #expect(a.next() != b.next() || a.next() != b.next())
    }

    @Test func rejectsShortKey() {
        #expect(throws: RandomnessError.invalidKeyLength(16)) { try ChaChaRandom(key: [UInt8](repeating: 0, count: 16)) }
    }

    /// Bits are balanced: over 4096 words each of the 64 bit positions is set close to half
    /// the time (|count − 2048| < 6σ, σ = 32).
    @Test func bitsAreBalanced() {
        var g = ChaChaRandom(seed: 1)
        var counts = [Int](repeating: 0, count: 64)
        for _ in 0..<4096 {
            let w = g.next()
            for b in 0..<64 where w >> UInt64(b) & 1 == 1 { counts[b] += 1 }
        }
        #expect(counts.allSatisfy { abs($0 - 2048) < 192 })
    }
}

extension String {
    func leftPadded(_ width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}

/// The sixteen-block path of `fill` is the same keystream as `next()`, from any position,
/// across a counter whose low word wraps.
@Suite("ChaCha20 bulk fill")
struct ChaChaFillTests {
    @Test(arguments: [0, 3, 7, 8, 129, 1000])
    func fillEqualsNext(_ offset: Int) throws {
        var a = ChaChaRandom(seed: 42, stream: 5), b = a
        for _ in 0..<offset { _ = a.next(); _ = b.next() }
        let bulk = a.words(777)
        let single = (0..<777).map { _ in b.next() }
        #expect(bulk == single)
        #expect(a.next() == b.next())
    }

    @Test func counterCarry() throws {
        var a = try ChaChaRandom(key: [UInt8](repeating: 7, count: 32), stream: 1, counter: UInt64(UInt32.max) - 5)
        var b = a
        #expect(a.words(300) == (0..<300).map { _ in b.next() })
    }
}
