import CostModel

/// The cost of an operation that PISim does not execute but charges from a cited formula:
/// bits each party sends, rounds and preprocessing bytes, as linear functions of the
/// number of elements n, of rows r (the last axis is a row) and of ⌈log2 row length⌉.
public struct AnalyticCost: Sendable, Hashable {
    /// Bits each party sends per element.
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

    /// True when every term is finite and non-negative.
    public var isValid: Bool {
        [bitsPerElement, bitsPerRow, bitsPerTruncatedBit, offlineBytesPerElement, offlineBytesPerRow].allSatisfy { $0 >= 0 && $0.isFinite }
            && rounds >= 0 && roundsPerLog2Row >= 0
    }

    /// Bytes each party sends, rounds and offline bytes for `elements` elements in rows of
    /// `rowLength`, dropping `truncatedBits` bits.
    public func evaluate(elements: Int, rowLength: Int, truncatedBits: Int = 0) -> (bytesPerParty: Int, rounds: Int, offlineBytes: Int) {
        let rows = Double(elements) / Double(max(rowLength, 1))
        let bits = (bitsPerElement + bitsPerTruncatedBit * Double(truncatedBits)) * Double(elements) + bitsPerRow * rows
        let log2Row = rowLength > 1 ? Int.bitWidth - (rowLength - 1).leadingZeroBitCount : 0
        let offline = offlineBytesPerElement * Double(elements) + offlineBytesPerRow * rows
        // Profile figures are unbounded user input: every term saturates rather than traps.
        return (Int(saturatingCost: bits / 8), rounds.saturatingAdding(roundsPerLog2Row.saturatingMultiplying(log2Row)),
                Int(saturatingCost: offline))
    }
}
