import Arithmetic
import Backend
import CostModel
import Randomness
import Tensors

/// Two parties simulated in one process, holding additive shares over Z/2^k. Each
/// protocol is executed on the shares; every value that a real implementation would send
/// goes through `Channel.open`, which is where bytes and rounds are counted.
public final class TwoPartyEngine: @unchecked Sendable {
    public let settings: TwoPartySettings
    public let ring: PowerOfTwoRing
    public let ledger: CostLedger
    public let channel: Channel
    public let dealer: Dealer
    /// Randomness for sharing inputs (the owner's local coins).
    var inputGenerator: ChaChaRandom

    /// - Throws: `TwoPartyError.invalidParameter` for settings that cannot work.
    public init(settings: TwoPartySettings, ledger: CostLedger = CostLedger()) throws(TwoPartyError) {
        try settings.validate()
        self.settings = settings
        do { ring = try PowerOfTwoRing(bits: settings.ringBits) } catch { throw .invalidParameter(error.description) }
        self.ledger = ledger
        if ledger.computeModel == nil { ledger.computeModel = settings.compute }
        channel = Channel(ledger: ledger, wireBytesPerElement: settings.wireBytesPerElement, wireBytesPerBit: settings.wireBytesPerBit)
        dealer = Dealer(ring: ring, seed: settings.seed, ledger: ledger, offlineBytesPerElement: settings.offlineBytesPerElement)
        inputGenerator = ChaChaRandom(seed: settings.seed, stream: 0x1A7)
    }

    @inlinable var mask: UInt64 { ring.mask }
    var f: Int { settings.fractionalBits }

    // MARK: Sharing and reconstruction

    /// Secret-shares clear reals at f fractional bits (the owner splits them with fresh
    /// randomness; like CrypTen's PRZS sharing this costs no communication). Values beyond
    /// the ring's range saturate and are counted in `inputOverflows`.
    public func share(_ x: Tensor<Double>) -> SharedTensor {
        let scale = Double(sign: .plus, exponent: f, significand: 1)
        // The largest integer below 2^(k−1) that a Double holds (2^(k−1) − 1 rounds up for k ≥ 55).
        let limit = Double(sign: .plus, exponent: settings.ringBits - 1, significand: 1).nextDown.rounded(.down)
        var s0 = [UInt64](repeating: 0, count: x.count), s1 = s0
        for (i, v) in x.scalars.enumerated() {
            var y = (v * scale).rounded()
            if !(abs(y) <= limit) { inputOverflows += 1; y = v.isNaN ? 0 : (y < 0 ? -limit : limit) }
            let e = UInt64(bitPattern: Int64(y)) & mask
            s0[i] = inputGenerator.next() & mask
            s1[i] = (e &- s0[i]) & mask
        }
        return SharedTensor(shape: x.shape, share0: s0, share1: s1, fractionalBits: f)
    }

    /// Inputs that did not fit the ring and were saturated.
    public private(set) var inputOverflows = 0

    /// The clear values of a shared tensor — the simulator's view, not a protocol step
    /// (nothing is counted). Use `open` for a counted reveal.
    public func reconstruct(_ x: SharedTensor) -> Tensor<Double> {
        let scale = Double(sign: .plus, exponent: x.fractionalBits, significand: 1)
        let values = (0..<x.count).map { i in ring.centeredDouble((x.share0[i] &+ x.share1[i]) & mask) / scale }
        return (try? Tensor(shape: x.shape, scalars: values)) ?? Tensor(values)
    }

    /// Reveals a shared tensor to both parties (one round).
    public func open(_ x: SharedTensor) -> Tensor<Double> {
        _ = channel.open("reveal", [(x.share0, x.share1)]) { $0 &+ $1 }
        return reconstruct(x)
    }

    // MARK: Local operations

    func zipShares(_ x: SharedTensor, _ y: SharedTensor, _ op: (UInt64, UInt64) -> UInt64) -> SharedTensor {
        let (a, b) = aligned(x, y)
        let plan = BroadcastPlan(unchecked: a.shape, b.shape)
        var r0 = [UInt64](), r1 = [UInt64]()
        r0.reserveCapacity(plan.count)
        r1.reserveCapacity(plan.count)
        plan.forEachPair { i, j in
            r0.append(op(a.share0[i], b.share0[j]) & mask)
            r1.append(op(a.share1[i], b.share1[j]) & mask)
        }
        return SharedTensor(shape: plan.shape, share0: r0, share1: r1, fractionalBits: a.fractionalBits)
    }

    /// Brings two operands to the same scale (multiplying the coarser one by 2^Δ locally).
    func aligned(_ x: SharedTensor, _ y: SharedTensor) -> (SharedTensor, SharedTensor) {
        if x.fractionalBits == y.fractionalBits { return (x, y) }
        return x.fractionalBits < y.fractionalBits ? (rescaled(x, to: y.fractionalBits), y) : (x, rescaled(y, to: x.fractionalBits))
    }

    func rescaled(_ x: SharedTensor, to bits: Int) -> SharedTensor {
        let shift = UInt64(bits - x.fractionalBits)
        var r = x
        r.share0 = x.share0.map { ($0 << shift) & mask }
        r.share1 = x.share1.map { ($0 << shift) & mask }
        r.fractionalBits = bits
        return r
    }

    public func add(_ x: SharedTensor, _ y: SharedTensor) -> SharedTensor { zipShares(x, y) { $0 &+ $1 } }
    public func subtract(_ x: SharedTensor, _ y: SharedTensor) -> SharedTensor { zipShares(x, y) { $0 &- $1 } }

    public func negate(_ x: SharedTensor) -> SharedTensor {
        var r = x
        r.share0 = x.share0.map { (0 &- $0) & mask }
        r.share1 = x.share1.map { (0 &- $0) & mask }
        return r
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
        let e = encode(c, bits: x.fractionalBits)
        var r = x
        r.share0 = x.share0.map { ($0 &+ e) & mask }
        return r
    }

    /// x + m for a public tensor m (broadcasting): party 0 adds the encoding; local.
    public func addPublic(_ x: SharedTensor, _ m: Tensor<Double>) -> SharedTensor {
        let encoded = m.map { encode($0, bits: x.fractionalBits) }
        let s0 = Tensor(uncheckedShape: x.shape, scalars: x.share0).broadcasting(encoded) { ($0 &+ $1) & mask }
        let zero = Tensor(uncheckedShape: encoded.shape, scalars: [UInt64](repeating: 0, count: encoded.count))
        let s1 = Tensor(uncheckedShape: x.shape, scalars: x.share1).broadcasting(zero) { a, _ in a }
        return SharedTensor(shape: s0.shape, share0: s0.scalars, share1: s1.scalars, fractionalBits: x.fractionalBits)
    }

    /// x · k for a public integer k: local, no truncation.
    public func multiplyInteger(_ x: SharedTensor, _ k: Int) -> SharedTensor {
        let e = UInt64(bitPattern: Int64(k)) & mask
        var r = x
        r.share0 = x.share0.map { ($0 &* e) & mask }
        r.share1 = x.share1.map { ($0 &* e) & mask }
        return r
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
        var r0 = [UInt64](), r1 = [UInt64]()
        r0.reserveCapacity(plan.count)
        r1.reserveCapacity(plan.count)
        plan.forEachPair { i, j in
            r0.append((x.share0[i] &* encoded[j]) & mask)
            r1.append((x.share1[i] &* encoded[j]) & mask)
        }
        let product = SharedTensor(shape: plan.shape, share0: r0, share1: r1, fractionalBits: x.fractionalBits + bits)
        return truncated(product)
    }

    /// Sum along `axis` (kept with extent 1): local.
    public func sum(_ x: SharedTensor, alongAxis axis: Int) -> SharedTensor {
        func reduce(_ s: [UInt64]) -> Tensor<UInt64> {
            (try? Tensor(shape: x.shape, scalars: s))?.reducing(alongAxis: axis, initial: 0) { $0 &+ $1 } ?? Tensor(s)
        }
        let a = reduce(x.share0), b = reduce(x.share1)
        return SharedTensor(shape: a.shape, share0: a.scalars.map { $0 & mask }, share1: b.scalars.map { $0 & mask },
                            fractionalBits: x.fractionalBits)
    }

    // MARK: Multiplication

    /// x ⊙ y by Beaver's protocol with broadcasting: open ε = x − a and δ = y − b in one
    /// round (count(x) + count(y) elements), then z = c + ε⊙b + a⊙δ + ε⊙δ (the last term
    /// by party 0), and truncate when the product carries more than f fractional bits.
    public func multiply(_ x: SharedTensor, _ y: SharedTensor) -> SharedTensor {
        truncated(multiplyRaw(x, y))
    }

    /// The Beaver product without truncation (fractional bits add up).
    func multiplyRaw(_ x: SharedTensor, _ y: SharedTensor) -> SharedTensor {
        if let cost = settings.multiplicationCost { return analyticProduct(x, y, kind: "mul", cost: cost) }
        let plan = BroadcastPlan(unchecked: x.shape, y.shape)
        var pairs = [(Int, Int)]()
        pairs.reserveCapacity(plan.count)
        plan.forEachPair { i, j in pairs.append((i, j)) }
        let (a, b, c) = dealer.beaverTriple(countA: x.count, countB: y.count, pairs: pairs)
        let m = mask
        let opened = channel.open("mul", [
            (zip(x.share0, a.0).map { ($0 &- $1) & m }, zip(x.share1, a.1).map { ($0 &- $1) & m }),
            (zip(y.share0, b.0).map { ($0 &- $1) & m }, zip(y.share1, b.1).map { ($0 &- $1) & m }),
        ], multiplications: pairs.count) { ($0 &+ $1) & m }
        let eps = opened[0], delta = opened[1]
        var z0 = [UInt64](repeating: 0, count: pairs.count), z1 = z0
        for (k, (i, j)) in pairs.enumerated() {
            z0[k] = (c.0[k] &+ eps[i] &* b.0[j] &+ a.0[i] &* delta[j] &+ eps[i] &* delta[j]) & m
            z1[k] = (c.1[k] &+ eps[i] &* b.1[j] &+ a.1[i] &* delta[j]) & m
        }
        return SharedTensor(shape: plan.shape, share0: z0, share1: z1, fractionalBits: x.fractionalBits + y.fractionalBits)
    }

    /// x² with a square pair (a, a²): open ε = x − a (one element each), z = a² + 2εa + ε².
    public func square(_ x: SharedTensor) -> SharedTensor {
        if let cost = settings.squareCost ?? settings.multiplicationCost {
            return truncated(analyticProduct(x, x, kind: "square", cost: cost))
        }
        let (a, a2) = dealer.squarePair(x.count)
        let m = mask
        let eps = channel.open("square", [
            (zip(x.share0, a.0).map { ($0 &- $1) & m }, zip(x.share1, a.1).map { ($0 &- $1) & m }),
        ], multiplications: x.count) { ($0 &+ $1) & m }[0]
        var z0 = [UInt64](repeating: 0, count: x.count), z1 = z0
        for i in 0..<x.count {
            z0[i] = (a2.0[i] &+ 2 &* eps[i] &* a.0[i] &+ eps[i] &* eps[i]) & m
            z1[i] = (a2.1[i] &+ 2 &* eps[i] &* a.1[i]) & m
        }
        return truncated(SharedTensor(shape: x.shape, share0: z0, share1: z1, fractionalBits: 2 * x.fractionalBits))
    }

    /// X · Y for X [..., m, k] and Y [..., k, n] (or a shared [k, n]) with a matrix triple:
    /// open E = X − A and F = Y − B (one round), Z = C + E·B + A·F + E·F.
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
        let opened = channel.open("matmul", [
            (zip(x.share0, a.0).map { ($0 &- $1) & mk }, zip(x.share1, a.1).map { ($0 &- $1) & mk }),
            (zip(y.share0, b.0).map { ($0 &- $1) & mk }, zip(y.share1, b.1).map { ($0 &- $1) & mk }),
        ], multiplications: batch * m * n, multiplyAccumulates: (batch * m * n).saturatingMultiplying(k)) { ($0 &+ $1) & mk }
        let shapeA = Array(x.shape.dropLast(2)) + [m, k], shapeB = sharedRight ? [k, n] : Array(x.shape.dropLast(2)) + [k, n]
        func mat(_ s: [UInt64], _ shape: [Int]) -> Tensor<UInt64> { (try? Tensor(shape: shape, scalars: s)) ?? Tensor(s) }
        let e = mat(opened[0], shapeA), fT = mat(opened[1], shapeB)
        func product(_ p: Tensor<UInt64>, _ q: Tensor<UInt64>) -> [UInt64] { ((try? p.matmul(q))?.scalars) ?? [] }
        let eb0 = product(e, mat(b.0, shapeB)), eb1 = product(e, mat(b.1, shapeB))
        let af0 = product(mat(a.0, shapeA), fT), af1 = product(mat(a.1, shapeA), fT)
        let ef = product(e, fT)
        var z0 = [UInt64](repeating: 0, count: c.0.count), z1 = z0
        for i in 0..<z0.count {
            z0[i] = (c.0[i] &+ eb0[i] &+ af0[i] &+ ef[i]) & mk
            z1[i] = (c.1[i] &+ eb1[i] &+ af1[i]) & mk
        }
        let shape = Array(x.shape.dropLast(2)) + [m, n]
        return truncated(SharedTensor(shape: shape, share0: z0, share1: z1, fractionalBits: x.fractionalBits + y.fractionalBits))
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
            r.share0 = x.share0.map { $0 >> s }
            r.share1 = x.share1.map { (0 &- (((0 &- $0) & mk) >> s)) & mk }
        case .oneRound:
            // x' = x + 2^(k−2) ∈ [0, 2^(k−1)); open c = x' + r; with b = c_msb ⊕ r_msb,
            // ⌊x'/2^m⌋ ≈ ⌊c_low/2^m⌋ − r' + b·2^(k−1−m); subtract 2^(k−2−m).
            let k = UInt64(ring.bitWidth), mk = mask, s = UInt64(m)
            let lowMask: UInt64 = k == 64 ? UInt64.max >> 1 : (UInt64(1) << (k - 1)) - 1
            let offset = UInt64(1) << (k - 2)
            let (rr, msb, shifted) = dealer.truncationPair(x.count, bits: m)
            let c = channel.open("truncate", [
                (zip(x.share0, rr.0).map { ($0 &+ offset &+ $1) & mk }, zip(x.share1, rr.1).map { ($0 &+ $1) & mk }),
            ]) { ($0 &+ $1) & mk }[0]
            let top = UInt64(1) << (k - 1 - s), correction = UInt64(1) << (k - 2 - s)
            for i in 0..<x.count {
                let cMSB = c[i] >> (k - 1), cLow = (c[i] & lowMask) >> s
                // b = c_msb + r_msb − 2·c_msb·r_msb, linear in the shares of r_msb.
                let b0 = (cMSB &+ msb.0[i] &- 2 &* cMSB &* msb.0[i]) & mk
                let b1 = (msb.1[i] &- 2 &* cMSB &* msb.1[i]) & mk
                r.share0[i] = (cLow &- shifted.0[i] &+ b0 &* top &- correction) & mk
                r.share1[i] = (0 &- shifted.1[i] &+ b1 &* top) & mk
            }
        }
        return r
    }
}
