import Foundation

/// What a transport could not do: the peer went away, sent a malformed frame, did not
/// answer in time, or runs a different computation.
public struct TransportError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// What a frame carries. Only `protocolStep` frames are the protocol's messages (what the
/// ledger counts); the others exist because PISim is also a simulator and a test harness.
public enum FrameKind: UInt8, Sendable {
    /// An opening of masked shares: one flight of one round.
    case protocolStep = 1
    /// A reconstruction only the simulator does (measuring error, ideal functionalities).
    case simulator = 2
    /// The connection handshake (role, format version, hash of the computation).
    case hello = 3
    /// The closing exchange (each party's counters, for the report).
    case closing = 4
    /// A request to the dealer, or the dealer's answer: a party's shares of correlated
    /// randomness (offline communication).
    case dealer = 5
}

/// One party's side of a transport, counted as it is written and read.
public struct TransportCounters: Sendable, Equatable, Codable {
    /// Payload bytes of protocol frames written and read.
    public var protocolBytesSent = 0
    public var protocolBytesReceived = 0
    /// Protocol frames written: message flights.
    public var flights = 0
    /// Every byte written to the link: protocol payloads, frame headers, simulator-only
    /// frames, handshake and closing (0 for the in-process transport, which has no wire).
    public var wireBytesSent = 0
    /// Payload bytes of simulator-only frames written.
    public var simulatorBytesSent = 0
    /// Payload bytes of every frame read.
    public var payloadBytesReceived = 0

    public init() {}
}

/// One exchanged flight: the peer's words and what crossed in each direction.
public struct Flight: Sendable {
    public var words: [UInt64]
    /// Payload bytes this party wrote and read.
    public var bytesSent: Int
    public var bytesReceived: Int
}

/// What carries one party's messages to the other. An exchange is one flight each way:
/// both parties send their frame and then read the other's, as the opening of masked
/// values in a round does.
public protocol Transport: AnyObject, Sendable {
    /// Sends `words` (`bytesPerWord` little-endian bytes each) and returns the peer's
    /// frame of the same flight, which must hold the same number of words.
    func exchange(_ words: [UInt64], bytesPerWord: Int, kind: FrameKind) throws(TransportError) -> Flight
    /// This party's counters so far.
    var counters: TransportCounters { get }
    /// Tells the peer that this party is done (a peer still waiting fails instead of hanging).
    func close()
}

/// The two parties as two threads of one process: a frame is handed over in memory (no
/// copy, no encoding), and counted as the bytes a wire would carry.
public final class InProcessTransport: Transport, @unchecked Sendable {
    /// The mailboxes both ends share.
    final class Mailboxes: @unchecked Sendable {
        let condition = NSCondition()
        var inbox: [[[UInt64]]] = [[], []]
        var closed = [false, false]
    }

    let boxes: Mailboxes
    let me: Int
    /// Seconds a party waits for its peer's frame before failing.
    let timeout: Double
    var tally = TransportCounters()

    init(boxes: Mailboxes, me: Int, timeout: Double) {
        self.boxes = boxes
        self.me = me
        self.timeout = timeout
    }

    /// Two connected ends: party 0's and party 1's.
    public static func pair(timeout: Double = 3600) -> (InProcessTransport, InProcessTransport) {
        let boxes = Mailboxes()
        return (InProcessTransport(boxes: boxes, me: 0, timeout: timeout), InProcessTransport(boxes: boxes, me: 1, timeout: timeout))
    }

    public var counters: TransportCounters { tally }

    public func exchange(_ words: [UInt64], bytesPerWord: Int, kind: FrameKind) throws(TransportError) -> Flight {
        let peer = 1 - me
        let c = boxes.condition
        c.lock()
        defer { c.unlock() }
        guard !boxes.closed[peer] else { throw TransportError("party \(peer) finished while party \(me) still had a \(kind) frame to exchange") }
        boxes.inbox[peer].append(words)
        c.broadcast()
        let deadline = Date(timeIntervalSinceNow: timeout)
        while boxes.inbox[me].isEmpty {
            if boxes.closed[peer] { throw TransportError("party \(peer) finished without sending its \(kind) frame") }
            if !c.wait(until: deadline) && boxes.inbox[me].isEmpty {
                throw TransportError("party \(peer) sent nothing for \(Int(timeout)) s")
            }
        }
        let theirs = boxes.inbox[me].removeFirst()
        guard theirs.count == words.count else {
            throw TransportError("party \(peer) sent \(theirs.count) words where party \(me) sent \(words.count): the parties run different computations")
        }
        let sent = words.count * bytesPerWord
        if kind == .protocolStep {
            tally.protocolBytesSent += sent
            tally.protocolBytesReceived += sent
            tally.flights += 1
        } else if kind == .simulator {
            tally.simulatorBytesSent += sent
        }
        return Flight(words: theirs, bytesSent: sent, bytesReceived: theirs.count * bytesPerWord)
    }

    public func close() {
        boxes.condition.lock()
        boxes.closed[me] = true
        boxes.condition.broadcast()
        boxes.condition.unlock()
    }
}
