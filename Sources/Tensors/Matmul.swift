import Arithmetic

/// Scalars with a multiply–accumulate that the matmul kernel can run on contiguous rows.
public protocol MatmulScalar: Sendable {
    /// The additive identity.
    static var matmulZero: Self { get }
    /// acc + a · b in this type's arithmetic (wrapping for unsigned words).
    static func multiplyAdd(_ acc: Self, _ a: Self, _ b: Self) -> Self
}

extension Double: MatmulScalar {
    @inlinable public static var matmulZero: Double { 0 }
    @inlinable public static func multiplyAdd(_ acc: Double, _ a: Double, _ b: Double) -> Double { acc + a * b }
}

extension UInt64: MatmulScalar {
    @inlinable public static var matmulZero: UInt64 { 0 }
    /// Wrapping: the result is exact in Z/2^64, and so in every Z/2^k after masking.
    @inlinable public static func multiplyAdd(_ acc: UInt64, _ a: UInt64, _ b: UInt64) -> UInt64 { acc &+ a &* b }
}

/// Shapes of a (batched) matrix product: a is […, m, k], b is […, k, n] or [k, n].
@usableFromInline
struct MatmulShape {
    @usableFromInline let batch: Int, m: Int, k: Int, n: Int
    /// Whether b has its own batch axes (otherwise one b serves every batch of a).
    @usableFromInline let batchedRight: Bool
    @usableFromInline let resultShape: [Int]

    @usableFromInline
    init(_ a: [Int], _ b: [Int]) throws(TensorError) {
        guard a.count >= 2, b.count >= 2, a[a.count - 1] == b[b.count - 2] else {
            throw .matmulShapeMismatch(a, b)
        }
        let aBatch = Array(a.dropLast(2)), bBatch = Array(b.dropLast(2))
        guard bBatch.isEmpty || bBatch == aBatch else { throw .matmulShapeMismatch(a, b) }
        m = a[a.count - 2]; k = a[a.count - 1]; n = b[b.count - 1]
        batch = aBatch.reduce(1, *)
        batchedRight = !bBatch.isEmpty
        resultShape = aBatch + [m, n]
    }
}

/// Column and depth tile sizes: a 64×256 panel of b (128 KiB of 8-byte scalars) stays in L2
/// while a row of a streams over it.
@usableFromInline let matmulDepthTile = 64
@usableFromInline let matmulColumnTile = 256

extension Tensor where Scalar: MatmulScalar {
    /// The matrix product, batched over leading axes: […, m, k] · […, k, n] → […, m, n];
    /// b may also be a single [k, n] matrix shared by every batch.
    ///
    /// The kernel runs i–p–j loops tiled over p and j, so the innermost loop is a
    /// contiguous multiply–accumulate that the compiler vectorises; nothing is allocated
    /// per element.
    ///
    /// - Throws: `TensorError.matmulShapeMismatch`.
    @inlinable
    public func matmul(_ other: Tensor<Scalar>) throws(TensorError) -> Tensor<Scalar> {
        let s = try MatmulShape(shape, other.shape)
        var out = [Scalar](repeating: .matmulZero, count: s.batch * s.m * s.n)
        scalars.withUnsafeBufferPointer { a in other.scalars.withUnsafeBufferPointer { b in
            out.withUnsafeMutableBufferPointer { c in
                for batch in 0..<s.batch {
                    let aBase = a.baseAddress! + batch * s.m * s.k
                    let bBase = b.baseAddress! + (s.batchedRight ? batch * s.k * s.n : 0)
                    let cBase = c.baseAddress! + batch * s.m * s.n
                    matmulKernel(aBase, bBase, cBase, m: s.m, k: s.k, n: s.n)
                }
            }
        } }
        return Tensor(uncheckedShape: s.resultShape, scalars: out)
    }
}

/// C[m×n] += A[m×k] · B[k×n], all row-major and contiguous.
@inlinable
func matmulKernel<S: MatmulScalar>(_ a: UnsafePointer<S>, _ b: UnsafePointer<S>, _ c: UnsafeMutablePointer<S>,
                                   m: Int, k: Int, n: Int) {
    var j0 = 0
    while j0 < n {
        let j1 = min(j0 + matmulColumnTile, n)
        var p0 = 0
        while p0 < k {
            let p1 = min(p0 + matmulDepthTile, k)
            for i in 0..<m {
                let cRow = c + i * n
                let aRow = a + i * k
                for p in p0..<p1 {
                    let x = aRow[p]
                    let bRow = b + p * n
                    for j in j0..<j1 { cRow[j] = S.multiplyAdd(cRow[j], x, bRow[j]) }
                }
            }
            p0 = p1
        }
        j0 = j1
    }
}

extension Tensor {
    /// The matrix product over a modular ring (batched as `matmul(_:)`).
    ///
    /// Z/2^k runs the wrapping `UInt64` kernel and masks once at the end (exact, since 2^k
    /// divides 2^64); other rings accumulate with the ring's own operations.
    ///
    /// - Throws: `TensorError.matmulShapeMismatch`.
    @inlinable
    public func matmul<R: ModularRing>(_ other: Tensor<Scalar>, in ring: R) throws(TensorError) -> Tensor<Scalar> where R.Element == Scalar {
        if let pow2 = ring as? PowerOfTwoRing, let a = self as? Tensor<UInt64>, let b = other as? Tensor<UInt64> {
            var product = try a.matmul(b)
            if pow2.mask != ~0 { product.mapInPlace { $0 & pow2.mask } }
            // The cast back cannot fail: Scalar == UInt64 was established above.
            return product as! Tensor<Scalar> // unreachable failure
        }
        let s = try MatmulShape(shape, other.shape)
        var out = [Scalar]()
        out.reserveCapacity(s.batch * s.m * s.n)
        for batch in 0..<s.batch {
            let aBase = batch * s.m * s.k, bBase = s.batchedRight ? batch * s.k * s.n : 0
            for i in 0..<s.m {
                for j in 0..<s.n {
                    var acc = ring.zero
                    for p in 0..<s.k {
                        acc = ring.add(acc, ring.multiply(scalars[aBase + i * s.k + p], other.scalars[bBase + p * s.n + j]))
                    }
                    out.append(acc)
                }
            }
        }
        return Tensor(uncheckedShape: s.resultShape, scalars: out)
    }
}
