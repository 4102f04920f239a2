import Arithmetic
import Backend
import CostModel
import Randomness
import Tensors

/// The two-party engine: additive shares over Z/2^k, every protocol executed on the
/// shares, every value a real implementation sends going through `Channel.open`, which is
/// where bytes and rounds are counted.
///
/// One implementation of each protocol step serves three ways of running it: both parties
/// simulated together in one thread (`PartyView.both`), and one party per engine — two
/// engines on two threads joined by an `InProcessTransport`, or two processes over TCP.
/// Each step is written once, per party (`perParty`), and a view computes only the parties
/// it holds.
public final class TwoPartyEngine: @unchecked Sendable {
    public let settings: TwoPartySettings
    public let ring: PowerOfTwoRing
    public let ledger: CostLedger
    public let channel: Channel
    public let dealer: Dealer
    /// Which parties' shares this engine holds.
    public let view: PartyView
    /// Party 1's input shares: the stream the owner and party 1 share (CrypTen's PRZS
    /// sharing: no communication).
    var inputShares: ChaChaRandom
    /// Each party's private coins (`uniformRandom`).
    var localCoins: [ChaChaRandom]

    /// - Parameters:
    ///   - view: `.both`, or `.party(p)` with the `transport` to the other party.
    /// - Throws: `TwoPartyError.invalidParameter` for settings that cannot work.
    ///   - dealerLink: dealer mode (a one-party view only): correlated randomness from the
    ///     dealer process instead of the seeded layout; the engine starts its computation there.
    public init(settings: TwoPartySettings, ledger: CostLedger = CostLedger(), view: PartyView = .both,
                transport: (any Transport)? = nil, dealerLink: DealerLink? = nil, digest: [UInt64] = []) throws(TwoPartyError) {
        try settings.validate()
        if case .party(let p) = view {
            guard p == 0 || p == 1 else { throw .invalidParameter("party role must be 0 or 1, got \(p)") }
            guard transport != nil else { throw .invalidParameter("one party's view needs a transport to the other") }
        }
        self.settings = settings
        do { ring = try PowerOfTwoRing(bits: settings.ringBits) } catch { throw .invalidParameter(error.description) }
        self.ledger = ledger
        self.view = view
        if ledger.computeModel == nil { ledger.computeModel = settings.compute }
        channel = Channel(ledger: ledger, wireBytesPerElement: settings.wireBytesPerElement, wireBytesPerBit: settings.wireBytesPerBit,
                          view: view, transport: transport)
        if let dealerLink {
            guard case .party = view else { throw .invalidParameter("a dealer process serves one party's view") }
            do { try dealerLink.start(seed: settings.seed, ringBits: settings.ringBits, digest: digest) } catch {
                throw .invalidParameter("dealer: \(error.description)")
            }
        }
        dealer = Dealer(ring: ring, seed: settings.seed, ledger: ledger, offlineBytesPerElement: dealerLink == nil ? settings.offlineBytesPerElement : 0,
                        view: view, link: dealerLink)
        inputShares = ChaChaRandom(seed: settings.seed, stream: 0x1A7)
        localCoins = [ChaChaRandom(seed: settings.seed, stream: 0xC0), ChaChaRandom(seed: settings.seed, stream: 0xC1)]
    }

    @inlinable var mask: UInt64 { ring.mask }
    var f: Int { settings.fractionalBits }

    /// Runs `body` for each party this view holds; the others' shares stay empty.
    @inline(__always)
    func perParty(_ body: (Int) -> [UInt64]) -> SharePair {
        (view.holds(0) ? body(0) : [], view.holds(1) ? body(1) : [])
    }

    /// Applies `op` to each held share of x, element by element.
    @inline(__always)
    func mapShares(_ x: SharedTensor, _ op: (Int, UInt64) -> UInt64) -> SharePair {
        perParty { p in x[party: p].map { op(p, $0) } }
    }

    // MARK: Sharing and reconstruction

    /// Secret-shares clear reals at f fractional bits: party 1's share is drawn from the
    /// stream it shares with the owner, party 0's is the encoding minus it (like CrypTen's
    /// PRZS sharing this costs no communication). Values beyond the ring's range saturate
    /// and are counted in `inputOverflows`.
    public func share(_ x: Tensor<Double>) -> SharedTensor {
        let scale = Double(sign: .plus, exponent: f, significand: 1)
        // The largest integer below 2^(k−1) that a Double holds (2^(k−1) − 1 rounds up for k ≥ 55).
        let limit = Double(sign: .plus, exponent: settings.ringBits - 1, significand: 1).nextDown.rounded(.down)
        let n = x.count, m = mask
        let s1 = inputShares.words(n, mask: m)
        var s0 = [UInt64]()
        if view.holds(0) {
            s0 = [UInt64](repeating: 0, count: n)
            for (i, v) in x.scalars.enumerated() {
                var y = (v * scale).rounded()
                if !(abs(y) <= limit) { inputOverflows += 1; y = v.isNaN ? 0 : (y < 0 ? -limit : limit) }
                s0[i] = (UInt64(bitPattern: Int64(y)) &- s1[i]) & m
            }
        }
        return SharedTensor(shape: x.shape, share0: s0, share1: view.holds(1) ? s1 : [], fractionalBits: f)
    }

    /// Inputs that did not fit the ring and were saturated (counted by party 0's view).
    public private(set) var inputOverflows = 0

    /// The clear values of a shared tensor — the simulator's view, not a protocol step
    /// (the ledger counts nothing; a one-party view swaps shares in a simulator-only frame).
    /// Use `open` for a counted reveal.
    public func reconstruct(_ x: SharedTensor) -> Tensor<Double> {
        decode(channel.reconstructWords((x.share0, x.share1), mask: mask), shape: x.shape, fractionalBits: x.fractionalBits)
    }

    /// Ring elements as reals at 2^−fractionalBits.
    func decode(_ words: [UInt64], shape: [Int], fractionalBits: Int) -> Tensor<Double> {
        let scale = Double(sign: .plus, exponent: fractionalBits, significand: 1)
        let values = words.map { ring.centeredDouble($0) / scale }
        return (try? Tensor(shape: shape, scalars: values)) ?? Tensor(values)
    }

    /// Reveals a shared tensor to both parties (one round).
    public func open(_ x: SharedTensor) -> Tensor<Double> {
        let m = mask
        let opened = channel.open("reveal", [(x.share0, x.share1)]) { ($0 &+ $1) & m }[0]
        return decode(opened, shape: x.shape, fractionalBits: x.fractionalBits)
    }

    // MARK: Local operations

    func zipShares(_ x: SharedTensor, _ y: SharedTensor, _ op: (UInt64, UInt64) -> UInt64) -> SharedTensor {
        let (a, b) = aligned(x, y)
        let plan = BroadcastPlan(unchecked: a.shape, b.shape)
        let m = mask
        let r = perParty { p in
            let u = a[party: p], v = b[party: p]
            var out = [UInt64]()
            out.reserveCapacity(plan.count)
            plan.forEachPair { i, j in out.append(op(u[i], v[j]) & m) }
            return out
        }
        return SharedTensor(shape: plan.shape, shares: r, fractionalBits: a.fractionalBits)
    }

    /// Brings two operands to the same scale (multiplying the coarser one by 2^Δ locally).
    func aligned(_ x: SharedTensor, _ y: SharedTensor) -> (SharedTensor, SharedTensor) {
        if x.fractionalBits == y.fractionalBits { return (x, y) }
        return x.fractionalBits < y.fractionalBits ? (rescaled(x, to: y.fractionalBits), y) : (x, rescaled(y, to: x.fractionalBits))
    }

    func rescaled(_ x: SharedTensor, to bits: Int) -> SharedTensor {
        let shift = UInt64(bits - x.fractionalBits), m = mask
        return SharedTensor(shape: x.shape, shares: mapShares(x) { _, v in (v << shift) & m }, fractionalBits: bits)
    }

    public func add(_ x: SharedTensor, _ y: SharedTensor) -> SharedTensor { zipShares(x, y) { $0 &+ $1 } }
    public func subtract(_ x: SharedTensor, _ y: SharedTensor) -> SharedTensor { zipShares(x, y) { $0 &- $1 } }

    public func negate(_ x: SharedTensor) -> SharedTensor {
        let m = mask
        return SharedTensor(shape: x.shape, shares: mapShares(x) { _, v in (0 &- v) & m }, fractionalBits: x.fractionalBits)
    }

    /// Encodes a public constant at `bits` fractional bits (NaN as 0; values beyond Int64
    /// saturate instead of trapping, then wrap into the ring like any other).
    func encode(_ c: Double, bits: Int) -> UInt64 {
        let y = (c * Double(sign: .plus, exponent: bits, significand: 1)).rounded()
        let bound = Double(sign: .plus, exponent: 63, significand: 1).nextDown
        return UInt64(bitPattern: Int64(y.isNaN ? 0 : Swift.min(Swift.max(y, -bound), bound))) & mask
    }

    /// x + c: party 0 adds the encoded constant.
    public func addConstant(_ x: SharedTensor, _ c: Double) -> SharedTensor {
        let e = encode(c, bits: x.fractionalBits), m = mask
        var r = x
        if view.holds(0) { r.share0 = x.share0.map { ($0 &+ e) & m } }
        return r
    }

    /// x + m for a public tensor m (broadcasting): party 0 adds the encoding; local.
    public func addPublic(_ x: SharedTensor, _ m: Tensor<Double>) -> SharedTensor {
        let encoded = m.map { encode($0, bits: x.fractionalBits) }
        let zero = Tensor(uncheckedShape: encoded.shape, scalars: [UInt64](repeating: 0, count: encoded.count))
        let mk = mask
        let shape = BroadcastPlan(unchecked: x.shape, m.shape).shape
        let r = perParty { p in
            Tensor(uncheckedShape: x.shape, scalars: x[party: p]).broadcasting(p == 0 ? encoded : zero) { ($0 &+ $1) & mk }.scalars
        }
        return SharedTensor(shape: shape, shares: r, fractionalBits: x.fractionalBits)
    }

    /// x · k for a public integer k: local, no truncation.
    public func multiplyInteger(_ x: SharedTensor, _ k: Int) -> SharedTensor {
        let e = UInt64(bitPattern: Int64(k)) & mask, m = mask
        return SharedTensor(shape: x.shape, shares: mapShares(x) { _, v in (v &* e) & m }, fractionalBits: x.fractionalBits)
    }

    /// x · c for a public real c: local product with the encoded constant, then truncation.
    /// A power of two 2^−j is a truncation by j bits alone, as CrypTen's and SPU's
    /// `x.div(2^j)` are.
    public func multiplyConstant(_ x: SharedTensor, _ c: Double) -> SharedTensor {
        if c.isSmallInteger { return multiplyInteger(x, Int(c)) }
        let j = -c.magnitude.exponent
        if c.magnitude.significand == 1, j > 0, j < ring.bitWidth - 1 {
            let shifted = truncate(x, bits: j)
            var r = c < 0 ? negate(shifted) : shifted
            r.fractionalBits = x.fractionalBits
            return r
        }
        return multiplyPublic(x, Tensor([c]).reshapedUnchecked(Array(repeating: 1, count: max(x.shape.count, 1))))
    }

    /// x ⊙ m for a public tensor m (broadcast); integer entries (masks) need no truncation.
    public func multiplyPublic(_ x: SharedTensor, _ m: Tensor<Double>) -> SharedTensor {
        let integral = m.isSmallIntegral
        let bits = integral ? 0 : f
        let encoded = m.scalars.map { encode($0, bits: bits) }
        let plan = BroadcastPlan(unchecked: x.shape, m.shape)
        let mk = mask
        let r = perParty { p in
            let s = x[party: p]
            var out = [UInt64]()
            out.reserveCapacity(plan.count)
            plan.forEachPair { i, j in out.append((s[i] &* encoded[j]) & mk) }
            return out
        }
        return truncated(SharedTensor(shape: plan.shape, shares: r, fractionalBits: x.fractionalBits + bits))
    }

    /// Sum along `axis` (kept with extent 1): local.
    public func sum(_ x: SharedTensor, alongAxis axis: Int) -> SharedTensor {
        let m = mask
        var shape = x.shape
        let r = perParty { p in
            let s = x[party: p]
            let t = (try? Tensor(shape: x.shape, scalars: s))?.reducing(alongAxis: axis, initial: 0) { $0 &+ $1 } ?? Tensor(s)
            shape = t.shape
            return t.scalars.map { $0 & m }
        }
        return SharedTensor(shape: shape, shares: r, fractionalBits: x.fractionalBits)
    }

    // MARK: Multiplication

    /// x ⊙ y by Beaver's protocol with broadcasting: open ε = x − a and δ = y − b in one
    /// round (count(x) + count(y) elements), then z = c + ε⊙b + a⊙δ + ε⊙δ (the last term
    /// by party 0), and truncate when the product carries more than f fractional bits.
    public func multiply(_ x: SharedTensor, _ y: SharedTensor) -> SharedTensor {
        truncated(multiplyRaw(x, y))
    }

    /// The masked differences u − t of each held share, one array per party (an opening's `parts` entry).
    func masked(_ u: SharedTensor, minus t: SharePair) -> SharePair {
        let m = mask
        return perParty { p in zip(u[party: p], p == 0 ? t.0 : t.1).map { ($0 &- $1) & m } }
    }

    /// The Beaver product without truncation (fractional bits add up).
    func multiplyRaw(_ x: SharedTensor, _ y: SharedTensor) -> SharedTensor {
        if let cost = settings.multiplicationCost { return analyticProduct(x, y, kind: "mul", cost: cost) }
        let plan = BroadcastPlan(unchecked: x.shape, y.shape)
        let (a, b, c) = dealer.beaverTriple(countA: x.count, countB: y.count, plan: plan, shapes: (x.shape, y.shape))
        let m = mask
        let opened = channel.open("mul", [masked(x, minus: a), masked(y, minus: b)], multiplications: plan.count) { ($0 &+ $1) & m }
        let eps = opened[0], delta = opened[1]
        let z = perParty { p in
            let ap = p == 0 ? a.0 : a.1, bp = p == 0 ? b.0 : b.1, cp = p == 0 ? c.0 : c.1
            var out = [UInt64]()
            out.reserveCapacity(plan.count)
            var k = 0
            plan.forEachPair { i, j in
                let t = cp[k] &+ eps[i] &* bp[j] &+ ap[i] &* delta[j]
                out.append((p == 0 ? t &+ eps[i] &* delta[j] : t) & m)
                k += 1
            }
            return out
        }
        return SharedTensor(shape: plan.shape, shares: z, fractionalBits: x.fractionalBits + y.fractionalBits)
    }

    /// x² with a square pair (a, a²): open ε = x − a (one element each), z = a² + 2εa + ε².
    public func square(_ x: SharedTensor) -> SharedTensor {
        if let cost = settings.squareCost ?? settings.multiplicationCost {
            return truncated(analyticProduct(x, x, kind: "square", cost: cost))
        }
        let (a, a2) = dealer.squarePair(x.count)
        let m = mask
        let eps = channel.open("square", [masked(x, minus: a)], multiplications: x.count) { ($0 &+ $1) & m }[0]
        let z = perParty { p in
            let ap = p == 0 ? a.0 : a.1, a2p = p == 0 ? a2.0 : a2.1
            return (0..<eps.count).map { i in
                let t = a2p[i] &+ 2 &* eps[i] &* ap[i]
                return (p == 0 ? t &+ eps[i] &* eps[i] : t) & m
            }
        }
        return truncated(SharedTensor(shape: x.shape, shares: z, fractionalBits: 2 * x.fractionalBits))
    }

    /// X · Y for X [..., m, k] and Y [..., k, n] (or a shared [k, n]) with a matrix triple:
    /// open E = X − A and F = Y − B (one round), Z = C + E·B + A·F + E·F. Party 0 computes
    /// E·(B0 + F) + A0·F and party 1 E·B1 + A1·F: two local products each.
    public func matmul(_ x: SharedTensor, _ y: SharedTensor) throws(TwoPartyError) -> SharedTensor {
        guard x.shape.count >= 2, y.shape.count >= 2, x.shape[x.shape.count - 1] == y.shape[y.shape.count - 2] else {
            throw .invalidParameter("cannot multiply matrices of shapes \(x.shape) and \(y.shape)")
        }
        let m = x.shape[x.shape.count - 2], k = x.shape[x.shape.count - 1], n = y.shape[y.shape.count - 1]
        let batch = x.count / max(m * k, 1)
        let sharedRight = y.shape.count == 2
        guard sharedRight || y.count == batch * k * n else { throw .invalidParameter("batch shapes \(x.shape) and \(y.shape) differ") }
        let (a, b, c) = dealer.matrixTriple(batch: batch, m: m, k: k, n: n, sharedRight: sharedRight)
        let mk = mask
        let opened = channel.open("matmul", [masked(x, minus: a), masked(y, minus: b)],
                                  multiplications: batch * m * n, multiplyAccumulates: (batch * m * n).saturatingMultiplying(k)) { ($0 &+ $1) & mk }
        let shapeA = Array(x.shape.dropLast(2)) + [m, k], shapeB = sharedRight ? [k, n] : Array(x.shape.dropLast(2)) + [k, n]
        func mat(_ s: [UInt64], _ shape: [Int]) -> Tensor<UInt64> { Tensor(uncheckedShape: shape, scalars: s) }
        func product(_ p: Tensor<UInt64>, _ q: Tensor<UInt64>) -> [UInt64] { ((try? p.matmul(q))?.scalars) ?? [] }
        let e = mat(opened[0], shapeA), fT = mat(opened[1], shapeB)
        let z = perParty { p in
            let ap = p == 0 ? a.0 : a.1, cp = p == 0 ? c.0 : c.1
            // Party 0 folds E·F into E·(B0 + F).
            let bp = p == 0 ? zip(b.0, opened[1]).map { $0 &+ $1 } : b.1
            let eb = product(e, mat(bp, shapeB)), af = product(mat(ap, shapeA), fT)
            var out = cp
            for i in 0..<out.count { out[i] = (out[i] &+ eb[i] &+ af[i]) & mk }
            return out
        }
        let shape = Array(x.shape.dropLast(2)) + [m, n]
        return truncated(SharedTensor(shape: shape, shares: z, fractionalBits: x.fractionalBits + y.fractionalBits))
    }

    // MARK: Truncation

    /// Brings x back to f fractional bits if it carries more.
    public func truncated(_ x: SharedTensor) -> SharedTensor {
        x.fractionalBits > f ? truncate(x, bits: x.fractionalBits - f) : x
    }

    /// Divides by 2^bits with the profile's truncation protocol.
    public func truncate(_ x: SharedTensor, bits m: Int) -> SharedTensor {
        if let cost = settings.truncationCost { return analyticTruncation(x, bits: m, cost: cost) }
        var r = x
        r.fractionalBits = x.fractionalBits - m
        switch settings.truncation {
        case .local:
            // SecureML: party 0 ⌊x0/2^m⌋, party 1 −⌊−x1/2^m⌋ (unbiased, ±1 ulp).
            let s = UInt64(m), mk = mask
            (r.share0, r.share1) = mapShares(x) { p, v in p == 0 ? v >> s : (0 &- (((0 &- v) & mk) >> s)) & mk }
        case .oneRound:
            // x' = x + 2^(k−2) ∈ [0, 2^(k−1)); open c = x' + r; with b = c_msb ⊕ r_msb,
            // ⌊x'/2^m⌋ ≈ ⌊c_low/2^m⌋ − r' + b·2^(k−1−m); subtract 2^(k−2−m).
            let k = UInt64(ring.bitWidth), mk = mask, s = UInt64(m)
            let lowMask: UInt64 = k == 64 ? UInt64.max >> 1 : (UInt64(1) << (k - 1)) - 1
            let offset = UInt64(1) << (k - 2)
            let (rr, msb, shifted) = dealer.truncationPair(x.count, bits: m)
            let c = channel.open("truncate", [
                perParty { p in zip(x[party: p], p == 0 ? rr.0 : rr.1).map { ($0 &+ (p == 0 ? offset : 0) &+ $1) & mk } },
            ]) { ($0 &+ $1) & mk }[0]
            let top = UInt64(1) << (k - 1 - s), correction = UInt64(1) << (k - 2 - s)
            (r.share0, r.share1) = perParty { p in
                let msbP = p == 0 ? msb.0 : msb.1, shiftedP = p == 0 ? shifted.0 : shifted.1
                return (0..<c.count).map { i in
                    let cMSB = c[i] >> (k - 1), cLow = (c[i] & lowMask) >> s
                    // b = c_msb + r_msb − 2·c_msb·r_msb, linear in the shares of r_msb.
                    if p == 0 {
                        let b0 = (cMSB &+ msbP[i] &- 2 &* cMSB &* msbP[i]) & mk
                        return (cLow &- shiftedP[i] &+ b0 &* top &- correction) & mk
                    }
                    let b1 = (msbP[i] &- 2 &* cMSB &* msbP[i]) & mk
                    return (0 &- shiftedP[i] &+ b1 &* top) & mk
                }
            }
        }
        return r
    }
}
