import Backend
import Tensors

/// Primitives charged from a cited formula instead of being executed (protocols whose
/// internals PISim does not run: OT-based comparisons, HE-based products, FSS keys). The
/// value is the ideal functionality's, computed from the reconstructed inputs and split
/// again with fresh dealer randomness, so later steps still run on real shares and errors
/// stay measurable. Between two threads the reconstruction is a simulator-only exchange;
/// a real transport refuses these profiles (`TwoPartySettings.executedStepByStep`).
extension TwoPartyEngine {
    /// The clear ring elements of x (the simulator's view).
    func clearElements(_ x: SharedTensor) -> [UInt64] {
        channel.reconstructWords((x.share0, x.share1), mask: mask)
    }

    /// Fresh additive shares of clear ring elements (party 0's view reads `values`).
    func reshared(_ values: [UInt64], shape: [Int], fractionalBits: Int) -> SharedTensor {
        SharedTensor(shape: shape, shares: dealer.share(values, count: shape.reduce(1, *)), fractionalBits: fractionalBits)
    }

    /// [x < 0] by an analytic comparison protocol.
    func analyticLessThanZero(_ x: SharedTensor, cost: AnalyticCost) -> SharedTensor {
        channel.charge("ltz", cost, elements: x.count)
        return reshared(clearElements(x).map { ring.signed($0) < 0 ? 1 : 0 }, shape: x.shape, fractionalBits: 0)
    }

    /// [x = 0] by an analytic equality protocol.
    func analyticEqualsZero(_ x: SharedTensor, cost: AnalyticCost) -> SharedTensor {
        channel.charge("eq", cost, elements: x.count)
        return reshared(clearElements(x).map { $0 == 0 ? 1 : 0 }, shape: x.shape, fractionalBits: 0)
    }

    /// x ⊙ y (broadcast) by an analytic product protocol: exact product mod 2^k.
    func analyticProduct(_ x: SharedTensor, _ y: SharedTensor, kind: String, cost: AnalyticCost) -> SharedTensor {
        let plan = BroadcastPlan(unchecked: x.shape, y.shape)
        let a = clearElements(x), b = clearElements(y)
        var out = [UInt64]()
        out.reserveCapacity(plan.count)
        plan.forEachPair { i, j in out.append((a[i] &* b[j]) & mask) }
        channel.charge(kind, cost, elements: plan.count)
        return reshared(out, shape: plan.shape, fractionalBits: x.fractionalBits + y.fractionalBits)
    }

    /// x · c for a 0/1 fixed-point value c by an analytic bit × arithmetic product: exact,
    /// keeping x's fractional bits.
    func analyticSelect(_ x: SharedTensor, bit: SharedTensor, cost: AnalyticCost) -> SharedTensor {
        let plan = BroadcastPlan(unchecked: x.shape, bit.shape)
        let a = clearElements(x), c = clearElements(bit)
        let half = bit.fractionalBits > 0 ? Int64(1) << Int64(bit.fractionalBits - 1) : 0
        var out = [UInt64]()
        out.reserveCapacity(plan.count)
        plan.forEachPair { i, j in out.append((ring.signed(c[j]) &+ half) >> Int64(bit.fractionalBits) == 0 ? 0 : a[i]) }
        channel.charge("select", cost, elements: plan.count)
        return reshared(out, shape: plan.shape, fractionalBits: x.fractionalBits)
    }

    /// ⌊x / 2^m⌋ + Bernoulli(frac) on the centered value: the ±1-ulp result of a
    /// probabilistic truncation protocol, charged analytically.
    func analyticTruncation(_ x: SharedTensor, bits m: Int, cost: AnalyticCost) -> SharedTensor {
        channel.charge("truncate", cost, elements: x.count, truncatedBits: m)
        let lowMask = (UInt64(1) << UInt64(m)) &- 1
        let values = clearElements(x).map { e -> UInt64 in
            let v = ring.signed(e)
            let floor = v >> Int64(m)
            let fraction = UInt64(bitPattern: v) & lowMask
            let roundUp = (dealer.values.next() & lowMask) < fraction
            return UInt64(bitPattern: floor + (roundUp ? 1 : 0)) & mask
        }
        return reshared(values, shape: x.shape, fractionalBits: x.fractionalBits - m)
    }
}
