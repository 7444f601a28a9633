import Foundation

/// The concurrent log: many tasks or threads append at once and share each sync.
///
/// Producers checksum their payload, then (under a short lock) copy it into the batch being
/// filled and receive its sequence; a dedicated committer thread writes each batch with its
/// commit frame and one `fdatasync` (one io_uring submission on the uring backend)
/// while producers fill the next batch (double buffering). Each producer is resumed only
/// after the sync covering its record completed (``Durability/sync`` and `.group`), or after
/// the write reached the page cache (`.deferred`). Under `.deferred` a lone producer (no other
/// append staged or waiting) writes its own batch on its own thread, a buffered `pwrite`,
/// instead of waking the committer and waiting to be woken; rolls, flushes and close stay with
/// the committer. That write blocks the caller's thread (its executor) for microseconds, or
/// longer while the kernel throttles writers over its dirty-page limit, and such an append
/// does not suspend, so a tight loop of them keeps its thread
/// (``LogOptions/inlineDeferredCommits`` turns it off).
///
/// Memory is bounded: when more than ``LogOptions/maxPendingBytes`` are staged and not yet
/// written, producers wait (asynchronously) for the committer to catch up.
///
/// Always ``close()`` a log, or let ``withLog(directory:options:durability:isolation:_:)`` close
/// it: one that is dropped without it is closed in its `deinit`, blocking the dropping thread,
/// and a warning is logged (nothing acknowledged is lost either way). In a swift-service-lifecycle
/// `ServiceGroup`, the `AQLogServiceLifecycle` library's `LogService` closes it at shutdown.
///
/// What it reports goes to ``LogOptions/logger`` and ``LogOptions/metricsFactory``, the
/// process's defaults unless given.
///
/// ```swift
/// let log = try Log.open(directory: "/var/lib/app/wal")
/// let seq = try await log.append(Array("hello".utf8))   // durable when it returns
/// try await log.close()
/// ```
public final class Log: Sendable {
    let committer: Committer
    /// Archives sealed segments when ``LogOptions/archiving`` is set.
    let archiver: BackgroundArchiver?

    /// Opens (or creates) the log in `directory` and starts its committer thread.
    public static func open(directory: String, options: LogOptions = .init(), durability: Durability = .sync) throws(LogError) -> Log {
        try Log(directory: directory, options: options, durability: durability, storage: try resolveStorage(options, durability: durability))
    }

    /// Opens the log over an explicit ``Storage`` (`PosixStorage` with a chosen write path,
    /// or the crash simulator of `AQLogSimulation` in tests).
    public convenience init(directory: String, options: LogOptions = .init(), durability: Durability = .sync,
                            storage: any Storage) throws(LogError) {
        try self.init(directory: directory, options: options, durability: durability, storage: storage, backgroundPreparation: true)
    }

    /// `backgroundPreparation` false prepares the next segment on the committer's thread
    /// (benchmarks and tests that want no zero-fill beside their runs).
    package init(directory: String, options: LogOptions = .init(), durability: Durability = .sync,
                 storage: any Storage, backgroundPreparation: Bool) throws(LogError) {
        let policy = DurabilityPolicy(durability: durability, options: options, overlappingWrites: storage.keepsWritesInFlight)
        let engine = try LogEngine(directory: directory, options: options, policy: policy, storage: storage,
                                   backgroundPreparation: backgroundPreparation)
        if let archiving = options.archiving {
            let run = LogArchiver(directory: directory, storage: storage, heldBytesWarning: archiving.heldBytesWarning,
                                  logger: options.logger, metricsFactory: options.metricsFactory, send: archiving.send)
            let worker = BackgroundArchiver(archiver: run, retryDelay: archiving.retryDelay, maximumRetryDelay: archiving.maximumRetryDelay)
            engine.sealObserver = { worker.wake() }
            archiver = worker
        } else {
            archiver = nil
        }
        committer = Committer(engine: engine)
    }

    /// What recovery found when the log was opened.
    public var recoveryReport: RecoveryReport { committer.engine.recoveryReport }
    /// The largest payload accepted.
    public var maxRecordSize: Int { committer.engine.maxRecordSize }
    /// The highest sequence acknowledged so far.
    public var lastSequence: UInt64 { committer.acknowledgedThrough }
    /// The highest sequence known to be durable.
    public var durableSequence: UInt64 { committer.durableThrough }

    /// Appends one record; returns its sequence once it is durable (per the durability mode).
    /// Other payload forms (any `Collection<UInt8>`, `Span`, `RawSpan`, `String`, an
    /// `Encodable` value) take the same path.
    ///
    /// Cancellation: an append does not observe its task's cancellation. Once called, it stages
    /// its record and returns its sequence when the record is durable, or throws a
    /// ``LogError``, whether or not the task is cancelled meanwhile (also while it waits for
    /// room under back-pressure, ``LogOptions/maxPendingBytes``). A staged record cannot be
    /// withdrawn, so an append that gave up on cancellation would leave the caller not knowing
    /// whether its record is in the log; completing tells it. Check `Task.isCancelled` between
    /// appends to stop appending when cancelled.
    @discardableResult
    public func append(_ payload: [UInt8]) async throws(LogError) -> UInt64 {
        try await committer.finishAppend(payload.withUnsafeBytes { beginAppend($0) }).lowerBound
    }

    /// Appends records atomically adjacent (consecutive sequences); returns their sequences
    /// once all are durable. Like ``append(_:)-([UInt8])``, it does not observe cancellation.
    @discardableResult
    public func append(contentsOf payloads: [[UInt8]]) async throws(LogError) -> Range<UInt64> {
        try await committer.finishAppend(withPayloadBytes(payloads) { committer.beginAppend($0) })
    }

    /// Stages one record from bytes borrowed for this call only (the committer copies them
    /// into its batch, or keeps a copy while back-pressure holds the append).
    func beginAppend(_ payload: UnsafeRawBufferPointer) -> Committer.AppendAttempt {
        withPayloadBytes(payload) { committer.beginAppend($0) }
    }

    /// Makes everything acknowledged so far durable (a no-op under `.sync`). It does not
    /// observe cancellation: a cancelled task's flush still returns once that is done.
    public func flush() async throws(LogError) { try await committer.flush() }

    /// Drains what is staged, writes a close marker, syncs and releases the lock. Appends
    /// issued after close began fail with ``LogError/closed``. It does not observe
    /// cancellation, and a second call returns the first one's result.
    /// ``withLog(directory:options:durability:isolation:_:)`` closes a log whatever its body does.
    /// With ``LogOptions/archiving``, it then cancels an archive run in progress and waits for
    /// it to end.
    public func close() async throws(LogError) {
        do { try await committer.close() } catch {
            await archiver?.stop()
            throw error
        }
        await archiver?.stop()
    }

    /// A `Log` dropped without ``close()`` is closed here (a warning is logged): nothing
    /// acknowledged is lost, and the directory's lock is released for the next writer.
    /// Call ``close()`` to see its result and to not block the dropping thread.
    deinit {
        archiver?.cancel()
        committer.closeAbandoned()
    }
}
