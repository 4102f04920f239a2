/// A ring of integers modulo m, described by a value that knows how to operate on its
/// elements. Elements are plain values (`UInt64` words or `BigInteger`s) that carry no
/// modulus, so tensors of elements stay compact and generic code is written once for
/// Z/2^k, word-size Z/q and multi-word Z/q.
///
/// Every element is kept in canonical form, an integer in [0, m). Its *centered*
/// representative is the integer c ≡ a (mod m) in [−⌊m/2⌋, ⌈m/2⌉): two's complement for
/// m = 2^k, the symmetric range for odd m. Fixed-point values are read through it.
public protocol ModularRing: Sendable, Equatable, CustomStringConvertible {
    /// The type of the ring's elements.
    associatedtype Element: Sendable & Hashable

    /// The modulus m.
    var modulus: BigInteger { get }

    /// ⌈log2 m⌉: the number of bits a canonical element needs.
    var bitWidth: Int { get }

    /// The additive identity.
    var zero: Element { get }

    /// The multiplicative identity.
    var one: Element { get }

    /// (a + b) mod m.
    func add(_ a: Element, _ b: Element) -> Element

    /// (a − b) mod m.
    func subtract(_ a: Element, _ b: Element) -> Element

    /// (−a) mod m.
    func negate(_ a: Element) -> Element

    /// (a · b) mod m.
    func multiply(_ a: Element, _ b: Element) -> Element

    /// The element congruent to `value`.
    func element(_ value: Int) -> Element

    /// The element congruent to `value`.
    func element(_ value: BigInteger) -> Element

    /// The element congruent to the integer-valued `value`.
    ///
    /// - Precondition: `value` is finite and integral; callers check the range first.
    func element(integral value: Double) -> Element

    /// The canonical representative, in [0, m).
    func canonical(_ a: Element) -> BigInteger

    /// The centered representative, in [−⌊m/2⌋, ⌈m/2⌉).
    func centered(_ a: Element) -> BigInteger

    /// The centered representative converted to the nearest `Double`.
    func centeredDouble(_ a: Element) -> Double

    /// ⌊canonical(a) / 2^n⌋: a logical shift of the canonical form (the local step of
    /// SecureML truncation on shares).
    func shiftedRight(_ a: Element, by n: Int) -> Element

    /// ⌊centered(a) / 2^n⌋ mod m: an arithmetic shift of the centered form (exact
    /// truncation of a clear fixed-point value).
    func arithmeticShiftedRight(_ a: Element, by n: Int) -> Element

    /// A uniformly random element (no modulo bias).
    func random<G: RandomNumberGenerator>(using generator: inout G) -> Element

    /// True when the exact product centered(a) · centered(b) lies outside the centered
    /// range, i.e. the ring product wrapped around.
    func productWraps(_ a: Element, _ b: Element) -> Bool
}

extension ModularRing {
    /// The sum of `elements` mod m.
    @inlinable public func sum<S: Sequence>(_ elements: S) -> Element where S.Element == Element {
        elements.reduce(zero, add)
    }

    /// Generic check through `BigInteger`; native rings override it.
    public func productWraps(_ a: Element, _ b: Element) -> Bool {
        let exact = centered(a) * centered(b)
        return centered(element(exact)) != exact
    }

    /// True when `a`'s centered representative is negative.
    @inlinable public func isNegative(_ a: Element) -> Bool { centered(a).signum < 0 }
}
