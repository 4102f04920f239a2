/// How tensors are laid out in CKKS slots, which fixes the rotations that sums and matrix
/// products cost. One model is implemented; the type is the place to add others.
public enum PackingModel: String, Sendable, CaseIterable {
    /// Rows (the last axis) lie contiguously in slots, ⌊(N/2)/n⌋ rows per ciphertext. A row
    /// sum takes ⌈log2 n⌉ rotate-and-add steps per ciphertext. A product X·W with a
    /// plaintext d×d' W uses the Halevi–Shoup diagonal method with baby-step giant-step
    /// rotations (Halevi & Shoup, CRYPTO 2014; BSGS as in Lattigo's linear transforms): per
    /// ciphertext of X and per d×d block of W, ⌈√d⌉ + ⌈d/⌈√d⌉⌉ − 2 rotations, d plaintext
    /// products and one rescale (one level).
    case rowWise = "row-wise"

    /// Rotations for the row sums of one ciphertext holding rows of length n.
    public func rowSumRotations(rowLength n: Int) -> Int {
        n > 1 ? Int.bitWidth - (n - 1).leadingZeroBitCount : 0
    }

    /// Rotations, plaintext products and ciphertexts of a [T×d]·[d×d'] product with
    /// plaintext weights.
    public func matmulCost(t: Int, d: Int, dOut: Int, slots: Int) -> (ciphertexts: Int, rotations: Int, plaintextProducts: Int) {
        let inputs = max(1, (t * d + slots - 1) / slots)
        let blocks = max(1, (dOut + d - 1) / d)
        let baby = Int(Double(d).squareRoot().rounded(.up))
        let giant = (d + baby - 1) / baby
        return (inputs * blocks, inputs * blocks * max(0, baby + giant - 2), inputs * blocks * d)
    }
}
