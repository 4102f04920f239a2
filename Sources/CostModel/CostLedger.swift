/// Collects the cost events of a run under nested scopes.
///
/// Backends record at the one place where a cost arises (where shares are opened, where a
/// ciphertext is rescaled); model code only opens scopes: `ledger.scope("softmax") { … }`.
/// Reports aggregate by scope prefix, by nonlinearity and by layer.
public final class CostLedger: @unchecked Sendable {
    public private(set) var events: [CostEvent] = []
    private var scopeStack: [String] = []
    private var parallelStack: [(group: Int, branch: Int)] = []
    private var nextGroup = 0

    /// When set, every recorded event is charged its compute seconds here, the one place
    /// where events enter the ledger (two-party profiles; HE backends charge their own).
    public var computeModel: ComputeModel?

    public init(computeModel: ComputeModel? = nil) {
        self.computeModel = computeModel
    }

    /// The current scope path.
    public var currentScope: [String] { scopeStack }

    /// Runs `body` inside a scope named `name` (nested under the current one).
    public func scope<T>(_ name: String, _ body: () throws -> T) rethrows -> T {
        scopeStack.append(name)
        defer { scopeStack.removeLast() }
        return try body()
    }

    /// Runs independent branches that a real scheduler would overlap: their bytes add up,
    /// but in the batched round count only the longest branch counts. Both counts are
    /// reported (`Totals.rounds` and `Totals.batchedRounds`).
    public func parallel<T>(_ branches: [() -> T]) -> [T] {
        let group = nextGroup
        nextGroup += 1
        var results = [T]()
        for (i, branch) in branches.enumerated() {
            parallelStack.append((group, i))
            defer { parallelStack.removeLast() }
            results.append(branch())
        }
        return results
    }

    /// Records an event under the current scope.
    public func record(_ event: CostEvent) {
        var e = event
        e.scope = scopeStack
        if let model = computeModel { e.computeSeconds += model.seconds(for: e) }
        if let top = parallelStack.first {
            // Nested parallel blocks batch at the outermost level.
            e.parallelGroup = top.group
            e.parallelBranch = top.branch
        }
        events.append(e)
    }

    /// Removes every event.
    public func reset() {
        events.removeAll()
    }

    /// Totals over the events whose scope starts with `prefix` (all events by default).
    public func totals(under prefix: [String] = []) -> CostTotals {
        CostTotals(events.filter { $0.scope.starts(with: prefix) })
    }

    /// Totals per value of scope component `index` (e.g. index 0 = per layer when scopes
    /// are ["layer0", …]), in first-seen order.
    public func totals(byScopeComponent index: Int) -> [(name: String, totals: CostTotals)] {
        group { $0.scope.count > index ? $0.scope[index] : nil }
    }

    /// Totals per scope name that appears anywhere in the path and is one of `names`
    /// (e.g. the nonlinearities "softmax", "gelu", "layernorm"): the outermost match wins,
    /// so a "relu" inside "relu-softmax" is part of the softmax variant.
    public func totals(byNames names: Set<String>) -> [(name: String, totals: CostTotals)] {
        group { e in e.scope.first(where: { names.contains($0) }) }
    }

    /// Totals per full scope path (joined with "/").
    public func totalsByPath() -> [(name: String, totals: CostTotals)] {
        group { $0.scope.joined(separator: "/") }
    }

    /// Totals per `key(event)` (events whose key is nil are left out), in first-seen order.
    public func totals(by key: (CostEvent) -> String?) -> [(name: String, totals: CostTotals)] { group(key) }

    private func group(_ key: (CostEvent) -> String?) -> [(name: String, totals: CostTotals)] {
        var order = [String](), buckets = [String: [CostEvent]]()
        for e in events {
            guard let k = key(e) else { continue }
            if buckets[k] == nil { order.append(k) }
            buckets[k, default: []].append(e)
        }
        return order.map { ($0, CostTotals(buckets[$0] ?? [])) }
    }
}

/// Sums of a set of cost events.
public struct CostTotals: Sendable, Hashable, Codable {
    /// Bytes on the wire, both directions.
    public var bytes = 0
    /// Bytes sent by party 0 (the client) and party 1 (the server).
    public var bytesSent = [0, 0]
    /// Bytes that take link time on a full-duplex link (`CostEvent.fullDuplexBytes`, summed).
    public var fullDuplexBytes = 0
    /// Rounds with every operation sequential.
    public var rounds = 0
    /// Rounds when each parallel group costs only its longest branch.
    public var batchedRounds = 0
    /// The latency of the rounds in round trips (`CostEvent.roundTrips`: an opening's round
    /// is half of one), batched like `batchedRounds`; `roundTripsSequential` unbatched.
    public var batchedRoundTrips = 0.0
    public var roundTripsSequential = 0.0
    public var multiplications = 0
    public var offlineBytes = 0
    public var elements = 0
    public var operations = 0
    /// Deepest level any operation reached (HE: levels consumed).
    public var depth = 0
    public var rotations = 0
    public var bootstraps = 0
    public var rescales = 0
    public var computeSeconds = 0.0
    /// Multiply-accumulates of local matrix products.
    public var multiplyAccumulates = 0

    public init() {}

    public init(_ events: [CostEvent]) {
        var branchRounds = [Int: [Int: Int]]()
        var branchTrips = [Int: [Int: Double]]()
        for e in events {
            for (i, b) in e.bytesSent.enumerated() {
                if i < bytesSent.count { bytesSent[i] = bytesSent[i].saturatingAdding(b) } else { bytesSent.append(b) }
                bytes = bytes.saturatingAdding(b)
            }
            fullDuplexBytes = fullDuplexBytes.saturatingAdding(e.fullDuplexBytes)
            rounds = rounds.saturatingAdding(e.rounds)
            multiplications = multiplications.saturatingAdding(e.multiplications)
            offlineBytes = offlineBytes.saturatingAdding(e.offlineBytes)
            elements = elements.saturatingAdding(e.elements)
            operations += 1
            depth = max(depth, e.depth)
            rotations = rotations.saturatingAdding(e.rotations)
            bootstraps = bootstraps.saturatingAdding(e.bootstraps)
            rescales = rescales.saturatingAdding(e.rescales)
            computeSeconds += e.computeSeconds
            multiplyAccumulates = multiplyAccumulates.saturatingAdding(e.multiplyAccumulates)
            roundTripsSequential += e.roundTrips
            if let g = e.parallelGroup, let b = e.parallelBranch {
                branchRounds[g, default: [:]][b, default: 0] = branchRounds[g, default: [:]][b, default: 0].saturatingAdding(e.rounds)
                branchTrips[g, default: [:]][b, default: 0] += e.roundTrips
            } else {
                batchedRounds = batchedRounds.saturatingAdding(e.rounds)
                batchedRoundTrips += e.roundTrips
            }
        }
        for (_, branches) in branchRounds { batchedRounds = batchedRounds.saturatingAdding(branches.values.max() ?? 0) }
        for g in branchTrips.keys.sorted() { batchedRoundTrips += branchTrips[g]?.values.max() ?? 0 }
    }

    /// Counts at or above this are reported as too large: 2^62, half of `Int.max`, so any
    /// figure that saturated on the way (or would overflow when two reports are added) is caught.
    public static let saturationLimit = 1 << 62

    /// The counters that reached `saturationLimit` ("communication", "rounds", …); empty
    /// for every run whose figures are exact.
    public var saturatedCounters: [String] {
        [("communication bytes", bytes), ("offline bytes", offlineBytes), ("rounds", rounds), ("multiplications", multiplications),
         ("elements", elements), ("rotations", rotations), ("bootstraps", bootstraps), ("rescales", rescales)]
            .filter { $0.1 >= Self.saturationLimit }.map(\.0) + (computeSeconds.isFinite ? [] : ["compute seconds"])
    }
}
