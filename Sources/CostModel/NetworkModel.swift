/// A network between the two parties: bandwidth and round-trip time, with the source of
/// the figures. Latency = rounds × RTT + bytes ÷ bandwidth + compute; each term is reported.
public struct NetworkModel: Sendable, Hashable, Codable {
    public var name: String
    /// Bits per second.
    public var bandwidthBitsPerSecond: Double
    /// Round-trip time in seconds.
    public var roundTripSeconds: Double
    /// Where the setting comes from.
    public var source: String

    /// - Throws: `CostModelError.invalidNetwork` for a non-positive bandwidth or a negative RTT.
    public init(name: String, bandwidthBitsPerSecond: Double, roundTripSeconds: Double, source: String) throws(CostModelError) {
        guard bandwidthBitsPerSecond > 0, bandwidthBitsPerSecond.isFinite else {
            throw .invalidNetwork("bandwidth must be positive, got \(bandwidthBitsPerSecond) bit/s")
        }
        guard roundTripSeconds >= 0, roundTripSeconds.isFinite else {
            throw .invalidNetwork("round-trip time must be ≥ 0, got \(roundTripSeconds) s")
        }
        self.name = name
        self.bandwidthBitsPerSecond = bandwidthBitsPerSecond
        self.roundTripSeconds = roundTripSeconds
        self.source = source
    }

    private init(preset name: String, mbps: Double, rttMilliseconds: Double, source: String) {
        self.name = name
        bandwidthBitsPerSecond = mbps * 1e6
        roundTripSeconds = rttMilliseconds / 1000
        self.source = source
    }

    /// 3 Gbps, 0.8 ms: the LAN of BOLT-style evaluations (Nimbus Table 6, SecP-Tuning).
    public static let lan = NetworkModel(preset: "lan", mbps: 3000, rttMilliseconds: 0.8,
                                         source: "LAN 3 Gbps / 0.8 ms as used by Nimbus (NeurIPS 2024, Table 6) and SecP-Tuning")
    /// 100 Mbps, 80 ms: AERO's WAN (Jha & Reagen; EGA arXiv 2501.03489 §5: "bandwidth:100Mbps, latency:80ms").
    public static let wan = NetworkModel(preset: "wan", mbps: 100, rttMilliseconds: 80,
                                         source: "WAN 100 Mbps / 80 ms, AERO/EGA PI setting (arXiv 2501.03489 §5)")
    /// Cheetah's LAN: `tbf rate 3000mbit`, netem 0.15 ms (≈0.3 ms ping), OpenCheetah scripts/throttle.sh.
    public static let cheetahLAN = NetworkModel(preset: "cheetah-lan", mbps: 3000, rttMilliseconds: 0.3,
                                                source: "OpenCheetah scripts/throttle.sh: 3000 mbit, ≈0.3 ms ping")
    /// Cheetah's WAN: `tbf rate 400mbit`, netem 20 ms (≈40 ms ping).
    public static let cheetahWAN = NetworkModel(preset: "cheetah-wan", mbps: 400, rttMilliseconds: 40,
                                                source: "OpenCheetah scripts/throttle.sh: 400 mbit, ≈40 ms ping")

    /// The named presets.
    public static let presets: [NetworkModel] = [.lan, .wan, .cheetahLAN, .cheetahWAN]

    /// The preset called `name`.
    ///
    /// - Throws: `CostModelError.unknownNetwork` listing the presets.
    public static func preset(named name: String) throws(CostModelError) -> NetworkModel {
        guard let n = presets.first(where: { $0.name == name }) else {
            throw .unknownNetwork(name, known: presets.map(\.name))
        }
        return n
    }

    /// The latency of `totals` on this network.
    public func latency(of totals: CostTotals, batched: Bool = true) -> LatencyBreakdown {
        let rounds = Double(batched ? totals.batchedRounds : totals.rounds)
        return LatencyBreakdown(roundTrips: rounds * roundTripSeconds,
                                transfer: Double(totals.bytes) * 8 / bandwidthBitsPerSecond,
                                compute: totals.computeSeconds)
    }
}

/// Latency in seconds, term by term.
public struct LatencyBreakdown: Sendable, Hashable, Codable {
    /// rounds × RTT.
    public var roundTrips: Double
    /// bytes × 8 ÷ bandwidth.
    public var transfer: Double
    /// Profile-charged computation.
    public var compute: Double
    public var total: Double { roundTrips + transfer + compute }
}

/// Errors of the cost model.
public enum CostModelError: Error, Equatable, CustomStringConvertible {
    case invalidNetwork(String)
    case unknownNetwork(String, known: [String])

    public var description: String {
        switch self {
        case let .invalidNetwork(why): "invalid network: \(why)"
        case let .unknownNetwork(name, known): "unknown network '\(name)'; presets: \(known.joined(separator: ", "))"
        }
    }
}
