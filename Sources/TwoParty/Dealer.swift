import Arithmetic
import CostModel
import Randomness

/// The source of correlated randomness (CrypTen's "provider"): Beaver triples, square
/// pairs, binary AND triples and random bits, all secret-shared and drawn from a seeded
/// ChaCha20 stream, so runs are reproducible.
///
/// A trusted first party (party 0) or trusted third party generates them; communicating
/// them is offline cost, charged per element at the rate the profile gives (0 for
/// CrypTen's PRZS-based TFP, which derives them from shared seeds).
public final class Dealer: @unchecked Sendable {
    public let ring: PowerOfTwoRing
    var generator: ChaChaRandom
    let ledger: CostLedger
    /// Offline bytes charged per generated correlated element.
    public let offlineBytesPerElement: Int

    public init(ring: PowerOfTwoRing, seed: UInt64, ledger: CostLedger, offlineBytesPerElement: Int = 0) {
        self.ring = ring
        generator = ChaChaRandom(seed: seed, stream: 0xDEA1)
        self.ledger = ledger
        self.offlineBytesPerElement = offlineBytesPerElement
    }

    func chargeOffline(_ kind: String, elements: Int) {
        guard offlineBytesPerElement > 0 else { return }
        ledger.record(CostEvent(kind: "offline-\(kind)", elements: elements, offlineBytes: elements * offlineBytesPerElement))
    }

    /// n uniform ring elements.
    func uniform(_ n: Int) -> [UInt64] {
        var out = [UInt64](repeating: 0, count: n)
        let mask = ring.mask
        for i in 0..<n { out[i] = generator.next() & mask }
        return out
    }

    /// Splits clear values into two additive shares.
    func share(_ values: [UInt64]) -> ([UInt64], [UInt64]) {
        let s0 = uniform(values.count)
        var s1 = [UInt64](repeating: 0, count: values.count)
        let mask = ring.mask
        for i in 0..<values.count { s1[i] = (values[i] &- s0[i]) & mask }
        return (s0, s1)
    }

    /// Splits clear words into two XOR shares.
    func xorShare(_ words: [UInt64]) -> ([UInt64], [UInt64]) {
        var s0 = [UInt64](repeating: 0, count: words.count), s1 = s0
        for i in 0..<words.count {
            s0[i] = generator.next()
            s1[i] = words[i] ^ s0[i]
        }
        return (s0, s1)
    }

    /// A Beaver triple for an element-wise product with broadcasting: a (count `countA`),
    /// b (count `countB`), and c = a ⊙ b laid out by `pairs` (the (i, j) index pairs of
    /// the broadcast product).
    func beaverTriple(countA: Int, countB: Int, pairs: [(Int, Int)]) -> (a: ([UInt64], [UInt64]), b: ([UInt64], [UInt64]), c: ([UInt64], [UInt64])) {
        let a = uniform(countA), b = uniform(countB)
        var c = [UInt64](repeating: 0, count: pairs.count)
        let mask = ring.mask
        for (k, (i, j)) in pairs.enumerated() { c[k] = (a[i] &* b[j]) & mask }
        chargeOffline("triple", elements: pairs.count)
        return (share(a), share(b), share(c))
    }

    /// A square pair (a, a²).
    func squarePair(_ n: Int) -> (a: ([UInt64], [UInt64]), a2: ([UInt64], [UInt64])) {
        let a = uniform(n)
        let mask = ring.mask
        chargeOffline("square", elements: n)
        return (share(a), share(a.map { ($0 &* $0) & mask }))
    }

    /// A matrix triple (A, B, C = A·B) for [m×k]·[k×n], batched `batch` times (B shared if `sharedRight`).
    func matrixTriple(batch: Int, m: Int, k: Int, n: Int, sharedRight: Bool)
        -> (a: ([UInt64], [UInt64]), b: ([UInt64], [UInt64]), c: ([UInt64], [UInt64])) {
        let a = uniform(batch * m * k), b = uniform((sharedRight ? 1 : batch) * k * n)
        var c = [UInt64](repeating: 0, count: batch * m * n)
        let mask = ring.mask
        for t in 0..<batch {
            let bBase = sharedRight ? 0 : t * k * n
            for i in 0..<m {
                for p in 0..<k {
                    let x = a[t * m * k + i * k + p]
                    for j in 0..<n { c[t * m * n + i * n + j] &+= x &* b[bBase + p * n + j] }
                }
            }
        }
        for i in 0..<c.count { c[i] &= mask }
        chargeOffline("matrix-triple", elements: a.count + b.count + c.count)
        return (share(a), share(b), share(c))
    }

    /// A binary AND triple on 64-bit words: (a, b, a & b), XOR-shared.
    func andTriple(_ n: Int) -> (a: ([UInt64], [UInt64]), b: ([UInt64], [UInt64]), c: ([UInt64], [UInt64])) {
        var a = [UInt64](repeating: 0, count: n), b = a, c = a
        for i in 0..<n {
            a[i] = generator.next()
            b[i] = generator.next()
            c[i] = a[i] & b[i]
        }
        chargeOffline("and-triple", elements: n)
        return (xorShare(a), xorShare(b), xorShare(c))
    }

    /// Random bits, XOR-shared (in bit 0 of a word) and additively shared as integers.
    func randomBits(_ n: Int) -> (binary: ([UInt64], [UInt64]), arithmetic: ([UInt64], [UInt64])) {
        let bits = (0..<n).map { _ in generator.next() & 1 }
        // The binary shares keep other bits random too, as a real word-level share would.
        var b0 = [UInt64](repeating: 0, count: n), b1 = b0
        for i in 0..<n {
            let r = generator.next()
            b0[i] = r
            b1[i] = r ^ bits[i]
        }
        chargeOffline("random-bit", elements: n)
        return ((b0, b1), share(bits))
    }

    /// Shares of r, of its top bit, and of ⌊(r mod 2^(k−1)) / 2^m⌋ for one-round truncation.
    func truncationPair(_ n: Int, bits m: Int) -> (r: ([UInt64], [UInt64]), msb: ([UInt64], [UInt64]), shifted: ([UInt64], [UInt64])) {
        let r = uniform(n)
        let k = UInt64(ring.bitWidth)
        let lowMask: UInt64 = ring.bitWidth == 64 ? UInt64.max >> 1 : (UInt64(1) << (k - 1)) - 1
        chargeOffline("truncation-pair", elements: n)
        return (share(r), share(r.map { $0 >> (k - 1) }), share(r.map { ($0 & lowMask) >> UInt64(m) }))
    }
}
