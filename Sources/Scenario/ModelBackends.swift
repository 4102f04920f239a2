import Backend
import Homomorphic
import Tensors
import Transformer
import TwoParty

// Every execution backend runs the transformer (Transformer.ModelBackend); the clear
// references conform in the Transformer module itself.

extension TwoPartyBackend: ModelBackend {
    public func linear(_ x: SharedTensor, _ w: WeightMatrix) -> SharedTensor { linearProduct(x, w.values) }
    public func privateMatmul(_ a: SharedTensor, _ b: SharedTensor) -> SharedTensor { privateProduct(a, b) }
    public func transposed(_ a: SharedTensor, _ permutation: [Int]) -> SharedTensor { transposedShares(a, permutation) }
    public func reshaped(_ a: SharedTensor, _ shape: [Int]) -> SharedTensor { reshapedShares(a, shape) }
}

extension CKKSBackend: ModelBackend {
    public func linear(_ x: CKKSTensor, _ w: WeightMatrix) -> CKKSTensor { matmulPlaintext(x, columns: w.columns) { w.values } }

    public func privateMatmul(_ a: CKKSTensor, _ b: CKKSTensor) -> CKKSTensor { matmulPrivate(a, b) }

    public func transposed(_ a: CKKSTensor, _ permutation: [Int]) -> CKKSTensor {
        guard tracksValues else { return CKKSTensor(shape: permutation.map { a.shape[$0] }, values: [], level: a.level) }
        let t = (try? Tensor(shape: a.shape, scalars: a.values).transposed(permutation)) ?? Tensor(uncheckedShape: a.shape, scalars: a.values)
        return CKKSTensor(shape: t.shape, values: t.scalars, level: a.level)
    }

    public func reshaped(_ a: CKKSTensor, _ shape: [Int]) -> CKKSTensor { CKKSTensor(shape: shape, values: a.values, level: a.level) }
}

extension TwoPartyEstimator: ModelBackend {
    public var tracksValues: Bool { false }
    public func linear(_ x: EstimatedValue, _ w: WeightMatrix) -> EstimatedValue { linearCost(x, columns: w.columns) }
    public func privateMatmul(_ a: EstimatedValue, _ b: EstimatedValue) -> EstimatedValue { privateMatmulCost(a, b) }
    public func transposed(_ a: EstimatedValue, _ permutation: [Int]) -> EstimatedValue {
        EstimatedValue(shape: permutation.map { a.shape[$0] }, fractionalBits: a.fractionalBits)
    }
    public func reshaped(_ a: EstimatedValue, _ shape: [Int]) -> EstimatedValue { EstimatedValue(shape: shape, fractionalBits: a.fractionalBits) }
}
