import Testing
import AQTestSupport
import Foundation
@testable import AQLog

/// A lone `.deferred` producer writes its own batch instead of handing it to the committer
/// thread and back (`Committer.beginInlineCommit`). These tests pin down what that must
/// not change: acknowledgement only after the write, one writer of the file at a time, the
/// poisoning on failure, and `.sync` untouched.
@Suite struct InlineDeferredCommitTests {
    private func log(_ dir: String, _ storage: RecordingStorage, _ durability: Durability, segmentSize: Int = 1 << 20) throws -> Log {
        try Log(directory: dir, options: LogOptions(segmentSize: segmentSize, backend: .posix), durability: durability, storage: storage)
    }

    @Test(arguments: [PosixStorage.WritePath.posix, .uring])
    func aLoneDeferredProducerWritesItsOwnBatches(_ path: PosixStorage.WritePath) async throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        let storage = RecordingStorage(inner: PosixStorage(writePath: path))
        let log = try log(dir, storage, .deferred)
        let sent = (0..<300).map { payload($0) }
        for (i, p) in sent.enumerated() {
            let s = try await log.append(p)
            #expect(s == UInt64(i + 1))
            #expect(storage.writtenThrough >= s, "acknowledged before its write completed")
        }
        let (onCommitter, elsewhere) = storage.state.withLock { ($0.recordWritesOnCommitter, $0.recordWritesElsewhere) }
        #expect(onCommitter == 0)
        #expect(elsewhere == sent.count, "one write per append, made by the producer")
        try await log.close()
        #expect(try readAll(dir) == sent)
    }

    @Test func theOptionKeepsDeferredWritesOnTheCommitter() async throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        let storage = RecordingStorage()
        var options = LogOptions(segmentSize: 1 << 20, backend: .posix)
        options.inlineDeferredCommits = false
        let log = try Log(directory: dir, options: options, durability: .deferred, storage: storage)
        for i in 0..<50 {
            let s = try await log.append(payload(i))
            #expect(storage.writtenThrough >= s)
        }
        let (onCommitter, elsewhere) = storage.state.withLock { ($0.recordWritesOnCommitter, $0.recordWritesElsewhere) }
        #expect(elsewhere == 0, "no append wrote on its caller's thread")
        #expect(onCommitter == 50)
        try await log.close()
        #expect(try readAll(dir) == (0..<50).map { payload($0) })
    }

    @Test func syncAppendsStayWithTheCommitter() async throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        let storage = RecordingStorage()
        let log = try log(dir, storage, .sync)
        for i in 0..<50 { try await log.append(payload(i)) }
        let (onCommitter, elsewhere) = storage.state.withLock { ($0.recordWritesOnCommitter, $0.recordWritesElsewhere) }
        #expect(elsewhere == 0, "a synced commit never blocks a producer's thread")
        #expect(onCommitter == 50)
        try await log.close()
    }

    /// Bursts of concurrent producers (the committer writes), a lone producer (it writes
    /// itself), flushes throughout and segments small enough to roll: every record lands at
    /// the sequence it was given, and no two threads are ever in the log's I/O at once (writes,
    /// syncs, renames and `LOCK` publications).
    @Test func inlineAndCommitterWritesNeverOverlap() async throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        let storage = RecordingStorage()
        let log = try log(dir, storage, .deferred, segmentSize: 64 * 1024)
        let acked = Collector<(UInt64, [UInt8])>()
        let flushing = Collector<Bool>()
        let flusher = Task {
            while flushing.count == 0 {
                try await log.flush()
                try await Task.sleep(for: .milliseconds(2))
            }
        }
        var next = 0
        for phase in 0..<3 {
            let base = next
            let committerBefore = storage.state.withLock { $0.recordWritesOnCommitter }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for p in 0..<8 {
                    group.addTask {
                        for i in 0..<100 {
                            let bytes = payload(base + p * 100 + i)
                            acked.add((try await log.append(bytes), bytes))
                        }
                    }
                }
                try await group.waitForAll()
            }
            next += 800
            let committerWrites = storage.state.withLock { $0.recordWritesOnCommitter } - committerBefore
            #expect(committerWrites > 0, "phase \(phase): concurrent producers hand their batches to the committer")
            let before = storage.state.withLock { $0.recordWritesElsewhere }
            for i in 0..<100 {
                let bytes = payload(next + i)
                acked.add((try await log.append(bytes), bytes))
            }
            next += 100
            let inline = storage.state.withLock { $0.recordWritesElsewhere } - before
            // Most, not all: an append that lands while the flusher's flush is pending is left
            // to the committer, and so is the next one.
            #expect(inline >= 50, "phase \(phase): a lone producer writes its own batches (\(inline) of 100)")
        }
        flushing.add(true)
        try await flusher.value
        try await log.close()
        #expect(storage.state.withLock { $0.maxConcurrentIO } == 1)
        #expect(segmentFiles(dir).count > 3)
        let records = try readAll(dir)
        let all = acked.all.sorted { $0.0 < $1.0 }
        #expect(all.map(\.0) == Array(1...UInt64(next)))
        let same = all.map(\.1) == records  // (not inside #expect: a failure would print every record)
        #expect(same, "every record at the sequence its append returned")
    }

    /// A producer that stages while a lone producer's inline write is in flight is neither
    /// written by it nor lost: the inline writer wakes the committer as it lets go of the I/O,
    /// with no flush or close to do it instead.
    @Test func anAppendStagedDuringAnInlineWriteIsCommittedWithoutAFlush() async throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        let storage = RecordingStorage()
        let log = try log(dir, storage, .deferred)
        let second = Collector<UInt64>()
        let onceOnly = Collector<Bool>()
        let executorB = DedicatedExecutor()
        storage.afterUnsyncedWrite.withLock {
            $0 = {
                guard onceOnly.count == 0 else { return }
                onceOnly.add(true)
                Task(executorPreference: executorB) { second.add(try await log.append(payload(2))) }
                while log.committer.reservedThrough < 2 { usleep(100) }
            }
        }
        let first = try await Task(executorPreference: DedicatedExecutor()) { try await log.append(payload(1)) }.value
        #expect(first == 1)
        #expect(await eventually(timeout: .seconds(5)) { second.count == 1 }, "the append staged during the inline write was never committed")
        #expect(storage.state.withLock { ($0.recordWritesElsewhere, $0.recordWritesOnCommitter) } == (1, 1),
                "the first append wrote inline, the one staged during its write went to the committer")
        #expect(second.all == [2])
        #expect(storage.writtenThrough == 2)
        try await log.close()
        #expect(try readAll(dir) == [payload(1), payload(2)])
    }

    /// `close()` and `flush()` requested while a lone producer's write is in flight wait for
    /// it: the append succeeds, the flush covers it, the close syncs it.
    @Test(arguments: ["flush", "close"])
    func aFlushOrCloseDuringAnInlineWriteWaitsForIt(_ request: String) async throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        let storage = RecordingStorage()
        let log = try log(dir, storage, .deferred)
        try await log.append(payload(0))
        let requested = Collector<Bool>()
        let executorB = DedicatedExecutor()
        let flushed = Collector<UInt64>()
        storage.afterUnsyncedWrite.withLock {
            $0 = {
                guard requested.count == 0 else { return }
                requested.add(true)
                if request == "flush" {
                    Task(executorPreference: executorB) { try await log.flush(); flushed.add(log.durableSequence) }
                    while log.committer.flushesPending == 0 { usleep(100) }
                } else {
                    Task(executorPreference: executorB) { try await log.close() }
                    while !log.committer.closeRequested { usleep(100) }
                }
            }
        }
        let s = try await Task(executorPreference: DedicatedExecutor()) { try await log.append(payload(1)) }.value
        #expect(s == 2)
        #expect(storage.state.withLock { $0.recordWritesElsewhere } == 2, "both appends were inline writes")
        if request == "flush" {
            #expect(await eventually(timeout: .seconds(5)) { flushed.count == 1 })
            #expect(flushed.all.first ?? 0 >= 2, "the flush covers the record written while it waited")
            try await log.close()
        } else {
            #expect(await eventually(timeout: .seconds(5)) { (try? LogWriter.open(directory: dir, options: LogOptions(segmentSize: 1 << 20, backend: .posix)))?.lastSequence == 2 })
        }
        #expect(try readAll(dir) == [payload(0), payload(1)])
    }

    /// A failed inline write poisons the log: the writer and a producer that staged during
    /// the write get the error, later appends and flushes too, and reopen recovers what was
    /// acknowledged.
    @Test func aFailedInlineWritePoisonsTheLog() async throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        let storage = RecordingStorage()
        let log = try log(dir, storage, .deferred)
        let sent = (0..<5).map { payload($0) }
        for p in sent { try await log.append(p) }
        let writer = Collector<String>()
        let second = Collector<LogError>()
        let executorB = DedicatedExecutor()
        storage.beforeUnsyncedWrite.withLock {
            $0 = {
                guard writer.count == 0 else { return }
                writer.add(CommitterLockTests.currentThreadName())
                Task(executorPreference: executorB) {
                    do throws(LogError) { try await log.append(payload(98)) } catch { second.add(error) }
                }
                while log.committer.reservedThrough < 7 { usleep(100) }
            }
        }
        storage.state.withLock { $0.failUnsyncedWriteAfter = 1 }
        for attempt in 0..<2 {  // the failing write, then an append after it
            do {
                _ = try await Task(executorPreference: DedicatedExecutor()) { try await log.append(payload(99)) }.value
                Issue.record("append \(attempt) after a failed write succeeded")
            } catch {
                guard case .poisoned(let cause)? = error as? LogError, cause.errno == .ioError else {
                    Issue.record("expected poisoned by EIO, got \(error)"); continue
                }
            }
        }
        #expect(writer.all.count == 1 && writer.all.first != Committer.threadName, "the failing write was the producer's own")
        #expect(await eventually(timeout: .seconds(5)) { second.count == 1 }, "the producer staged during the failed write was never resumed")
        if case .poisoned? = second.all.first {} else { Issue.record("expected poisoned, got \(second.all)") }
        await #expect(throws: LogError.self) { try await log.flush() }
        try? await log.close()
        let reopened = try LogWriter.open(directory: dir, options: LogOptions(segmentSize: 1 << 20, backend: .posix))
        #expect(reopened.lastSequence == 5)
        try reopened.close()
        #expect(try readAll(dir) == sent)
    }
}
