import AQLog

/// Why ``AsyncMutationAuthority/open(directory:options:durability:snapshots:)`` failed; the
/// log is closed again in every case.
public enum AuthorityOpenError: Error, Sendable, Equatable {
    /// The log could not be opened or read.
    case log(LogError)
    /// Recovery could not rebuild the projection from the snapshots and the log.
    case recovery(RecoveryError)
    /// The recovered projection does not match the log (a snapshot over an empty log).
    case authority(MutationAuthorityError)
}

extension AsyncMutationAuthority {
    /// Opens (or creates) the log in `directory` with `durability`, rebuilds the projection from
    /// the newest usable snapshot in `snapshots` plus the log, and returns the authority.
    ///
    /// - Parameters:
    ///   - directory: The log directory.
    ///   - options: AQLog's log options.
    ///   - durability: When a command is acknowledged: `.sync` (durable), `.group` (durable,
    ///     sharing more syncs) or `.deferred` (written to the page cache; durable at the next
    ///     snapshot, flush, roll or close).
    ///   - snapshots: Where snapshots live, or `nil` to replay the whole log.
    /// - Returns: The authority and what recovery found.
    /// - Throws: ``AuthorityOpenError``.
    public static func open(directory: String, options: LogOptions = .init(), durability: Durability = .sync,
                            snapshots: SnapshotStore? = nil) async throws(AuthorityOpenError) -> AsyncMutationAuthority {
        let log: Log
        do { log = try Log.open(directory: directory, options: options, durability: durability) } catch { throw .log(error) }
        return try await recover(log: log, directory: directory, storage: PosixStorage(), snapshots: snapshots)
    }

    /// Rebuilds the projection of an open `log` (newest usable snapshot, then the log read
    /// through `storage`) and returns the authority over it; closes `log` when that fails.
    ///
    /// - Throws: ``AuthorityOpenError``.
    public static func recover(log: Log, directory: String, storage: any Storage,
                               snapshots: SnapshotStore?) async throws(AuthorityOpenError) -> AsyncMutationAuthority {
        let failure: AuthorityOpenError
        do throws(AuthorityOpenError) {
            let events: LogDirectoryEvents
            do { events = try LogDirectoryEvents(directory: directory, storage: storage) } catch { throw .log(error) }
            let result: RecoveryResult
            do { result = try RecoveryBootstrap.recover(log: events, snapshots: snapshots) } catch { throw .recovery(error) }
            do {
                return try AsyncMutationAuthority(projection: result.projection, log: log, directory: directory, storage: storage)
            } catch { throw .authority(error) }
        } catch {
            failure = error
        }
        try? await log.close()
        throw failure
    }

    /// Snapshots the acknowledged projection while submitters go on: flushes the log (so every
    /// record the snapshot covers is durable, also under `.deferred`), writes the snapshot,
    /// keeps the newest `retain`, and moves the log's compaction checkpoint to the oldest kept.
    ///
    /// - Parameters:
    ///   - store: Where the snapshot goes (its directory is created if missing).
    ///   - timestamp: When the snapshot is taken (caller's clock), stored in it.
    ///   - retain: How many snapshots to keep, newest first (at least 1).
    /// - Returns: The snapshot written.
    /// - Throws: ``SnapshotPublisher/Failure``: ``SnapshotPublisher/Failure/logFlush(_:)``,
    ///   ``SnapshotPublisher/Failure/store(_:)`` or ``SnapshotPublisher/Failure/checkpoint(_:)``.
    @discardableResult
    public func publishSnapshot(to store: SnapshotStore, timestamp: UInt64,
                                retain: Int = 2) async throws(SnapshotPublisher.Failure) -> Snapshot {
        let projection = self.projection
        do { try await log.flush() } catch { throw .logFlush(EventLogFailure(error)) }
        let snapshot = Snapshot(projection: projection, timestamp: timestamp)
        let retained: [UInt64]
        do {
            try store.write(snapshot)
            try store.prune(keeping: retain)
            retained = try store.sequences()
        } catch { throw .store(error) }
        let checkpoint = retained.min() ?? snapshot.walSequence
        do { try Checkpoint.write(directory: directory, sequence: checkpoint, storage: storage) } catch {
            throw .checkpoint(EventLogFailure(error))
        }
        return snapshot
    }
}
