/// Errors of the two-party engine and its profiles.
public enum TwoPartyError: Error, Equatable, CustomStringConvertible {
    case invalidParameter(String)
    case unsupported(String)

    public var description: String {
        switch self {
        case let .invalidParameter(why): why
        case let .unsupported(why): "not supported: \(why)"
        }
    }
}
