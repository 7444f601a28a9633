import Testing
import AQTestSupport
import Logging
@testable import ActionQueue

/// The reference's snapshot and bootstrap scenarios (§7.5), restated for our format.
@Suite struct SnapshotTests {
    let events: [WalEventType] = runningPrefix + [
        .attemptStarted(runId: R(1), attemptId: A(1), timestamp: 1100),
        .leaseHeartbeat(runId: R(1), owner: "worker-1", expiry: 6000, timestamp: 1101),
        .enginePaused(timestamp: 1200), .engineResumed(timestamp: 1300),
        taskCreated(2), .taskCanceled(taskId: T(2), timestamp: 1400),
        .dependencyDeclared(taskId: T(2), dependsOn: [T(1)], timestamp: 1500),
        .budgetAllocated(taskId: T(1), dimension: .costCents, limit: 10, timestamp: 1),
        .subscriptionCreated(subscriptionId: S(1), taskId: T(1), filter: .custom(key: "k"), timestamp: 2),
        .tenantCreated(tenantId: Ten(1), name: "t", timestamp: 3),
        .ledgerEntryAppended(entryId: L(1), tenantId: Ten(1), ledgerKey: "audit", actorId: nil, payload: [1], timestamp: 4),
    ]

    @Test func roundTripIsLosslessAndDeterministic() throws {
        let projection = try replayed(events)
        let snapshot = Snapshot(projection: projection, timestamp: 99)
        let bytes = try SnapshotFileFormat.encode(snapshot)
        #expect(bytes == (try SnapshotFileFormat.encode(Snapshot(projection: try replayed(events), timestamp: 99))))
        #expect(Array(bytes[0..<8]) == Array("AQSNAP\r\n".utf8))
        let decoded = try SnapshotFileFormat.decode(bytes)
        #expect(decoded == snapshot)
        let restored = try ReplayReducer(snapshot: decoded)
        #expect(restored == projection)
        // The open attempt and the lease survive.
        #expect(restored.runs[R(1)]?.instance.currentAttemptId == A(1))
        #expect(restored.runs[R(1)]?.lease?.expiry == 6000)
    }

    @Test func everyByteFlipIsDetected() throws {
        let bytes = try SnapshotFileFormat.encode(Snapshot(projection: try replayed(events), timestamp: 1))
        for index in bytes.indices {
            var damaged = bytes
            damaged[index] ^= 0x01
            #expect(throws: SnapshotFileFormat.Failure.self) { try SnapshotFileFormat.decode(damaged) }
        }
        #expect(throws: SnapshotFileFormat.Failure.tooShort(length: 5)) { try SnapshotFileFormat.decode(Array(bytes.prefix(5))) }
        #expect(throws: SnapshotFileFormat.Failure.lengthMismatch(declared: UInt64(bytes.count - 48), actual: bytes.count - 47)) {
            try SnapshotFileFormat.decode(bytes + [0])
        }
    }

    @Test func validationRules() throws {
        let base = Snapshot(projection: try replayed(events), timestamp: 1)
        var schema = base
        schema.schemaVersion = 9
        #expect(throws: SnapshotFileFormat.Failure.validation(.unsupportedSchemaVersion(expected: 1, found: 9))) {
            try SnapshotFileFormat.encode(schema)
        }
        var duplicateRun = base
        duplicateRun.runs.append(duplicateRun.runs[0])
        #expect(throws: SnapshotValidationError.duplicateRunId(R(1))) { try SnapshotValidator.validate(duplicateRun) }
        var completedWithAttempt = base
        completedWithAttempt.runs[0].instance.state = .completed
        #expect(throws: SnapshotValidationError.invalidAttemptLineageState(R(1), state: .completed)) {
            try SnapshotValidator.validate(completedWithAttempt)
        }
        var noHistory = base
        noHistory.runs[0].history = []
        #expect(throws: SnapshotValidationError.missingInitialRunStateHistory(R(1))) { try SnapshotValidator.validate(noHistory) }
        var count = base
        count.runs[0].instance.attemptCount = 2
        #expect(throws: SnapshotValidationError.invalidAttemptHistoryCount(R(1), declared: 2, actual: 1)) {
            try SnapshotValidator.validate(count)
        }
        var canceled = base
        canceled.tasks[1].canceledAt = 1
        #expect(throws: SnapshotValidationError.invalidTaskCanceledAtCausality(T(2), createdAt: 1000, canceledAt: 1)) {
            try SnapshotValidator.validate(canceled)
        }
        var paused = base
        paused.engine = EngineControl(paused: true, pausedAt: nil)
        #expect(throws: SnapshotValidationError.invalidEnginePausedCausality) { try SnapshotValidator.validate(paused) }
        var resumeFirst = base
        resumeFirst.engine = EngineControl(paused: false, pausedAt: 10, resumedAt: 5)
        #expect(throws: SnapshotValidationError.invalidEnginePauseResumeOrdering(pausedAt: 10, resumedAt: 5)) {
            try SnapshotValidator.validate(resumeFirst)
        }
        var orphan = base
        orphan.tasks.removeAll { $0.spec.id == T(1) }
        #expect(throws: SnapshotValidationError.runReferencesUnknownTask(R(1), T(1))) { try SnapshotValidator.validate(orphan) }
        var suspendedLease = base
        suspendedLease.runs[0].instance.currentAttemptId = nil
        suspendedLease.runs[0].attempts[0].finishedAt = 5
        suspendedLease.runs[0].instance.state = .suspended
        suspendedLease.runs[0].history.append(StateHistoryEntry(from: .running, to: .suspended, timestamp: 9))
        #expect(throws: SnapshotValidationError.invalidLeasePresence(R(1), state: .suspended)) {
            try SnapshotValidator.validate(suspendedLease)
        }
    }

    @Test func storeWritesAtomicallyAndCreatesItsDirectoryButNotItsParents() throws {
        let dir = TemporaryDirectory()
        let store = SnapshotStore(directory: dir.path)
        let snapshot = Snapshot(projection: try replayed(events), timestamp: 1)
        try store.write(snapshot)
        #expect(dir.names() == ["snapshot-00000000000000000017.aqsnap"])  // no temp file left
        #expect(try store.sequences() == [17])
        #expect(try store.load(sequence: 17) == snapshot)
        let created = SnapshotStore(directory: dir.path + "/new")
        try created.write(snapshot)
        #expect(try created.sequences() == [17])
        let slashed = SnapshotStore(directory: dir.path + "/slashed/")  // a trailing slash names the same directory
        try slashed.write(snapshot)
        #expect(try slashed.sequences() == [17])
        let orphan = SnapshotStore(directory: dir.path + "/nope/deeper")
        #expect(throws: SnapshotStore.Failure.directoryMissing(dir.path + "/nope/deeper")) { try orphan.write(snapshot) }
        var invalid = snapshot
        invalid.schemaVersion = 2
        #expect(throws: SnapshotStore.Failure.self) { try store.write(invalid) }
        #expect(dir.names() == ["new", "slashed", "snapshot-00000000000000000017.aqsnap"])
    }

    @Test func recoveryUsesSnapshotPlusTail() throws {
        let dir = TemporaryDirectory()
        let store = SnapshotStore(directory: dir.path)
        let log = InMemoryEventLog()
        try appendAll(Array(events.prefix(8)), to: log)
        let (projection, _) = (try replayed(Array(events.prefix(8))), ())
        try SnapshotPublisher.publish(projection, timestamp: 1, log: log, store: store)
        #expect(log.durableSequence == 8)
        #expect(log.checkpoint == 8)
        try appendAll(Array(events.dropFirst(8)), to: log)
        let result = try RecoveryBootstrap.recover(log: log, snapshots: store)
        #expect(result.snapshotSequence == 8)
        #expect(result.tailEventsApplied == UInt64(events.count - 8))
        #expect(!result.snapshotFallback)
        #expect(result.projection == (try replayed(events)))
    }

    @Test func corruptSnapshotFallsBackToFullReplay() throws {
        let dir = TemporaryDirectory()
        let store = SnapshotStore(directory: dir.path)
        let log = InMemoryEventLog()
        try appendAll(events, to: log)
        try SnapshotPublisher.publish(try replayed(Array(events.prefix(5))), timestamp: 1, log: log, store: store)
        let name = "snapshot-00000000000000000005.aqsnap"
        var bytes = dir.read(name)
        bytes[bytes.count - 1] ^= 0xFF
        dir.write(name, bytes)
        let (logger, captured) = CapturingLogHandler.logger()
        let result = try RecoveryBootstrap.recover(log: log, snapshots: store, logger: logger)
        #expect(captured.messages.map(\.0) == [.warning])
        #expect(result.snapshotFallback)
        #expect(result.snapshotSequence == nil)
        #expect(result.skippedSnapshots.map(\.sequence) == [5])
        #expect(result.projection == (try replayed(events)))
        // Truncated and empty snapshot files fall back too.
        dir.write(name, Array(bytes.prefix(20)))
        #expect(try RecoveryBootstrap.recover(log: log, snapshots: store).snapshotFallback)
        dir.write(name, [])
        #expect(try RecoveryBootstrap.recover(log: log, snapshots: store).projection == (try replayed(events)))
    }

    @Test func corruptNewestFallsBackToOlderSnapshot() throws {
        let dir = TemporaryDirectory()
        let store = SnapshotStore(directory: dir.path)
        let log = InMemoryEventLog()
        try appendAll(events, to: log)
        try SnapshotPublisher.publish(try replayed(Array(events.prefix(4))), timestamp: 1, log: log, store: store)
        try SnapshotPublisher.publish(try replayed(Array(events.prefix(10))), timestamp: 2, log: log, store: store)
        #expect(log.checkpoint == 4)  // the oldest retained snapshot
        dir.write("snapshot-00000000000000000010.aqsnap", [1, 2, 3])
        let result = try RecoveryBootstrap.recover(log: log, snapshots: store)
        #expect(result.snapshotSequence == 4)
        #expect(result.snapshotFallback)
        #expect(result.projection == (try replayed(events)))
    }

    @Test func missingSnapshotDirectoryIsPlainFullReplay() throws {
        let dir = TemporaryDirectory()
        let log = InMemoryEventLog()
        try appendAll(events, to: log)
        let result = try RecoveryBootstrap.recover(log: log, snapshots: SnapshotStore(directory: dir.path + "/none"))
        #expect(!result.snapshotFallback)
        #expect(result.snapshotSequence == nil)
        #expect(result.tailEventsApplied == UInt64(events.count))
        #expect(result.projection == (try replayed(events)))
    }

    @Test func snapshotAheadOfLog() throws {
        let dir = TemporaryDirectory()
        let store = SnapshotStore(directory: dir.path)
        try store.write(Snapshot(projection: try replayed(Array(events.prefix(3))), timestamp: 1))
        let shortLog = InMemoryEventLog()
        try appendAll([taskCreated(1)], to: shortLog)
        #expect(throws: RecoveryError.snapshotAheadOfLog(snapshotSequence: 3, logLastSequence: 1)) {
            try RecoveryBootstrap.recover(log: shortLog, snapshots: store)
        }
        let empty = InMemoryEventLog()
        let result = try RecoveryBootstrap.recover(log: empty, snapshots: store)
        #expect(result.logEmptyBehindSnapshot)
        #expect(result.projection.latestSequence == 3)
        let longer = InMemoryEventLog()
        try appendAll(Array(events.prefix(4)), to: longer)
        #expect(try RecoveryBootstrap.recover(log: longer, snapshots: store).projection == (try replayed(Array(events.prefix(4)))))
    }

    @Test func publishingFlushesFirstSoTheSnapshotNeverLeadsTheDurableLog() throws {
        let dir = TemporaryDirectory()
        let store = SnapshotStore(directory: dir.path)
        let log = InMemoryEventLog()
        try appendAll(Array(events.prefix(6)), to: log)  // deferred: nothing flushed yet
        #expect(log.durableSequence == 0)
        try SnapshotPublisher.publish(try replayed(Array(events.prefix(6))), timestamp: 1, log: log, store: store)
        log.crash()
        #expect(log.lastSequence == 6)
        #expect(try RecoveryBootstrap.recover(log: log, snapshots: store).snapshotSequence == 6)
        // A failing flush publishes nothing.
        try appendAll([events[6]], to: log)
        log.pendingFaults = [.flushFails]
        #expect(throws: SnapshotPublisher.Failure.self) {
            try SnapshotPublisher.publish(try replayed(Array(events.prefix(7))), timestamp: 2, log: log, store: store)
        }
        #expect(try store.sequences() == [6])
        let ahead = try replayed(Array(events.prefix(9)))
        #expect(throws: SnapshotPublisher.Failure.projectionAheadOfLog(projectionSequence: 9, logLastSequence: 7)) {
            try SnapshotPublisher.publish(ahead, timestamp: 3, log: log, store: store)
        }
    }

    @Test func compactedLogWithoutUsableSnapshotIsAnError() throws {
        let dir = TemporaryDirectory()
        let store = SnapshotStore(directory: dir.path)
        let log = InMemoryEventLog()
        try appendAll(events, to: log)
        try SnapshotPublisher.publish(try replayed(Array(events.prefix(6))), timestamp: 1, log: log, store: store)
        log.compact()
        #expect(log.firstSequence == 7)
        #expect(try RecoveryBootstrap.recover(log: log, snapshots: store).projection == (try replayed(events)))
        dir.write("snapshot-00000000000000000006.aqsnap", [0])
        #expect(throws: RecoveryError.self) { try RecoveryBootstrap.recover(log: log, snapshots: store) }
    }
}
