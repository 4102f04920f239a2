/// Boolean circuits on XOR-shared words: AND with binary triples, the arithmetic-to-binary
/// adder behind comparisons, equality, and single-bit binary-to-arithmetic conversion —
/// CrypTen's `circuit.py`, `converters.py` and `mpc.py` (`_ltz`, `_eqz_2PC`).
extension TwoPartyEngine {
    /// Bits of the ring as a word mask.
    var wordMask: UInt64 { mask }

    /// ⌈log2 k⌉: the levels of a prefix circuit over k bits.
    var circuitLevels: Int { Int.bitWidth - (ring.bitWidth - 1).leadingZeroBitCount }

    /// Several ANDs of XOR-shared words in one round: opens ε = x ⊕ a and δ = y ⊕ b for
    /// every pair, then z = c ⊕ (ε & b) ⊕ (δ & a) ⊕ (ε & δ) (the last term by party 0).
    func and(_ pairs: [(BinarySharedTensor, BinarySharedTensor)], kind: String = "and") -> [BinarySharedTensor] {
        let n = pairs.reduce(0) { $0 + $1.0.count }
        let (a, b, c) = dealer.andTriple(n)
        var parts = [([UInt64], [UInt64])]()
        var offset = 0
        for (x, _) in pairs {
            parts.append(((0..<x.count).map { x.share0[$0] ^ a.0[offset + $0] }, (0..<x.count).map { x.share1[$0] ^ a.1[offset + $0] }))
            offset += x.count
        }
        offset = 0
        for (_, y) in pairs {
            parts.append(((0..<y.count).map { y.share0[$0] ^ b.0[offset + $0] }, (0..<y.count).map { y.share1[$0] ^ b.1[offset + $0] }))
            offset += y.count
        }
        let opened = channel.open(kind, parts) { $0 ^ $1 }
        var results = [BinarySharedTensor]()
        offset = 0
        for (p, (x, _)) in pairs.enumerated() {
            let eps = opened[p], delta = opened[pairs.count + p]
            var z0 = [UInt64](repeating: 0, count: x.count), z1 = z0
            for i in 0..<x.count {
                let t = offset + i
                z0[i] = c.0[t] ^ (eps[i] & b.0[t]) ^ (delta[i] & a.0[t]) ^ (eps[i] & delta[i])
                z1[i] = c.1[t] ^ (eps[i] & b.1[t]) ^ (delta[i] & a.1[t])
            }
            results.append(BinarySharedTensor(shape: x.shape, share0: z0, share1: z1))
            offset += x.count
        }
        return results
    }

    /// Shifts every word left by s bits (local), keeping k bits.
    func shiftedLeft(_ x: BinarySharedTensor, _ s: Int) -> BinarySharedTensor {
        let m = wordMask, sh = UInt64(s)
        return BinarySharedTensor(shape: x.shape, share0: x.share0.map { ($0 << sh) & m }, share1: x.share1.map { ($0 << sh) & m })
    }

    /// The top bit (bit k−1) of x = x0 + x1 mod 2^k, XOR-shared in bit 0: each party's
    /// arithmetic share becomes a binary sharing of itself (no communication), and the two
    /// are added by a Kogge–Stone / set-propagate-kill adder: one AND for the generate
    /// bits, then ⌈log2 k⌉ levels of two stacked ANDs (CrypTen `circuit.add`,
    /// `__SPK_circuit`): 1 + 2⌈log2 k⌉ words and 1 + ⌈log2 k⌉ rounds.
    func topBit(_ x: SharedTensor) -> BinarySharedTensor {
        let zeros = [UInt64](repeating: 0, count: x.count)
        let a = BinarySharedTensor(shape: x.shape, share0: x.share0, share1: zeros)
        let b = BinarySharedTensor(shape: x.shape, share0: zeros, share1: x.share1)
        let p0 = BinarySharedTensor(shape: x.shape, share0: x.share0, share1: x.share1)   // a ⊕ b
        var g = and([(a, b)], kind: "a2b")[0]
        var p = p0
        for level in 0..<circuitLevels {
            let s = 1 << level
            let r = and([(p, shiftedLeft(g, s)), (p, shiftedLeft(p, s))], kind: "a2b")
            g = BinarySharedTensor(shape: g.shape, share0: zip(g.share0, r[0].share0).map { $0 ^ $1 },
                                   share1: zip(g.share1, r[0].share1).map { $0 ^ $1 })
            p = r[1]
        }
        // sum = p0 ⊕ (g << 1); keep its top bit in bit 0.
        let top = UInt64(ring.bitWidth - 1)
        let carry = shiftedLeft(g, 1)
        return BinarySharedTensor(shape: x.shape,
                                  share0: (0..<x.count).map { ((p0.share0[$0] ^ carry.share0[$0]) >> top) & 1 },
                                  share1: (0..<x.count).map { ((p0.share1[$0] ^ carry.share1[$0]) >> top) & 1 })
    }

    /// A bit (bit 0 of XOR-shared words) as an additively shared integer 0/1: open
    /// z = b ⊕ r for a dealer bit r known in both sharings, then b = z + r − 2zr (local).
    func bitToArithmetic(_ b: BinarySharedTensor) -> SharedTensor {
        let (rb, ra) = dealer.randomBits(b.count)
        let z = channel.open("b2a", [((0..<b.count).map { b.share0[$0] ^ rb.0[$0] }, (0..<b.count).map { b.share1[$0] ^ rb.1[$0] })],
                             bitsOnly: true) { ($0 ^ $1) & 1 }[0]
        let m = mask
        var s0 = [UInt64](repeating: 0, count: b.count), s1 = s0
        for i in 0..<b.count {
            s0[i] = (z[i] &+ ra.0[i] &- 2 &* z[i] &* ra.0[i]) & m
            s1[i] = (ra.1[i] &- 2 &* z[i] &* ra.1[i]) & m
        }
        return SharedTensor(shape: b.shape, share0: s0, share1: s1, fractionalBits: 0)
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
        var y = BinarySharedTensor(shape: x.shape, share0: x.share0.map { (~$0 & m) | ~m },
                                   share1: x.share1.map { (0 &- $0) & m })
        for level in 0..<circuitLevels {
            let s = UInt64(1 << level)
            let shifted = BinarySharedTensor(shape: y.shape, share0: y.share0.map { $0 >> s | ~(UInt64.max >> s) },
                                             share1: y.share1.map { $0 >> s })
            y = and([(y, shifted)], kind: "eq")[0]
        }
        return bitToArithmetic(BinarySharedTensor(shape: y.shape, share0: y.share0.map { $0 & 1 }, share1: y.share1.map { $0 & 1 }))
    }

    /// `count` private uniform values in [0, 1) with f random bits each, as CrypTen's
    /// `crypten.rand` makes them: f random XOR-shared bits per value, each converted by a
    /// single-bit B2A (f opened bits per value, one round).
    public func uniformRandom(shape: [Int]) -> SharedTensor {
        let count = shape.reduce(1, *)
        let bits = f
        // Each party's local random words (PRZS-style): bit j of value i is word (i·f + j).
        let words = dealer.xorShare((0..<(count * bits)).map { _ in dealer.generator.next() & 1 })
        let asArithmetic = bitToArithmetic(BinarySharedTensor(shape: [count * bits], share0: words.0, share1: words.1))
        let m = mask
        var s0 = [UInt64](repeating: 0, count: count), s1 = s0
        for i in 0..<count {
            for j in 0..<bits {
                s0[i] = (s0[i] &+ (asArithmetic.share0[i * bits + j] << UInt64(j))) & m
                s1[i] = (s1[i] &+ (asArithmetic.share1[i * bits + j] << UInt64(j))) & m
            }
        }
        return SharedTensor(shape: shape, share0: s0, share1: s1, fractionalBits: bits)
    }
}
