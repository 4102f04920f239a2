/// Cost arithmetic that cannot trap. Sizes come from user input (a context length of 2^32,
/// a profile charging 1e308 bits per element), so every cost is computed with these: a sum
/// or product that would pass `Int.max` stays at `Int.max`, and a report whose totals reach
/// `CostTotals.saturationLimit` is refused with the reason instead of printing a wrapped
/// or clamped figure.
extension Int {
    /// self + other, or `Int.max` when the sum overflows (both operands ≥ 0 in costs).
    @inlinable public func saturatingAdding(_ other: Int) -> Int {
        let (v, overflow) = addingReportingOverflow(other)
        return overflow ? (other > 0 ? .max : .min) : v
    }

    /// self × other, or `Int.max` (`Int.min` for a negative product) on overflow.
    @inlinable public func saturatingMultiplying(_ other: Int) -> Int {
        let (v, overflow) = multipliedReportingOverflow(by: other)
        return overflow ? ((self < 0) != (other < 0) ? .min : .max) : v
    }

    /// A non-negative cost given as a real number, rounded up: `Int.max` when it is not
    /// finite or does not fit, 0 when it is negative.
    @inlinable public init(saturatingCost value: Double) {
        let v = value.rounded(.up)
        if v.isNaN || v >= 0x1p63 { self = .max } else if v <= 0 { self = 0 } else { self = Int(v) }
    }
}
