/// Folds log records into a projection.
public enum LogReplayer {
    /// Decodes one log payload (a single- or multi-event ``WalRecord``) and checks that its
    /// embedded sequence is the log's.
    ///
    /// - Throws: ``RecoveryError/undecodableRecord(sequence:_:)`` or
    ///   ``RecoveryError/sequenceMismatch(logSequence:payloadSequence:)``.
    public static func decode(_ payload: UnsafeRawBufferPointer, logSequence: UInt64) throws(RecoveryError) -> WalRecord {
        let event: WalRecord
        do { event = try WalRecord(postcard: Array(payload)) } catch {
            throw .undecodableRecord(sequence: logSequence, error)
        }
        guard event.sequence == logSequence else {
            throw .sequenceMismatch(logSequence: logSequence, payloadSequence: event.sequence)
        }
        return event
    }

    /// Applies every record from `start` on to `projection` (all the events of a multi-event
    /// record, or none); returns how many records were applied.
    /// Stops at the first error (the projection keeps everything applied before it).
    ///
    /// The log must hold every record from `start` through its last sequence, without a gap.
    ///
    /// - Throws: ``RecoveryError/logHeadMissing(expected:found:)`` when a record is missing
    ///   (`found` is 0 when the log ended early), ``RecoveryError/logRead(_:)``, or the errors of
    ///   ``decode(_:logSequence:)`` and ``RecoveryError/replayRejected(_:)``.
    @discardableResult
    public static func replay(_ log: some EventLogReading, from start: UInt64,
                              into projection: inout ReplayReducer) throws(RecoveryError) -> UInt64 {
        var applied: UInt64 = 0
        var expected = start
        var failure: RecoveryError?
        do {
            try log.forEach(from: start) { sequence, payload in
                guard sequence == expected else {
                    throw RecoveryError.logHeadMissing(expected: expected, found: sequence)
                }
                let event = try decode(payload, logSequence: sequence)
                do { try projection.apply(event) } catch let error as ReplayError { throw RecoveryError.replayRejected(error) }
                applied += 1
                expected += 1
            }
        } catch let error as RecoveryError {
            failure = error
        } catch {
            failure = .logRead(EventLogFailure(error))
        }
        if let failure { throw failure }
        if start <= log.lastSequence, expected <= log.lastSequence {
            // The reader ended before the log's last sequence: records are missing.
            throw .logHeadMissing(expected: expected, found: 0)
        }
        return applied
    }
}
