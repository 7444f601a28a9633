import Testing
import AQTestSupport
import Foundation
import Synchronization
import PropertyBased
@testable import AQLog

/// Readers never see a record before it is durable (deferred logs: acknowledged); docs/DESIGN.md, "The path of a byte".
/// The writer publishes that point in its `LOCK`; readers in any process cap at it while the
/// writer lives.
@Suite struct ReadableLimitTests {
    @Test func theLockCarriesTheWritersProgressOnlyWhileHeld() throws {
        let tmp = TemporaryDirectory()
        let path = tmp.sub("LOCK")
        let storage = PosixStorage()
        let zero = WriterProgress.nothing
        #expect(try storage.writerProgress(lockPath: path) == nil, "no file")
        let lock = try storage.lockExclusive(path)
        #expect(try PosixStorage().writerProgress(lockPath: path) == zero, "held, nothing published")
        _ = try lock.startPublishing()
        lock.publish(WriterProgress(readableThrough: 42, durableThrough: 40))
        #expect(try PosixStorage().writerProgress(lockPath: path) == WriterProgress(readableThrough: 42, durableThrough: 40))
        let far = WriterProgress(readableThrough: 1 << 40, durableThrough: 1 << 39)
        lock.publish(far)
        #expect(try storage.writerProgress(lockPath: path) == far)
        // Asking never takes the lock: a second writer still finds it held, not raced.
        #expect(throws: IOFailure.self) { _ = try storage.lockExclusive(path) }
        // `flock` excludes writers of earlier versions, both ways.
        let other = open(path, O_RDONLY)
        #expect(flock(other, LOCK_EX | LOCK_NB) != 0)
        close(other)
        lock.release()
        #expect(try storage.writerProgress(lockPath: path) == nil, "released: nobody to wait for")
        // The next holder learns the last holder's progress, then publishes nothing readable,
        // keeping the last holder's durable point for whoever opens after it.
        let next = try storage.lockExclusive(path)
        #expect(try next.startPublishing() == far)
        #expect(try storage.writerProgress(lockPath: path) == WriterProgress(readableThrough: 0, durableThrough: far.durableThrough))
        // A damaged record reads as zero progress (the safe answer), never as a value.
        next.publish(far)
        let damage = open(path, O_WRONLY)  // in place: `patch` would replace the locked file
        #expect(pwrite(damage, [UInt8(0xEE)], 1, 3) == 1)
        close(damage)
        #expect(try storage.writerProgress(lockPath: path) == zero)
        next.release()
    }

    @Test func anEarlierVersionsFlockHolderKeepsAWriterOut() throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let old = open(dir + "/LOCK", O_RDWR | O_CREAT, 0o644)
        #expect(flock(old, LOCK_EX | LOCK_NB) == 0)
        #expect(throws: LogError.logLocked(path: dir)) { _ = try LogWriter.open(directory: dir) }
        close(old)
        try LogWriter.open(directory: dir).close()
    }

    /// A publication that fails (a `pwrite` to `LOCK`) leaves readers behind, and the writer's
    /// next flush publishes again even with nothing new to sync.
    @Test func aFailedPublicationIsRetried() throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        let storage = RecordingStorage()
        let writer = try LogWriter(directory: dir, options: LogOptions(segmentSize: 1 << 20, backend: .posix), storage: storage)
        try writer.append([1])
        storage.failPublish.withLock { $0 = true }
        try writer.append([2])
        #expect(try LogReader.open(directory: dir).lastSequence == 1, "behind, never ahead")
        storage.failPublish.withLock { $0 = false }
        try writer.flush()
        #expect(try LogReader.open(directory: dir).lastSequence == 2)
        try writer.close()
    }

    /// The floor below is only for the same file proven unchanged: a log re-created under the
    /// same name (same segment path) gets no floor from the old one's records.
    @Test func aRecreatedLogGetsNoFloorFromTheOldOne() async throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        let options = LogOptions(segmentSize: 1 << 20, backend: .posix)
        let first = try LogWriter.open(directory: dir, options: options)
        for i in 0..<10 { try first.append([UInt8(i)]) }
        try first.close()
        let reader = try LogReader.open(directory: dir)
        #expect(reader.lastSequence == 10)
        try FileManager.default.removeItem(atPath: dir)
        let storage = RecordingStorage()
        let writer = try LogWriter(directory: dir, options: options, storage: storage)
        let window = SyncWindow(holding: storage)
        let done = Mutex(false)
        nonisolated(unsafe) let owner = writer  // used by this thread until `done`
        Thread {
            _ = try? owner.append(contentsOf: [[1], [2], [3]])
            done.withLock { $0 = true }
        }.start()
        #expect(await window.entered())
        try reader.refresh()
        #expect(reader.lastSequence == 0, "records 1-3 are written, not synced")
        window.open()
        #expect(await eventually { done.withLock { $0 } })
        try reader.refresh()
        #expect(reader.lastSequence == 3)
        try writer.close()
    }

    /// A writer that is opening publishes zeros until its recovery is done: a reader that
    /// already returned records of the open segment keeps them; a new reader waits.
    @Test func aReaderNeverLosesRecordsItReturnedWhileAWriterOpens() throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        _ = try makeLog(dir, count: 5, options: LogOptions(segmentSize: 1 << 20))
        let reader = try LogReader.open(directory: dir)
        #expect(reader.lastSequence == 5)
        let opening = try PosixStorage().lockExclusive(dir + "/LOCK")
        _ = try opening.startPublishing()
        try reader.refresh()
        #expect(reader.lastSequence == 5)
        #expect(try LogReader.open(directory: dir).lastSequence == 0)
        opening.publish(WriterProgress(readableThrough: 5, durableThrough: 5))
        #expect(try LogReader.open(directory: dir).lastSequence == 5)
        opening.release()
    }

    /// The window the limit exists for: a `.sync` batch written to the file, its sync not yet
    /// complete. A reader opened (or refreshed) inside it must not return the batch.
    @Test(arguments: [false, true])
    func aBatchIsHiddenUntilItsSyncCompletes(concurrentLog: Bool) async throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        let storage = RecordingStorage()
        let options = LogOptions(segmentSize: 1 << 20, backend: .posix)
        let log: Log? = concurrentLog ? try Log(directory: dir, options: options, storage: storage) : nil
        let writer: LogWriter? = concurrentLog ? nil : try LogWriter(directory: dir, options: options, storage: storage)
        if let log { try await log.append([1, 2, 3]) } else { try writer!.append([1, 2, 3]) }
        let reader = try LogReader.open(directory: dir)
        #expect(reader.lastSequence == 1)

        // The writing thread (the committer, or a plain thread for LogWriter) blocks in the
        // window; the test's task only polls, so it never blocks a cooperative thread.
        let window = SyncWindow(holding: storage)
        let done = Mutex(false)
        let appended = Mutex<UInt64>(0)
        if let log {
            Task(executorPreference: DedicatedExecutor()) {
                let s = try? await log.append([4, 5, 6])
                appended.withLock { $0 = s ?? 0 }
                done.withLock { $0 = true }
            }
        } else {
            nonisolated(unsafe) let owner = writer!  // used by this thread until `done`
            Thread {
                appended.withLock { $0 = (try? owner.append([4, 5, 6])) ?? 0 }
                done.withLock { $0 = true }
            }.start()
        }
        #expect(await window.entered())
        // The commit frame of sequence 2 is in the file: an uncapped scan would return it.
        #expect(try LogRecovery(storage: PosixStorage(), directory: dir).recoverBesideWriter().open?.descriptor.lastSequence == 2)
        try reader.refresh()
        #expect(reader.lastSequence == 1)
        #expect(try LogReader.open(directory: dir).lastSequence == 1)
        window.open()
        #expect(await eventually { done.withLock { $0 } })
        #expect(appended.withLock { $0 } == 2)
        try reader.refresh()
        #expect(reader.lastSequence == 2)
        #expect(try reader.record(2) == [4, 5, 6])
        if let log { try await log.close() } else { try writer!.close() }
    }

    /// Deferred mode says otherwise: what it acknowledges is readable before any sync.
    @Test func aDeferredWriterLetsReadersSeeAcknowledgedRecords() throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        let storage = RecordingStorage()
        let writer = try LogWriter(directory: dir, options: LogOptions(segmentSize: 1 << 20, backend: .posix),
                                   durability: .deferred, storage: storage)
        for i in 0..<5 { try writer.append([UInt8(i)]) }
        #expect(writer.durableSequence == 0)
        #expect(try LogReader.open(directory: dir).lastSequence == 5)
        try writer.close()
    }

    /// A writer that is gone (closed, or killed: its lock goes with its descriptors) leaves
    /// readers reading everything intact, as recovery would.
    @Test func withoutAWriterReadersReadEverythingIntact() throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        _ = try makeLog(dir, count: 3, options: LogOptions(segmentSize: 1 << 20))
        #expect(try PosixStorage().writerProgress(lockPath: dir + "/LOCK") == nil)
        #expect(try LogReader.open(directory: dir).lastSequence == 3)
    }
}

/// The progress record in `LOCK` is read while the writer may be rewriting it: whatever a
/// reader's `pread` returns, decode gives back a record that was written, or nothing.
@Suite struct WriterProgressRecordTests {
    @Test func roundTripsAndRefusesShortOrDamagedRecords() async {
        await propertyCheck(count: 300, input: Gen.uint64(), Gen.uint64(), Gen.int(in: 0...(20 * 8 - 1))) { readable, durable, bit in
            let progress = WriterProgress(readableThrough: readable, durableThrough: durable)
            var record = [UInt8](repeating: 0xAA, count: WriterProgressRecord.size)
            record.withUnsafeMutableBytes { WriterProgressRecord.encode(progress, into: $0) }
            #expect(record.withUnsafeBytes { WriterProgressRecord.decode($0) } == progress)
            // Short (a file from before the record existed, or a torn read at its end).
            let cut = Int(readable % UInt64(WriterProgressRecord.size))
            #expect(Array(record[0..<cut]).withUnsafeBytes { WriterProgressRecord.decode($0) } == nil)
            // Any one flipped bit of the checked 20 bytes (CRC-32C catches every single-bit error).
            var flipped = record
            flipped[bit / 8] ^= 1 << (bit % 8)
            #expect(flipped.withUnsafeBytes { WriterProgressRecord.decode($0) } == nil)
            // A mix of two records, as a read racing a rewrite can return.
            var other = [UInt8](repeating: 0, count: WriterProgressRecord.size)
            other.withUnsafeMutableBytes { WriterProgressRecord.encode(WriterProgress(readableThrough: readable &+ 1, durableThrough: durable), into: $0) }
            let mixed = Array(other[0..<4]) + Array(record[4...])
            #expect(mixed.withUnsafeBytes { WriterProgressRecord.decode($0) } == nil)
        }
    }
}

/// Holds the next synced write of a ``RecordingStorage`` between its write and its sync (on the
/// writing thread, never a test's task) until ``open()``.
final class SyncWindow: Sendable {
    private let storage: RecordingStorage
    private let inside = Mutex(false)
    private let release = DispatchSemaphore(value: 0)

    init(holding storage: RecordingStorage) {
        self.storage = storage
        storage.betweenWriteAndSync.withLock { $0 = { [self] in inside.withLock { $0 = true }; release.wait() } }
    }

    /// Waits until a write is held in the window.
    func entered() async -> Bool { await eventually { inside.withLock { $0 } } }

    /// Lets the held write sync; later writes pass straight through.
    func open() {
        storage.betweenWriteAndSync.withLock { $0 = nil }
        release.signal()
    }
}
