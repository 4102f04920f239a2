import Approximation
import Backend
import Tensors

/// The protocol primitives as operations `pisim op` runs, besides the catalog's
/// nonlinearities: a private product, a square and a sign test. They are what a peer's
/// cost is calibrated on (`ComputeCalibration`), so they run through the same path as
/// every other operation.
public struct PrimitiveOperation: NonlinearApproximation {
    /// Primitive names, in help order.
    public static let names = ["mul", "mul8", "square", "square8", "ltz", "add", "add8", "scale"]

    public let function: String

    /// - Returns: nil for a name that is not a primitive.
    public init?(_ name: String) {
        guard Self.names.contains(name) else { return nil }
        function = name
    }

    public var method: String {
        switch function {
        case "mul": "x ⊙ y, y = x rotated by one along the row (two private operands)"
        case "mul8": "((x ⊙ y) ⊙ y) … ⊙ y, eight products in a row (a protocol step at steady state)"
        case "square": "x ⊙ x with a square pair"
        case "square8": "x squared eight times in a row"
        case "add": "x + y, y = x rotated by one (local)"
        case "add8": "x + y + … + y, eight local additions in a row"
        case "scale": "0.37·x, a public non-integer product (local product, then truncation)"
        default: "[x < 0] (sign test)"
        }
    }

    public var inputRange: Interval { Interval(uncheckedLower: -4, upper: 4) }
    public var parameters: ApproximationParameters { ApproximationParameters() }
    public var isRowwise: Bool { false }

    public func reference(_ x: Tensor<Double>) -> Tensor<Double> {
        switch function {
        case "mul": (try? x.zip(x.rolled(by: 1), *)) ?? x
        case "mul8": (try? x.zip(x.rolled(by: 1)) { a, b in (0..<8).reduce(a) { r, _ in r * b } }) ?? x
        case "square": x.map { $0 * $0 }
        case "square8": x.map { (0..<8).reduce($0) { r, _ in r * r } }
        case "add": (try? x.zip(x.rolled(by: 1), +)) ?? x
        case "add8": (try? x.zip(x.rolled(by: 1)) { $0 + 8 * $1 }) ?? x
        case "scale": x.map { 0.37 * $0 }
        default: x.map { $0 < 0 ? 1 : 0 }
        }
    }

    public func evaluate<B: ArithmeticBackend>(_ x: B.Value, on backend: B) -> B.Value {
        switch function {
        case "mul": return backend.multiply(x, backend.rolled(x, by: 1))
        case "mul8":
            let y = backend.rolled(x, by: 1)
            return (0..<8).reduce(x) { r, _ in backend.multiply(r, y) }
        case "square": return backend.square(x)
        case "square8": return (0..<8).reduce(x) { r, _ in backend.square(r) }
        case "add": return backend.add(x, backend.rolled(x, by: 1))
        case "add8":
            let y = backend.rolled(x, by: 1)
            return (0..<8).reduce(x) { r, _ in backend.add(r, y) }
        case "scale": return backend.multiplyConstant(x, 0.37)
        default: return backend.isNegative(x)
        }
    }

    public func outOfRangeCount(_ x: Tensor<Double>) -> Int { 0 }
}
