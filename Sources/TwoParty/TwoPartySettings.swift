import Backend
import CostModel

/// How the two-party engine executes: ring, precision and the protocol choices a profile
/// makes. Defaults are CrypTen 0.4.1's (`configs/default.yaml`).
public struct TwoPartySettings: Sendable, Hashable {
    /// How a product is brought back to f fractional bits.
    public enum Truncation: String, Sendable, Hashable {
        /// SecureML local truncation on each share: free, ±1 ulp, fails with probability |x|/2^k.
        case local
        /// Truncation with one opening of x + r (Escudero et al., CRYPTO 2020, "TruncPr"):
        /// k bits per element and one round, ±1 ulp, valid for |x| < 2^(k−2).
        case oneRound = "one-round"
    }

    /// Analytic replacements for executed primitives (nil: executed share-level).
    public var comparisonCost: AnalyticCost?
    public var equalityCost: AnalyticCost?
    public var multiplicationCost: AnalyticCost?
    public var squareCost: AnalyticCost?
    /// A bit × arithmetic product (SPU Cheetah's `mul_a1b`) charged by formula: exact, no
    /// truncation. Nil: a general product.
    public var selectCost: AnalyticCost?
    /// With `truncationCost`, truncation is analytic: ⌊x/2^m⌋ rounded up with probability
    /// frac(x/2^m) (the ±1-ulp error of probabilistic truncation).
    public var truncationCost: AnalyticCost?

    public var ringBits: Int = 64
    public var fractionalBits: Int = 16
    public var truncation: Truncation = .local
    /// Bytes each party sends per opened ring element and per opened bit.
    public var wireBytesPerElement: Int = 8
    public var wireBytesPerBit: Int = 8
    /// Offline bytes per correlated element (0: CrypTen's TFP derives them from seeds).
    public var offlineBytesPerElement: Int = 0
    public var seed: UInt64 = 1
    /// The peer's computation per event (nil: compute is not modelled, 0 s).
    public var compute: ComputeModel?

    public init() {}

    /// - Throws: `TwoPartyError.invalidParameter` for a ring outside 2…64 bits or
    ///   fractional bits that leave no integer part.
    public func validate() throws(TwoPartyError) {
        guard (2...64).contains(ringBits) else {
            throw .invalidParameter("ring bits must be 2…64 for the native two-party engine, got \(ringBits)")
        }
        guard fractionalBits >= 0, fractionalBits < ringBits, 2 * fractionalBits < ringBits else {
            throw .invalidParameter("fractional bits \(fractionalBits) do not fit a \(ringBits)-bit ring: a product needs 2f < k bits")
        }
        guard wireBytesPerElement > 0, wireBytesPerBit > 0, offlineBytesPerElement >= 0 else {
            throw .invalidParameter("wire and offline byte counts must be positive")
        }
        for (name, cost) in [("comparison", comparisonCost), ("equality", equalityCost), ("multiplication", multiplicationCost),
                             ("square", squareCost), ("select", selectCost), ("truncation", truncationCost)] {
            guard let c = cost else { continue }
            guard c.isValid else {
                throw .invalidParameter("\(name) cost must be non-negative")
            }
        }
    }
}
