/// A dense N-dimensional array in row-major (C) order: `shape` gives the extent of each
/// axis, `scalars` holds the elements contiguously, last axis fastest.
///
/// Scalars are anything `Sendable`: `Double` for plaintext references, `UInt64` for native
/// ring elements, `BigInteger` for GMP rings. Ring arithmetic is not built in; elementwise
/// operations take the operation as a closure (`map`, `zip`), and `matmul` has fast kernels
/// for `Double` and wrapping `UInt64`.
public struct Tensor<Scalar: Sendable>: Sendable {
    /// Extent of each axis. A scalar tensor has shape `[]` and one element.
    public private(set) var shape: [Int]

    /// The elements in row-major order; `scalars.count == shape.reduce(1, *)`.
    public var scalars: [Scalar]

    /// Creates a tensor from its shape and row-major elements.
    ///
    /// - Throws: `TensorError.invalidShape` for a negative extent, `.elementCountMismatch`
    ///   when `scalars` does not hold exactly the shape's element count.
    public init(shape: [Int], scalars: [Scalar]) throws(TensorError) {
        try Self.validate(shape)
        guard scalars.count == Self.elementCount(shape) else {
            throw .elementCountMismatch(shape: shape, count: scalars.count)
        }
        self.shape = shape
        self.scalars = scalars
    }

    /// Creates a tensor with every element equal to `value`.
    public init(shape: [Int], repeating value: Scalar) throws(TensorError) {
        try Self.validate(shape)
        self.shape = shape
        scalars = Array(repeating: value, count: Self.elementCount(shape))
    }

    /// Creates a tensor whose element at flat (row-major) index i is `element(i)`.
    public init(shape: [Int], element: (Int) throws -> Scalar) throws(TensorError) {
        try Self.validate(shape)
        self.shape = shape
        do {
            scalars = try (0..<Self.elementCount(shape)).map(element)
        } catch {
            throw .elementInitializerFailed(String(describing: error))
        }
    }

    /// A rank-1 tensor holding `scalars`.
    public init(_ scalars: [Scalar]) {
        shape = [scalars.count]
        self.scalars = scalars
    }

    /// Creates a tensor without checks; the caller guarantees that `scalars.count` equals
    /// the shape's element count (algorithm code whose shapes are already validated).
    public init(uncheckedShape shape: [Int], scalars: [Scalar]) {
        self.shape = shape
        self.scalars = scalars
    }

    static func validate(_ shape: [Int]) throws(TensorError) {
        guard shape.allSatisfy({ $0 >= 0 }) else { throw .invalidShape(shape) }
    }

    @usableFromInline static func elementCount(_ shape: [Int]) -> Int { shape.reduce(1, *) }

    /// The element count of `shape`, or nil when an extent is negative or the product
    /// overflows `Int`: how sizes taken from user input are checked before anything is
    /// allocated or multiplied.
    public static func checkedElementCount(_ shape: [Int]) -> Int? {
        var n = 1
        for e in shape {
            guard e >= 0 else { return nil }
            let (v, overflow) = n.multipliedReportingOverflow(by: e)
            if overflow { return nil }
            n = v
        }
        return n
    }

    /// Number of axes.
    @inlinable public var rank: Int { shape.count }

    /// Number of elements.
    @inlinable public var count: Int { scalars.count }

    /// Row-major strides in elements: `strides[i]` is the distance between consecutive
    /// indices along axis i.
    public var strides: [Int] { Self.strides(of: shape) }

    static func strides(of shape: [Int]) -> [Int] {
        var strides = [Int](repeating: 1, count: shape.count)
        var step = 1
        for axis in stride(from: shape.count - 1, through: 0, by: -1) {
            strides[axis] = step
            step *= shape[axis]
        }
        return strides
    }

    /// The flat index of a multi-index, or nil when it is out of bounds or of the wrong rank.
    public func flatIndex(_ indices: [Int]) -> Int? {
        guard indices.count == rank else { return nil }
        var flat = 0
        for (axis, i) in indices.enumerated() {
            guard (0..<shape[axis]).contains(i) else { return nil }
            flat = flat * shape[axis] + i
        }
        return flat
    }

    /// The element at a multi-index. Traps on an out-of-range index, like `Array`.
    public subscript(indices: Int...) -> Scalar {
        get {
            guard let i = flatIndex(indices) else { preconditionFailure("index \(indices) outside shape \(shape)") } // unreachable from user input: Array's subscript contract
            return scalars[i]
        }
        set {
            guard let i = flatIndex(indices) else { preconditionFailure("index \(indices) outside shape \(shape)") } // unreachable from user input: Array's subscript contract
            scalars[i] = newValue
        }
    }
}

extension Tensor: Equatable where Scalar: Equatable {}
extension Tensor: Hashable where Scalar: Hashable {}

/// Errors from tensor construction and shape-changing operations.
public enum TensorError: Error, Equatable, CustomStringConvertible {
    case invalidShape([Int])
    case elementCountMismatch(shape: [Int], count: Int)
    case shapesNotBroadcastable([Int], [Int])
    case invalidAxis(axis: Int, rank: Int)
    case invalidPermutation([Int], rank: Int)
    case reshapeCountMismatch(from: [Int], to: [Int])
    case matmulShapeMismatch([Int], [Int])
    case elementInitializerFailed(String)

    public var description: String {
        switch self {
        case let .invalidShape(s): "shape \(s) has a negative extent"
        case let .elementCountMismatch(s, n): "shape \(s) holds \(Tensor<Int>.elementCount(s)) elements, got \(n)"
        case let .shapesNotBroadcastable(a, b): "shapes \(a) and \(b) cannot be broadcast together"
        case let .invalidAxis(axis, rank): "axis \(axis) is out of range for a rank-\(rank) tensor"
        case let .invalidPermutation(p, rank): "\(p) is not a permutation of the \(rank) axes"
        case let .reshapeCountMismatch(from, to): "cannot reshape \(from) to \(to): element counts differ"
        case let .matmulShapeMismatch(a, b): "cannot multiply matrices of shapes \(a) and \(b)"
        case let .elementInitializerFailed(why): "element initializer failed: \(why)"
        }
    }
}
