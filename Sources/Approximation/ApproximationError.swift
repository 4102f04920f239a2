/// Errors from designing or evaluating approximations. Each says what was wrong and why.
public enum ApproximationError: Error, Equatable, CustomStringConvertible {
    case invalidInterval(String)
    case invalidDegree(Int, String)
    case invalidParameter(String)
    /// The interval contains a point where the function is not defined (a pole).
    case singularity(function: String, at: Double, interval: Interval)
    case singularSystem(String)
    case didNotConverge(String)
    /// The requested evaluation needs more multiplicative depth than the budget allows.
    case depthBudgetExceeded(needed: Int, budget: Int)

    public var description: String {
        switch self {
        case let .invalidInterval(why): "invalid range: \(why)"
        case let .invalidDegree(d, why): "invalid degree \(d): \(why)"
        case let .invalidParameter(why): why
        case let .singularity(f, x, interval): "\(f) is not defined at \(x), which lies in the range \(interval)"
        case let .singularSystem(why): "singular linear system: \(why)"
        case let .didNotConverge(why): "did not converge: \(why)"
        case let .depthBudgetExceeded(needed, budget): "needs multiplicative depth \(needed), budget is \(budget)"
        }
    }
}
