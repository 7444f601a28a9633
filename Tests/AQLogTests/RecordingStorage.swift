import Foundation
import Synchronization
import SystemPackage
@testable import AQLog

/// Wraps the real storage to observe and fail I/O: records the highest sequence each completed
/// sync made durable, and fails `fdatasync` or preallocation on demand.
final class RecordingStorage: Storage, @unchecked Sendable {
    let inner: PosixStorage
    init(inner: PosixStorage = PosixStorage()) { self.inner = inner }
    var keepsWritesInFlight: Bool { inner.keepsWritesInFlight }
    struct State {
        var syncedThrough: UInt64 = 0
        var syncs = 0
        var failSyncAfter: Int? = nil      // fail the Nth sync from now
        var failPreallocation: Errno? = nil
        var listings = 0
        /// Names left out of the listings numbered in `listings` (1 = the first): a segment
        /// sealed after a listing, or compacted after it.
        var hiddenFromListings: (names: Set<String>, listings: ClosedRange<Int>)? = nil
        /// Every write's file name and end offset, in order, with the mark of a `HIGHWATER` write.
        var writes: [(name: String, end: Int, mark: HighWaterMark?)] = []
        /// Completions of synced writes that arrived while another write was still in flight
        /// (several commits in flight).
        var overlappedCompletions = 0
        /// Synced writes in flight now (submitted, not yet reported), by tag: the highest
        /// record each carries.
        var inFlight: [UInt64: UInt64] = [:]
        /// The highest readable point a lock taken through this storage published.
        var publishedReadable: UInt64 = 0
        /// The highest record sequence any completed write carried, synced or not.
        var writtenThrough: UInt64 = 0
        /// Record-carrying writes made on the committer thread, and on any other thread.
        var recordWritesOnCommitter = 0
        var recordWritesElsewhere = 0
        /// Threads in a write, sync, rename or `LOCK` publication right now (with their nesting
        /// depth: a chained commit publishes from inside its write), and the most ever at once.
        var threadsInIO: [UInt: Int] = [:]
        var maxConcurrentIO = 0
        /// Fail the Nth unsynced write from now with `EIO` (before it lands).
        var failUnsyncedWriteAfter: Int? = nil
        /// Fail with `EIO` the next `times` reads of a file named `name` that cover `offset`.
        var failReads: (name: String, offset: Int, times: Int)? = nil
        /// Reads that covered `failReads`' offset, failed or not.
        var readsOfFailingOffset = 0
        /// Bytes read, by file name.
        var bytesRead: [String: Int] = [:]
        /// Removes the named file just before its open number `atOpen` (1 = the first) for
        /// reading: a compaction between a listing and a read.
        var removeBeforeOpening: (name: String, atOpen: Int)? = nil
        /// Opens for reading so far, by file name.
        var opensForReading: [String: Int] = [:]
    }
    let state = LockedValue(State())
    /// Runs just before a lock taken through this storage is released (the lock still held).
    let beforeLockRelease = LockedValue<(@Sendable () -> Void)?>(nil)
    /// When true, locks' progress publications fail (as a `pwrite` to `LOCK` could).
    let failPublish = LockedValue(false)
    /// When set, a synced write lands first and runs this before its sync (which then
    /// completes as a separate `fdatasync`): the window in which a batch is written, not durable.
    let betweenWriteAndSync = LockedValue<(@Sendable () -> Void)?>(nil)
    /// When set, runs before each unsynced write (on the writing thread, before a scheduled
    /// failure).
    let beforeUnsyncedWrite = LockedValue<(@Sendable () -> Void)?>(nil)
    /// When set, runs after each unsynced write of records landed (on the writing thread;
    /// not after markers, which the committer may write holding its lock).
    let afterUnsyncedWrite = LockedValue<(@Sendable () -> Void)?>(nil)
    /// Runs before each `syncData()` and each directory sync (on the calling thread).
    let beforeSyncData = LockedValue<(@Sendable () -> Void)?>(nil)
    /// When set, a write kept in flight completes no sooner than this after its submission (a
    /// slow disk: the committer then begins further commits beside it).
    let minimumLatency = LockedValue<Duration?>(nil)
    let beforeDirectorySync = LockedValue<(@Sendable () -> Void)?>(nil)
    /// Runs before each rename, with its source and destination (on the calling thread).
    let beforeRename = LockedValue<(@Sendable (String, String) -> Void)?>(nil)

    var syncedThrough: UInt64 { state.withLock { $0.syncedThrough } }
    var writtenThrough: UInt64 { state.withLock { $0.writtenThrough } }

    /// Brackets one I/O operation, tracking how many threads are in one at once.
    func measuringOverlap<T, E: Error>(_ body: () throws(E) -> T) throws(E) -> T {
        let me = UInt(pthread_self())
        state.withLock {
            $0.threadsInIO[me, default: 0] += 1
            $0.maxConcurrentIO = max($0.maxConcurrentIO, $0.threadsInIO.count)
        }
        defer {
            state.withLock {
                let depth = $0.threadsInIO[me, default: 1] - 1
                $0.threadsInIO[me] = depth == 0 ? nil : depth
            }
        }
        return try body()
    }
    var syncs: Int { state.withLock { $0.syncs } }

    func createDirectory(_ path: String) throws(IOFailure) { try inner.createDirectory(path) }
    func listDirectory(_ path: String) throws(IOFailure) -> [String] {
        let hidden: Set<String> = state.withLock { s in
            s.listings += 1
            guard let h = s.hiddenFromListings, h.listings.contains(s.listings) else { return [] }
            return h.names
        }
        return try inner.listDirectory(path).filter { !hidden.contains($0) }
    }
    func isDirectory(_ path: String) -> Bool { inner.isDirectory(path) }
    func rename(_ from: String, to: String) throws(IOFailure) {
        beforeRename.withLock { $0 }?(from, to)
        try measuringOverlap { () throws(IOFailure) in try inner.rename(from, to: to) }
    }
    func removeFile(_ path: String) throws(IOFailure) { try inner.removeFile(path) }
    func syncDirectory(_ path: String) throws(IOFailure) {
        beforeDirectorySync.withLock { $0 }?()
        try measuringOverlap { () throws(IOFailure) in try inner.syncDirectory(path) }
    }
    func lockExclusive(_ path: String) throws(IOFailure) -> any StorageLock {
        RecordingLock(inner: try inner.lockExclusive(path), beforeRelease: beforeLockRelease.withLock { $0 }, owner: self)
    }
    func writerProgress(lockPath path: String) throws(IOFailure) -> WriterProgress? { try inner.writerProgress(lockPath: path) }
    func openFile(_ path: String, create: Bool) throws(IOFailure) -> any StorageFile {
        RecordingFile(inner: try inner.openFile(path, create: create), owner: self)
    }
    func openFileForReading(_ path: String) throws(IOFailure) -> any StorageFile {
        let name = LogDirectoryLayout.name(of: path)
        let remove = state.withLock { s -> Bool in
            s.opensForReading[name, default: 0] += 1
            guard let r = s.removeBeforeOpening, r.name == name, r.atOpen == s.opensForReading[name] else { return false }
            return true
        }
        if remove { try inner.removeFile(path) }
        return RecordingFile(inner: try inner.openFileForReading(path), owner: self)
    }

    /// True when the next sync is scheduled to fail.
    var syncFailureScheduled: Bool { state.withLock { $0.failSyncAfter == 1 } }

    /// Consumes one sync; throws when a failure was scheduled for it.
    func beforeSync(_ path: String) throws(IOFailure) {
        let fail = state.withLock { s -> Bool in
            guard let n = s.failSyncAfter else { return false }
            if n <= 1 { s.failSyncAfter = nil; return true }
            s.failSyncAfter = n - 1
            return false
        }
        if fail { throw IOFailure("fdatasync", path: path, errno: .ioError) }
    }
}

final class RecordingFile: StorageFile, @unchecked Sendable {
    private func logWrite(_ bytes: UnsafeRawBufferPointer, at offset: Int) {
        let name = LogDirectoryLayout.name(of: path)
        let mark = name == LogDirectoryLayout.highWaterFile ? HighWaterMark.decode(bytes) : nil
        owner.state.withLock { $0.writes.append((name, offset + bytes.count, mark)) }
    }

    let inner: any StorageFile
    unowned let owner: RecordingStorage
    init(inner: any StorageFile, owner: RecordingStorage) { self.inner = inner; self.owner = owner }
    var path: String { inner.path }
    var requiresAlignedWrites: Bool { inner.requiresAlignedWrites }
    func size() throws(IOFailure) -> Int { try inner.size() }
    func preallocateZeroed(size: Int) throws(IOFailure) {
        if let e = owner.state.withLock({ $0.failPreallocation }) { throw IOFailure("fallocate", path: path, errno: e) }
        try inner.preallocateZeroed(size: size)
    }
    func reserve(size: Int) throws(IOFailure) {
        if let e = owner.state.withLock({ $0.failPreallocation }) { throw IOFailure("fallocate", path: path, errno: e) }
        try inner.reserve(size: size)
    }
    func startWriteback(from offset: Int, length: Int) { inner.startWriteback(from: offset, length: length) }
    func dropCleanPages() { inner.dropCleanPages() }
    func dropCleanPages(from offset: Int) { inner.dropCleanPages(from: offset) }
    func isNamed(by path: String) -> Bool { inner.isNamed(by: path) }
    func write(_ bytes: UnsafeRawBufferPointer, at offset: Int, newBytesFrom: Int, sync: Bool) throws(IOFailure) {
        logWrite(bytes, at: offset)
        try owner.measuringOverlap { () throws(IOFailure) in
            try recordedWrite(bytes, at: offset, newBytesFrom: newBytesFrom, sync: sync)
        }
    }

    var writesInFlightLimit: Int { inner.writesInFlightLimit }

    /// Synced writes the backend keeps in flight go to it as they are; an injected sync
    /// failure fails one at submission, before it lands (with other writes in flight a write
    /// cannot land here unsynced). Every other write is ``write(_:at:newBytesFrom:sync:)``.
    func submitWrite(_ bytes: UnsafeRawBufferPointer, at offset: Int, newBytesFrom: Int, sync: Bool, tag: UInt64) -> WriteCompletion? {
        guard sync, inner.writesInFlightLimit > 1, owner.betweenWriteAndSync.withLock({ $0 }) == nil else {
            do throws(IOFailure) {
                try write(bytes, at: offset, newBytesFrom: newBytesFrom, sync: sync)
                return WriteCompletion(tag: tag, failure: nil)
            } catch { return WriteCompletion(tag: tag, failure: error) }
        }
        logWrite(bytes, at: offset)
        let highest = Self.highestRecord(in: bytes, at: offset, newBytesFrom: newBytesFrom)
        do throws(IOFailure) { try owner.beforeSync(path) } catch { return WriteCompletion(tag: tag, failure: error) }
        owner.state.withLock { $0.inFlight[tag] = highest }
        submitted[tag] = .now
        guard let done = inner.submitWrite(bytes, at: offset, newBytesFrom: newBytesFrom, sync: true, tag: tag) else { return nil }
        completed(done)
        return done
    }

    /// A completion held back by ``RecordingStorage/minimumLatency`` (the I/O thread only).
    private var held: WriteCompletion?
    private var submitted: [UInt64: ContinuousClock.Instant] = [:]

    func awaitWriteCompletion(timeout: Duration?) -> WriteCompletion? {
        let deadline = timeout.map { ContinuousClock.now + $0 }
        guard let done = held ?? inner.awaitWriteCompletion(timeout: timeout) else { return nil }
        held = nil
        if let hold = owner.minimumLatency.withLock({ $0 }), let since = submitted[done.tag] {
            let ready = since + hold
            if let deadline, deadline < ready {
                held = done
                Thread.sleep(forTimeInterval: max(0, Double((deadline - .now).components.attoseconds) / 1e18))
                return nil
            }
            Thread.sleep(forTimeInterval: max(0, Double((ready - .now).components.attoseconds) / 1e18))
        }
        submitted[done.tag] = nil
        completed(done)
        return done
    }

    private func completed(_ done: WriteCompletion) {
        let onCommitter = CommitterLockTests.currentThreadName() == Committer.threadName
        owner.state.withLock {
            guard let highest = $0.inFlight.removeValue(forKey: done.tag) else { return }
            if !$0.inFlight.isEmpty { $0.overlappedCompletions += 1 }
            guard done.failure == nil else { return }
            $0.syncs += 1
            $0.syncedThrough = max($0.syncedThrough, highest)
            $0.writtenThrough = max($0.writtenThrough, highest)
            if highest > 0 {
                if onCommitter { $0.recordWritesOnCommitter += 1 } else { $0.recordWritesElsewhere += 1 }
            }
        }
    }

    private func recordedWrite(_ bytes: UnsafeRawBufferPointer, at offset: Int, newBytesFrom: Int, sync: Bool) throws(IOFailure) {
        guard sync else {
            // Not before markers: the committer may write one holding its lock.
            if Self.highestRecord(in: bytes, at: offset, newBytesFrom: newBytesFrom) > 0 {
                owner.beforeUnsyncedWrite.withLock { $0 }?()
            }
            let fail = owner.state.withLock { s -> Bool in
                guard let n = s.failUnsyncedWriteAfter else { return false }
                s.failUnsyncedWriteAfter = n <= 1 ? nil : n - 1
                return n <= 1
            }
            if fail { throw IOFailure("pwrite", path: path, errno: .ioError, offset: offset) }
            try inner.write(bytes, at: offset, newBytesFrom: newBytesFrom, sync: false)
            if record(bytes, at: offset, newBytesFrom: newBytesFrom, synced: false) > 0 {
                owner.afterUnsyncedWrite.withLock { $0 }?()
            }
            return
        }
        if owner.syncFailureScheduled {
            // The write lands, then its sync fails (what the injected failure models).
            try inner.write(bytes, at: offset, newBytesFrom: newBytesFrom, sync: false)
            try unmeasuredSync()
        } else if let pause = owner.betweenWriteAndSync.withLock({ $0 }) {
            try inner.write(bytes, at: offset, newBytesFrom: newBytesFrom, sync: false)
            pause()
            try unmeasuredSync()
        } else {
            // The backend's own combined operation (RWF_DSYNC write, linked fdatasync, or
            // pwrite + fdatasync): what the ordering test must observe.
            try owner.beforeSync(path)  // counts down a failure scheduled for a later sync
            try inner.write(bytes, at: offset, newBytesFrom: newBytesFrom, sync: true)
            owner.state.withLock { $0.syncs += 1 }
        }
        record(bytes, at: offset, newBytesFrom: newBytesFrom, synced: true)
    }

    /// Notes the highest record sequence a completed write carried (returned; 0 for none), and
    /// on which thread.
    @discardableResult
    private func record(_ bytes: UnsafeRawBufferPointer, at offset: Int, newBytesFrom: Int, synced: Bool) -> UInt64 {
        let highest = Self.highestRecord(in: bytes, at: offset, newBytesFrom: newBytesFrom)
        let onCommitter = highest > 0 && CommitterLockTests.currentThreadName() == Committer.threadName
        owner.state.withLock {
            if synced { $0.syncedThrough = max($0.syncedThrough, highest) }
            $0.writtenThrough = max($0.writtenThrough, highest)
            if highest > 0 {
                if onCommitter { $0.recordWritesOnCommitter += 1 } else { $0.recordWritesElsewhere += 1 }
            }
        }
        return highest
    }

    /// The highest record sequence among the intact frames a write carries from `newBytesFrom`
    /// (0 for none). Stops at the first frame whose checksum fails: a seal's index and trailer,
    /// written past the data, are not frames.
    static func highestRecord(in bytes: UnsafeRawBufferPointer, at offset: Int, newBytesFrom: Int) -> UInt64 {
        guard offset >= SegmentLayout.dataStart else { return 0 }  // a segment header
        var pos = max(newBytesFrom - offset, 0)
        var highest: UInt64 = 0
        while pos + FrameHeader.size <= bytes.count, !bytes.isZero(pos..<(pos + FrameHeader.size)) {
            let h = FrameHeader(bytes, at: pos)
            guard pos + h.frameSize <= bytes.count,
                  FrameHeader.checksumOfFrame(in: bytes, at: pos, length: Int(h.length)) == h.checksum else { break }
            if !h.isCommit { highest = max(highest, h.sequence) }
            pos += h.frameSize
        }
        return highest
    }

    func syncData() throws(IOFailure) {
        try owner.measuringOverlap { () throws(IOFailure) in try unmeasuredSync() }
    }

    private func unmeasuredSync() throws(IOFailure) {
        owner.beforeSyncData.withLock { $0 }?()
        try owner.beforeSync(path)
        try inner.syncData()
        owner.state.withLock { $0.syncs += 1 }
    }
    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int) throws(IOFailure) -> Int {
        let fails = owner.state.withLock { s -> Bool in
            guard let f = s.failReads, f.name == LogDirectoryLayout.name(of: path),
                  (offset..<(offset + buffer.count)).contains(f.offset) else { return false }
            s.readsOfFailingOffset += 1
            guard f.times > 0 else { return false }
            s.failReads!.times -= 1
            return true
        }
        if fails { throw IOFailure("pread", path: path, errno: .ioError, offset: offset) }
        let n = try inner.read(into: buffer, at: offset)
        owner.state.withLock { $0.bytesRead[LogDirectoryLayout.name(of: path), default: 0] += n }
        return n
    }
    func mapReadOnly() throws(IOFailure) -> MappedRegion { try inner.mapReadOnly() }
    func truncate(to size: Int) throws(IOFailure) { try inner.truncate(to: size) }
    func close() { inner.close() }
}

final class RecordingLock: StorageLock, @unchecked Sendable {
    let inner: any StorageLock
    let beforeRelease: (@Sendable () -> Void)?
    unowned let owner: RecordingStorage
    init(inner: any StorageLock, beforeRelease: (@Sendable () -> Void)?, owner: RecordingStorage) {
        self.inner = inner
        self.beforeRelease = beforeRelease
        self.owner = owner
    }
    func release() {
        beforeRelease?()
        inner.release()
    }
    func startPublishing() throws(IOFailure) -> WriterProgress { try inner.startPublishing() }
    @discardableResult func publish(_ progress: WriterProgress) -> Bool {
        guard !owner.failPublish.withLock({ $0 }), owner.measuringOverlap({ inner.publish(progress) }) else { return false }
        owner.state.withLock { $0.publishedReadable = max($0.publishedReadable, progress.readableThrough) }
        return true
    }
}
