import Testing
import AQTestSupport
import Foundation
@testable import AQLog

/// A lone `.deferred` producer writes its own batch instead of handing it to the committer
/// thread and back (`GroupCommitter.beginInlineCommit`). These tests pin down what that must
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
    /// the sequence it was given, and no two writes or syncs ever overlap.
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
            let committerWrites = storage.state.withLock { $0.recordWritesOnCommitter }
            #expect(committerWrites > 0, "phase \(phase): concurrent producers hand their batches to the committer")
            let before = storage.state.withLock { $0.recordWritesElsewhere }
            for i in 0..<100 {
                let bytes = payload(next + i)
                acked.add((try await log.append(bytes), bytes))
            }
            next += 100
            let inline = storage.state.withLock { $0.recordWritesElsewhere } - before
            #expect(inline >= 90, "phase \(phase): a lone producer writes its own batches (\(inline) of 100)")
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

    @Test func aFailedInlineWritePoisonsTheLog() async throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        let storage = RecordingStorage()
        let log = try log(dir, storage, .deferred)
        let sent = (0..<5).map { payload($0) }
        for p in sent { try await log.append(p) }
        storage.state.withLock { $0.failUnsyncedWriteAfter = 1 }
        for attempt in 0..<2 {  // the failing write, then an append after it
            do {
                try await log.append(payload(99))
                Issue.record("append \(attempt) after a failed write succeeded")
            } catch {
                guard case .poisoned(let cause) = error, cause.errno == .ioError else {
                    Issue.record("expected poisoned by EIO, got \(error)"); continue
                }
            }
        }
        await #expect(throws: LogError.self) { try await log.flush() }
        try? await log.close()
        let reopened = try LogWriter.open(directory: dir, options: LogOptions(segmentSize: 1 << 20, backend: .posix))
        #expect(reopened.lastSequence == 5)
        try reopened.close()
        #expect(try readAll(dir) == sent)
    }
}
