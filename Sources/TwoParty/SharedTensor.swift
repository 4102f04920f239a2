/// A tensor secret-shared additively between two parties over Z/2^k: the value of element
/// i is share0[i] + share1[i] mod 2^k, read as a fixed-point number with
/// `fractionalBits` fractional bits (0 for integers such as comparison bits).
public struct SharedTensor: Sendable {
    public var shape: [Int]
    /// Party 0's shares, row-major.
    public var share0: [UInt64]
    /// Party 1's shares, row-major.
    public var share1: [UInt64]
    /// The scale of the encoded value: 2^fractionalBits.
    public var fractionalBits: Int

    public init(shape: [Int], share0: [UInt64], share1: [UInt64], fractionalBits: Int) {
        self.shape = shape
        self.share0 = share0
        self.share1 = share1
        self.fractionalBits = fractionalBits
    }

    /// Number of elements.
    @inlinable public var count: Int { share0.count }
}

/// A tensor of 64-bit words XOR-shared between two parties: word i is share0[i] ⊕ share1[i].
/// Bit j of a word holds bit j of a k-bit ring element (binary sharing for circuits).
public struct BinarySharedTensor: Sendable {
    public var shape: [Int]
    public var share0: [UInt64]
    public var share1: [UInt64]

    public init(shape: [Int], share0: [UInt64], share1: [UInt64]) {
        self.shape = shape
        self.share0 = share0
        self.share1 = share1
    }

    @inlinable public var count: Int { share0.count }
}
