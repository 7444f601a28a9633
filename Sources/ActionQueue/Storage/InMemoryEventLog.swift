/// An ``EventLog`` in memory with fault injection: failing appends (before or after the
/// record lands), failing flushes, crashes that drop unflushed records, and compaction.
/// First-class code, so tests drive the same paths the real log does.
public final class InMemoryEventLog: EventLog {
    /// Faults to inject on the next operations.
    public enum Fault: Sendable, Hashable {
        /// The next append throws and stores nothing.
        case appendFailsBeforeWrite
        /// The next append stores the record, then throws (an ambiguous failure).
        case appendFailsAfterWrite
        /// The next flush throws (nothing becomes durable).
        case flushFails
        /// The next read (forEach) throws.
        case readFails
    }

    /// Errors of the in-memory log.
    public enum Failure: Error, Sendable, Hashable {
        /// A fault from ``InMemoryEventLog/pendingFaults`` fired.
        case injected(Fault)
        /// An append named a sequence other than `lastSequence + 1`; nothing was stored.
        case sequenceViolation(expected: UInt64, provided: UInt64)
        /// A read started below the first record compaction kept.
        case compactedAway(requested: UInt64, firstAvailable: UInt64)
    }

    private var records: [[UInt8]] = []
    /// Sequence of `records[0]` (moves forward on compaction).
    public private(set) var firstSequence: UInt64 = 1
    /// Highest sequence made durable by a flush.
    public private(set) var durableSequence: UInt64 = 0
    /// The last checkpoint written.
    public private(set) var checkpoint: UInt64?
    /// Faults consumed in order, one per matching operation.
    public var pendingFaults: [Fault] = []
    /// Number of successful flushes.
    public private(set) var flushCount = 0

    /// An empty log: no records, no checkpoint, no pending fault.
    public init() {}

    /// Sequence of the last record held (0 when empty). Survives ``compact()``; ``crash()``
    /// moves it back to the last flushed record.
    public var lastSequence: UInt64 { firstSequence + UInt64(records.count) - 1 }

    private func take(_ fault: Fault) -> Bool {
        guard let index = pendingFaults.firstIndex(of: fault) else { return false }
        pendingFaults.remove(at: index)
        return true
    }

    /// Stores `payload` as record `expectedSequence` and returns that sequence.
    ///
    /// - Throws: ``Failure/sequenceViolation(expected:provided:)`` when `expectedSequence` is not
    ///   `lastSequence + 1`; ``Failure/injected(_:)`` when an append fault is pending (consumed),
    ///   after storing the record for ``Fault/appendFailsAfterWrite``.
    public func append(_ payload: [UInt8], expectedSequence: UInt64) throws -> UInt64 {
        guard expectedSequence == lastSequence + 1 else {
            throw Failure.sequenceViolation(expected: lastSequence + 1, provided: expectedSequence)
        }
        if take(.appendFailsBeforeWrite) { throw Failure.injected(.appendFailsBeforeWrite) }
        records.append(payload)
        if take(.appendFailsAfterWrite) { throw Failure.injected(.appendFailsAfterWrite) }
        return lastSequence
    }

    /// Makes every record durable (``durableSequence`` becomes ``lastSequence``) and counts the
    /// flush, or throws ``Failure/injected(_:)`` when a ``Fault/flushFails`` fault is pending.
    public func flush() throws {
        if take(.flushFails) { throw Failure.injected(.flushFails) }
        durableSequence = lastSequence
        flushCount += 1
    }

    /// Calls `body` with each record from `sequence` (at least 1) on, in order.
    ///
    /// - Throws: ``Failure/injected(_:)`` when a ``Fault/readFails`` fault is pending;
    ///   ``Failure/compactedAway(requested:firstAvailable:)`` when `sequence` is below
    ///   ``firstSequence`` and records remain; whatever `body` throws.
    public func forEach(from sequence: UInt64, _ body: (UInt64, UnsafeRawBufferPointer) throws -> Void) throws {
        if take(.readFails) { throw Failure.injected(.readFails) }
        let start = max(sequence, 1)
        guard start >= firstSequence || records.isEmpty else {
            throw Failure.compactedAway(requested: start, firstAvailable: firstSequence)
        }
        var seq = max(start, firstSequence)
        while seq <= lastSequence {
            try records[Int(seq - firstSequence)].withUnsafeBytes { try body(seq, $0) }
            seq += 1
        }
    }

    /// Records `sequence` in ``checkpoint`` (never fails); ``compact()`` acts on it.
    public func writeCheckpoint(sequence: UInt64) throws { checkpoint = sequence }

    /// Simulates power loss: records appended after the last flush are lost.
    public func crash() {
        let keep = durableSequence >= firstSequence ? Int(durableSequence - firstSequence + 1) : 0
        records.removeLast(records.count - min(keep, records.count))
    }

    /// Drops records at or below the checkpoint (never the last record, so the sequence survives).
    public func compact() {
        guard let checkpoint, checkpoint >= firstSequence, records.count > 1 else { return }
        // Every record through the checkpoint but the last, however far past them it lies.
        let drop = Int(min(checkpoint - firstSequence, UInt64(records.count - 2))) + 1
        records.removeFirst(drop)
        firstSequence += UInt64(drop)
    }

    /// Overwrites the payload of record `sequence` (corruption injection).
    public func replacePayload(at sequence: UInt64, with payload: [UInt8]) {
        records[Int(sequence - firstSequence)] = payload
    }
}
