/// Seconds a peer implementation computes for each recorded event, from per-primitive
/// timings of that peer on a stated machine: the `compute` term of every two-party
/// latency (`latency = round trips + transfer + compute`).
///
/// For one event of kind K, compute = (`perEvent[K]` + `perRound[K]` × rounds +
/// `perElement[K]` × elements + `perMultiplyAccumulate` × multiply-accumulates) × `scale`.
/// The per-event figure prices a local operation on shares (kind "local": the peer's
/// interpreter and kernel launch around an addition or a public product); the per-round figure is the
/// software cost of one protocol step of that kind on a zero-delay link (the collective's
/// handshake, the peer's interpreter and local share arithmetic around the step); the
/// per-element figure the arithmetic, correlated-randomness generation and copying that
/// grow with the tensor; the per-MAC figure a matrix product's local products. The
/// coefficients are derived from calibration primitives only (`pisim calibrate` over a
/// committed peer measurement); composite operations are predictions.
public struct ComputeModel: Sendable, Hashable, Codable {
    /// A kind's coefficients, in seconds.
    public struct Rate: Sendable, Hashable, Codable {
        public var perEvent: Double
        public var perRound: Double
        public var perElement: Double
        public init(perEvent: Double = 0, perRound: Double, perElement: Double) {
            self.perEvent = perEvent
            self.perRound = perRound
            self.perElement = perElement
        }
    }

    /// Coefficients by event kind ("mul", "a2b", "matmul", …).
    public var rates: [String: Rate]
    /// Coefficients of a kind not listed (the dealer's `offline-` events, whose generation
    /// is timed with the online step that consumes them, are usually left at 0).
    public var defaultRate: Rate
    /// Seconds per multiply-accumulate of a matrix product.
    public var perMultiplyAccumulateSeconds: Double
    /// Factor applied to every figure: another machine or thread count (1 = as measured).
    public var scale: Double = 1
    /// Where the figures come from (script, fixture, machine, threads).
    public var source: String

    public init(rates: [String: Rate], defaultRate: Rate = Rate(perRound: 0, perElement: 0),
                perMultiplyAccumulateSeconds: Double, source: String) {
        self.rates = rates
        self.defaultRate = defaultRate
        self.perMultiplyAccumulateSeconds = perMultiplyAccumulateSeconds
        self.source = source
    }

    /// Factors a scenario may rescale compute by: 1/1000 (a machine a thousand times
    /// faster) to 1000.
    public static let scaleRange: ClosedRange<Double> = 1e-3...1e3

    /// The compute seconds of `event`.
    public func seconds(for event: CostEvent) -> Double {
        seconds(kind: event.kind, events: 1, rounds: event.rounds, elements: event.elements, multiplyAccumulates: event.multiplyAccumulates)
    }

    /// The compute seconds of `totals`, the sum of `operations` events of one `kind`.
    public func seconds(forKind kind: String, totals: CostTotals) -> Double {
        seconds(kind: kind, events: totals.operations, rounds: totals.rounds, elements: totals.elements,
                multiplyAccumulates: totals.multiplyAccumulates)
    }

    func seconds(kind: String, events: Int, rounds: Int, elements: Int, multiplyAccumulates: Int) -> Double {
        let r = rates[kind] ?? defaultRate
        return scale * (r.perEvent * Double(events) + r.perRound * Double(rounds) + r.perElement * Double(elements)
            + perMultiplyAccumulateSeconds * Double(multiplyAccumulates))
    }
}
