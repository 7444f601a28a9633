/// Why recovery could not rebuild the projection.
public enum RecoveryError: Error, Sendable, Hashable {
    /// The newest usable snapshot covers more than the (non-empty) log holds.
    case snapshotAheadOfLog(snapshotSequence: UInt64, logLastSequence: UInt64)
    /// The log could not be read.
    case logRead(EventLogFailure)
    /// The log does not start where replay needs it (compacted without a usable snapshot).
    case logHeadMissing(expected: UInt64, found: UInt64)
    /// A record's payload is not a valid event.
    case undecodableRecord(sequence: UInt64, CodecError)
    /// A record's embedded sequence differs from its log sequence.
    case sequenceMismatch(logSequence: UInt64, payloadSequence: UInt64)
    /// The reducer rejected a record.
    case replayRejected(ReplayError)
}
