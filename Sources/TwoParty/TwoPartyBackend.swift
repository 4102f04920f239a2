import Backend
import CostModel
import Tensors

/// The two-party engine as an `ArithmeticBackend`: every catalog approximation runs on
/// shares unchanged, and its communication lands in the engine's ledger under the
/// current scope.
public final class TwoPartyBackend: ArithmeticBackend {
    public typealias Value = SharedTensor

    public let engine: TwoPartyEngine
    public let profileName: String

    public init(engine: TwoPartyEngine, profileName: String = "2pc") {
        self.engine = engine
        self.profileName = profileName
    }

    public var ledger: CostLedger { engine.ledger }
    public var name: String { "two-party \(profileName) Z/2^\(engine.settings.ringBits) f=\(engine.settings.fractionalBits)" }

    public func shape(of value: SharedTensor) -> [Int] { value.shape }
    public func input(_ x: Tensor<Double>) -> SharedTensor { engine.share(x) }
    /// The simulator reconstructs without a counted opening (measuring error is not part of the protocol).
    public func reveal(_ value: SharedTensor) -> Tensor<Double> { engine.reconstruct(value) }

    public func constant(_ c: Double, shape: [Int]) -> SharedTensor {
        let count = shape.reduce(1, *)
        let zeros = SharedTensor(shape: shape, share0: [UInt64](repeating: 0, count: count),
                                 share1: [UInt64](repeating: 0, count: count), fractionalBits: engine.settings.fractionalBits)
        return engine.addConstant(zeros, c)
    }

    public func add(_ a: SharedTensor, _ b: SharedTensor) -> SharedTensor { engine.add(a, b) }
    public func subtract(_ a: SharedTensor, _ b: SharedTensor) -> SharedTensor { engine.subtract(a, b) }
    public func negate(_ a: SharedTensor) -> SharedTensor { engine.negate(a) }
    public func addConstant(_ a: SharedTensor, _ c: Double) -> SharedTensor { engine.addConstant(a, c) }
    public func multiplyConstant(_ a: SharedTensor, _ c: Double) -> SharedTensor { engine.multiplyConstant(a, c) }
    public func multiplyInteger(_ a: SharedTensor, _ k: Int) -> SharedTensor { engine.multiplyInteger(a, k) }
    public func multiply(_ a: SharedTensor, _ b: SharedTensor) -> SharedTensor { engine.multiply(a, b) }
    public func square(_ a: SharedTensor) -> SharedTensor { engine.square(a) }
    public func sum(_ a: SharedTensor, alongAxis axis: Int) -> SharedTensor { engine.sum(a, alongAxis: axis) }
    public func multiplyPublic(_ a: SharedTensor, _ m: Tensor<Double>) -> SharedTensor { engine.multiplyPublic(a, m) }

    /// [a < 0] as a fixed-point 0/1 value: the integer bit rescaled locally.
    public func isNegative(_ a: SharedTensor) -> SharedTensor { engine.lessThanZero(a) }

    public func maximum(_ a: SharedTensor, alongAxis axis: Int) -> SharedTensor { engine.maximum(a) }

    public func scope<T>(_ name: String, _ body: () -> T) -> T { engine.ledger.scope(name, body) }
}
