/// Everyone waiting on a concurrent ``Log``: producers for their acknowledgement, producers
/// for room (back-pressure), flushes and closes, and the appends that failed while waiting for
/// a roll. Guarded by the committer's lock; what is taken out is resumed after the lock is
/// released (``Resumptions``).
struct Waiters {
    /// A producer waiting for `sequence` to be acknowledged; `ticket` names its append.
    struct Producer {
        var sequence: UInt64
        var ticket: UInt64
        var continuation: UnsafeContinuation<Void, any Error>
    }

    private(set) var producers: [Producer] = []
    private(set) var flushers: [UnsafeContinuation<Void, any Error>] = []
    private var forSpace: [UnsafeContinuation<Void, Never>] = []
    private var closers: [UnsafeContinuation<Void, any Error>] = []
    /// Appends whose records waited for a roll that failed: their ticket → the error.
    private var failedTickets: [UInt64: LogError] = [:]
    /// The last sequence assigned when the latest pending flush was called: once it is
    /// written the flush is served, even while producers keep staging.
    private(set) var flushTarget: UInt64 = 0

    var hasFlushers: Bool { !flushers.isEmpty }
    var spaceWaiterCount: Int { forSpace.count }

    mutating func addProducer(_ p: Producer) { producers.append(p) }
    mutating func addForSpace(_ c: UnsafeContinuation<Void, Never>) { forSpace.append(c) }
    mutating func addCloser(_ c: UnsafeContinuation<Void, any Error>) { closers.append(c) }

    mutating func addFlusher(_ c: UnsafeContinuation<Void, any Error>, target: UInt64) {
        flushers.append(c)
        flushTarget = max(flushTarget, target)
    }

    /// The error an append failed with while waiting for a roll, taken once.
    mutating func takeFailure(ticket: UInt64) -> LogError? { failedTickets.removeValue(forKey: ticket) }

    /// Moves the producers acknowledged through `sequence`, and everyone waiting for room
    /// (acknowledging frees some), into `r`.
    mutating func acknowledge(through sequence: UInt64, into r: inout Resumptions) {
        // Reserved (overflow) records make the waiting list not quite sorted: filter, not split.
        if producers.contains(where: { $0.sequence <= sequence }) {
            r.succeeded += producers.lazy.filter { $0.sequence <= sequence }.map(\.continuation)
            producers.removeAll { $0.sequence <= sequence }
        }
        releaseSpace(into: &r)
    }

    mutating func releaseSpace(into r: inout Resumptions) {
        r.space += forSpace
        forSpace = []
    }

    /// Moves every flusher into `r`, to succeed (`error` nil) or fail.
    mutating func takeFlushers(failing error: LogError?, into r: inout Resumptions) {
        if let error { r.failed += flushers.map { ($0, error) } } else { r.succeeded += flushers }
        flushers = []
        flushTarget = 0
    }

    /// Fails the appends named by `tickets` (their records waited for a roll that failed);
    /// an append not waiting yet finds its error when it comes to wait.
    mutating func fail(tickets: Set<UInt64>, with error: LogError, into r: inout Resumptions) {
        let victims = producers.filter { tickets.contains($0.ticket) }
        producers.removeAll { tickets.contains($0.ticket) }
        r.failed += victims.map { ($0.continuation, error) }
        for t in tickets where !victims.contains(where: { $0.ticket == t }) { failedTickets[t] = error }
    }

    /// A flush no longer waits for sequences that were given back.
    mutating func lowerFlushTarget(to sequence: UInt64) { flushTarget = min(flushTarget, sequence) }

    /// Fails every producer and flusher with `error`, and frees everyone waiting for room.
    mutating func failAll(with error: LogError, into r: inout Resumptions) {
        r.failed += producers.map { ($0.continuation, error) }
        producers = []
        takeFlushers(failing: error, into: &r)
        releaseSpace(into: &r)
    }

    /// Every closer, to be resumed with `result`.
    mutating func takeClosers(_ result: Result<Void, LogError>, into r: inout Resumptions) {
        switch result {
        case .success: r.succeeded += closers
        case .failure(let e): r.failed += closers.map { ($0, e) }
        }
        closers = []
    }
}

/// Continuations to resume, collected under the committer's lock and resumed after it is
/// released.
struct Resumptions {
    var succeeded: [UnsafeContinuation<Void, any Error>] = []
    var failed: [(UnsafeContinuation<Void, any Error>, LogError)] = []
    var space: [UnsafeContinuation<Void, Never>] = []

    var isEmpty: Bool { succeeded.isEmpty && failed.isEmpty && space.isEmpty }

    func run() {
        for c in succeeded { c.resume() }
        for (c, e) in failed { c.resume(throwing: e) }
        for c in space { c.resume() }
    }
}
