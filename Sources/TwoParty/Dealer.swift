import Arithmetic
import CostModel
import Randomness
import Tensors

/// Shares of one correlated array: party 0's and party 1's. A one-party view leaves the
/// other party's empty.
public typealias SharePair = ([UInt64], [UInt64])

/// The source of correlated randomness (CrypTen's "provider"): Beaver triples, square
/// pairs, binary AND triples and random bits, secret-shared and drawn from seeded ChaCha20
/// streams, so runs are reproducible.
///
/// The layout is CrypTen's trusted first party (`TrustedFirstParty`): party 1's share of
/// every correlated value is drawn from a stream it shares with party 0, and party 0, which
/// alone draws the values themselves, holds value − share1. So party 1 never computes a
/// product (a matrix triple's C = A·B is party 0's work alone), and a one-party view of
/// either party draws exactly its own shares — the `seeded` dealer mode: fast and
/// reproducible, not secure (party 0 knows every value), and the report says so.
///
/// Communicating the shares is offline cost, charged per element at the rate the profile
/// gives (0 for CrypTen's PRZS-based TFP, which derives them from shared seeds).
public final class Dealer: @unchecked Sendable {
    public let ring: PowerOfTwoRing
    /// The correlated values (a, b, random bits …): party 0's stream.
    var values: ChaChaRandom
    /// Party 1's shares: the stream both parties draw.
    var partyOneShares: ChaChaRandom
    let ledger: CostLedger
    /// Offline bytes charged per generated correlated element.
    public let offlineBytesPerElement: Int
    /// Which parties' shares to produce.
    public let view: PartyView

    public init(ring: PowerOfTwoRing, seed: UInt64, ledger: CostLedger, offlineBytesPerElement: Int = 0, view: PartyView = .both) {
        self.ring = ring
        values = ChaChaRandom(seed: seed, stream: 0xDEA1)
        partyOneShares = ChaChaRandom(seed: seed, stream: 0xDEA2)
        self.ledger = ledger
        self.offlineBytesPerElement = offlineBytesPerElement
        self.view = view
    }

    /// Whether this view computes the values (party 0 does; party 1 only draws its shares).
    var computesValues: Bool { view.holds(0) }

    func chargeOffline(_ kind: String, elements: Int) {
        guard offlineBytesPerElement > 0 else { return }
        ledger.record(CostEvent(kind: "offline-\(kind)", elements: elements, offlineBytes: elements * offlineBytesPerElement))
    }

    /// n uniform ring elements from the value stream (party 0's view only; [] otherwise).
    func uniform(_ n: Int) -> [UInt64] {
        guard computesValues else { return [] }
        var out = [UInt64](repeating: 0, count: n)
        let mask = ring.mask
        for i in 0..<n { out[i] = values.next() & mask }
        return out
    }

    /// Party 1's next n shares (`mask` applied).
    func partyOneWords(_ n: Int, mask: UInt64) -> [UInt64] {
        var out = [UInt64](repeating: 0, count: n)
        for i in 0..<n { out[i] = partyOneShares.next() & mask }
        return out
    }

    /// Splits `n` values into additive shares: party 1's drawn, party 0's value − share1.
    /// `values` is read only by a view that holds party 0 (others may pass []).
    func share(_ values: [UInt64], count n: Int) -> SharePair {
        let mask = ring.mask
        let s1 = partyOneWords(n, mask: mask)
        guard computesValues else { return ([], s1) }
        var s0 = [UInt64](repeating: 0, count: n)
        for i in 0..<n { s0[i] = (values[i] &- s1[i]) & mask }
        return (s0, view.holds(1) ? s1 : [])
    }

    /// Splits clear values into two additive shares.
    func share(_ values: [UInt64]) -> SharePair { share(values, count: values.count) }

    /// Splits words into two XOR shares (party 1's drawn whole, party 0's the XOR).
    func xorShare(_ words: [UInt64], count n: Int) -> SharePair {
        let s1 = partyOneWords(n, mask: .max)
        guard computesValues else { return ([], s1) }
        var s0 = [UInt64](repeating: 0, count: n)
        for i in 0..<n { s0[i] = words[i] ^ s1[i] }
        return (s0, view.holds(1) ? s1 : [])
    }

    /// A Beaver triple for an element-wise product with broadcasting: a (count `countA`),
    /// b (count `countB`), and c = a ⊙ b laid out by `plan` (the broadcast product of the
    /// operands' shapes).
    func beaverTriple(countA: Int, countB: Int, plan: BroadcastPlan) -> (a: SharePair, b: SharePair, c: SharePair) {
        let a = uniform(countA), b = uniform(countB)
        var c = [UInt64]()
        if computesValues {
            c.reserveCapacity(plan.count)
            let mask = ring.mask
            plan.forEachPair { i, j in c.append((a[i] &* b[j]) & mask) }
        }
        chargeOffline("triple", elements: plan.count)
        return (share(a, count: countA), share(b, count: countB), share(c, count: plan.count))
    }

    /// A square pair (a, a²).
    func squarePair(_ n: Int) -> (a: SharePair, a2: SharePair) {
        let a = uniform(n)
        let mask = ring.mask
        chargeOffline("square", elements: n)
        return (share(a, count: n), share(a.map { ($0 &* $0) & mask }, count: n))
    }

    /// A matrix triple (A, B, C = A·B) for [m×k]·[k×n], batched `batch` times (B shared if `sharedRight`).
    func matrixTriple(batch: Int, m: Int, k: Int, n: Int, sharedRight: Bool) -> (a: SharePair, b: SharePair, c: SharePair) {
        let countA = batch * m * k, countB = (sharedRight ? 1 : batch) * k * n, countC = batch * m * n
        let a = uniform(countA), b = uniform(countB)
        var c = [UInt64]()
        if computesValues {
            let shapeA = [batch, m, k], shapeB = sharedRight ? [k, n] : [batch, k, n]
            c = ((try? Tensor(uncheckedShape: shapeA, scalars: a).matmul(Tensor(uncheckedShape: shapeB, scalars: b)))?.scalars) ?? []
            let mask = ring.mask
            for i in 0..<c.count { c[i] &= mask }
        }
        chargeOffline("matrix-triple", elements: countA + countB + countC)
        return (share(a, count: countA), share(b, count: countB), share(c, count: countC))
    }

    /// A binary AND triple on 64-bit words: (a, b, a & b), XOR-shared.
    func andTriple(_ n: Int) -> (a: SharePair, b: SharePair, c: SharePair) {
        var a = [UInt64](), b = [UInt64](), c = [UInt64]()
        if computesValues {
            a = (0..<n).map { _ in values.next() }
            b = (0..<n).map { _ in values.next() }
            c = zip(a, b).map { $0 & $1 }
        }
        chargeOffline("and-triple", elements: n)
        return (xorShare(a, count: n), xorShare(b, count: n), xorShare(c, count: n))
    }

    /// Random bits, XOR-shared (in bit 0 of a word; the other bits of the two words are
    /// equal and random) and additively shared as integers.
    func randomBits(_ n: Int) -> (binary: SharePair, arithmetic: SharePair) {
        let bits = computesValues ? (0..<n).map { _ in values.next() & 1 } : []
        chargeOffline("random-bit", elements: n)
        return (xorShare(bits, count: n), share(bits, count: n))
    }

    /// Shares of r, of its top bit, and of ⌊(r mod 2^(k−1)) / 2^m⌋ for one-round truncation.
    func truncationPair(_ n: Int, bits m: Int) -> (r: SharePair, msb: SharePair, shifted: SharePair) {
        let r = uniform(n)
        let k = UInt64(ring.bitWidth)
        let lowMask: UInt64 = ring.bitWidth == 64 ? UInt64.max >> 1 : (UInt64(1) << (k - 1)) - 1
        chargeOffline("truncation-pair", elements: n)
        return (share(r, count: n), share(r.map { $0 >> (k - 1) }, count: n), share(r.map { ($0 & lowMask) >> UInt64(m) }, count: n))
    }
}
