import Testing
import AQTestSupport
import Foundation
import Synchronization
@testable import AQLog

/// A real file system in which removals are not durable until the directory is synced, like
/// ext4 without a journal: `removeFile` hides the file at once but unlinks it only on
/// `syncDirectory`. `dieAtSync` makes that sync fail instead (the process "dies" with the
/// removal still pending); the test then decides whether the pending removals survive the
/// power loss. Every operation is recorded so the order can be checked.
final class PowerLossStorage: Storage, @unchecked Sendable {
    struct State {
        var pending: [String] = []
        var operations: [String] = []
        var syncs = 0
    }
    let base = PosixStorage()
    let state = Mutex(State())
    let dieAtSync: Int?

    init(dieAtSync: Int?) { self.dieAtSync = dieAtSync }

    var pending: [String] { state.withLock { $0.pending } }
    var operations: [String] { state.withLock { $0.operations } }

    func createDirectory(_ path: String) throws(IOFailure) { try base.createDirectory(path) }
    func listDirectory(_ path: String) throws(IOFailure) -> [String] {
        let hidden = Set(pending.map { String($0.split(separator: "/").last!) })
        return try base.listDirectory(path).filter { !hidden.contains($0) }
    }
    func isDirectory(_ path: String) -> Bool { base.isDirectory(path) }
    func openFile(_ path: String, create: Bool) throws(IOFailure) -> any StorageFile {
        if pending.contains(path) { throw IOFailure("open", path: path, errno: .noSuchFileOrDirectory) }
        return try base.openFile(path, create: create)
    }
    func rename(_ from: String, to: String) throws(IOFailure) { try base.rename(from, to: to) }
    func removeFile(_ path: String) throws(IOFailure) {
        state.withLock { $0.pending.append(path); $0.operations.append("unlink " + String(path.split(separator: "/").last!)) }
    }
    func syncDirectory(_ path: String) throws(IOFailure) {
        let die = state.withLock { s -> Bool in
            s.syncs += 1
            return s.syncs == dieAtSync
        }
        if die { throw IOFailure("fsync", path: path, errno: .ioError) }
        let durable = state.withLock { s -> [String] in
            s.operations.append("fsync dir")
            defer { s.pending.removeAll() }
            return s.pending
        }
        for p in durable { try base.removeFile(p) }
    }
    func lockExclusive(_ path: String) throws(IOFailure) -> any StorageLock { try base.lockExclusive(path) }
    func writerProgress(lockPath path: String) throws(IOFailure) -> WriterProgress? { try base.writerProgress(lockPath: path) }
}

@Suite struct CompactionCrashTests {
    /// A log of several sealed segments with a checkpoint that covers all but the last two.
    func prepared(_ dir: String) throws -> (written: [[UInt8]], segments: [SegmentDescriptor], checkpoint: UInt64) {
        let written = try makeBatchedLog(dir, count: 1500)
        let segments = try descriptors(dir)
        let checkpoint = segments[segments.count - 3].lastSequence
        try Checkpoint.write(directory: dir, sequence: checkpoint)
        return (written, segments, checkpoint)
    }

    /// After any crash: the log opens, holds a contiguous suffix that includes everything above
    /// the checkpoint, and a rerun completes the compaction.
    func expectConsistentAndRerunnable(_ dir: String, written: [[UInt8]], segments: [SegmentDescriptor], checkpoint: UInt64) throws {
        let records = try readNumbered(dir)
        let first = try #require(records.first?.0)
        #expect(first <= checkpoint + 1, "nothing above the checkpoint lost")
        #expect(records.map(\.0) == Array(first...UInt64(written.count)), "contiguous: no hole")
        #expect(records.map(\.1) == Array(written[Int(first - 1)...]))
        #expect(segments.contains { $0.baseSequence == first }, "only whole segments removed, from the head")
        let w = try LogWriter.open(directory: dir, options: smallSegments)
        #expect(w.nextSequence == UInt64(written.count + 1))
        try w.close()
        _ = try Compactor(directory: dir).run()
        let expectedFirst = segments[segments.count - 2].baseSequence
        #expect(try readNumbered(dir).first?.0 == expectedFirst)
        #expect(try Compactor(directory: dir).run().removed.isEmpty, "idempotent")
    }

    @Test func eachRemovalIsMadeDurableBeforeTheNext() throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        let (_, segments, _) = try prepared(dir)
        let storage = PowerLossStorage(dieAtSync: nil)
        let report = try Compactor(directory: dir, storage: storage).run()
        let removable = segments.count - 2
        #expect(report.removed.count == removable)
        let expected = segments.prefix(removable).flatMap { ["unlink " + $0.fileName, "fsync dir"] }
        #expect(storage.operations == expected, "oldest first, one directory sync per removal")
    }

    @Test func crashAfterEachNumberOfRemovalsLeavesAMissingHeadOnly() throws {
        let tmp = TemporaryDirectory()
        var k = 0
        while true {
            let dir = tmp.sub("log\(k)")
            let (written, segments, checkpoint) = try prepared(dir)
            var compactor = Compactor(directory: dir)
            compactor.stopAfterRemovals = k
            let report = try compactor.run()
            #expect(report.removed.count == min(k, segments.count - 2))
            try expectConsistentAndRerunnable(dir, written: written, segments: segments, checkpoint: checkpoint)
            if k >= segments.count - 2 { break }
            k += 1
        }
    }

    @Test func powerLossWithAnUnsyncedRemovalAtEveryStep() throws {
        let tmp = TemporaryDirectory()
        var step = 1
        while true {
            for persisted in [false, true] {
                let dir = tmp.sub("log\(step)-\(persisted)")
                let (written, segments, checkpoint) = try prepared(dir)
                let storage = PowerLossStorage(dieAtSync: step)
                let completed: Bool
                do { _ = try Compactor(directory: dir, storage: storage).run(); completed = true } catch {
                    guard case .io(let failure) = error, failure.operation == "fsync" else { throw error }
                    completed = false
                }
                if completed { return }
                // The process died between unlink and directory sync: exactly one removal is in
                // doubt, and it is the oldest remaining segment.
                #expect(storage.pending.count == 1)
                #expect(storage.pending.first == segments[step - 1].path)
                if persisted { for p in storage.pending { try FileManager.default.removeItem(atPath: p) } }
                try expectConsistentAndRerunnable(dir, written: written, segments: segments, checkpoint: checkpoint)
            }
            step += 1
        }
    }
}
