import Backend
import CostModel
import Foundation

/// The one place where shares cross between the parties. Every opening of masked values is
/// counted here, as a real implementation would send it: each party sends its share of
/// every opened element, `wireBytesPerElement` bytes each, and a batch of openings is one
/// round. Nothing else in the engine records communication.
public final class Channel: @unchecked Sendable {
    /// The event kinds the two-party engines record (openings, analytic charges and the
    /// dealer's `offline-` generation), for profiles that price them (`ComputeModel`).
    /// Analytic nonlinearities are recorded under their catalog function name.
    /// "invocation" is the start of one operation's run (recorded by `pisim op`).
    public static let eventKinds = ["invocation", "local", "reveal", "mul", "square", "select", "matmul", "linear", "and", "a2b", "b2a", "eq", "ltz", "normalize", "truncate",
                                    "offline-triple", "offline-square", "offline-matrix-triple", "offline-and-triple",
                                    "offline-random-bit", "offline-truncation-pair"]

    public let ledger: CostLedger
    /// Bytes each party sends per opened element (CrypTen: 8, whatever the ring; a
    /// bit-packing implementation: ⌈k/8⌉ or less for bits).
    public let wireBytesPerElement: Int
    /// Bytes per opened element when only single bits are opened (B2A of a bit); CrypTen
    /// still sends a whole 8-byte word.
    public let wireBytesPerBit: Int

    /// When set, every opened array is kept: the view both parties get (tests check that
    /// it is independent of the secrets).
    public var transcript: [[UInt64]]?

    /// The parties this process holds, and for one party the transport to the other.
    public let view: PartyView
    public let transport: (any Transport)?
    /// What a party does when its transport fails mid-protocol (the backend interface does
    /// not throw): by default it prints the reason and exits with status 3.
    public var onTransportFailure: @Sendable (TransportError) -> Never = Channel.exitOnFailure

    /// - Parameters:
    ///   - view: `.both` (simulated in one thread, no transport) or `.party(p)` with `transport`.
    public init(ledger: CostLedger, wireBytesPerElement: Int = 8, wireBytesPerBit: Int = 8, view: PartyView = .both,
                transport: (any Transport)? = nil) {
        self.ledger = ledger
        self.wireBytesPerElement = wireBytesPerElement
        self.wireBytesPerBit = wireBytesPerBit
        self.view = view
        self.transport = transport
    }

    /// The default transport failure: a clear message on stderr and a non-zero exit.
    public static let exitOnFailure: @Sendable (TransportError) -> Never = { error in
        FileHandle.standardError.write(Data("pisim: error: \(error.description)\n".utf8))
        exit(3)
    }

    /// One flight over the transport (a view of one party only).
    func flight(_ words: [UInt64], bytesPerWord: Int, kind: FrameKind) -> Flight {
        guard let transport else { onTransportFailure(TransportError("a one-party view has no transport")) }
        do { return try transport.exchange(words, bytesPerWord: bytesPerWord, kind: kind) } catch { onTransportFailure(error) }
    }

    /// Opens arrays of ring words or XOR-shared words in one round. With both parties in
    /// this process the shares are combined in memory; with one, this party's shares of all
    /// the arrays go to the peer in one frame and the peer's come back. The ledger records
    /// the bytes each party put on the transport (both views record the same counts).
    ///
    /// - Parameters:
    ///   - parts: (party 0 shares, party 1 shares) per opened array; the share of a party
    ///     this view does not hold is empty.
    public func open(_ kind: String, _ parts: [([UInt64], [UInt64])], bitsOnly: Bool = false, multiplications: Int = 0,
                     multiplyAccumulates: Int = 0, combine: (UInt64, UInt64) -> UInt64) -> [[UInt64]] {
        guard case .party(let me) = view else {
            return openTogether(kind, parts, bitsOnly: bitsOnly, multiplications: multiplications,
                                multiplyAccumulates: multiplyAccumulates, combine: combine)
        }
        let mine = parts.map { me == 0 ? $0.0 : $0.1 }
        let perElement = bitsOnly ? wireBytesPerBit : wireBytesPerElement
        let f = flight(mine.count == 1 ? mine[0] : mine.flatMap { $0 }, bytesPerWord: perElement, kind: .protocolStep)
        var opened = [[UInt64]]()
        opened.reserveCapacity(mine.count)
        var offset = 0
        f.words.withUnsafeBufferPointer { theirs in
            for a in mine {
                var out = [UInt64](repeating: 0, count: a.count)
                a.withUnsafeBufferPointer { pa in
                    // Combine in party order (both combinations used here commute anyway).
                    for i in 0..<pa.count { out[i] = me == 0 ? combine(pa[i], theirs[offset + i]) : combine(theirs[offset + i], pa[i]) }
                }
                offset += a.count
                opened.append(out)
            }
        }
        transcript?.append(contentsOf: opened)
        var sent = [0, 0]
        sent[me] = f.bytesSent
        sent[1 - me] = f.bytesReceived
        var e = CostEvent(kind: kind, elements: offset, bytesSent: sent, rounds: 1, multiplications: multiplications,
                          multiplyAccumulates: multiplyAccumulates)
        e.oneWayRounds = true
        ledger.record(e)
        return opened
    }

    /// The clear sum of a shared array mod `mask + 1` as only a simulator can have it: a
    /// one-party view swaps shares with its peer in a simulator-only frame, which the
    /// ledger does not count (measuring error is not part of the protocol).
    public func reconstructWords(_ shares: ([UInt64], [UInt64]), mask: UInt64) -> [UInt64] {
        guard case .party(let me) = view else { return zip(shares.0, shares.1).map { ($0 &+ $1) & mask } }
        let mine = me == 0 ? shares.0 : shares.1
        let theirs = flight(mine, bytesPerWord: 8, kind: .simulator).words
        return zip(mine, theirs).map { ($0 &+ $1) & mask }
    }

    /// Opens several masked arrays in one round: returns, for each, the element-wise
    /// combination of the two parties' shares with `combine` (addition mod 2^k for
    /// arithmetic shares, XOR for binary shares).
    ///
    /// - Parameters:
    ///   - kind: what the opening is for ("mul", "and", "b2a", …): the ledger's event kind.
    ///   - parts: (party 0 shares, party 1 shares) per opened array.
    ///   - bitsOnly: the opened values are single bits (charged `wireBytesPerBit`).
    ///   - multiplications: Beaver multiplications this opening consumes (for reports).
    ///   - multiplyAccumulates: local matrix-product work that follows the opening (compute).
    /// Both parties' shares are in this process (`view == .both`; a prime-field backend).
    public func openTogether<Element>(_ kind: String, _ parts: [([Element], [Element])], bitsOnly: Bool = false, multiplications: Int = 0,
                                      multiplyAccumulates: Int = 0, combine: (Element, Element) -> Element) -> [[Element]] {
        var elements = 0
        var opened = [[Element]]()
        opened.reserveCapacity(parts.count)
        for (a, b) in parts {
            elements += a.count
            var out = [Element]()
            out.reserveCapacity(a.count)
            a.withUnsafeBufferPointer { pa in b.withUnsafeBufferPointer { pb in
                for i in 0..<pa.count { out.append(combine(pa[i], pb[i])) }
            } }
            opened.append(out)
        }
        if let words = opened as? [[UInt64]] { transcript?.append(contentsOf: words) }
        recordOpening(kind, elements: elements, bitsOnly: bitsOnly, multiplications: multiplications,
                      multiplyAccumulates: multiplyAccumulates)
        return opened
    }

    /// The accounting of one opening of `elements` values in one round: each party sends its
    /// share of each. `open` calls this; a cost-only estimate calls it directly with the same counts.
    public func recordOpening(_ kind: String, elements: Int, bitsOnly: Bool = false, multiplications: Int = 0,
                              multiplyAccumulates: Int = 0) {
        let perParty = elements.saturatingMultiplying(bitsOnly ? wireBytesPerBit : wireBytesPerElement)
        var e = CostEvent(kind: kind, elements: elements, bytesSent: [perParty, perParty], rounds: 1,
                          multiplications: multiplications, multiplyAccumulates: multiplyAccumulates)
        e.oneWayRounds = true
        ledger.record(e)
    }

    /// Records a local operation on shares (an addition, a public product, a sum along an
    /// axis): nothing is sent, but a peer spends time on it, which a compute model prices.
    /// Both the engine's backend and the estimator record the same local operations.
    public func recordLocal(elements: Int) {
        ledger.record(CostEvent(kind: "local", elements: elements))
    }

    /// Records a primitive whose cost comes from a cited formula rather than an opening
    /// (an analytic protocol): its value is computed by the caller in the clear.
    public func charge(_ kind: String, elements: Int, bytesPerParty: Int, rounds: Int, offlineBytes: Int = 0) {
        charge(kind, elements: elements, bytesSent: [bytesPerParty, bytesPerParty], rounds: rounds, offlineBytes: offlineBytes)
    }

    /// An analytic primitive on `elements` elements, charged from its cited formula.
    public func charge(_ kind: String, _ cost: AnalyticCost, elements: Int, rowLength: Int = 1, truncatedBits: Int = 0) {
        let c = cost.evaluate(elements: elements, rowLength: rowLength, truncatedBits: truncatedBits)
        charge(kind, elements: elements, bytesSent: c.bytesSent, rounds: c.rounds, offlineBytes: c.offlineBytes)
    }

    /// An analytic charge with different byte counts per party (client first).
    /// `simultaneous`: both parties send at once in each round (cited interactive
    /// protocols); false when one party's messages answer the other's (an HE product).
    public func charge(_ kind: String, elements: Int, bytesSent: [Int], rounds: Int, offlineBytes: Int = 0, simultaneous: Bool = true,
                       multiplyAccumulates: Int = 0) {
        if transport is TCPTransport {
            onTransportFailure(TransportError("\(kind) is priced from a formula (its messages are not executed), so it cannot run over TCP; run it with --transport threads"))
        }
        var e = CostEvent(kind: kind, elements: elements, bytesSent: bytesSent, rounds: rounds, offlineBytes: offlineBytes,
                          multiplyAccumulates: multiplyAccumulates)
        e.simultaneous = simultaneous
        ledger.record(e)
    }
}
