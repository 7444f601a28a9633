import Testing
import AQTestSupport
import Foundation
import Synchronization
@testable import AQLog

/// `Log.append` and `flush` do not observe cancellation: an append whose task is cancelled
/// while it waits still completes durably and returns its sequence, so what a caller was told
/// is acknowledged is in the log.
@Suite struct AppendCancellationTests {
    /// A log over a storage whose synced writes (and syncs) the test can hold, with no idle
    /// vouching (which would write on its own).
    private static func heldLog(_ dir: String, durability: Durability = .sync) throws -> (Log, RecordingStorage) {
        var options = LogOptions(segmentSize: 1 << 20, backend: .posix)
        options.idleVouchDelay = nil
        let storage = RecordingStorage()
        return (try Log(directory: dir, options: options, durability: durability, storage: storage), storage)
    }

    /// Holds the committer thread inside I/O until released; `entered` tells it is there.
    private final class Hold: Sendable {
        private let state = Mutex((entered: false, released: false))
        var entered: Bool { state.withLock { $0.entered } }
        func release() { state.withLock { $0.released = true } }
        @Sendable func wait() {
            state.withLock { $0.entered = true }
            while !state.withLock({ $0.released }) { usleep(1_000) }
        }
    }

    @Test func anAppendCancelledWhileItsBatchIsWrittenReturnsItsSequence() async throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        let (log, storage) = try Self.heldLog(dir)
        let hold = Hold()
        storage.betweenWriteAndSync.withLock { $0 = hold.wait }
        let task = Task { try await log.append(payload(0)) }
        #expect(await eventually { hold.entered })
        task.cancel()
        // Time for an append that gave up on cancellation to return before its record is durable.
        try await Task.sleep(for: .milliseconds(20))
        #expect(log.lastSequence == 0)
        storage.betweenWriteAndSync.withLock { $0 = nil }
        hold.release()
        #expect(try await task.value == 1)
        #expect(storage.syncedThrough == 1)
        try await log.close()
        #expect(try readAll(dir) == [payload(0)])
    }

    @Test func aFlushCancelledWhileItSyncsCompletes() async throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        let (log, storage) = try Self.heldLog(dir, durability: .deferred)
        try await log.append(payload(0))
        #expect(log.durableSequence == 0)
        let hold = Hold()
        storage.beforeSyncData.withLock { $0 = hold.wait }
        let task = Task { try await log.flush() }
        #expect(await eventually { hold.entered })
        task.cancel()
        try await Task.sleep(for: .milliseconds(20))
        storage.beforeSyncData.withLock { $0 = nil }
        hold.release()
        try await task.value
        #expect(log.durableSequence == 1)
        try await log.close()
    }

    /// Producers staging more than the back-pressure bound, cancelled while appending, finish
    /// every append; each sequence they were given holds their payload.
    @Test func cancelledProducersKeepEveryAcknowledgedRecord() async throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        var options = LogOptions(segmentSize: 1 << 20, backend: .posix)
        options.maxPendingBytes = 64 << 10  // the least a log takes
        let log = try Log.open(directory: dir, options: options)
        let acknowledged = Collector<(sequence: UInt64, record: Int)>()
        let (producers, each) = (16, 20)
        let tasks = (0..<producers).map { p in
            Task {
                for i in 0..<each {
                    let record = p * each + i
                    acknowledged.add((try await log.append(payload(record, size: 8192)), record))
                }
            }
        }
        #expect(await eventually { acknowledged.count > 0 })
        for task in tasks { task.cancel() }
        for task in tasks { try await task.value }  // none threw
        #expect(acknowledged.count == producers * each)
        try await log.close()
        let reader = try LogReader.open(directory: dir)
        for (sequence, record) in acknowledged.all {
            #expect(try reader.record(sequence) == payload(record, size: 8192))
        }
    }
}
