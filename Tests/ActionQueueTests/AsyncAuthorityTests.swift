import AQLog
import AQLogSimulation
import AQTestSupport
import Foundation
import Logging
import Testing
@testable import ActionQueue

/// The concurrent authority over a real `Log`: sequences it assigns, validation against the
/// pending projection, acknowledged-only reads, fencing, close and reopen.
@Suite struct AsyncAuthorityTests {
    @Test(arguments: [Durability.sync, .group(maxDelay: .microseconds(200), maxBytes: 1 << 16), .deferred])
    func concurrentSubmittersShareTheLogAndReopenToTheSameProjection(durability: Durability) async throws {
        let dir = TemporaryDirectory()
        let authority = try await AsyncMutationAuthority.open(directory: dir.path, durability: durability)
        let submitters: UInt64 = 16, tasksEach: UInt64 = 5
        let sequences = try await withThrowingTaskGroup(of: [UInt64].self) { group in
            for p in 0..<submitters {
                group.addTask {
                    var mine: [UInt64] = []
                    for t in 0..<tasksEach {
                        for command in taskCommands(p * 100 + t + 1) { mine.append(try await authority.submit(command).sequence) }
                    }
                    return mine
                }
            }
            var all: [UInt64] = []
            for try await mine in group {
                #expect(mine == mine.sorted(), "one submitter's commands are acknowledged in its order")
                all += mine
            }
            return all
        }
        let total = submitters * tasksEach * UInt64(taskCommands(1).count)
        #expect(sequences.sorted() == Array(1...total), "the authority gave dense, distinct sequences")
        let projection = authority.projection
        #expect(projection.latestSequence == total)
        #expect(projection.runs.values.allSatisfy { $0.instance.state == .completed })
        try await authority.close()
        await #expect(throws: MutationAuthorityError.closed) { try await authority.submit(taskCreated(999)) }

        let reopened = try await AsyncMutationAuthority.open(directory: dir.path, durability: durability)
        #expect(reopened.projection == projection, "replaying the log gives the acknowledged projection")
        #expect(try await reopened.submit(taskCreated(999)).sequence == total + 1)
        try await reopened.close()
    }

    @Test func commandsAreValidatedAgainstPendingButReadersSeeOnlyAcknowledged() async throws {
        let disk = SimulatedStorage(seed: 1)
        let gate = StorageGate()
        let log = try Log(directory: "/log", options: quietOptions, storage: disk,
                          backgroundPreparation: false)
        let authority = try AsyncMutationAuthority(projection: ReplayReducer(), log: log, directory: "/log", storage: disk)
        disk.trace { _ in gate.passOrWait() }
        gate.close()
        let first = Task { try await authority.submit(taskCreated(1)) }
        #expect(await waitUntil { authority.acceptedSequence == 1 })
        // Refused against the pending projection (task 1 exists there), though not acknowledged.
        // Refused at once (no disk needed): awaited before the next command, so the sequence it
        // names is the one due after the first command's.
        let duplicate = await Task { () -> Result<MutationOutcome, MutationAuthorityError> in
            do throws(MutationAuthorityError) { return .success(try await authority.submit(taskCreated(1))) } catch { return .failure(error) }
        }.value
        let second = Task { try await authority.submit(runCreated(1, task: 1)) }
        #expect(await waitUntil { authority.acceptedSequence == 2 })
        _ = await waitUntil(seconds: 0.2) { authority.acceptedSequence > 2 }
        #expect(authority.acceptedSequence == 2, "the duplicate was not accepted")
        #expect(authority.projection.latestSequence == 0, "nothing is acknowledged while the disk is held")
        #expect(authority.projection.tasks.isEmpty)
        gate.open()
        #expect(try await first.value.sequence == 1)
        #expect(duplicate == Result<MutationOutcome, MutationAuthorityError>.failure(.validation(.rejectedByReplay(.duplicateEvent(sequence: 2, .taskExists(T(1)))))))
        #expect(try await second.value == MutationOutcome(sequence: 2, durable: true))
        #expect(authority.projection.runState(R(1)) == .scheduled)
        try await authority.close()
    }

    @Test func aMultiEventCommandIsOneRecordAppliedWhollyOrNotAtAll() async throws {
        let dir = TemporaryDirectory()
        let authority = try await AsyncMutationAuthority.open(directory: dir.path)
        let commands = taskCommands(1)
        try await authority.submit(commands[0])  // task + first run
        try await authority.submit(commands[1])  // ready
        let before = authority.projection
        // The lease is valid, the state change after it is not (ready -> running): neither applies.
        let invalid: [WalEventType] = [commands[2][0], transition(1, .ready, .running)]
        await #expect(throws: MutationAuthorityError.validation(.rejectedByReplay(
            .invalidTransition(sequence: 3, .illegalTransition(R(1), from: .ready, to: .running))))) {
            try await authority.submit(invalid)
        }
        #expect(authority.projection == before)
        #expect(authority.acceptedSequence == 2, "nothing of the refused command stays pending")
        #expect(try await authority.submit(commands[2]).sequence == 3)  // lease + leased, one record
        #expect(authority.projection.runs[R(1)]?.lease?.owner == "w1")
        #expect(authority.projection.runState(R(1)) == .leased)
        try await authority.close()
        let events = try LogDirectoryEvents(directory: dir.path)
        var records: [WalRecord] = []
        try events.forEach(from: 1) { s, payload in records.append(try LogReplayer.decode(payload, logSequence: s)) }
        #expect(records.map(\.events) == [commands[0], commands[1], commands[2]])
        #expect(try RecoveryBootstrap.recover(log: events, snapshots: nil).projection == authority.projection)
    }

    @Test func aFailedBatchFencesEveryAcceptedAndLaterCommand() async throws {
        let disk = SimulatedStorage(seed: 2)
        let log = try Log(directory: "/log", options: quietOptions, storage: disk,
                          backgroundPreparation: false)
        let authority = try AsyncMutationAuthority(projection: ReplayReducer(), log: log, directory: "/log", storage: disk)
        try await authority.submit(taskCreated(1))
        disk.schedule(FaultTrigger(on: .sync, action: .fail(.ioError), persistent: true))
        let error = await #expect(throws: MutationAuthorityError.self) { try await authority.submit(taskCreated(2)) }
        guard case .fenced(.ambiguousAppend(sequence: 2, let failure))? = error else {
            Issue.record("expected a fence, got \(String(describing: error))"); return
        }
        guard case .poisoned? = failure.logError else { Issue.record("the LogError is reachable: \(failure)"); return }
        #expect(authority.projection.latestSequence == 1, "the acknowledged projection stays the log's prefix")
        await #expect(throws: MutationAuthorityError.fenced(authority.fence!)) { try await authority.submit(taskCreated(3)) }
        try? await authority.close()
    }

    /// Commands accepted and queued while the failing batch is in flight are fenced with it:
    /// none is acknowledged, none reaches the projection.
    @Test func commandsQueuedBehindAFailedBatchAreFencedWithIt() async throws {
        let disk = SimulatedStorage(seed: 3)
        let gate = StorageGate()
        let log = try Log(directory: "/log", options: quietOptions, storage: disk, backgroundPreparation: false)
        let authority = try AsyncMutationAuthority(projection: ReplayReducer(), log: log, directory: "/log", storage: disk)
        try await authority.submit(taskCreated(1))
        disk.schedule(FaultTrigger(on: .sync, action: .fail(.ioError), persistent: true))
        disk.trace { _ in gate.passOrWait() }
        gate.close()
        func submitted(_ id: UInt64) -> Task<Result<MutationOutcome, MutationAuthorityError>, Never> {
            Task {
                do throws(MutationAuthorityError) { return .success(try await authority.submit(taskCreated(id))) } catch { return .failure(error) }
            }
        }
        let inFlight = submitted(2)
        #expect(await waitUntil { authority.acceptedSequence == 2 })
        let queued = [submitted(3), submitted(4)]
        #expect(await waitUntil { authority.acceptedSequence == 4 }, "accepted while the batch before them is held")
        gate.open()
        for task in [inFlight] + queued {
            guard case .failure(.fenced) = await task.value else { Issue.record("not fenced: \(await task.value)"); continue }
        }
        #expect(authority.projection.latestSequence == 1, "the acknowledged projection stays the log's prefix")
        #expect(authority.projection.tasks.count == 1)
        try? await authority.close()
    }

    @Test func snapshotsAreTakenWhileSubmittersRunAndRecoveryStartsFromThem() async throws {
        let dir = TemporaryDirectory()
        let store = SnapshotStore(directory: dir.path + "/snapshots")  // created by the first write
        let authority = try await AsyncMutationAuthority.open(directory: dir.path + "/log", durability: .deferred)
        let snapshots = try await withThrowingTaskGroup(of: [Snapshot].self) { group in
            // Submitters stop halfway until a snapshot of some acknowledged commands exists, so
            // at least one is taken with submitters on both sides of it.
            let midRun = SnapshotSignal()
            for p in UInt64(0)..<8 {
                group.addTask {
                    for t in UInt64(1)...4 {
                        if t == 3 { #expect(await waitUntil { midRun.isSet }) }
                        for event in taskLife(p * 100 + t) { try await authority.submit(event) }
                    }
                    return []
                }
            }
            group.addTask {
                var taken: [Snapshot] = []
                var i: UInt64 = 0
                while taken.count < 5 || !midRun.isSet {
                    i += 1
                    let snapshot = try await authority.publishSnapshot(to: store, timestamp: i, retain: 2)
                    if snapshot.walSequence > 0 { midRun.set() }
                    taken.append(snapshot)
                    try await Task.sleep(for: .milliseconds(2))
                }
                return taken
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        #expect(snapshots.contains { $0.walSequence > 0 && $0.walSequence < authority.acceptedSequence },
                "a snapshot was taken while submitters were running: \(snapshots.map(\.walSequence))")
        let final = try await authority.publishSnapshot(to: store, timestamp: 9, retain: 2)
        let projection = authority.projection
        #expect(final.walSequence == projection.latestSequence)
        try await authority.close()
        // Each snapshot taken mid-run is the replay of the log's prefix it names.
        let events = try LogDirectoryEvents(directory: dir.path + "/log")
        for snapshot in snapshots {
            var prefix = ReplayReducer()
            try events.forEach(from: 1) { s, payload in
                if s <= snapshot.walSequence { try prefix.apply(try LogReplayer.decode(payload, logSequence: s)) }
            }
            #expect(Snapshot(projection: prefix, timestamp: snapshot.timestamp) == snapshot)
        }
        #expect(try store.sequences().count == 2, "retain keeps the newest two")
        let recovered = try RecoveryBootstrap.recover(log: events, snapshots: store)
        #expect(recovered.snapshotSequence == final.walSequence)
        #expect(recovered.projection == projection)
    }

    @Test func aProjectionApartFromTheLogIsRefused() async throws {
        let dir = TemporaryDirectory()
        let log = try Log.open(directory: dir.path)
        try await log.append(WalEvent(sequence: 1, event: taskCreated(1)).postcardBytes())
        #expect(throws: MutationAuthorityError.projectionLogMismatch(projectionSequence: 0, logLastSequence: 1)) {
            try AsyncMutationAuthority(projection: ReplayReducer(), log: log, directory: dir.path)
        }
        try await log.close()
    }
}

/// Holds every storage operation of a simulated disk while closed (the committer's thread
/// waits inside the operation), so a test can look at the authority mid-pipeline.
/// A flag set once, read from any task.
final class SnapshotSignal: @unchecked Sendable {
    private let lock = NSLock()
    private var flag = false
    var isSet: Bool { lock.withLock { flag } }
    func set() { lock.withLock { flag = true } }
}

final class StorageGate: @unchecked Sendable {
    private let condition = NSCondition()
    private var closed = false
    func close() { condition.withLock { closed = true } }
    func open() { condition.withLock { closed = false; condition.broadcast() } }
    func passOrWait() { condition.withLock { while closed { condition.wait() } } }
}

/// Polls `condition` every millisecond for up to `seconds`; returns whether it held.
func waitUntil(seconds: Double = 10, _ condition: () -> Bool) async -> Bool {
    for _ in 0..<Int(seconds * 1000) where !condition() { try? await Task.sleep(for: .milliseconds(1)) }
    return condition()
}

/// Small segments over the simulated disk, logging nothing (the fence tests poison logs).
let quietOptions: LogOptions = {
    var options = LogOptions(segmentSize: 64 * 1024, backend: .posix)
    options.logger = Logger(label: "quiet") { _ in SwiftLogNoOpLogHandler() }
    return options
}()
