/// Follows a log: yields every record from a start sequence onward, in order, then waits for
/// newly acknowledged ones, forever (until the consuming task is cancelled). Under `.sync` and
/// `.group` those are durable; a `.deferred` writer's records are yielded once they reach the
/// page cache (a power loss can still take them: ``ConsumerCursor/commit(_:)`` never records a
/// position past the durable point).
///
/// Across processes it polls ``LogReader/refresh()`` with an interval that starts at
/// ``minimumPollInterval`` and doubles while nothing arrives, up to ``maximumPollInterval``.
/// A writer in the same process wakes it at once through ``DurabilityNotifier``.
///
/// It survives rolls (new segments appear on refresh) and compaction of segments behind it
/// (a mapped segment stays readable after removal; a segment removed between listing and
/// opening triggers a refresh). If compaction removes records it has not yet yielded, it
/// throws ``LogError/compacted(requested:firstAvailable:)`` rather than skip them.
/// Payloads are copies, so elements may outlive the mapping. It throws ``LogError``, typed.
///
/// A tail whose directory does not exist fails at its first `next()` with
/// ``LogError/notFound(path:)``, unless ``waitsForLog`` is set: then it waits for a writer to
/// create the log, polling as it does for new records.
///
/// ```swift
/// for try await (sequence, payload) in LogTail(directory: "/var/lib/app/wal", from: 42) {
///     apply(sequence, payload)
/// }
/// ```
public struct LogTail: AsyncSequence, Sendable {
    /// A record: its sequence and a copy of its payload (independent of the reader's mapping).
    public typealias Element = (sequence: UInt64, payload: [UInt8])

    /// The log directory followed, as given; also the key of its ``DurabilityNotifier``
    /// channel, so spell it as the writer does.
    public let directory: String
    /// The first sequence yielded (records below the log's first are an error, see above).
    public let start: UInt64
    /// First (shortest) wait between polls once caught up.
    public var minimumPollInterval: Duration = .milliseconds(1)
    /// Longest wait between polls: the worst-case delay for a writer in another process. Both
    /// intervals are read as at least zero and at most a year.
    public var maximumPollInterval: Duration = .milliseconds(50)
    /// Records read per refill of the iterator's buffer (a value below 1 reads as 1).
    public var batchSize = 256
    /// How its reader gets at segment bytes (``SegmentAccess``; default mapped).
    public var access: SegmentAccess = .mapped
    /// Wait for a directory that does not exist yet (default false: fail with
    /// ``LogError/notFound(path:)``, as a ``LogReader`` does). The tail looks again after each
    /// poll interval (``minimumPollInterval`` doubling up to ``maximumPollInterval``, or at once
    /// when a writer in this process publishes to the directory), and a cancelled task ends the
    /// wait as it ends any other. Something other than a directory at the path still fails.
    ///
    /// ```swift
    /// var tail = LogTail(directory: "/var/lib/app/wal")
    /// tail.waitsForLog = true   // started before the writer created the log
    /// ```
    public var waitsForLog = false
    let storage: any Storage
    let notifier: DurabilityNotifier

    /// A tail of the log in `directory` from sequence `start` (default: the beginning).
    public init(directory: String, from start: UInt64 = 1, storage: any Storage = PosixStorage(),
                notifier: DurabilityNotifier = .shared) {
        self.directory = directory
        self.start = Swift.max(start, 1)
        self.storage = storage
        self.notifier = notifier
    }

    /// A new iterator from ``start``. Each opens its own ``LogReader`` at its first `next()`,
    /// so iterating the same tail twice reads the log twice.
    public func makeAsyncIterator() -> Iterator { Iterator(tail: self) }

    /// The same records a run at a time (each as many as were read together, at most
    /// ``batchSize``, copied): for consumers that handle records in bulk.
    ///
    /// ```swift
    /// for try await run in LogTail(directory: path).batches {
    ///     try store.apply(run)   // [(sequence: UInt64, payload: [UInt8])]
    /// }
    /// ```
    public var batches: Batches { Batches(tail: self) }

    /// ``LogTail`` a run of records at a time.
    public struct Batches: AsyncSequence, Sendable {
        /// A run of records, in sequence order: `(sequence, payload)` pairs, payloads copied.
        public typealias Element = [LogTail.Element]
        let tail: LogTail

        /// A new iterator from the tail's start; it opens its own ``LogReader`` at its first `next()`.
        public func makeAsyncIterator() -> Iterator { Iterator(records: tail.makeAsyncIterator()) }

        /// Returns each run of records as it is read.
        public struct Iterator: AsyncIteratorProtocol {
            var records: LogTail.Iterator

            /// The next run (at least one record), waiting when the log has none yet; nil once
            /// cancelled. Runs in the caller's isolation, as ``LogTail/Iterator/next(isolation:)``.
            public mutating func next(isolation actor: isolated (any Actor)? = #isolation) async throws(LogError) -> [LogTail.Element]? {
                try await records.nextBatch(isolation: actor)
            }

            /// ``next(isolation:)`` for callers without an isolation to keep.
            public mutating func next() async throws(LogError) -> [LogTail.Element]? { try await next(isolation: nil) }
        }
    }

    /// The iterator: owns a ``LogReader``; not shared between tasks.
    public struct Iterator: AsyncIteratorProtocol {
        let tail: LogTail
        private var reader: LogReader?
        private var position: UInt64
        private var buffer: [Element] = []
        private var index = 0
        private var interval: Duration

        init(tail: LogTail) {
            self.tail = tail
            position = tail.start
            interval = tail.minimumPollInterval.sleepable
        }

        /// The next record, waiting for it when the log has none yet; nil once cancelled.
        ///
        /// Runs in the caller's isolation (SE-0421): a consumer on an actor (the main actor, say)
        /// takes each buffered record without leaving it; only a wait for new records does.
        public mutating func next(isolation actor: isolated (any Actor)? = #isolation) async throws(LogError) -> Element? {
            guard try await fill(isolation: actor) else { return nil }
            index += 1
            return buffer[index - 1]
        }

        /// ``next(isolation:)`` for callers without an isolation to keep.
        public mutating func next() async throws(LogError) -> Element? { try await next(isolation: nil) }

        /// The sequence of the last record this iterator returned (one below ``LogTail/start``
        /// before the first): what a consumer that has processed every returned record commits
        /// to its ``ConsumerCursor``.
        public var lastReturnedSequence: UInt64 {
            if index > 0 { return buffer[index - 1].sequence }
            return (buffer.first?.sequence ?? position) &- 1
        }

        /// The records read but not yet returned (at least one, up to ``LogTail/batchSize``),
        /// waiting for one when there are none; nil once cancelled.
        mutating func nextBatch(isolation actor: isolated (any Actor)?) async throws(LogError) -> [Element]? {
            guard try await fill(isolation: actor) else { return nil }
            defer { index = buffer.count }
            return Array(buffer[index...])
        }

        /// Makes sure a record is buffered, reading and waiting as needed; false once cancelled.
        private mutating func fill(isolation actor: isolated (any Actor)?) async throws(LogError) -> Bool {
            while true {
                if index < buffer.count { return true }
                if Task.isCancelled { return false }
                try refill()
                if !buffer.isEmpty {
                    interval = tail.minimumPollInterval.sleepable
                    continue
                }
                // Waiting for the log to appear: only a publication newer than any seen before
                // (by a writer of an earlier log at the path, say) means it may be there now.
                let beyond = reader == nil ? Swift.max(position &- 1, tail.notifier.durableThrough(directory: tail.directory)) : position &- 1
                let notified = await tail.notifier.wait(directory: tail.directory, beyond: beyond, timeout: interval)
                if Task.isCancelled { return false }
                interval = notified ? tail.minimumPollInterval.sleepable : Swift.min(interval * 2, tail.maximumPollInterval.sleepable)
                try reader?.refresh()
            }
        }

        /// Reads up to `batchSize` records from `position` into a fresh buffer (none while it
        /// waits for the log to appear).
        private mutating func refill() throws(LogError) {
            buffer.removeAll(keepingCapacity: true)
            index = 0
            if self.reader == nil { self.reader = try openReader() }
            guard let reader else { return }
            for attempt in 0..<3 {
                guard position <= reader.lastSequence else { return }
                var collected: [Element] = []
                do {
                    // Records below the log's first available sequence were compacted before
                    // they were read: the walk throws `.compacted` rather than skip them.
                    try reader.forEach(from: position, through: position &+ UInt64(Swift.max(tail.batchSize, 1)) &- 1) { sequence, bytes in
                        collected.append((sequence, Array(bytes)))
                        return true
                    }
                } catch {
                    // A segment removed (compacted) after the last refresh: list again and retry.
                    guard case .io(let failure) = error, failure.errno == .noSuchFileOrDirectory, attempt < 2 else { throw error }
                    try reader.refresh()
                }
                buffer += collected
                if let last = collected.last { position = last.sequence &+ 1 }
                if !buffer.isEmpty { return }
            }
        }

        /// The tail's reader, or nil while ``LogTail/waitsForLog`` waits for its directory.
        private func openReader() throws(LogError) -> LogReader? {
            do {
                return try LogReader(directory: tail.directory, storage: tail.storage, access: tail.access)
            } catch .notFound where tail.waitsForLog {
                return nil
            }
        }
    }
}
