/// Per-operation latency of a CKKS library, measured at a reference ring dimension and
/// number of RNS limbs, scaled linearly in N and in the limbs of the operand (key
/// switching and NTTs are linear in the limb count for a fixed digit count).
public struct HELatencyTable: Sendable, Hashable {
    public enum Operation: String, Sendable, CaseIterable {
        case add, plaintextMultiply = "pt-mult", ciphertextMultiply = "ct-mult", rescale, rotation, bootstrap
    }

    public var referenceRingDimension: Int
    public var referenceLimbs: Int
    /// Seconds per operation at the reference point (bootstrap: per ciphertext at the reference N).
    public var seconds: [Operation: Double]
    public var source: String

    public init(referenceRingDimension: Int, referenceLimbs: Int, seconds: [Operation: Double], source: String) {
        self.referenceRingDimension = referenceRingDimension
        self.referenceLimbs = referenceLimbs
        self.seconds = seconds
        self.source = source
    }

    /// Seconds for one `operation` on a ciphertext of `limbs` limbs at ring dimension n.
    public func seconds(_ operation: Operation, ringDimension n: Int, limbs: Int) -> Double {
        let base = seconds[operation] ?? 0
        let byN = Double(n) / Double(referenceRingDimension)
        return operation == .bootstrap ? base * byN : base * byN * Double(limbs) / Double(referenceLimbs)
    }
}
