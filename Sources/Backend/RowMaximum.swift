import Foundation

/// Row maxima (along the last axis) written once over the backend's primitives, so the
/// same algorithm runs in the clear, in fixed point and on shares.
extension ArithmeticBackend {
    /// 1 − b for a 0/1 value.
    func oneMinus(_ b: Value) -> Value { addConstant(negate(b), 1) }

    /// [a ≥ b] as 0/1.
    public func isAtLeast(_ a: Value, _ b: Value) -> Value { oneMinus(isNegative(subtract(a, b))) }

    /// 1 − 2s for a 0/1 value s = [x < 0]: the sign of x as ±1 (local).
    public func signFromIsNegative(_ s: Value) -> Value { addConstant(multiplyInteger(s, -2), 1) }

    /// where(c, x, y) for a 0/1 value c: with two products as CrypTen computes it
    /// (x·c + y·(1 − c), sequential), or with one (y + c·(x − y)).
    public func select(_ c: Value, _ x: Value, _ y: Value, multiplications: Int) -> Value {
        if multiplications == 2 {
            let first = multiply(x, c)
            return add(first, multiply(y, oneMinus(c)))
        }
        return add(y, multiplyByBit(subtract(x, y), c))
    }

    /// [x < 0] ≈ (1 − t_k)/2 by a composite odd polynomial: t_0 = x/bound, then k times
    /// t ← (3t − t³)/2 = (−0.5t)·t² + 1.5t, which drives every t ∈ [−1, 1] \ {0} towards ±1
    /// (the f₁ family of Cheon, Kim, Kim & Lee, ASIACRYPT 2020). Two levels per iteration;
    /// inputs within about bound·2^(−k/2) of zero stay in the transition region.
    public func compositeIsNegative(_ x: Value, iterations: Int, bound: Double) -> Value {
        var t = multiplyConstant(x, 1 / bound)
        for _ in 0..<iterations {
            t = add(multiply(multiplyConstant(t, -0.5), square(t)), multiplyConstant(t, 1.5))
        }
        return addConstant(multiplyConstant(t, -0.5), 0.5)
    }

    /// max(m, initial) for `initial` below every row maximum, as `jnp.max`'s reduction
    /// with `initial = −inf` compares and selects once more: one comparison and one
    /// product, the value m. SPU's −inf is the ring's lowest value; −2^20 gives the same
    /// costs and keeps m − initial inside a 64-bit fixed-point ring.
    public func withInitialValue(_ m: Value) -> Value {
        let initial = constant(-0x1p20, shape: shape(of: m))
        return select(isAtLeast(m, initial), m, initial, multiplications: 1)
    }

    /// One halving step: the larger of the two halves of each row (odd element carried).
    func halvingStep(_ x: Value, selectMultiplications: Int) -> Value {
        let m = shape(of: x).last ?? 1, half = m / 2
        let a = columns(x, from: 0, count: half), b = columns(x, from: half, count: half)
        var next = select(isAtLeast(a, b), a, b, multiplications: selectMultiplications)
        if m % 2 == 1 { next = concatenatingColumns(next, columns(x, from: m - 1, count: 1)) }
        return next
    }

    /// A ⌈log2 n⌉-level tournament, one comparison and one product per pair: the row
    /// maximum only (no argmax), shape [..., 1].
    public func treeMaximum(_ x: Value) -> Value {
        var current = x
        while (shape(of: current).last ?? 1) > 1 { current = halvingStep(current, selectMultiplications: 1) }
        return current
    }

    /// CrypTen 0.4.1's `max(dim)` with `max_method = log_reduction`, operation for operation
    /// (`crypten/common/functions/maximum.py`): ⌊ln n⌋ halving steps with `where` (two
    /// products); the k survivors go through the pairwise method (k(k − 1) comparisons in
    /// one call, a product tree over the k − 1 comparison rows, a random tie-break and a
    /// product for the value); then the full-row one-hot `x.eq(max)` and a second random
    /// tie-break, although softmax only uses the value.
    ///
    /// - Returns: the maximum [..., 1] and the one-hot argmax [..., n].
    public func cryptenLogReductionMaximum(_ x: Value) -> (value: Value, oneHot: Value) {
        let n = shape(of: x).last ?? 1
        let steps = Int(log(Double(n)))   // CrypTen: `int(math.log(size))`, natural log
        var current = x
        for _ in 0..<steps where (shape(of: current).last ?? 1) > 1 {
            current = halvingStep(current, selectMultiplications: 2)
        }
        let value = cryptenPairwiseMaximum(current)
        let oneHot = weightedIndex(isZero(subtract(x, value)))
        return (value, oneHot)
    }

    /// CrypTen's `max(dim)` with `max_method = pairwise` on k elements per row.
    public func cryptenPairwiseMaximum(_ x: Value) -> Value {
        let k = shape(of: x).last ?? 1
        guard k > 1 else { return x }
        // x ≥ roll(x, i + 1) for i = 0 … k − 2, in one comparison call.
        let ge = isAtLeast(stacked(Array(repeating: x, count: k - 1)), stacked((1..<k).map { rolled(x, by: $0) }))
        // prod over the k − 1 comparison blocks: a product tree, the odd block carried.
        var blocks = unstacked(ge, count: k - 1)
        while blocks.count > 1 {
            let half = blocks.count / 2
            let products = unstacked(multiply(stacked(Array(blocks[0..<half])), stacked(Array(blocks[half..<(2 * half)]))), count: half)
            blocks = products + (blocks.count % 2 == 1 ? [blocks[blocks.count - 1]] : [])
        }
        let oneHot = weightedIndex(blocks[0])
        return sum(multiply(x, oneHot), alongAxis: -1)
    }

    /// CrypTen's `weighted_index` along rows: one index per row with probability ∝ weight
    /// (random tie-break of a one-hot): s = cumsum(w), r = rand · s_n, gt = [s > r],
    /// result = gt − roll(gt) with the first column kept.
    public func weightedIndex(_ w: Value) -> Value {
        let n = shape(of: w).last ?? 1
        let s = cumulativeSum(w)
        let total = columns(s, from: n - 1, count: 1)
        let r = multiply(uniformRandom(shape: Array(shape(of: w).dropLast()) + [1]), total)
        let gt = isNegative(subtract(r, s))
        guard n > 1 else { return gt }
        let shifted = concatenatingColumns(multiplyInteger(columns(gt, from: 0, count: 1), 0), columns(gt, from: 0, count: n - 1))
        return subtract(gt, shifted)
    }
}
