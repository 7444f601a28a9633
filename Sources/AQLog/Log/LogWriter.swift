#if canImport(Glibc)
import Glibc
#endif
/// The synchronous, single-owner writer: the simplest way to embed the log.
///
/// Each `append` call is one batch: its records are framed, written with a commit frame in
/// one write, and (under ``Durability/sync``) synced before the call returns their
/// sequences. Not `Sendable`: one owner at a time; use ``Log`` to append from many tasks.
///
/// ```swift
/// let writer = try LogWriter.open(directory: "/var/lib/app/wal")
/// let seq = try writer.append(Array("hello".utf8))   // durable when it returns
/// try writer.close()
/// ```
public final class LogWriter {
    let engine: LogEngine
    /// When appends are acknowledged (`.group` behaves as `.sync` here).
    public let durability: Durability

    /// Opens the log in `directory`, creating it when `options.createIfMissing`, recovering
    /// it under `options.recoveryPolicy`, and taking the directory's writer lock.
    public static func open(directory: String, options: LogOptions = .init(), durability: Durability = .sync) throws(LogError) -> LogWriter {
        try LogWriter(directory: directory, options: options, durability: durability,
                      storage: try resolveStorage(options, durability: durability))
    }

    /// Opens the log over an explicit ``Storage`` (`PosixStorage` with a chosen write path,
    /// or the crash simulator of `AQLogSimulation` in tests).
    public convenience init(directory: String, options: LogOptions = .init(), durability: Durability = .sync,
                            storage: any Storage) throws(LogError) {
        try self.init(directory: directory, options: options, durability: durability, storage: storage, backgroundPreparation: true)
    }

    /// `backgroundPreparation` false prepares the next segment on the caller's thread
    /// (benchmarks and tests that want no zero-fill beside their runs).
    package init(directory: String, options: LogOptions = .init(), durability: Durability = .sync,
                 storage: any Storage, backgroundPreparation: Bool) throws(LogError) {
        // One owner, one thread: each commit completes before the call returns (depth 1).
        engine = try LogEngine(directory: directory, options: options,
                               policy: DurabilityPolicy(durability: durability, options: options, overlappingWrites: false),
                               storage: storage, backgroundPreparation: backgroundPreparation)
        self.durability = durability
    }

    deinit { try? engine.close() }

    /// What recovery found and repaired when the log was opened.
    public var recoveryReport: RecoveryReport { engine.recoveryReport }
    /// The last appended sequence (0 for an empty log).
    public var lastSequence: UInt64 { engine.marks.written }
    /// The sequence the next append receives.
    public var nextSequence: UInt64 { engine.marks.written &+ 1 }
    /// The highest sequence known to be durable.
    public var durableSequence: UInt64 { engine.marks.durable }
    /// The largest payload accepted (also enforced by recovery and readers).
    public var maxRecordSize: Int { engine.maxRecordSize }
    /// The log's identity.
    public var logID: LogID { engine.logID }

    /// Appends one record; returns its sequence once durable (per ``durability``). Every other
    /// single-record form (`[UInt8]`, any `Collection<UInt8>`, `Span`, `RawSpan`, `String`, an
    /// `Encodable` value) comes here.
    @discardableResult
    public func append(_ payload: UnsafeRawBufferPointer) throws(LogError) -> UInt64 {
        try counted { () throws(LogError) in
            try engine.checkWritable()
            try engine.checkSize(payload.count)
            return try withPayloadBytes(payload) { (pointers) throws(LogError) in try appendChecked(pointers) }.lowerBound
        }
    }

    /// Runs an append, counting its failure (``LogMetrics/appendFailed(_:)``).
    private func counted<T>(_ body: () throws(LogError) -> T) throws(LogError) -> T {
        do { return try body() } catch {
            engine.metrics.appendFailed(error)
            throw error
        }
    }

    /// Appends one record; returns its sequence once durable (per ``durability``).
    @discardableResult
    public func append(_ payload: [UInt8]) throws(LogError) -> UInt64 {
        var result = Result<UInt64, LogError>.success(0)
        payload.withUnsafeBytes { p in result = Result { () throws(LogError) in try append(p) } }
        return try result.get()
    }

    /// Appends one record that must receive `expectedSequence`; otherwise throws
    /// ``LogError/sequenceViolation(expected:provided:)`` and changes nothing.
    @discardableResult
    public func append(_ payload: [UInt8], expectedSequence: UInt64) throws(LogError) -> UInt64 {
        try counted { () throws(LogError) in
            try engine.checkWritable()
            guard expectedSequence == nextSequence else {
                throw .sequenceViolation(expected: nextSequence, provided: expectedSequence)
            }
        }
        return try append(payload)  // counts its own failure
    }

    /// Appends records as one batch (one write, one sync, unless a roll splits it); returns
    /// their sequences (empty for no payloads). Sizes are checked first: a too-large record fails the whole call
    /// before anything is written.
    @discardableResult
    public func append(contentsOf payloads: [[UInt8]]) throws(LogError) -> Range<UInt64> {
        try counted { () throws(LogError) in
            try engine.checkWritable()
            for p in payloads { try engine.checkSize(p.count) }
            guard !payloads.isEmpty else { return nextSequence..<nextSequence }
            return try withPayloadBytes(payloads) { (pointers) throws(LogError) in try appendChecked(pointers) }
        }
    }

    private func appendChecked(_ payloads: UnsafeBufferPointer<UnsafeRawBufferPointer>) throws(LogError) -> Range<UInt64> {
        let first = engine.marks.written &+ 1
        let sync = engine.policy.syncsEachCommit
        var next = 0
        while true {
            next = engine.stage(payloads, from: next) { CRC32C.checksum(payloads[$0]) }
            guard next < payloads.count else { break }
            // The next record does not fit: commit what is staged, roll, and stage it into the
            // new segment (empty, so it fits: the caller checked its size). Synced like any
            // batch of this mode: if the roll then fails (the next segment cannot be prepared)
            // the call throws with this part durable, and a `.sync` log never has two batches
            // written but not synced (recovery relies on one).
            if engine.stagedRecords > 0 { try commit(sync: sync) }
            try engine.roll()
            _ = engine.stage(payloads[next], payloadChecksum: CRC32C.checksum(payloads[next]))
            next += 1
        }
        try commit(sync: sync)
        return first..<(engine.marks.written &+ 1)
    }

    private func commit(sync: Bool) throws(LogError) {
        try engine.commitNow(engine.beginCommit(synced: sync))
        engine.publishReadable()
    }

    /// Makes every appended record durable (`fdatasync`). A failure poisons the log.
    public func flush() throws(LogError) { try engine.flush() }

    /// Writes and syncs an empty commit frame vouching for the last batch, when it has none
    /// yet; call it when the writer goes idle.
    ///
    /// A `.sync` batch is vouched durable by the next commit frame. Until one follows it, damage
    /// to the last batch at rest reads as a torn tail, and recovery repairs it away with
    /// acknowledged records in it. ``Log`` writes this frame itself once idle
    /// (``LogOptions/idleVouchDelay``); a `LogWriter` has no thread of its own. Costs one block
    /// write and one `fdatasync`, and does nothing when nothing needs it. Under `.deferred` it
    /// does nothing: ``flush()`` syncs and vouches with an unsynced frame, and only ``close()``
    /// writes a synced one. Throws ``LogError/closed`` after `close()`; a failed write or sync
    /// poisons the log.
    public func markIdle() throws(LogError) { try engine.vouchIfNeeded() }

    /// Flushes, releases the directory lock and closes files. Every other call afterwards throws
    /// ``LogError/closed``; a second `close()` returns what the first did (its error again).
    public func close() throws(LogError) { try engine.close() }
}

/// The storage for a backend choice: `.auto` picks io_uring when the kernel allows a ring
/// (`uringAvailable` is injectable so tests can take the fallback path). O_DIRECT serves
/// only modes that sync every commit: a `.deferred` log writes through the page cache.
func resolveStorage(_ options: LogOptions, durability: Durability = .sync,
                    uringAvailable: @autoclosure () -> Bool = URing.isAvailable) throws(LogError) -> PosixStorage {
    let uring: PosixStorage.WritePath = options.directIO && durability != .deferred ? .uringDirect : .uring
    let mode = mode_t(options.filePermissions)
    switch options.backend {
    case .posix: return PosixStorage(writePath: .posix, fileMode: mode, logger: options.logger)
    case .uring:
        guard uringAvailable() else { throw .io(IOFailure("io_uring_queue_init", path: "io_uring", errno: .noFunction)) }
        return PosixStorage(writePath: uring, fileMode: mode, logger: options.logger)
    case .auto: return PosixStorage(writePath: uringAvailable() ? uring : .posix, fileMode: mode, logger: options.logger)
    }
}
