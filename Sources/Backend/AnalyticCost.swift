import CostModel

/// The cost of an operation that PISim does not execute but charges from a cited formula:
/// bits each party sends, rounds and preprocessing bytes, as linear functions of the
/// number of elements n, of rows r (the last axis is a row) and of ⌈log2 row length⌉; and,
/// for protocols whose messages differ by party or come in fixed-size HE batches (SPU's
/// Cheetah), party 1's own bits, bytes per batch of `batchElements`, and tiers by size
/// (a protocol that switches algorithm above a size).
public struct AnalyticCost: Sendable, Hashable {
    /// Bits each party sends per element (party 0's when `partyOne` is set).
    public var bitsPerElement: Double
    /// Further bits each party sends per row (one reciprocal per row, say).
    public var bitsPerRow: Double
    /// Further bits per element for each bit a truncation drops.
    public var bitsPerTruncatedBit: Double
    public var rounds: Int
    /// Further rounds per ⌈log2 row length⌉ (a comparison tree over the row).
    public var roundsPerLog2Row: Int
    /// Preprocessing (keys, triples) bytes per element and per row.
    public var offlineBytesPerElement: Double
    public var offlineBytesPerRow: Double
    /// Party 1's bits when they differ from party 0's (nil: the same).
    public var partyOne: PartyBits?
    /// Elements per HE batch (an OLE over N slots); 0: none.
    public var batchElements = 0
    /// Bytes each party (0, 1) sends per ⌈n / batchElements⌉ batches.
    public var bytesPerBatch: [Double] = [0, 0]
    /// Costs that replace this one for n ≤ `upTo` (the first that fits; this one above them all).
    public var tiers: [Tier] = []
    /// Under a causal mask the protocol evaluates only the unmasked entries (SIGMA's
    /// attention works on the packed lower triangle): per-element terms apply to
    /// T(T+1)/2 of each T × T block, per-row terms to every row.
    public var maskedElementsOnly = false

    /// This cost with every per-element term (bits of both parties, offline bytes, and
    /// the tiers') multiplied by `fraction`.
    public func scalingPerElement(by fraction: Double) -> AnalyticCost {
        var c = self
        c.bitsPerElement *= fraction
        c.bitsPerTruncatedBit *= fraction
        c.offlineBytesPerElement *= fraction
        if var p = c.partyOne {
            p.bitsPerElement *= fraction
            p.bitsPerTruncatedBit *= fraction
            c.partyOne = p
        }
        c.tiers = tiers.map { Tier(upTo: $0.upTo, cost: $0.cost.scalingPerElement(by: fraction)) }
        return c
    }

    /// Party 1's bits per element, per row and per truncated bit.
    public struct PartyBits: Sendable, Hashable {
        public var bitsPerElement: Double
        public var bitsPerRow: Double
        public var bitsPerTruncatedBit: Double

        public init(bitsPerElement: Double, bitsPerRow: Double = 0, bitsPerTruncatedBit: Double = 0) {
            self.bitsPerElement = bitsPerElement
            self.bitsPerRow = bitsPerRow
            self.bitsPerTruncatedBit = bitsPerTruncatedBit
        }

        var isValid: Bool { [bitsPerElement, bitsPerRow, bitsPerTruncatedBit].allSatisfy { $0.isFinite } && bitsPerElement + bitsPerRow >= 0 }
    }

    /// The cost of operations on at most `upTo` elements.
    public struct Tier: Sendable, Hashable {
        public var upTo: Int
        public var cost: AnalyticCost

        public init(upTo: Int, cost: AnalyticCost) {
            self.upTo = upTo
            self.cost = cost
        }
    }

    public init(bitsPerElement: Double = 0, bitsPerRow: Double = 0, bitsPerTruncatedBit: Double = 0, rounds: Int = 0,
                roundsPerLog2Row: Int = 0, offlineBytesPerElement: Double = 0, offlineBytesPerRow: Double = 0) {
        self.bitsPerElement = bitsPerElement
        self.bitsPerRow = bitsPerRow
        self.bitsPerTruncatedBit = bitsPerTruncatedBit
        self.rounds = rounds
        self.roundsPerLog2Row = roundsPerLog2Row
        self.offlineBytesPerElement = offlineBytesPerElement
        self.offlineBytesPerRow = offlineBytesPerRow
    }

    /// True when every term is finite and non-negative (a per-truncated-bit term may be
    /// negative when the per-element term covers it: an affine cost in the shift).
    public var isValid: Bool {
        [bitsPerElement, bitsPerRow, offlineBytesPerElement, offlineBytesPerRow].allSatisfy { $0 >= 0 && $0.isFinite }
            && bitsPerTruncatedBit.isFinite && bitsPerElement + 64 * min(bitsPerTruncatedBit, 0) >= 0
            && rounds >= 0 && roundsPerLog2Row >= 0 && (partyOne?.isValid ?? true) && batchElements >= 0
            && bytesPerBatch.count == 2 && bytesPerBatch.allSatisfy { $0 >= 0 && $0.isFinite }
            && tiers.allSatisfy { $0.upTo > 0 && $0.cost.isValid }
    }

    /// The cost that applies to `elements` elements (a tier's, or this one).
    public func resolved(elements: Int) -> AnalyticCost {
        tiers.first { elements <= $0.upTo }?.cost ?? self
    }

    /// Bytes each party sends (party 0, party 1), rounds and offline bytes for `elements`
    /// elements in rows of `rowLength`, dropping `truncatedBits` bits.
    public func evaluate(elements: Int, rowLength: Int, truncatedBits: Int = 0) -> (bytesSent: [Int], rounds: Int, offlineBytes: Int) {
        let c = resolved(elements: elements)
        let rows = Double(elements) / Double(max(rowLength, 1)), n = Double(elements), t = Double(truncatedBits)
        let zero = (c.bitsPerElement + c.bitsPerTruncatedBit * t) * n + c.bitsPerRow * rows
        let one = c.partyOne.map { ($0.bitsPerElement + $0.bitsPerTruncatedBit * t) * n + $0.bitsPerRow * rows } ?? zero
        let batches = c.batchElements > 0 ? Double((elements + c.batchElements - 1) / c.batchElements) : 0
        let log2Row = rowLength > 1 ? Int.bitWidth - (rowLength - 1).leadingZeroBitCount : 0
        let offline = c.offlineBytesPerElement * n + c.offlineBytesPerRow * rows
        // Profile figures are unbounded user input: every term saturates rather than traps.
        return ([Int(saturatingCost: max(zero, 0) / 8 + batches * c.bytesPerBatch[0]), Int(saturatingCost: max(one, 0) / 8 + batches * c.bytesPerBatch[1])],
                c.rounds.saturatingAdding(c.roundsPerLog2Row.saturatingMultiplying(log2Row)), Int(saturatingCost: offline))
    }
}
