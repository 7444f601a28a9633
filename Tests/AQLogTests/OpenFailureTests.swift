import Testing
import AQTestSupport
import Foundation
@testable import AQLog

/// A writer's open that fails leaves nothing of the log open: an embedder that retries opens
/// (after `EIO`, `ENOSPC`) must not run out of descriptors.
@Suite struct OpenFailureTests {
    /// The descriptors of this process open on `path`.
    private func descriptors(on path: String) -> Int {
        let target = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
        let fds = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        return fds.filter { (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/" + $0)) == target }.count
    }

    /// The open fails after it took the open segment (reading its last partial block fails):
    /// the segment's descriptor is closed with the failure.
    @Test func anOpenThatFailsAfterTakingTheOpenSegmentClosesIt() throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        let w = try LogWriter.open(directory: dir, options: smallSegments)
        for i in 0..<7 { try w.append(payload(i, size: 100)) }  // the data ends inside the first data block
        try w.close()
        let name = segmentFiles(dir)[0], path = dir + "/" + name
        let storage = RecordingStorage()
        storage.state.withLock { $0.failReads = (name, SegmentLayout.dataStart + 64, 1) }
        #expect {
            _ = try LogWriter(directory: dir, options: smallSegments, storage: storage)
        } throws: { error in
            guard case LogError.io(let failure) = error else { return false }
            return failure.errno == .ioError
        }
        #expect(storage.state.withLock { $0.readsOfFailingOffset } == 1, "the tail block's read failed")
        #expect(descriptors(on: path) == 0, "the open segment is still open after the failed open")
        try LogWriter(directory: dir, options: smallSegments, storage: storage).close()  // and the log opens again
    }

    /// A directory or a FIFO under a segment's name is damage in the log's directory, named,
    /// for readers, writers and `verify` alike; a FIFO must not block a reader's `open` (a
    /// watchdog opens it for writing every two seconds, so a reader blocked there fails the
    /// test instead of hanging it).
    @Test func anEntryThatIsNotARegularFileIsNamedAsDamage() throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        let w = try LogWriter.open(directory: dir, options: smallSegments)
        for i in 0..<7 { try w.append(payload(i, size: 100)) }
        try w.close()
        let path = dir + "/" + SegmentName.fileName(baseSequence: 1_000)
        let named = { (error: any Error) -> Bool in
            guard case LogError.corruption(let d) = error else { return false }
            return d.file == path && d.offset == 0 && d.reason == .badSegmentHeader
        }
        let checkAll = {
            #expect(performing: { _ = try LogReader.open(directory: dir) }, throws: named)
            #expect(performing: { _ = try LogWriter.open(directory: dir, options: smallSegments) }, throws: named)
            let report = try LogVerifier(directory: dir).verify()
            #expect(report.corruption?.file == path && report.corruption?.reason == .badSegmentHeader)
        }
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
        try checkAll()
        try FileManager.default.removeItem(atPath: path)
        #expect(mkfifo(path, 0o644) == 0)
        let finished = DispatchSemaphore(value: 0), fired = DispatchSemaphore(value: 0)
        Thread {
            while finished.wait(timeout: .now() + 2) == .timedOut {
                fired.signal()
                let fd = open(path, O_WRONLY | O_NONBLOCK)  // releases a reader blocked in open
                if fd >= 0 { close(fd) }
            }
        }.start()
        try checkAll()
        finished.signal()
        #expect(fired.wait(timeout: .now()) == .timedOut, "an open blocked on the FIFO")
        try FileManager.default.removeItem(atPath: path)
        #expect(try LogReader.open(directory: dir).lastSequence == 7)
    }

    /// A segment file truncated (or extended) since it was made is located at its header's
    /// size field, for readers and `verify`.
    @Test func aTruncatedSegmentIsLocatedAtItsSizeField() throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        try makeLog(dir, count: 1200, sizes: { _ in 100 })
        let path = dir + "/" + segmentFiles(dir)[0]
        #expect(truncate(path, off_t(readFile(path).count - 4096)) == 0)
        let report = try LogVerifier(directory: dir).verify()
        #expect(report.corruption == CorruptionDiagnosis(file: path, offset: 40, reason: .badSegmentHeader), "\(String(describing: report.corruption))")
        #expect(throws: LogError.corruption(.init(file: path, offset: 40, reason: .badSegmentHeader))) { try LogReader.open(directory: dir) }
    }
}
