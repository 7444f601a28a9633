import AQLog

/// The concurrent command lane over AQLog's `Log`: many tasks submit at once and share the
/// log's group commits.
///
/// Each ``submit(_:)-([WalEventType])`` takes a short lock to validate the command against the *pending*
/// projection (every command accepted before it, acknowledged or not), give it the next
/// sequence and queue its record; the lock is never held across the log's `await`. One drain
/// task appends what is queued, in sequence order, as one `Log.append(contentsOf:)` per
/// batch, and when the log acknowledges the batch (durable under `.sync` and `.group`, written
/// under `.deferred`) applies it to the *acknowledged* projection and resumes its submitters.
/// Queries and snapshots read only the acknowledged projection.
///
/// A failure after a command was accepted (the log refused or lost a batch) fences the
/// authority: that command, every command queued behind it and every later one throw
/// ``MutationAuthorityError/fenced(_:)``, and the acknowledged projection stays exactly the
/// log's acknowledged prefix. Reopen (``open(directory:options:durability:snapshots:)``) to
/// continue; recovery replays what the log holds.
///
/// The authority must be the log's only writer.
///
/// ```swift
/// let authority = try await AsyncMutationAuthority.open(directory: "/var/lib/app/events")
/// let outcome = try await authority.submit(.enginePaused(timestamp: 1_700_000_000))
/// try await authority.close()
/// ```
public final class AsyncMutationAuthority: Sendable {
    /// The log every record goes to; the authority closes it in ``close()``.
    public let log: Log
    /// The log directory (for the compaction checkpoint).
    public let directory: String
    let storage: any Storage
    let state: AuthorityLock<PipelineState>

    /// Creates an authority over a projection that is exactly the state of `log`.
    ///
    /// - Parameters:
    ///   - projection: The state rebuilt from the log, usually ``RecoveryResult/projection``.
    ///   - log: The log to append to; the authority must be its only writer.
    ///   - directory: The log's directory, where ``publishSnapshot(to:timestamp:retain:)``
    ///     writes the compaction checkpoint.
    ///   - storage: The storage `log` was opened over (AQLog's POSIX storage by default).
    /// - Throws: ``MutationAuthorityError/projectionLogMismatch(projectionSequence:logLastSequence:)``
    ///   when `projection.latestSequence` differs from `log.lastSequence`.
    public init(projection: ReplayReducer, log: Log, directory: String,
                storage: any Storage = PosixStorage()) throws(MutationAuthorityError) {
        guard projection.latestSequence == log.lastSequence else {
            throw .projectionLogMismatch(projectionSequence: projection.latestSequence, logLastSequence: log.lastSequence)
        }
        self.log = log
        self.directory = directory
        self.storage = storage
        state = AuthorityLock(PipelineState(projection: projection))
    }

    /// A copy of the acknowledged projection: every command whose ``submit(_:)-([WalEventType])`` returned (or
    /// is about to), nothing accepted but not yet acknowledged.
    ///
    /// The copy is O(1); the next acknowledgement then copies the collections it changes
    /// once. For frequent small queries, ``withProjection(_:)`` reads in place.
    public var projection: ReplayReducer { state.withLock { $0.acknowledged } }

    /// Runs `body` over the acknowledged projection under the authority's lock (keep it short:
    /// submitters and acknowledgements wait for it). The lock is not reentrant: `body` must not
    /// use the authority (its ``projection``, ``acceptedSequence``, `submit`), or it waits for
    /// itself.
    public func withProjection<R>(_ body: (borrowing ReplayReducer) -> R) -> R {
        state.withLock { body($0.acknowledged) }
    }

    /// The last sequence given to an accepted command (acknowledged or still in the pipeline);
    /// ``projection``'s `latestSequence` trails it by the commands in flight.
    public var acceptedSequence: UInt64 { state.withLock { $0.pending.latestSequence } }

    /// Why the authority is fenced, or `nil` while it accepts commands.
    public var fence: AuthorityFence? { state.withLock { $0.fence } }

    /// Validates `event`, gives it the next sequence, appends it and returns once the log
    /// acknowledged it and it was applied to ``projection``: ``submit(_:)-([WalEventType])``
    /// with one event.
    @discardableResult
    public func submit(_ event: WalEventType) async throws(MutationAuthorityError) -> MutationOutcome {
        try await submit([event])
    }

    /// Validates `events` together (each against the state the previous ones leave), gives
    /// them the next sequence, appends them as one record, and returns once the log
    /// acknowledged it and all of them were applied to ``projection``.
    ///
    /// The events of one command are stored in one log record (``WalRecord``) and applied
    /// together or not at all, also by replay: a lease and the state change it implies, or a
    /// task and its first run.
    ///
    /// Like `Log.append`, it does not observe cancellation: once accepted, the command is in
    /// the log's pipeline and the call returns its outcome.
    ///
    /// - Parameter events: The command's events, in order (at least one).
    /// - Returns: The record's sequence, and whether it was durable when acknowledged.
    /// - Throws: ``MutationAuthorityError/validation(_:)`` when an event is refused against
    ///   the pending projection (nothing changed); ``MutationAuthorityError/closed`` after
    ///   ``close()`` began; ``MutationAuthorityError/fenced(_:)`` when the authority is, or
    ///   becomes while the command waits, fenced.
    @discardableResult
    public func submit(_ events: [WalEventType]) async throws(MutationAuthorityError) -> MutationOutcome {
        guard !events.isEmpty else { throw .validation(.emptyCommand) }
        var body = PostcardWriter()
        WalRecord.encodeEvents(events, to: &body)
        let encoded = body.bytes
        let result = await withCheckedContinuation { (continuation: CheckedContinuation<Result<MutationOutcome, MutationAuthorityError>, Never>) in
            let startDrain = state.withLock { s in
                s.accept(events, encoded: encoded, maxRecordSize: log.maxRecordSize, continuation: continuation)
            }
            if startDrain { Task { await self.drain() } }
        }
        return try result.get()
    }

    /// Stops accepting commands, waits for every accepted one to be acknowledged (or failed),
    /// then closes the log. A second call waits for the same end.
    ///
    /// - Throws: `LogError` from `Log.close()`.
    public func close() async throws(LogError) {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let idle = state.withLock { s in
                s.closing = true
                if !s.draining { return true }
                s.idleWaiters.append(continuation)
                return false
            }
            if idle { continuation.resume() }
        }
        try await log.close()
    }
}
