/// Boolean circuits on XOR-shared words: AND with binary triples, the arithmetic-to-binary
/// adder behind comparisons, equality, and single-bit binary-to-arithmetic conversion —
/// CrypTen's `circuit.py`, `converters.py` and `mpc.py` (`_ltz`, `_eqz_2PC`). Each step is
/// written per party, as the arithmetic ones are (`TwoPartyEngine.perParty`).
extension TwoPartyEngine {
    /// Bits of the ring as a word mask.
    var wordMask: UInt64 { mask }

    /// ⌈log2 k⌉: the levels of a prefix circuit over k bits.
    var circuitLevels: Int { Int.bitWidth - (ring.bitWidth - 1).leadingZeroBitCount }

    /// Applies `op` to each held binary share, word by word.
    func mapWords(_ x: BinarySharedTensor, _ op: (Int, UInt64) -> UInt64) -> BinarySharedTensor {
        BinarySharedTensor(shape: x.shape, shares: perParty { p in x[party: p].map { op(p, $0) } })
    }

    /// The XOR of two binary sharings (local).
    func xor(_ x: BinarySharedTensor, _ y: BinarySharedTensor) -> BinarySharedTensor {
        BinarySharedTensor(shape: x.shape, shares: perParty { p in zip(x[party: p], y[party: p]).map { $0 ^ $1 } })
    }

    /// Several ANDs of XOR-shared words in one round: opens ε = x ⊕ a and δ = y ⊕ b for
    /// every pair, then z = c ⊕ (ε & b) ⊕ (δ & a) ⊕ (ε & δ) (the last term by party 0).
    func and(_ pairs: [(BinarySharedTensor, BinarySharedTensor)], kind: String = "and") -> [BinarySharedTensor] {
        let n = pairs.reduce(0) { $0 + $1.0.count }
        let (a, b, c) = dealer.andTriple(n)
        var parts = [SharePair]()
        var offset = 0
        for (x, _) in pairs {
            let o = offset
            parts.append(perParty { p in let t = p == 0 ? a.0 : a.1; return (0..<x.count).map { x[party: p][$0] ^ t[o + $0] } })
            offset += x.count
        }
        offset = 0
        for (_, y) in pairs {
            let o = offset
            parts.append(perParty { p in let t = p == 0 ? b.0 : b.1; return (0..<y.count).map { y[party: p][$0] ^ t[o + $0] } })
            offset += y.count
        }
        let opened = channel.open(kind, parts) { $0 ^ $1 }
        var results = [BinarySharedTensor]()
        offset = 0
        for (q, (x, _)) in pairs.enumerated() {
            let eps = opened[q], delta = opened[pairs.count + q], o = offset
            let z = perParty { p in
                let ap = p == 0 ? a.0 : a.1, bp = p == 0 ? b.0 : b.1, cp = p == 0 ? c.0 : c.1
                return (0..<x.count).map { i in
                    let t = o + i
                    let v = cp[t] ^ (eps[i] & bp[t]) ^ (delta[i] & ap[t])
                    return p == 0 ? v ^ (eps[i] & delta[i]) : v
                }
            }
            results.append(BinarySharedTensor(shape: x.shape, shares: z))
            offset += x.count
        }
        return results
    }

    /// Shifts every word left by s bits (local), keeping k bits.
    func shiftedLeft(_ x: BinarySharedTensor, _ s: Int) -> BinarySharedTensor {
        let m = wordMask, sh = UInt64(s)
        return mapWords(x) { _, v in (v << sh) & m }
    }

    /// The top bit (bit k−1) of x = x0 + x1 mod 2^k, XOR-shared in bit 0: each party's
    /// arithmetic share becomes a binary sharing of itself (no communication), and the two
    /// are added by a Kogge–Stone / set-propagate-kill adder: one AND for the generate
    /// bits, then ⌈log2 k⌉ levels of two stacked ANDs (CrypTen `circuit.add`,
    /// `__SPK_circuit`): 1 + 2⌈log2 k⌉ words and 1 + ⌈log2 k⌉ rounds.
    func topBit(_ x: SharedTensor) -> BinarySharedTensor {
        let zeros = [UInt64](repeating: 0, count: x.count)
        // Binary sharings of x0 = (x0, 0) and of x1 = (0, x1), each held where it is.
        let a = BinarySharedTensor(shape: x.shape, shares: perParty { p in p == 0 ? x.share0 : zeros })
        let b = BinarySharedTensor(shape: x.shape, shares: perParty { p in p == 0 ? zeros : x.share1 })
        let p0 = BinarySharedTensor(shape: x.shape, share0: x.share0, share1: x.share1)   // a ⊕ b
        var g = and([(a, b)], kind: "a2b")[0]
        var p = p0
        for level in 0..<circuitLevels {
            let s = 1 << level
            let r = and([(p, shiftedLeft(g, s)), (p, shiftedLeft(p, s))], kind: "a2b")
            g = xor(g, r[0])
            p = r[1]
        }
        // sum = p0 ⊕ (g << 1); keep its top bit in bit 0.
        let top = UInt64(ring.bitWidth - 1)
        return mapWords(xor(p0, shiftedLeft(g, 1))) { _, v in (v >> top) & 1 }
    }

    /// A bit (bit 0 of XOR-shared words) as an additively shared integer 0/1: open
    /// z = b ⊕ r for a dealer bit r known in both sharings, then b = z + r − 2zr (local).
    func bitToArithmetic(_ b: BinarySharedTensor) -> SharedTensor {
        let (rb, ra) = dealer.randomBits(b.count)
        let z = channel.open("b2a", [perParty { p in zip(b[party: p], p == 0 ? rb.0 : rb.1).map { $0 ^ $1 } }],
                             bitsOnly: true) { ($0 ^ $1) & 1 }[0]
        let m = mask
        let s = perParty { p in
            let r = p == 0 ? ra.0 : ra.1
            return (0..<z.count).map { i in ((p == 0 ? z[i] : 0) &+ r[i] &- 2 &* z[i] &* r[i]) & m }
        }
        return SharedTensor(shape: b.shape, shares: s, fractionalBits: 0)
    }

    /// [x < 0] as an additively shared integer bit (CrypTen `_ltz`: A2B adder, top bit,
    /// single-bit B2A): 1 + 2⌈log2 k⌉ words and one bit, 2 + ⌈log2 k⌉ rounds.
    public func lessThanZero(_ x: SharedTensor) -> SharedTensor {
        if let cost = settings.comparisonCost { return analyticLessThanZero(x, cost: cost) }
        return bitToArithmetic(topBit(x))
    }

    /// [x = 0] as an additively shared integer bit, CrypTen's two-party `_eqz_2PC`: the
    /// words x0 and −x1 are equal iff x = 0; AND-reduce the bits of ¬(x0 ⊕ (−x1)) in
    /// ⌈log2 k⌉ levels of one AND each, then B2A.
    public func equalsZero(_ x: SharedTensor) -> SharedTensor {
        if let cost = settings.equalityCost { return analyticEqualsZero(x, cost: cost) }
        let m = mask
        // Party 0 negates its word; bits above k are set so that they do not disturb the AND.
        var y = BinarySharedTensor(shape: x.shape, shares: mapShares(x) { p, v in p == 0 ? (~v & m) | ~m : (0 &- v) & m })
        for level in 0..<circuitLevels {
            let s = UInt64(1 << level)
            y = and([(y, mapWords(y) { p, v in p == 0 ? v >> s | ~(UInt64.max >> s) : v >> s })], kind: "eq")[0]
        }
        return bitToArithmetic(mapWords(y) { _, v in v & 1 })
    }

    /// `count` private uniform values in [0, 1) with f random bits each, as CrypTen's
    /// `crypten.rand` makes them: f random XOR-shared bits per value (each party's own
    /// coins), each converted by a single-bit B2A (f opened bits per value, one round).
    public func uniformRandom(shape: [Int]) -> SharedTensor {
        let count = shape.reduce(1, *)
        let bits = f
        // Bit j of value i is word (i·f + j): the XOR of the two parties' coins.
        let words = perParty { p in localCoins[p].words(count * bits, mask: 1) }
        let asArithmetic = bitToArithmetic(BinarySharedTensor(shape: [count * bits], shares: words))
        let m = mask
        let s = perParty { p in
            let a = asArithmetic[party: p]
            return (0..<count).map { i in
                var v: UInt64 = 0
                for j in 0..<bits { v = (v &+ (a[i * bits + j] << UInt64(j))) & m }
                return v
            }
        }
        return SharedTensor(shape: shape, shares: s, fractionalBits: bits)
    }
}
