import Testing
import AQTestSupport
import AQLog
@testable import ActionQueue

/// Values a caller can pass that the API refuses with a typed error or reads sensibly, never a
/// trap: an empty command, a snapshot at the last possible sequence, a negative limit, a
/// negative offset, a checkpoint past every record.
@Suite struct HostileArgumentTests {
    @Test func aCommandWithNoEventsIsRefusedAsEmpty() throws {
        let authority = try MutationAuthority(projection: ReplayReducer(), log: InMemoryEventLog())
        var command = MutationCommand(sequence: 1, event: runningPrefix[0])
        command.events = []
        #expect(throws: MutationValidationError.emptyCommand) { try authority.validate(command) }
    }

    @Test func aSnapshotAtTheLastSequenceOverAnEmptyLogDoesNotTrap() throws {
        let snapshots = TemporaryDirectory()
        let store = SnapshotStore(directory: snapshots.path)
        try store.write(Snapshot(walSequence: .max, timestamp: 0))
        let recovered = try RecoveryBootstrap.recover(log: InMemoryEventLog(), snapshots: store)
        #expect(recovered.snapshotSequence == .max && recovered.logEmptyBehindSnapshot)
    }

    @Test func aCheckpointPastEveryRecordCompactsAllButTheLast() throws {
        let log = InMemoryEventLog()
        for sequence in UInt64(1)...3 { _ = try log.append([UInt8(sequence)], expectedSequence: sequence) }
        try log.writeCheckpoint(sequence: .max)
        log.compact()
        #expect(log.firstSequence == 3 && log.lastSequence == 3)
        var read: [[UInt8]] = []
        try log.forEach(from: 3) { _, bytes in read.append(Array(bytes)) }
        #expect(read == [[3]])
        log.compact()  // one record left: nothing to drop
        #expect(log.firstSequence == 3)
    }

    @Test func aNegativeLimitReadsNothing() throws {
        #expect(ReplayReducer().readyRuns(limit: -1).isEmpty)
    }

    @Test func aNegativeOrPastTheEndOffsetIsAFailure() {
        let bytes = [UInt8](repeating: 0, count: 4)
        for offset in [-1, 5] {
            guard case .failure = V5RecordParser.parse(bytes, at: offset) else { Issue.record("offset \(offset)"); continue }
        }
    }
}
