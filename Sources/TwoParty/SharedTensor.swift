/// A tensor secret-shared additively between two parties over Z/2^k: the value of element
/// i is share0[i] + share1[i] mod 2^k, read as a fixed-point number with
/// `fractionalBits` fractional bits (0 for integers such as comparison bits).
///
/// An engine that holds one party's view (`PartyView.party`) keeps the other party's
/// share empty: only `shape` says how many elements there are.
public struct SharedTensor: Sendable {
    public var shape: [Int]
    /// Party 0's shares, row-major (empty when this process is party 1 alone).
    public var share0: [UInt64]
    /// Party 1's shares, row-major (empty when this process is party 0 alone).
    public var share1: [UInt64]
    /// The scale of the encoded value: 2^fractionalBits.
    public var fractionalBits: Int

    public init(shape: [Int], share0: [UInt64], share1: [UInt64], fractionalBits: Int) {
        self.shape = shape
        self.share0 = share0
        self.share1 = share1
        self.fractionalBits = fractionalBits
    }

    public init(shape: [Int], shares: ([UInt64], [UInt64]), fractionalBits: Int) {
        self.init(shape: shape, share0: shares.0, share1: shares.1, fractionalBits: fractionalBits)
    }

    /// Number of elements.
    @inlinable public var count: Int { shape.reduce(1, *) }

    /// Party p's shares (empty when this view does not hold them).
    @inlinable public subscript(party p: Int) -> [UInt64] { p == 0 ? share0 : share1 }
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

    public init(shape: [Int], shares: ([UInt64], [UInt64])) {
        self.init(shape: shape, share0: shares.0, share1: shares.1)
    }

    @inlinable public var count: Int { shape.reduce(1, *) }

    @inlinable public subscript(party p: Int) -> [UInt64] { p == 0 ? share0 : share1 }
}

/// Which parties' shares one engine holds and computes on.
public enum PartyView: Sendable, Equatable {
    /// Both parties simulated together in one thread: every opening combines the two
    /// shares in memory (nothing crosses a transport).
    case both
    /// One party, its peer across a `Transport` (another thread or another process).
    case party(Int)

    /// Whether this view holds party p's shares.
    @inlinable public func holds(_ p: Int) -> Bool {
        switch self {
        case .both: true
        case .party(let q): q == p
        }
    }
}
