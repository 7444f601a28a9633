import Testing
import AQTestSupport
import Foundation
import Synchronization
@testable import AQLog

/// The committer releases its lock for a roll's and a flush's syncs (as for a commit's I/O):
/// producers can still take it meanwhile (stage records, read the log's state). Each test
/// parks the committer inside one of those syncs and checks the lock from another thread.
@Suite struct CommitterLockTests {
    /// Parks the committer thread the first time `hook` runs on it, until `release` is signalled.
    final class Park: Sendable {
        let parked = Mutex(false)
        let release = DispatchSemaphore(value: 0)
        func hook() -> @Sendable () -> Void {
            { [self] in
                guard CommitterLockTests.currentThreadName() == Committer.threadName, !parked.withLock({ $0 }) else { return }
                parked.withLock { $0 = true }
                release.wait()
            }
        }
    }

    static func currentThreadName() -> String {
        (try? String(contentsOfFile: "/proc/thread-self/comm", encoding: .utf8))?.trimmingCharacters(in: .newlines) ?? ""
    }

    /// True when `log.lastSequence` (which takes the committer's lock) returns within a second.
    private func lockIsFree(_ log: Log) async -> Bool {
        let read = Mutex(false)
        Thread { _ = log.lastSequence; read.withLock { $0 = true } }.start()
        return await eventually(timeout: .seconds(1)) { read.withLock { $0 } }
    }

    @Test func producersStageWhileTheCommitterRolls() async throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        let storage = RecordingStorage()
        let log = try Log(directory: dir, options: LogOptions(segmentSize: 64 * 1024, backend: .posix), storage: storage)
        let park = Park()
        storage.beforeDirectorySync.withLock { $0 = park.hook() }  // the roll's last step
        let sent = (0..<80).map { payload($0, size: 1_000) }
        // One call, > 64 KiB, so it rolls.
        let executor = DedicatedExecutor()
        let first = Task(executorPreference: executor) { try await log.append(contentsOf: Array(sent[..<70])) }
        #expect(await eventually { park.parked.withLock { $0 } })
        #expect(await lockIsFree(log), "the roll holds the committer's lock")
        // Appends issued during the roll are staged (sequences reserved) and land after it.
        let late = Task(executorPreference: executor) { try await log.append(contentsOf: Array(sent[70...])) }
        #expect(await eventually { log.committer.reservedThrough == 80 }, "staged while the roll runs")
        storage.beforeDirectorySync.withLock { $0 = nil }
        park.release.signal()
        var bySequence = [[UInt8]](repeating: [], count: sent.count)
        let firstRange = try await first.value
        #expect(firstRange == 1..<71)
        for (i, s) in firstRange.enumerated() { bySequence[Int(s) - 1] = sent[i] }
        let lateRange = try await late.value
        #expect(lateRange.count == 10)
        for (i, s) in lateRange.enumerated() { bySequence[Int(s) - 1] = sent[70 + i] }
        try await log.close()
        #expect(segmentFiles(dir).count == 2)
        var read: [[UInt8]] = []
        try LogReader.open(directory: dir).forEach { _, b in read.append(Array(b)); return true }
        let same = read == bySequence  // (not inside #expect: a failure would print 80 KB)
        #expect(same, "every record at the sequence its append returned")
    }

    @Test func producersStageWhileAFlushSyncs() async throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        let storage = RecordingStorage()
        let log = try Log(directory: dir, options: LogOptions(segmentSize: 1 << 20, backend: .posix),
                          durability: .deferred, storage: storage)
        for i in 0..<5 { try await log.append(payload(i)) }
        let park = Park()
        storage.beforeSyncData.withLock { $0 = park.hook() }
        let executor = DedicatedExecutor()
        let flush = Task(executorPreference: executor) { try await log.flush() }
        #expect(await eventually { park.parked.withLock { $0 } })
        #expect(await lockIsFree(log), "the flush holds the committer's lock through its fdatasync")
        let late = Task(executorPreference: executor) { try await log.append(payload(5)) }
        #expect(await eventually { log.committer.reservedThrough == 6 }, "staged while the flush syncs")
        storage.beforeSyncData.withLock { $0 = nil }
        park.release.signal()
        try await flush.value
        #expect(try await late.value == 6)
        #expect(log.durableSequence >= 5)
        try await log.close()
        var read: [[UInt8]] = []
        try LogReader.open(directory: dir).forEach { _, b in read.append(Array(b)); return true }
        let same = read == (0..<6).map { payload($0) }
        #expect(same)
    }
}
