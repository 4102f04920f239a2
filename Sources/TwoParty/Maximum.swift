import Foundation

/// Row maxima along the last axis.
extension TwoPartyEngine {
    /// Columns [start, start + width) of every row of an [rows, n] view.
    func columns(_ x: SharedTensor, _ start: Int, _ width: Int) -> SharedTensor {
        let n = x.shape.last ?? 1, rows = x.count / max(n, 1)
        var s0 = [UInt64](), s1 = [UInt64]()
        s0.reserveCapacity(rows * width)
        s1.reserveCapacity(rows * width)
        for r in 0..<rows {
            s0 += x.share0[(r * n + start)..<(r * n + start + width)]
            s1 += x.share1[(r * n + start)..<(r * n + start + width)]
        }
        return SharedTensor(shape: Array(x.shape.dropLast()) + [width], share0: s0, share1: s1, fractionalBits: x.fractionalBits)
    }

    /// Row-wise concatenation of two [rows, ·] tensors.
    func concatenatedRows(_ a: SharedTensor, _ b: SharedTensor) -> SharedTensor {
        let na = a.shape.last ?? 1, nb = b.shape.last ?? 1, rows = a.count / max(na, 1)
        var s0 = [UInt64](), s1 = [UInt64]()
        for r in 0..<rows {
            s0 += a.share0[(r * na)..<(r * na + na)] + b.share0[(r * nb)..<(r * nb + nb)]
            s1 += a.share1[(r * na)..<(r * na + na)] + b.share1[(r * nb)..<(r * nb + nb)]
        }
        return SharedTensor(shape: Array(a.shape.dropLast()) + [na + nb], share0: s0, share1: s1, fractionalBits: a.fractionalBits)
    }

    /// 1 − b for an integer bit.
    func oneMinus(_ b: SharedTensor) -> SharedTensor { addConstant(negate(b), 1) }

    /// where(c, x, y) = c ? x : y for an integer bit c: CrypTen's x·c + y·(1 − c) (two
    /// sequential products) or x + c·… with one, as the settings say.
    func select(_ c: SharedTensor, _ x: SharedTensor, _ y: SharedTensor) -> SharedTensor {
        if settings.selectMultiplications == 2 {
            let first = multiply(x, c)
            return add(first, multiply(y, oneMinus(c)))
        }
        return add(y, multiply(c, subtract(x, y)))
    }

    /// The row maximum (kept as a trailing axis of extent 1) by the settings' method.
    public func maximum(_ x: SharedTensor) -> SharedTensor {
        switch settings.maxMethod {
        case .tree: treeMaximum(x)
        case .cryptenLogReduction: cryptenMaximum(x).value
        }
    }

    /// ⌈log2 n⌉ levels: compare the two halves of every row, keep the larger, carry an odd
    /// element.
    func treeMaximum(_ x: SharedTensor) -> SharedTensor {
        var current = x
        while (current.shape.last ?? 1) > 1 {
            let m = current.shape.last ?? 1, half = m / 2
            let a = columns(current, 0, half), b = columns(current, half, half)
            let aAtLeastB = oneMinus(lessThanZero(subtract(a, b)))
            var next = select(aAtLeastB, a, b)
            if m % 2 == 1 { next = concatenatedRows(next, columns(current, m - 1, 1)) }
            current = next
        }
        return current
    }

    /// CrypTen 0.4.1's `max(dim)` with `max_method = log_reduction`, step for step
    /// (`common/functions/maximum.py`): ⌊ln n⌋ halving steps (x ≥ y, `where`), a pairwise
    /// stage on the k survivors (k(k − 1) comparisons, a product tree over k − 1 rows,
    /// its own random tie-break and a product for the value), then the full-row one-hot
    /// `x.eq(max)` and a second random tie-break (`weighted_index`). Returns the value
    /// [rows, 1] and the one-hot [rows, n].
    public func cryptenMaximum(_ x: SharedTensor) -> (value: SharedTensor, oneHot: SharedTensor) {
        let n = x.shape.last ?? 1
        // `steps = int(math.log(size))`: natural logarithm.
        let steps = Int(log(Double(n)))
        var current = x
        for _ in 0..<steps {
            let m = current.shape.last ?? 1, half = m / 2
            guard half > 0 else { break }
            let a = columns(current, 0, half), b = columns(current, half, half)
            let ge = oneMinus(lessThanZero(subtract(a, b)))
            var next = select(ge, a, b)
            if m % 2 == 1 { next = concatenatedRows(next, columns(current, m - 1, 1)) }
            current = next
        }
        let value = pairwiseMaximum(current)
        // Outer argmax: one-hot by equality with the maximum, then the random tie-break.
        let oneHot = weightedIndex(equalsZero(subtract(x, value)))
        return (value, oneHot)
    }

    /// CrypTen's nested `max(dim)` with `max_method = pairwise` on k elements per row.
    func pairwiseMaximum(_ x: SharedTensor) -> SharedTensor {
        let k = x.shape.last ?? 1
        guard k > 1 else { return x }
        // a ≥ roll(a, i + 1) for i = 0 … k − 2, all k(k − 1) comparisons at once.
        var left = [SharedTensor](), right = [SharedTensor]()
        for i in 0..<(k - 1) {
            left.append(x)
            right.append(rolled(x, by: i + 1))
        }
        let stackedLeft = stacked(left), stackedRight = stacked(right)
        let ge = oneMinus(lessThanZero(subtract(stackedLeft, stackedRight)))
        // prod over the k − 1 stacked comparison blocks by a product tree (odd block carried).
        var blocks = (0..<(k - 1)).map { block(ge, $0, of: k - 1) }
        while blocks.count > 1 {
            let half = blocks.count / 2
            let products = multiplyMany(Array(blocks[0..<half]), Array(blocks[half..<(2 * half)]))
            blocks = products + (blocks.count % 2 == 1 ? [blocks[blocks.count - 1]] : [])
        }
        let oneHot = weightedIndex(blocks[0])
        // Value: (x · one-hot).sum(dim).
        return sum(multiply(x, oneHot), alongAxis: -1)
    }

    /// Element-wise products of matching pairs in one Beaver round.
    func multiplyMany(_ a: [SharedTensor], _ b: [SharedTensor]) -> [SharedTensor] {
        let joinedA = stacked(a), joinedB = stacked(b)
        let product = multiply(joinedA, joinedB)
        return (0..<a.count).map { block(product, $0, of: a.count) }
    }

    /// Concatenates same-shaped tensors along a new leading block axis (flat layout).
    func stacked(_ parts: [SharedTensor]) -> SharedTensor {
        SharedTensor(shape: [parts.count * (parts.first?.count ?? 0)], share0: parts.flatMap(\.share0), share1: parts.flatMap(\.share1),
                     fractionalBits: parts.first?.fractionalBits ?? 0).withShape([parts.count] + (parts.first?.shape ?? []))
    }

    /// Block `i` of `count` equal blocks of a stacked tensor.
    func block(_ x: SharedTensor, _ i: Int, of count: Int) -> SharedTensor {
        let size = x.count / count
        return SharedTensor(shape: Array(x.shape.dropFirst()), share0: Array(x.share0[(i * size)..<((i + 1) * size)]),
                            share1: Array(x.share1[(i * size)..<((i + 1) * size)]), fractionalBits: x.fractionalBits)
    }

    /// Each row rotated right by `shift` (torch `roll` along the last axis).
    func rolled(_ x: SharedTensor, by shift: Int) -> SharedTensor {
        let n = x.shape.last ?? 1, rows = x.count / max(n, 1)
        var r = x
        for row in 0..<rows {
            for j in 0..<n {
                r.share0[row * n + (j + shift) % n] = x.share0[row * n + j]
                r.share1[row * n + (j + shift) % n] = x.share1[row * n + j]
            }
        }
        return r
    }

    /// CrypTen's `weighted_index` along the last axis: one index per row drawn with
    /// probability proportional to the weights (ties in a one-hot broken at random):
    /// s = cumsum(w), r = rand · s_n, gt = [s > r], result = gt − roll(gt).
    func weightedIndex(_ w: SharedTensor) -> SharedTensor {
        let n = w.shape.last ?? 1, rows = w.count / max(n, 1)
        let weights = w.fractionalBits == f ? w : rescaled(w, to: f)
        // Cumulative sums along each row (local).
        var c = weights
        for row in 0..<rows {
            for j in 1..<max(n, 1) {
                c.share0[row * n + j] = (c.share0[row * n + j] &+ c.share0[row * n + j - 1]) & mask
                c.share1[row * n + j] = (c.share1[row * n + j] &+ c.share1[row * n + j - 1]) & mask
            }
        }
        let total = columns(c, n - 1, 1)
        let r = multiply(uniformRandom(shape: Array(w.shape.dropLast()) + [1]), total)
        let gt = lessThanZero(subtract(r, c))   // [c > r]
        // gt − roll(gt, 1) with the first column kept (torch: gt - gt.roll(1) then first col = gt[0]).
        var out = gt
        for row in 0..<rows {
            for j in stride(from: n - 1, through: 1, by: -1) {
                out.share0[row * n + j] = (gt.share0[row * n + j] &- gt.share0[row * n + j - 1]) & mask
                out.share1[row * n + j] = (gt.share1[row * n + j] &- gt.share1[row * n + j - 1]) & mask
            }
        }
        return out
    }
}

extension SharedTensor {
    /// The same shares viewed with another shape of equal count.
    func withShape(_ shape: [Int]) -> SharedTensor {
        var r = self
        r.shape = shape
        return r
    }
}
