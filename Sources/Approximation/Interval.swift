/// A closed interval [lower, upper] of the real line with lower < upper, both finite:
/// the domain an approximation is designed for.
public struct Interval: Sendable, Hashable, CustomStringConvertible, Codable {
    public let lower: Double
    public let upper: Double

    /// Creates [lower, upper].
    ///
    /// - Throws: `ApproximationError.invalidInterval` when either end is not finite or the
    ///   interval is empty or reversed.
    public init(_ lower: Double, _ upper: Double) throws(ApproximationError) {
        guard lower.isFinite, upper.isFinite else {
            throw .invalidInterval("[\(lower), \(upper)] has an end that is not finite")
        }
        guard lower < upper else {
            throw .invalidInterval(lower == upper ? "[\(lower), \(upper)] is empty" : "[\(lower), \(upper)] is reversed: the lower end must come first")
        }
        self.lower = lower
        self.upper = upper
    }

    /// Parses "a:b" (as in `--range -8:0`).
    public init(parsing text: String) throws(ApproximationError) {
        // Split at the colon that separates the ends (a leading minus belongs to a number).
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let a = Double(parts[0]), let b = Double(parts[1]) else {
            throw .invalidInterval("'\(text)' is not a range: write LOWER:UPPER, e.g. -8:0")
        }
        try self.init(a, b)
    }

    /// [−1, 1].
    public static let unit = Interval(uncheckedLower: -1, upper: 1)

    /// Creates [lower, upper] from constants the caller knows to be finite with
    /// lower < upper (defaults in code, never user input).
    public init(uncheckedLower lower: Double, upper: Double) {
        self.lower = lower
        self.upper = upper
    }

    public var description: String { "[\(lower), \(upper)]" }
    @inlinable public var width: Double { upper - lower }
    @inlinable public var midpoint: Double { (lower + upper) / 2 }
    @inlinable public func contains(_ x: Double) -> Bool { x >= lower && x <= upper }

    /// The affine map to [−1, 1]: t = (2x − a − b) / (b − a).
    @inlinable public func toUnit(_ x: Double) -> Double { (2 * x - lower - upper) / width }

    /// The inverse map from [−1, 1].
    @inlinable public func fromUnit(_ t: Double) -> Double { (t * width + lower + upper) / 2 }

    /// `count` equally spaced points including both ends (count ≥ 2).
    public func uniformGrid(count: Int) -> [Double] {
        let n = max(count, 2)
        return (0..<n).map { i in i == n - 1 ? upper : lower + width * Double(i) / Double(n - 1) }
    }

    /// The n Chebyshev points of the first kind, cos((2j+1)π/(2n)), mapped to the interval,
    /// in increasing order.
    public func chebyshevNodes(count n: Int) -> [Double] {
        (0..<n).map { j in fromUnit(-cosine(Double(2 * j + 1) * Double.pi / Double(2 * n))) }
    }
}
