/// The ChaCha20 block function (D. J. Bernstein, "ChaCha, a variant of Salsa20", 2008;
/// test vectors and constants from RFC 8439 §2.3).
///
/// The state is sixteen 32-bit words: four constants, eight key words, and four words of
/// counter and nonce. This type keeps the original 64-bit-counter layout (words 12–13
/// hold the block counter, words 14–15 the stream nonce), so one key yields 2^64 streams
/// of 2^64 blocks each. RFC 8439's 32-bit-counter layout is the same function with the
/// counter's high word taken from the nonce.
@usableFromInline
struct ChaCha20Block: Sendable {
    /// "expand 32-byte k" as four little-endian words.
    @usableFromInline static let constants: (UInt32, UInt32, UInt32, UInt32) =
        (0x6170_7865, 0x3320_646e, 0x7962_2d32, 0x6b20_6574)

    /// Key words 0–7 (little-endian words of the 32-byte key).
    @usableFromInline var key: (UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32)

    /// Words 14–15 of the state.
    @usableFromInline var nonce: UInt64

    @inlinable
    init(keyWords: [UInt32], nonce: UInt64) {
        key = (keyWords[0], keyWords[1], keyWords[2], keyWords[3],
               keyWords[4], keyWords[5], keyWords[6], keyWords[7])
        self.nonce = nonce
    }

    @inline(__always) @usableFromInline
    static func quarterRound(_ a: inout UInt32, _ b: inout UInt32, _ c: inout UInt32, _ d: inout UInt32) {
        a &+= b; d ^= a; d = d.rotatedLeft(by: 16)
        c &+= d; b ^= c; b = b.rotatedLeft(by: 12)
        a &+= b; d ^= a; d = d.rotatedLeft(by: 8)
        c &+= d; b ^= c; b = b.rotatedLeft(by: 7)
    }

    /// Computes block number `counter` and writes its 16 output words to `output`.
    ///
    /// - Parameters:
    ///   - counter: the 64-bit block counter (state words 12–13).
    ///   - output: a buffer with room for at least 16 words.
    @inlinable
    func block(counter: UInt64, into output: UnsafeMutablePointer<UInt32>) {
        let c = ChaCha20Block.constants
        let s0 = c.0, s1 = c.1, s2 = c.2, s3 = c.3
        let s4 = key.0, s5 = key.1, s6 = key.2, s7 = key.3
        let s8 = key.4, s9 = key.5, s10 = key.6, s11 = key.7
        let s12 = UInt32(truncatingIfNeeded: counter), s13 = UInt32(truncatingIfNeeded: counter >> 32)
        let s14 = UInt32(truncatingIfNeeded: nonce), s15 = UInt32(truncatingIfNeeded: nonce >> 32)
        var x0 = s0, x1 = s1, x2 = s2, x3 = s3, x4 = s4, x5 = s5, x6 = s6, x7 = s7
        var x8 = s8, x9 = s9, x10 = s10, x11 = s11, x12 = s12, x13 = s13, x14 = s14, x15 = s15
        for _ in 0..<10 {
            // Column rounds.
            Self.quarterRound(&x0, &x4, &x8, &x12)
            Self.quarterRound(&x1, &x5, &x9, &x13)
            Self.quarterRound(&x2, &x6, &x10, &x14)
            Self.quarterRound(&x3, &x7, &x11, &x15)
            // Diagonal rounds.
            Self.quarterRound(&x0, &x5, &x10, &x15)
            Self.quarterRound(&x1, &x6, &x11, &x12)
            Self.quarterRound(&x2, &x7, &x8, &x13)
            Self.quarterRound(&x3, &x4, &x9, &x14)
        }
        output[0] = x0 &+ s0; output[1] = x1 &+ s1; output[2] = x2 &+ s2; output[3] = x3 &+ s3
        output[4] = x4 &+ s4; output[5] = x5 &+ s5; output[6] = x6 &+ s6; output[7] = x7 &+ s7
        output[8] = x8 &+ s8; output[9] = x9 &+ s9; output[10] = x10 &+ s10; output[11] = x11 &+ s11
        output[12] = x12 &+ s12; output[13] = x13 &+ s13; output[14] = x14 &+ s14; output[15] = x15 &+ s15
    }
}

extension ChaCha20Block {
    /// Blocks `counter` … `counter + 3` at once, one block per SIMD lane (one SSE
    /// register per state word), written in order (block after block, 16 words each) to
    /// `output`: the same words as four calls of `block(counter:into:)`.
    ///
    /// - Parameters:
    ///   - output: room for at least 64 words.
    @inlinable
    func fourBlocks(counter: UInt64, into output: UnsafeMutablePointer<UInt32>) {
        typealias V = SIMD4<UInt32>
        let c = ChaCha20Block.constants
        let lanes = V(0, 1, 2, 3)
        let low = V(repeating: UInt32(truncatingIfNeeded: counter)) &+ lanes
        // The carry into the high word where the low word wrapped.
        let high = V(repeating: UInt32(truncatingIfNeeded: counter >> 32)) &+ V(repeating: 0).replacing(with: 1, where: low .< lanes)
        let s0 = V(repeating: c.0), s1 = V(repeating: c.1), s2 = V(repeating: c.2), s3 = V(repeating: c.3)
        let s4 = V(repeating: key.0), s5 = V(repeating: key.1), s6 = V(repeating: key.2), s7 = V(repeating: key.3)
        let s8 = V(repeating: key.4), s9 = V(repeating: key.5), s10 = V(repeating: key.6), s11 = V(repeating: key.7)
        let s14 = V(repeating: UInt32(truncatingIfNeeded: nonce)), s15 = V(repeating: UInt32(truncatingIfNeeded: nonce >> 32))
        var x0 = s0, x1 = s1, x2 = s2, x3 = s3, x4 = s4, x5 = s5, x6 = s6, x7 = s7
        var x8 = s8, x9 = s9, x10 = s10, x11 = s11, x12 = low, x13 = high, x14 = s14, x15 = s15
        for _ in 0..<10 {
            Self.quarterRound4(&x0, &x4, &x8, &x12); Self.quarterRound4(&x1, &x5, &x9, &x13)
            Self.quarterRound4(&x2, &x6, &x10, &x14); Self.quarterRound4(&x3, &x7, &x11, &x15)
            Self.quarterRound4(&x0, &x5, &x10, &x15); Self.quarterRound4(&x1, &x6, &x11, &x12)
            Self.quarterRound4(&x2, &x7, &x8, &x13); Self.quarterRound4(&x3, &x4, &x9, &x14)
        }
        @inline(__always) func put(_ w: Int, _ v: V) {
            output[w] = v[0]; output[16 &+ w] = v[1]; output[32 &+ w] = v[2]; output[48 &+ w] = v[3]
        }
        put(0, x0 &+ s0); put(1, x1 &+ s1); put(2, x2 &+ s2); put(3, x3 &+ s3)
        put(4, x4 &+ s4); put(5, x5 &+ s5); put(6, x6 &+ s6); put(7, x7 &+ s7)
        put(8, x8 &+ s8); put(9, x9 &+ s9); put(10, x10 &+ s10); put(11, x11 &+ s11)
        put(12, x12 &+ low); put(13, x13 &+ high); put(14, x14 &+ s14); put(15, x15 &+ s15)
    }

    @inline(__always) @usableFromInline
    static func quarterRound4(_ a: inout SIMD4<UInt32>, _ b: inout SIMD4<UInt32>, _ c: inout SIMD4<UInt32>, _ d: inout SIMD4<UInt32>) {
        a &+= b; d ^= a; d = (d &<< 16) | (d &>> 16)
        c &+= d; b ^= c; b = (b &<< 12) | (b &>> 20)
        a &+= b; d ^= a; d = (d &<< 8) | (d &>> 24)
        c &+= d; b ^= c; b = (b &<< 7) | (b &>> 25)
    }
}

extension UInt32 {
    @inline(__always) @usableFromInline
    func rotatedLeft(by n: UInt32) -> UInt32 { (self << n) | (self >> (32 &- n)) }
}
