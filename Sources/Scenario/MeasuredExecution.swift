import CostModel
import Foundation
import TwoParty

/// What a run over a real transport measured: each party's socket counters and the wall
/// time, beside the ledger's counts and the latency the model predicts.
public struct MeasuredExecution: Sendable, Codable, Equatable {
    /// The transport ("tcp").
    public var transport: String
    /// Protocol payload bytes each party wrote to its socket (party 0, party 1): what the
    /// ledger's bytes sent per party must equal.
    public var bytesSent: [Int]
    /// Protocol frames each party wrote: one flight per round.
    public var flights: [Int]
    /// Every byte each party wrote: protocol frames with their 9-byte headers, the
    /// simulator-only frames (reconstructions for measuring error), handshake and closing.
    public var wireBytesSent: [Int]
    /// Wall seconds of each party's two-party computation (input sharing to the reveal of
    /// the output; the clear reference pass and weight generation are not in it).
    public var wallSeconds: [Double]
    /// Where correlated randomness came from: "seeded" (the trusted-first-party layout,
    /// derived by the parties; not secure) or "dealer" (the dealer process).
    public var correlations = "seeded"
    /// Dealer mode: payload bytes each party received from the dealer (offline).
    public var dealerBytesReceived: [Int]?

    /// The computation's wall time: the slower party's.
    public var wall: Double { wallSeconds.max() ?? 0 }

    enum CodingKeys: String, CodingKey {
        case transport, flights
        case bytesSent = "bytes_sent", wireBytesSent = "wire_bytes_sent", wallSeconds = "wall_s", correlations
        case dealerBytesReceived = "dealer_bytes_received"
    }

    /// Exchanges both parties' counters in the closing frame and returns the measurement
    /// (the same on both sides).
    ///
    /// - Parameters:
    ///   - before: the counters when the computation started.
    ///   - dealerBytes: dealer mode: the bytes this party received from the dealer in the computation.
    public static func close(_ transport: any Transport, role: Int, before: TransportCounters, wallSeconds: Double,
                             dealerBytes: Int? = nil) throws(TransportError) -> MeasuredExecution {
        let c = transport.counters
        let mine: [UInt64] = [c.protocolBytesSent - before.protocolBytesSent, c.flights - before.flights,
                              c.wireBytesSent - before.wireBytesSent].map { UInt64($0) } + [wallSeconds.bitPattern, dealerBytes.map { UInt64($0) } ?? .max]
        let theirs = try transport.exchange(mine, bytesPerWord: 8, kind: .closing).words
        let byParty = role == 0 ? [mine, theirs] : [theirs, mine]
        func count(_ w: UInt64) -> Int { Int(clamping: w) }
        var m = MeasuredExecution(transport: "tcp", bytesSent: byParty.map { count($0[0]) }, flights: byParty.map { count($0[1]) },
                                  wireBytesSent: byParty.map { count($0[2]) }, wallSeconds: byParty.map { Double(bitPattern: $0[3]) })
        if dealerBytes != nil {
            m.correlations = "dealer"
            m.dealerBytesReceived = byParty.map { $0[4] == .max ? 0 : count($0[4]) }
        }
        return m
    }
}

extension ProtocolProfile {
    /// Why this profile cannot run as two parties over a real transport (nil: it can):
    /// every step must be executed on shares, with words the wire carries whole.
    public var realTransportRefusal: String? {
        if ckks != nil { return "\(name) is a CKKS profile: one party computes on ciphertexts, there are no two share-holding parties to split" }
        if fieldModulus != nil { return "\(name) shares over a prime field, whose backend holds both parties together" }
        let s = settings
        for (step, cost) in [("comparison", s.comparisonCost), ("equality", s.equalityCost), ("multiplication", s.multiplicationCost),
                             ("square", s.squareCost), ("truncation", s.truncationCost)] where cost != nil {
            return "\(name) prices its \(step) from a formula (its messages are not executed), so no real transport can carry them"
        }
        if case .beaver = linear {} else { return "\(name) prices its linear layers from a formula (HE or masked wires), so no real transport can carry them" }
        guard s.wireBytesPerElement == 8 else {
            return "\(name) counts \(s.wireBytesPerElement)-byte elements; the TCP transport carries the engine's 64-bit words (8 bytes)"
        }
        return nil
    }
}
