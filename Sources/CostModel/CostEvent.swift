/// One recorded operation of a backend: what it was, on how many elements, and what it
/// cost. Byte counts are per party *sent*; the total on the wire is their sum.
public struct CostEvent: Sendable, Hashable, Codable {
    /// What the operation was ("mul", "ltz", "open", "rescale", …).
    public var kind: String
    /// The scope path it ran under, outermost first (["layer3", "attn", "softmax"]).
    public var scope: [String]
    /// Elements processed.
    public var elements: Int
    /// Bytes sent by party 0 and by party 1 (online).
    public var bytesSent: [Int]
    /// Communication rounds (message exchanges that cannot overlap with the next).
    public var rounds: Int
    /// Beaver multiplications (triples or square pairs) consumed, counted per element.
    public var multiplications: Int
    /// Preprocessing bytes (triples, keys) when the profile charges them.
    public var offlineBytes: Int
    /// HE: the level (levels consumed) the operation's result is at; rotations (key
    /// switches), bootstraps and rescales, in ciphertexts.
    public var depth: Int
    public var rotations: Int
    public var bootstraps: Int
    public var rescales: Int
    /// Seconds of computation charged by a profile (`ComputeModel`, or an HE latency table).
    public var computeSeconds: Double
    /// Multiply-accumulates of the local matrix products behind the event (batch·m·k·n for
    /// an m×k · k×n product): what a compute model charges matrix products by.
    public var multiplyAccumulates = 0
    /// Whether the parties' messages of this operation cross at the same time (an opening:
    /// both send their shares at once) or one after the other (an HE product: the query,
    /// then the answer). On a full-duplex link the first takes max(bytes sent) ÷ bandwidth,
    /// the second the sum.
    public var simultaneous = true
    /// Whether each of its rounds is one flight each way at the same time (an opening: both
    /// parties send, then both read), which costs one one-way delay, RTT/2 — measured over
    /// an emulated link (README, "Two parties over a real network"). Other rounds (cited
    /// protocols' rounds, an HE query and its answer) are charged a whole round trip.
    public var oneWayRounds = false
    /// Parallel group and branch, when the operation ran inside `CostLedger.parallel`.
    public var parallelGroup: Int?
    public var parallelBranch: Int?

    public init(kind: String, scope: [String] = [], elements: Int = 0, bytesSent: [Int] = [0, 0], rounds: Int = 0,
                multiplications: Int = 0, offlineBytes: Int = 0, depth: Int = 0, rotations: Int = 0,
                bootstraps: Int = 0, rescales: Int = 0, computeSeconds: Double = 0, multiplyAccumulates: Int = 0) {
        self.kind = kind
        self.multiplyAccumulates = multiplyAccumulates
        self.scope = scope
        self.elements = elements
        self.bytesSent = bytesSent
        self.rounds = rounds
        self.multiplications = multiplications
        self.offlineBytes = offlineBytes
        self.depth = depth
        self.rotations = rotations
        self.bootstraps = bootstraps
        self.rescales = rescales
        self.computeSeconds = computeSeconds
    }

    /// Bytes on the wire, both directions.
    @inlinable public var totalBytes: Int { bytesSent.reduce(0) { $0.saturatingAdding($1) } }

    /// Bytes that take link time on a full-duplex link: the larger party's for a
    /// simultaneous exchange, both parties' for a sequential one.
    @inlinable public var fullDuplexBytes: Int { simultaneous ? bytesSent.max() ?? 0 : totalBytes }

    /// Its rounds in round trips: half a round trip each for one-way rounds.
    @inlinable public var roundTrips: Double { Double(rounds) * (oneWayRounds ? 0.5 : 1) }
}
