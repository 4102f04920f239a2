/// Errors raised by the arithmetic layer. Each case says what was wrong and why.
public enum ArithmeticError: Error, Equatable, CustomStringConvertible {
    /// A radix outside 2…62 was requested.
    case invalidRadix(Int)
    /// Text that is not an integer in the given radix; `offset` is the first bad character's
    /// position in characters from the start (0-based).
    case invalidDigit(text: String, offset: Int, radix: Int)
    /// An empty string (or a lone sign) was given where an integer was expected.
    case emptyNumber
    /// A modulus outside the range a word-size modulus supports.
    case invalidModulus(String)
    /// A ring of `bits` bits that this implementation cannot represent.
    case invalidRingWidth(bits: Int, reason: String)
    /// Fixed-point parameters that cannot work.
    case invalidFixedPoint(String)
    /// A value that does not fit the fixed-point range of its ring.
    case valueOutOfRange(value: Double, limit: Double)
    /// A value that is not a finite number.
    case notFinite(Double)

    public var description: String {
        switch self {
        case let .invalidRadix(r):
            "radix \(r) is not supported: use 2…62"
        case let .invalidDigit(text, offset, radix):
            "'\(text)' is not an integer in radix \(radix): bad character at offset \(offset)"
        case .emptyNumber:
            "empty string is not an integer"
        case let .invalidModulus(why):
            "invalid modulus: \(why)"
        case let .invalidRingWidth(bits, reason):
            "invalid ring Z/2^\(bits): \(reason)"
        case let .invalidFixedPoint(why):
            "invalid fixed-point parameters: \(why)"
        case let .valueOutOfRange(value, limit):
            "\(value) is outside the representable fixed-point range (|x| < \(limit))"
        case let .notFinite(value):
            "\(value) is not a finite number"
        }
    }
}
