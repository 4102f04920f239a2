import Tensors

/// The operations an approximation is written against. A backend decides how numbers are
/// represented (Double, clear fixed point, additive shares, CKKS ciphertexts) and what each
/// operation costs; catalog functions are written once, generically, over this protocol.
///
/// Values are tensors; binary operations broadcast as NumPy does (a row of shape […, 1]
/// against […, n]). Shapes come from validated inputs, so a mismatch is a bug in the
/// calling algorithm, not a user error.
public protocol ArithmeticBackend: AnyObject {
    /// The backend's representation of a tensor of reals.
    associatedtype Value

    /// A short name for reports ("plaintext", "fixed-point Z/2^64 f=16", …).
    var name: String { get }

    /// The shape of `value`.
    func shape(of value: Value) -> [Int]

    /// Brings clear inputs into the backend (encode, secret-share, encrypt).
    func input(_ x: Tensor<Double>) -> Value

    /// The reals `value` stands for (decode, reconstruct, decrypt).
    func reveal(_ value: Value) -> Tensor<Double>

    /// A public constant tensor.
    func constant(_ c: Double, shape: [Int]) -> Value

    func add(_ a: Value, _ b: Value) -> Value
    func subtract(_ a: Value, _ b: Value) -> Value
    func negate(_ a: Value) -> Value
    func addConstant(_ a: Value, _ c: Double) -> Value

    /// a · c for a public real c (a truncation in fixed point, a rescale in CKKS).
    func multiplyConstant(_ a: Value, _ c: Double) -> Value

    /// a · k for a public integer k (no truncation, no rescale).
    func multiplyInteger(_ a: Value, _ k: Int) -> Value

    /// Elementwise a · b of two private values (Beaver triple, ciphertext product).
    func multiply(_ a: Value, _ b: Value) -> Value

    /// a², which several protocols do cheaper than a general product.
    func square(_ a: Value) -> Value

    /// a · c for a 0/1 value c (a comparison's result): a general product unless the
    /// protocol has a cheaper bit × arithmetic product (SPU's `mul_a1b`, exact: no
    /// truncation). Selects and ReLU use it.
    func multiplyByBit(_ a: Value, _ bit: Value) -> Value

    /// Sum along `axis`, keeping it with extent 1.
    func sum(_ a: Value, alongAxis axis: Int) -> Value

    /// a ⊙ m for a public tensor m (masks, public weights), broadcasting.
    func multiplyPublic(_ a: Value, _ m: Tensor<Double>) -> Value

    /// a + m for a public tensor m (additive masks, biases), broadcasting; local (one
    /// party adds it to its share; a plaintext addition on ciphertexts, no level).
    func addPublic(_ a: Value, _ m: Tensor<Double>) -> Value

    /// 1 where a < 0, else 0: a private comparison (a protocol in 2PC; a composite
    /// polynomial sign approximation in CKKS).
    func isNegative(_ a: Value) -> Value

    /// The maximum along `axis`, keeping it with extent 1.
    func maximum(_ a: Value, alongAxis axis: Int) -> Value

    /// Runs `body` inside a named cost scope (backends without a ledger just run it).
    func scope<T>(_ name: String, _ body: () -> T) -> T

    /// 1 where a = 0, else 0: a private equality test.
    func isZero(_ a: Value) -> Value

    /// The ideal functionality of an operation PISim does not execute (a lookup table, an
    /// FSS gate, an OT-based protocol): `function` applied to the values, charged `cost`
    /// under `kind`. Two-party backends reconstruct, apply and re-share.
    func analytic(_ a: Value, kind: String, cost: AnalyticCost, _ function: (Tensor<Double>) -> Tensor<Double>) -> Value

    /// Private uniform values in [0, 1) (CrypTen's `crypten.rand`).
    func uniformRandom(shape: [Int]) -> Value

    // Layout along the last axis (local in every backend).

    /// Columns [start, start + width) of every row.
    func columns(_ a: Value, from start: Int, count width: Int) -> Value
    /// Every row of `a` followed by the same row of `b`.
    func concatenatingColumns(_ a: Value, _ b: Value) -> Value
    /// Every row rotated right by `shift`.
    func rolled(_ a: Value, by shift: Int) -> Value
    /// Running sums along each row.
    func cumulativeSum(_ a: Value) -> Value
    /// Same-shaped values stacked along a new leading axis, so that one protocol call
    /// serves them all (one round instead of one each).
    func stacked(_ values: [Value]) -> Value
    /// The inverse of `stacked`.
    func unstacked(_ a: Value, count: Int) -> [Value]
}

extension ArithmeticBackend {
    public func scope<T>(_ name: String, _ body: () -> T) -> T { body() }
}

extension Double {
    /// An integer small enough (|c| < 10^15) to multiply shares or slots by as an integer:
    /// such public products need no truncation and no level.
    public var isSmallInteger: Bool { self == rounded() && Swift.abs(self) < 1e15 }
}

extension Tensor where Scalar == Double {
    /// Every entry `isSmallInteger` (0/1 masks, integer scales).
    public var isSmallIntegral: Bool { scalars.allSatisfy(\.isSmallInteger) }
}

extension ArithmeticBackend {
    /// A general product, for backends without a bit × arithmetic protocol.
    public func multiplyByBit(_ a: Value, _ bit: Value) -> Value { multiply(a, bit) }
}
