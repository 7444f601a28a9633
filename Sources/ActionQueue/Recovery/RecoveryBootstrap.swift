import Logging

/// Rebuilds the projection on open: latest valid snapshot + log tail, or the whole log.
///
/// 1. List snapshots newest first; load each until one is valid. An unreadable or invalid
///    snapshot is logged as a warning, recorded in ``RecoveryResult/skippedSnapshots`` and
///    skipped (fallback to an older one, then to full replay).
/// 2. A valid snapshot whose sequence exceeds a non-empty log's last sequence is a hard
///    error (``RecoveryError/snapshotAheadOfLog(snapshotSequence:logLastSequence:)``); over
///    an empty log it is accepted and flagged.
/// 3. Replay the log from `snapshot.walSequence + 1` (or 1); the tail must start exactly
///    there, so a gap or a compacted head is an error, never a silent skip.
///
/// ```swift
/// let store = SnapshotStore(directory: "/var/lib/app/snapshots")
/// let result = try RecoveryBootstrap.recover(log: log, snapshots: store)
/// let authority = try MutationAuthority(projection: result.projection, log: log)
/// ```
public enum RecoveryBootstrap {
    /// Rebuilds the projection of `log`, starting from the newest usable snapshot.
    ///
    /// - Parameters:
    ///   - log: The event log to replay.
    ///   - snapshots: The snapshot store to start from; `nil`, or a store whose directory does
    ///     not exist, replays the whole log.
    ///   - logger: Receives a warning for each snapshot skipped and for a snapshot over an
    ///     empty log.
    /// - Returns: The projection and how it was rebuilt.
    /// - Throws: ``RecoveryError/snapshotAheadOfLog(snapshotSequence:logLastSequence:)``, or
    ///   the first replay failure: ``RecoveryError/logRead(_:)``,
    ///   ``RecoveryError/logHeadMissing(expected:found:)``,
    ///   ``RecoveryError/undecodableRecord(sequence:_:)``,
    ///   ``RecoveryError/sequenceMismatch(logSequence:payloadSequence:)`` or
    ///   ``RecoveryError/replayRejected(_:)``.
    public static func recover(log: some EventLogReading, snapshots: SnapshotStore?,
                               logger: Logger = Logger(label: "actionqueue.recovery")) throws(RecoveryError) -> RecoveryResult {
        var skipped: [SkippedSnapshot] = []
        var base: Snapshot?
        if let snapshots {
            let sequences: [UInt64]
            do { sequences = try snapshots.sequences() } catch .directoryMissing {
                sequences = []  // no snapshot was ever written: plain full replay
            } catch {
                logger.warning("snapshot directory unreadable, replaying the whole log", metadata: ["error": "\(error)"])
                skipped.append(SkippedSnapshot(sequence: 0, reason: error))
                sequences = []
            }
            for sequence in sequences {
                do {
                    base = try snapshots.load(sequence: sequence)
                    break
                } catch {
                    logger.warning("snapshot unusable, falling back",
                                   metadata: ["sequence": "\(sequence)", "error": "\(error)"])
                    skipped.append(SkippedSnapshot(sequence: sequence, reason: error))
                }
            }
        }
        var projection = ReplayReducer()
        var emptyBehind = false
        if let base {
            let last = log.lastSequence
            if base.walSequence > last {
                guard last == 0 else { throw .snapshotAheadOfLog(snapshotSequence: base.walSequence, logLastSequence: last) }
                logger.warning("snapshot ahead of an empty log; its records are gone",
                               metadata: ["sequence": "\(base.walSequence)"])
                emptyBehind = true
            }
            // Validated by the loader already; a failure here would be a bug, reported as rejection.
            do { projection = try ReplayReducer(snapshot: base) } catch {
                throw .replayRejected(.corruptedData(sequence: base.walSequence, reason: "snapshot invalid: \(error)"))
            }
        }
        let start = (base?.walSequence ?? 0) &+ 1  // used only when the log holds records past it
        let applied = emptyBehind ? 0 : try LogReplayer.replay(log, from: start, into: &projection)
        return RecoveryResult(projection: projection, snapshotSequence: base?.walSequence, tailEventsApplied: applied,
                              snapshotFallback: !skipped.isEmpty, skippedSnapshots: skipped,
                              logEmptyBehindSnapshot: emptyBehind)
    }
}
