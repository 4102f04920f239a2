import CostModel
import Foundation

/// How the two parties of a two-party execution run.
public enum PartyExecution: String, Sendable, CaseIterable {
    /// Both parties in one thread, their shares side by side (`PartyView.both`).
    case oneThread = "one-thread"
    /// Each party on its own thread, one engine each, joined by an `InProcessTransport`:
    /// what a real run computes, on both cores.
    case threads
    /// Each party its own process, over TCP (`pisim party`; `pisim run --transport tcp`
    /// starts both on localhost).
    case tcp
}

/// Runs a computation as two parties on two threads joined by an in-process transport,
/// each with its own engine and ledger, and returns both parties' results.
public enum PartyThreads {
    /// Stack of each party's thread (the model code recurses little, but keeps large frames).
    static let stackSize = 64 << 20

    /// - Parameters:
    ///   - settings: the profile's settings (with the run's seed).
    ///   - body: one party's computation on its engine (party 0 runs on the calling thread).
    /// - Returns: party 0's and party 1's results, and their engines (ledgers, counters).
    /// - Throws: the settings' `TwoPartyError`.
    public static func run<R>(settings: TwoPartySettings, _ body: @escaping @Sendable (TwoPartyEngine) -> R) throws(TwoPartyError)
        -> (results: (R, R), engines: (TwoPartyEngine, TwoPartyEngine)) {
        let (t0, t1) = InProcessTransport.pair()
        let e0 = try TwoPartyEngine(settings: settings, ledger: CostLedger(), view: .party(0), transport: t0)
        let e1 = try TwoPartyEngine(settings: settings, ledger: CostLedger(), view: .party(1), transport: t1)
        let party1 = JoinableThread { () -> R in
            let r = body(e1)
            t1.close()
            return r
        }
        let r0 = body(e0)
        t0.close()
        return ((r0, party1.join()), (e0, e1))
    }
}

/// A computation on a thread of its own (64 MiB of stack) whose result `join` waits for:
/// party 1 of a threaded run, the exact reference beside a private run.
public final class JoinableThread<R>: @unchecked Sendable {
    let done = NSCondition()
    var value: R?

    public init(_ body: @escaping () -> R) {
        nonisolated(unsafe) let run = body
        let thread = Thread { [self] in
            let r = run()
            done.lock()
            value = r
            done.broadcast()
            done.unlock()
        }
        thread.stackSize = PartyThreads.stackSize
        thread.start()
    }

    /// The result, once the thread has finished (the lock orders its write before this read).
    public func join() -> R {
        done.lock()
        defer { done.unlock() }
        while value == nil { done.wait() }
        return value!  // unreachable as nil: the loop waits until it is set
    }
}

/// Where the parties of one two-party computation run, as a run request carries it.
public enum PartyHosting: Sendable {
    /// Both in this thread (`PartyView.both`).
    case oneThread
    /// One thread each in this process.
    case threads
    /// This process is one party; the other is across `transport` (TCP, `pisim party`);
    /// with `dealer`, correlated randomness comes from the dealer process.
    case party(Int, any Transport, dealer: DealerLink? = nil)

    public var execution: PartyExecution {
        switch self {
        case .oneThread: .oneThread
        case .threads: .threads
        case .party: .tcp
        }
    }

    /// Runs `body` as the parties this hosting asks for.
    ///
    /// - Returns: the result and engine of the party that reports: party 0 in this
    ///   process, or this process's own party.
    /// - Throws: the settings' `TwoPartyError`.
    ///   `seconds` is the wall time of `body` in the reporting party (over TCP, the
    ///   protocol's wall time as this party saw it).
    public func run<R>(settings: TwoPartySettings, _ body: @escaping (TwoPartyEngine) -> R) throws(TwoPartyError)
        -> (result: R, engine: TwoPartyEngine, seconds: Double) {
        switch self {
        case .oneThread:
            let engine = try TwoPartyEngine(settings: settings)
            return Self.timed(engine) { body(engine) }
        case .threads:
            nonisolated(unsafe) let unsafeBody = body
            let started = Date()
            let run = try PartyThreads.run(settings: settings) { unsafeBody($0) }
            return (run.results.0, run.engines.0, Date().timeIntervalSince(started))
        case let .party(p, transport, dealer):
            let engine = try TwoPartyEngine(settings: settings, view: .party(p), transport: transport, dealerLink: dealer)
            return Self.timed(engine) { body(engine) }
        }
    }

    static func timed<R>(_ engine: TwoPartyEngine, _ body: () -> R) -> (result: R, engine: TwoPartyEngine, seconds: Double) {
        let started = Date()
        let r = body()
        return (r, engine, Date().timeIntervalSince(started))
    }
}
