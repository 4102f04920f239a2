/// A network between the two parties: bandwidth, round-trip time and whether the link
/// carries both directions at once, with the source of the figures.
///
/// Latency = round trips + transfer + compute, each term reported. An opening's round (both
/// parties send at once, then read) costs the one-way delay RTT/2 — measured over an emulated
/// link, `examples/emulated_network.py` — and every other round a whole RTT. On a full-duplex link
/// (each direction has the whole bandwidth: a switched Ethernet or TCP link, `tc` shaping
/// each egress) transfer is Σ over exchanges of the larger party's bytes × 8 ÷ bandwidth,
/// or both parties' bytes for an exchange whose messages follow one another
/// (`CostEvent.simultaneous`); on a half-duplex link (one shared medium) it is all bytes
/// sent by both × 8 ÷ bandwidth.
public struct NetworkModel: Sendable, Hashable, Codable {
    /// Whether the two directions share the bandwidth.
    public enum Duplex: String, Sendable, Hashable, Codable, CaseIterable {
        /// Each direction has the full bandwidth: transfer = max over parties of bytes sent.
        case full
        /// The directions share it: transfer = bytes sent by both parties.
        case half
    }

    public var name: String
    /// Bits per second, in each direction (full duplex) or shared (half duplex).
    public var bandwidthBitsPerSecond: Double
    /// Round-trip time in seconds.
    public var roundTripSeconds: Double
    public var duplex: Duplex
    /// Where the setting comes from.
    public var source: String

    /// - Throws: `CostModelError.invalidNetwork` for a bandwidth outside `bandwidthRange` or
    ///   an RTT outside `roundTripRange`.
    public init(name: String, bandwidthBitsPerSecond: Double, roundTripSeconds: Double, duplex: Duplex = .full,
                source: String) throws(CostModelError) {
        guard Self.bandwidthRange.contains(bandwidthBitsPerSecond) else {
            throw .invalidNetwork("bandwidth must be 1 kbit/s … 10 Tbit/s (0.001 … 10^7 Mbps), got \(bandwidthBitsPerSecond / 1e6) Mbps")
        }
        guard Self.roundTripRange.contains(roundTripSeconds) else {
            throw .invalidNetwork("round-trip time must be 0 … 60 s (0 … 60,000 ms), got \(roundTripSeconds * 1000) ms")
        }
        self.name = name
        self.bandwidthBitsPerSecond = bandwidthBitsPerSecond
        self.roundTripSeconds = roundTripSeconds
        self.duplex = duplex
        self.source = source
    }

    /// Bandwidths a run may assume, in bit/s: 1 kbit/s (slower is no network) to 10 Tbit/s.
    public static let bandwidthRange: ClosedRange<Double> = 1e3...1e13
    /// Round-trip times, in seconds: 0 (shared memory) to a minute.
    public static let roundTripRange: ClosedRange<Double> = 0...60

    private init(preset name: String, mbps: Double, rttMilliseconds: Double, source: String) {
        self.name = name
        bandwidthBitsPerSecond = mbps * 1e6
        roundTripSeconds = rttMilliseconds / 1000
        duplex = .full
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

    /// Both parties on one machine over loopback, as the peers were measured: no delay and
    /// no link time (10 Tbit/s), so latency is the profile's compute figures, which were
    /// timed on loopback and include its copying.
    public static let localhost = NetworkModel(preset: "localhost", mbps: 1e7, rttMilliseconds: 0,
                                               source: "loopback: zero delay, link time inside the profile's measured compute figures")

    /// The named presets.
    public static let presets: [NetworkModel] = [.lan, .wan, .cheetahLAN, .cheetahWAN, .localhost]

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
        let trips = batched ? totals.batchedRoundTrips : totals.roundTripsSequential
        let bytes = duplex == .full ? totals.fullDuplexBytes : totals.bytes
        return LatencyBreakdown(roundTrips: trips * roundTripSeconds,
                                transfer: Double(bytes) * 8 / bandwidthBitsPerSecond,
                                compute: totals.computeSeconds)
    }

    /// What the latency figures of this network add up, for table headers and reports.
    public var latencyConvention: String {
        let transfer = duplex == .full ? "(larger party's bytes per exchange)" : "(bytes sent by both parties)"
        return "latency = openings × RTT/2 + other rounds × RTT + \(transfer) × 8 ÷ bandwidth (\(duplex.rawValue) duplex) + compute"
    }
}

/// Latency in seconds, term by term.
public struct LatencyBreakdown: Sendable, Hashable, Codable {
    /// Round trips × RTT (an opening's round is half of one: `CostEvent.oneWayRounds`).
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
