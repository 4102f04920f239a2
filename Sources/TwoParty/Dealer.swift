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
/// alone draws the values themselves, holds value − share1. A one-party view of either
/// party draws only what it needs — the `seeded` dealer mode: fast and reproducible, not
/// secure (party 0 knows every value), and the report says so. The exception is the
/// matrix triple, whose product C = A·B both parties' threads share (`matrixTriple`).
///
/// Communicating the shares is offline cost, charged per element at the rate the profile
/// gives (0 for CrypTen's PRZS-based TFP, which derives them from shared seeds).
public final class Dealer: @unchecked Sendable {
    public let ring: PowerOfTwoRing
    /// The correlated values (a, b, random bits …): party 0's stream.
    var values: ChaChaRandom
    /// Party 1's shares: the stream both parties draw.
    var partyOneShares: ChaChaRandom
    /// Matrix triples' A and B, and the shares of C that party 0 holds as drawn: streams
    /// both parties draw (`matrixTriple`).
    var matrixValues: ChaChaRandom
    var partyZeroShares: ChaChaRandom
    let ledger: CostLedger
    /// Offline bytes charged per generated correlated element.
    public let offlineBytesPerElement: Int
    /// Which parties' shares to produce.
    public let view: PartyView
    /// Dealer mode: the trusted third party's link, which answers every request with this
    /// party's shares (nil: the seeded layout, computed here).
    public let link: DealerLink?

    public init(ring: PowerOfTwoRing, seed: UInt64, ledger: CostLedger, offlineBytesPerElement: Int = 0, view: PartyView = .both,
                link: DealerLink? = nil) {
        self.link = link
        self.ring = ring
        values = ChaChaRandom(seed: seed, stream: 0xDEA1)
        partyOneShares = ChaChaRandom(seed: seed, stream: 0xDEA2)
        matrixValues = ChaChaRandom(seed: seed, stream: 0xDEA3)
        partyZeroShares = ChaChaRandom(seed: seed, stream: 0xDEA4)
        self.ledger = ledger
        self.offlineBytesPerElement = offlineBytesPerElement
        self.view = view
    }

    /// Whether this view computes the values (party 0 does; party 1 only draws its shares).
    var computesValues: Bool { view.holds(0) }

    /// This party's shares from the dealer process: the offline bytes are what it sent to
    /// both parties (each gets as many words as the other).
    func remote(_ link: DealerLink, _ kind: String, _ request: [UInt64], counts: [Int]) -> [SharePair] {
        let before = link.bytesReceived
        let shares = link.pairs(request, counts: counts)
        ledger.record(CostEvent(kind: "offline-\(kind)", elements: counts.reduce(0, +), offlineBytes: 2 * (link.bytesReceived - before)))
        return shares
    }

    func chargeOffline(_ kind: String, elements: Int) {
        guard offlineBytesPerElement > 0 else { return }
        ledger.record(CostEvent(kind: "offline-\(kind)", elements: elements, offlineBytes: elements * offlineBytesPerElement))
    }

    /// n uniform ring elements from the value stream (party 0's view only; [] otherwise).
    func uniform(_ n: Int) -> [UInt64] {
        guard computesValues else { return [] }
        return values.words(n, mask: ring.mask)
    }

    /// Party 1's next n shares (`mask` applied).
    func partyOneWords(_ n: Int, mask: UInt64) -> [UInt64] { partyOneShares.words(n, mask: mask) }

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
    func beaverTriple(countA: Int, countB: Int, plan: BroadcastPlan, shapes: ([Int], [Int]) = ([], [])) -> (a: SharePair, b: SharePair, c: SharePair) {
        if let link {
            let r = remote(link, "triple", [DealerLink.Request.beaverTriple.rawValue, UInt64(shapes.0.count)] + shapes.0.map { UInt64($0) }
                           + [UInt64(shapes.1.count)] + shapes.1.map { UInt64($0) }, counts: [countA, countB, plan.count])
            return (r[0], r[1], r[2])
        }
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
        if let link {
            let r = remote(link, "square", [DealerLink.Request.squarePair.rawValue, UInt64(n)], counts: [n, n])
            return (r[0], r[1])
        }
        let a = uniform(n)
        let mask = ring.mask
        chargeOffline("square", elements: n)
        return (share(a, count: n), share(a.map { ($0 &* $0) & mask }, count: n))
    }

    /// A matrix triple (A, B, C = A·B) for [m×k]·[k×n], batched `batch` times (B shared if
    /// `sharedRight`).
    ///
    /// C = A·B is the dealer's one large product; so that both parties' threads share it,
    /// A and B come from a stream both parties draw (the seeded dealer is not secure
    /// anyway) and C's rows are split: party 1 computes the first half and holds
    /// C − share0 there (share0 drawn from a stream both draw), party 0 the second half
    /// and holds C − share1.
    func matrixTriple(batch: Int, m: Int, k: Int, n: Int, sharedRight: Bool) -> (a: SharePair, b: SharePair, c: SharePair) {
        let countA = batch * m * k, countB = (sharedRight ? 1 : batch) * k * n, countC = batch * m * n
        if let link {
            let r = remote(link, "matrix-triple", [DealerLink.Request.matrixTriple.rawValue] + [batch, m, k, n, sharedRight ? 1 : 0].map { UInt64($0) },
                           counts: [countA, countB, countC])
            return (r[0], r[1], r[2])
        }
        let mask = ring.mask
        let a = matrixValues.words(countA, mask: mask), b = matrixValues.words(countB, mask: mask)
        let rows = batch * m, split = rows / 2
        // Row r < split: share0 drawn, share1 = C − share0 (party 1's work); r ≥ split: the reverse.
        let drawn0 = partyZeroShares.words(split * n, mask: mask), drawn1 = partyOneWords((rows - split) * n, mask: mask)
        func cRows(_ range: Range<Int>) -> [UInt64] {
            var out = [UInt64](repeating: 0, count: range.count * n)
            var r = range.lowerBound
            while r < range.upperBound {
                let t = r / m, i = r % m, take = min(m - i, range.upperBound - r)
                let aPart = Tensor(uncheckedShape: [take, k], scalars: Array(a[(t * m + i) * k ..< (t * m + i + take) * k]))
                let bBase = sharedRight ? 0 : t * k * n
                let bPart = Tensor(uncheckedShape: [k, n], scalars: Array(b[bBase ..< bBase + k * n]))
                let product = ((try? aPart.matmul(bPart))?.scalars) ?? []
                let o = (r - range.lowerBound) * n
                for q in 0..<product.count { out[o + q] = product[q] & mask }
                r += take
            }
            return out
        }
        var c0 = [UInt64](), c1 = [UInt64]()
        if view.holds(0) {
            let upper = cRows(split..<rows)
            c0 = drawn0 + zip(upper, drawn1).map { ($0 &- $1) & mask }
        }
        if view.holds(1) {
            let lower = cRows(0..<split)
            c1 = zip(lower, drawn0).map { ($0 &- $1) & mask } + drawn1
        }
        chargeOffline("matrix-triple", elements: countA + countB + countC)
        return (share(a, count: countA), share(b, count: countB), (c0, c1))
    }

    /// A binary AND triple on 64-bit words: (a, b, a & b), XOR-shared.
    func andTriple(_ n: Int) -> (a: SharePair, b: SharePair, c: SharePair) {
        if let link {
            let r = remote(link, "and-triple", [DealerLink.Request.andTriple.rawValue, UInt64(n)], counts: [n, n, n])
            return (r[0], r[1], r[2])
        }
        var a = [UInt64](), b = [UInt64](), c = [UInt64]()
        if computesValues {
            a = values.words(n)
            b = values.words(n)
            c = zip(a, b).map { $0 & $1 }
        }
        chargeOffline("and-triple", elements: n)
        return (xorShare(a, count: n), xorShare(b, count: n), xorShare(c, count: n))
    }

    /// Random bits, XOR-shared (in bit 0 of a word; the other bits of the two words are
    /// equal and random) and additively shared as integers.
    func randomBits(_ n: Int) -> (binary: SharePair, arithmetic: SharePair) {
        if let link {
            let r = remote(link, "random-bit", [DealerLink.Request.randomBits.rawValue, UInt64(n)], counts: [n, n])
            return (r[0], r[1])
        }
        let bits = computesValues ? values.words(n, mask: 1) : []
        chargeOffline("random-bit", elements: n)
        return (xorShare(bits, count: n), share(bits, count: n))
    }

    /// Shares of r, of its top bit, and of ⌊(r mod 2^(k−1)) / 2^m⌋ for one-round truncation.
    func truncationPair(_ n: Int, bits m: Int) -> (r: SharePair, msb: SharePair, shifted: SharePair) {
        if let link {
            let r = remote(link, "truncation-pair", [DealerLink.Request.truncationPair.rawValue, UInt64(n), UInt64(m)], counts: [n, n, n])
            return (r[0], r[1], r[2])
        }
        let r = uniform(n)
        let k = UInt64(ring.bitWidth)
        let lowMask: UInt64 = ring.bitWidth == 64 ? UInt64.max >> 1 : (UInt64(1) << (k - 1)) - 1
        chargeOffline("truncation-pair", elements: n)
        return (share(r, count: n), share(r.map { $0 >> (k - 1) }, count: n), share(r.map { ($0 & lowMask) >> UInt64(m) }, count: n))
    }
}
