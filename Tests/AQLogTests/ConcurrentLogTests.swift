import Testing
import AQTestSupport
import Foundation
import Synchronization
@testable import AQLog

/// A storage configuration every concurrency test runs under.
struct Backend: Sendable, CustomTestStringConvertible {
    var writePath: PosixStorage.WritePath
    var directCommitSync: URingFile.DirectCommitSync = .dataSyncedWrite
    var testDescription: String {
        writePath == .uringDirect && directCommitSync == .linkedFdatasync ? "uringDirect (linked fdatasync)" : "\(writePath)"
    }
    func storage() -> PosixStorage { PosixStorage(writePath: writePath, directCommitSync: directCommitSync) }
    /// Synced commits can be several in flight (`O_DIRECT` writes flagged `RWF_DSYNC`; the
    /// test directories are on a file system with `O_DIRECT`).
    var keepsWritesInFlight: Bool { writePath == .uringDirect && directCommitSync == .dataSyncedWrite }
}

/// The backends every concurrency test runs under: both io_uring direct forms (the
/// `RWF_DSYNC` write and its linked-`fdatasync` fallback), buffered io_uring and posix.
let backends: [Backend] = [
    Backend(writePath: .posix), Backend(writePath: .uring), Backend(writePath: .uringDirect),
    Backend(writePath: .uringDirect, directCommitSync: .linkedFdatasync),
]

/// A one-way flag shared between tasks.
private final class Flag: Sendable {
    private let value = Mutex(false)
    func set() { value.withLock { $0 = true } }
    var isSet: Bool { value.withLock { $0 } }
}

@Suite struct ConcurrentLogTests {
    @Test(arguments: backends)
    func manyProducersEachSequenceOnceDenseAndContentExact(_ backend: Backend) async throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        let log = try Log(directory: dir, options: smallSegments, storage: backend.storage())
        let producers = 64, perProducer = 150
        let results = try await withThrowingTaskGroup(of: [(UInt64, [UInt8])].self) { group in
            for p in 0..<producers {
                group.addTask {
                    var mine: [(UInt64, [UInt8])] = []
                    for i in 0..<perProducer {
                        let body = payload(p * 1000 + i, size: (p * 13 + i) % 200)
                        mine.append((try await log.append(body), body))
                    }
                    return mine
                }
            }
            var all: [(UInt64, [UInt8])] = []
            for try await part in group { all += part }
            return all
        }
        try await log.close()
        let sorted = results.sorted { $0.0 < $1.0 }
        #expect(sorted.map(\.0) == Array(1...UInt64(producers * perProducer)))
        #expect(try readAll(dir) == sorted.map(\.1))
        #expect(segmentFiles(dir).count > 1)
    }

    @Test(arguments: backends)
    func noProducerIsResumedBeforeTheSyncCoveringItsRecord(_ backend: Backend) async throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        let storage = RecordingStorage(inner: backend.storage())
        storage.minimumLatency.withLock { $0 = .milliseconds(1) }  // a slow disk: commits overlap
        let log = try Log(directory: dir, options: smallSegments, storage: storage)
        let early = Collector<UInt64>()
        try await appendConcurrently(log, producers: 16, each: 100) { seq in
            if storage.syncedThrough < seq { early.add(seq) }
        }
        try await log.close()
        #expect(early.count == 0)
        // Group commit: far fewer syncs than records.
        #expect(storage.syncs < 1600)
        // Where the backend keeps several commits in flight, the check above covered
        // completions that arrived with later writes still in flight.
        if backend.keepsWritesInFlight {
            #expect(storage.state.withLock { $0.overlappedCompletions } > 0)
        }
    }

    @Test(arguments: backends)
    func anAcknowledgedRecordIsReadableWhenItsAppendReturns(_ backend: Backend) async throws {
        // Chained commits publish the previous batch during the next write: still before they
        // resume its producers, so a producer can always read what it was acknowledged.
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        let storage = RecordingStorage(inner: backend.storage())
        let log = try Log(directory: dir, options: smallSegments, storage: storage)
        let unreadable = Collector<UInt64>()
        try await appendConcurrently(log, producers: 16, each: 60) { seq in
            let published = storage.state.withLock { $0.publishedReadable }  // what `LOCK` says (readers in other processes)
            if published < seq || DurabilityNotifier.shared.durableThrough(directory: dir) < seq { unreadable.add(seq) }
        }
        try await log.close()
        #expect(unreadable.count == 0)
    }

    @Test func autoBackendFallsBackToPosixWhenRingSetupFails() throws {
        var options = smallSegments
        options.backend = .auto
        options.directIO = false
        #expect(try resolveStorage(options, uringAvailable: false).writePath == .posix)
        #expect(try resolveStorage(options, uringAvailable: true).writePath == .uring)
        options.directIO = true
        #expect(try resolveStorage(options, uringAvailable: true).writePath == .uringDirect)
        #expect(try resolveStorage(options, durability: .deferred, uringAvailable: true).writePath == .uring)
        options.backend = .uring
        #expect(throws: LogError.self) { try resolveStorage(options, uringAvailable: false) }
        options.backend = .posix
        #expect(try resolveStorage(options, uringAvailable: true).writePath == .posix)
        // The real probe agrees with what a ring open does on this kernel.
        #expect(URing.isAvailable == ((try? URing(entries: 2, path: "probe")) != nil))
    }

    /// `flush()` is served once what it covers is written, while producers keep the log busy
    /// (it used to wait until a commit completed with nothing staged, which under steady load
    /// may never happen). Here every write stages one more record before it completes, so the
    /// committer always has the next batch to chain.
    /// Under `.deferred` the first commits are a lone producer's own (inline) writes, and the
    /// hook's appends then hand the chain to the committer. The segment is large enough that
    /// no roll (which would end the chain and let a flush through) comes within the wait: each
    /// commit takes at least the hook's 100 µs poll, so 20 s of commits write under 18 MB.
    @Test(arguments: [Durability.sync, .deferred])
    func flushReturnsWhileEveryCommitFindsTheNextBatchStaged(_ durability: Durability) async throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        let storage = RecordingStorage()
        let log = try Log(directory: dir, options: LogOptions(segmentSize: 32 << 20, backend: .posix), durability: durability,
                          storage: storage, backgroundPreparation: false)
        let stop = Flag(), flushed = Flag()
        // The hook blocks the writing thread (under `.deferred` at first a producer's), so the
        // appends it starts run on an executor of their own.
        let hookExecutor = DedicatedExecutor()
        let stageTheNext: @Sendable () -> Void = {
            guard !stop.isSet else { return }
            let before = log.committer.reservedThrough
            Task(executorPreference: hookExecutor) { _ = try? await log.append(payload(1, size: 32)) }
            while log.committer.reservedThrough == before && !stop.isSet { usleep(100) }
        }
        if durability == .sync {
            storage.betweenWriteAndSync.withLock { $0 = stageTheNext }
        } else {
            storage.afterUnsyncedWrite.withLock { $0 = stageTheNext }
        }
        // Off the cooperative pool, which the suite's synchronous tests may hold for tens of
        // seconds: the chain must not run flat out (syncing, slowing every test beside it)
        // while this test waits for a pool thread between starting it and flushing.
        let flushing = Task(executorPreference: DedicatedExecutor()) { () async throws -> (target: UInt64, durable: UInt64) in
            try await log.append(payload(0))  // starts the chain
            let target = log.committer.reservedThrough
            try await log.flush()
            let durable = log.committer.durableThrough
            flushed.set()
            stop.set()
            return (target, durable)
        }
        let served = await eventually(timeout: .seconds(20)) { flushed.isSet }
        stop.set()
        let (target, durableWhenServed) = try await flushing.value
        #expect(served, "flush returned while every commit found the next batch staged")
        #expect(durableWhenServed >= target, "everything appended before the flush is durable")
        try await log.close()
    }

    @Test func batchAppendGetsConsecutiveSequences() async throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        let log = try Log(directory: dir, options: smallSegments, storage: PosixStorage())
        let ranges = try await withThrowingTaskGroup(of: (Range<UInt64>, [[UInt8]]).self) { group in
            for p in 0..<8 {
                group.addTask {
                    let batch = (0..<50).map { payload(p * 100 + $0, size: 90) }
                    return (try await log.append(contentsOf: batch), batch)
                }
            }
            var out: [(Range<UInt64>, [[UInt8]])] = []
            for try await r in group { out.append(r) }
            return out
        }
        try await log.close()
        let records = try readAll(dir)
        for (range, batch) in ranges {
            #expect(range.count == 50)
            #expect(Array(records[Int(range.lowerBound - 1)..<Int(range.upperBound - 1)]) == batch)
        }
    }

    /// `.group` waits for more producers, not for more than the last batch had: one producer
    /// appending in sequence is not held for the whole window on every append.
    @Test func aGroupBatchAsLargeAsTheLastCommitsWithoutWaitingOutTheWindow() async throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        let storage = RecordingStorage()
        let log = try Log(directory: dir, options: smallSegments, durability: .group(maxDelay: .seconds(3600), maxBytes: 1 << 20),
                          storage: storage)
        let executor = DedicatedExecutor()
        // The first batch has no predecessor to match: it waits for the window, which a flush ends.
        let first = Task(executorPreference: executor) { try await log.append(payload(0)) }
        #expect(await eventually(timeout: .seconds(20)) { log.committer.reservedThrough == 1 })
        try await Task(executorPreference: DedicatedExecutor()) { try await log.flush() }.value
        #expect(try await first.value == 1)
        let done = Collector<UInt64>()
        let rest = Task(executorPreference: executor) {
            for i in 1...20 { done.add(try await log.append(payload(i))) }
        }
        #expect(await eventually(timeout: .seconds(30)) { done.count == 20 }, "a sequential producer waited out the window")
        if done.count == 20 {
            try await rest.value
            #expect(done.all == Array(2...21))
            #expect(storage.syncedThrough == 21, "each append durable when it returned")
            try await log.close()
        }
    }

    @Test func groupAndDeferredModes() async throws {
        let tmp = TemporaryDirectory()
        for (name, mode) in [("group", Durability.group(maxDelay: .milliseconds(2), maxBytes: 1 << 20)), ("deferred", .deferred)] {
            let dir = tmp.sub(name)
            let log = try Log(directory: dir, options: smallSegments, durability: mode, storage: PosixStorage())
            try await withThrowingTaskGroup(of: Void.self) { group in
                for p in 0..<8 { group.addTask { for i in 0..<100 { try await log.append(payload(p * 100 + i)) } } }
                try await group.waitForAll()
            }
            try await log.flush()
            #expect(log.durableSequence == 800)
            try await log.close()
            #expect(try readAll(dir).count == 800)
        }
    }

    @Test func failedSyncPoisonsEveryWaitingAndLaterProducerAndReopenRecovers() async throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        let storage = RecordingStorage()
        let log = try Log(directory: dir, options: smallSegments, storage: storage)
        let acked = Collector<UInt64>()
        for i in 0..<10 { let s = try await log.append(payload(i)); acked.add(s) }
        storage.state.withLock { $0.failSyncAfter = 1 }
        let errors = Collector<Int>()
        await withTaskGroup(of: Void.self) { group in
            for p in 0..<8 {
                group.addTask {
                    do { let s = try await log.append(payload(100 + p)); acked.add(s) } catch {
                        if case .poisoned? = error as? LogError { errors.add(1) }
                    }
                }
            }
        }
        #expect(errors.count >= 1)
        await #expect(throws: LogError.self) { try await log.append(payload(999)) }
        do { try await log.append([1]) } catch { guard case .poisoned = error else { Issue.record("expected poisoned, got \(error)"); return } }
        try? await log.close()
        let reopened = try LogWriter.open(directory: dir, options: smallSegments)
        let survivors = try readAll(dir)
        for s in acked.all { #expect(Int(s) <= survivors.count) }
        try reopened.close()
    }

    @Test(arguments: backends)
    func aFailedSyncAmongChainedCommitsAcknowledgesOnlySyncedRecords(_ backend: Backend) async throws {
        // 16 producers keep the next batch staged and completions are slow, so commits overlap
        // where the backend keeps writes in flight; the 20th sync fails. No append may return before
        // a completed sync covered it, every producer ends on the poisoning error, and reopen
        // finds every acknowledged record. Whether two commits overlap depends on thread timing
        // (the committer begins a second one only when that cannot shrink batches), so the
        // scenario runs until it did, at most five times; every run is checked in full.
        var overlapped = 0
        for _ in 0..<5 {
            overlapped += try await failedSyncAmongChainedCommits(backend)
            if overlapped > 0 || !backend.keepsWritesInFlight { break }
        }
        if backend.keepsWritesInFlight { #expect(overlapped > 0, "no two commits overlapped in five runs") }
    }

    /// One run of the scenario above; returns the completions that arrived with another write in flight.
    private func failedSyncAmongChainedCommits(_ backend: Backend) async throws -> Int {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        let storage = RecordingStorage(inner: backend.storage())
        storage.minimumLatency.withLock { $0 = .milliseconds(1) }  // a slow disk: commits overlap
        let log = try Log(directory: dir, options: smallSegments, storage: storage)
        storage.state.withLock { $0.failSyncAfter = 20 }
        let acked = Collector<UInt64>(), early = Collector<UInt64>(), poisoned = Collector<Int>()
        await withTaskGroup(of: Void.self) { group in
            for p in 0..<16 {
                group.addTask {
                    for i in 0..<1_000 {
                        do {
                            let s = try await log.append(payload(p * 1_000 + i, size: 64))
                            acked.add(s)
                            if storage.syncedThrough < s { early.add(s) }
                        } catch {
                            if case .poisoned? = error as? LogError { poisoned.add(1) }
                            return
                        }
                    }
                }
            }
        }
        #expect(poisoned.count == 16)
        #expect(early.count == 0)
        try? await log.close()
        let reopened = try LogWriter.open(directory: dir, options: smallSegments)
        let survivors = try readAll(dir)
        #expect(acked.count > 0)
        for s in acked.all { #expect(Int(s) <= survivors.count) }
        try reopened.close()
        return storage.state.withLock { $0.overlappedCompletions }
    }

    @Test func enospcAtPreallocationFailsAppendsCleanlyAndTheLogRecovers() async throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        let storage = RecordingStorage()
        let log = try Log(directory: dir, options: smallSegments, storage: storage, backgroundPreparation: false)
        storage.state.withLock { $0.failPreallocation = .noSpace }
        var failures = 0
        var acked: [UInt64: [UInt8]] = [:]
        for i in 0..<600 {
            do { let p = payload(i, size: 200); acked[try await log.append(p)] = p } catch {
                guard case .io(let f) = error, f.errno == .noSpace else { Issue.record("unexpected \(error)"); return }
                failures += 1
                if failures == 3 { storage.state.withLock { $0.failPreallocation = nil } }
            }
        }
        #expect(failures == 3)
        try await log.close()
        let records = try readAll(dir)
        #expect(records.count == acked.count)
        for (s, p) in acked { #expect(records[Int(s) - 1] == p) }
    }

    @Test func closeWhileProducersAppendEndsCleanlyWithTypedErrors() async throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        let log = try Log(directory: dir, options: smallSegments, storage: PosixStorage())
        let acked = Collector<UInt64>()
        let closedErrors = Collector<Int>()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for p in 0..<16 {
                group.addTask {
                    for i in 0..<200 {
                        do { let s = try await log.append(payload(p * 1000 + i)); acked.add(s) } catch {
                            #expect(error as? LogError == .closed)
                            closedErrors.add(1)
                            return
                        }
                    }
                }
            }
            group.addTask {
                // Close mid-stream: after the first 100 acknowledgements, not after a delay a
                // fast disk could outrun.
                await eventually { acked.count >= 100 }
                try await log.close()
            }
            try await group.waitForAll()
        }
        let records = try readAll(dir)
        let all = acked.all.sorted()
        #expect(all == Array(1...UInt64(all.count)))
        #expect(records.count == all.count)
        // Some producers were cut off, each with `.closed` (checked above).
        #expect(closedErrors.count > 0 && all.count < 16 * 200)
        #expect(all.count + closedErrors.count <= 16 * 200)
    }
}
