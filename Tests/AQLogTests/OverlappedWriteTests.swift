import Testing
import AQTestSupport
import Foundation
@testable import AQLog

/// `StorageFile.submitWrite(_:at:newBytesFrom:sync:tag:)` and `awaitWriteCompletion(timeout:)`:
/// every write is reported exactly once, under its tag, with its outcome; writes a backend
/// keeps in flight land whatever order they complete in.
/// Serialized: liburing maps its rings with raw system calls TSan does not see, so two rings
/// mapped at one address by unsynchronised test cases would read as a data race.
@Suite(.serialized) struct OverlappedWriteTests {
    /// Unsynced too: a buffered backend writes those with a plain blocking `pwrite`.
    @Test(arguments: backends, [true, false])
    func everyWriteIsReportedOnceAndItsBytesLand(_ backend: Backend, sync: Bool) throws {
        let tmp = TemporaryDirectory()
        let file = try backend.storage().openFile(tmp.sub("f"), create: true)
        defer { file.close() }
        try file.preallocateZeroed(size: 64 * 1024)
        let writes = 4
        let buffers = (0..<writes).map { w -> AlignedBuffer in
            let b = AlignedBuffer(capacity: 8192)
            for i in 0..<8192 { b.mutableBytes[i] = UInt8(truncatingIfNeeded: i * 7 + w) }
            return b
        }
        var reported: [UInt64] = []
        var pending = 0
        for (w, b) in buffers.enumerated() {
            let at = 4096 + w * 8192
            if let done = file.submitWrite(b.bytes(0..<8192), at: at, newBytesFrom: at, sync: sync, tag: UInt64(w + 1)) {
                #expect(done.failure == nil)
                reported.append(done.tag)
            } else {
                pending += 1
                #expect(pending < file.writesInFlightLimit || pending == 1)
            }
        }
        while pending > 0, let done = file.awaitWriteCompletion(timeout: nil) {
            #expect(done.failure == nil)
            reported.append(done.tag)
            pending -= 1
        }
        #expect(reported.sorted() == [1, 2, 3, 4])
        if backend.keepsWritesInFlight && sync {
            #expect(file.writesInFlightLimit > 1)  // completions may arrive in any order: only the set is checked
        }
        for (w, b) in buffers.enumerated() {
            var back = [UInt8](repeating: 0, count: 8192)
            #expect(try back.withUnsafeMutableBytes { try file.read(into: $0, at: 4096 + w * 8192) } == 8192)
            #expect(back == Array(b.bytes(0..<8192)), "write \(w)")
        }
    }

    @Test(arguments: backends, [true, false])
    func aFailedWriteIsReportedWithItsTag(_ backend: Backend, sync: Bool) throws {
        let tmp = TemporaryDirectory()
        let file = try unwritable(backend, tmp.path)
        defer { file.close() }
        let buffer = AlignedBuffer(capacity: 4096)
        // posix and buffered io_uring fail the write itself (EBADF); direct io_uring fails
        // opening its O_DIRECT descriptor, before any submission.
        let done = file.submitWrite(buffer.bytes(0..<4096), at: 0, newBytesFrom: 0, sync: sync, tag: 7)
            ?? file.awaitWriteCompletion(timeout: nil)
        #expect(done?.tag == 7)
        #expect(done?.failure != nil)
    }

    @Test func aWaitWithATimeoutReturnsNothingWhileTheWriteIsPending() throws {
        let tmp = TemporaryDirectory()
        let file = try Backend(writePath: .uringDirect).storage().openFile(tmp.sub("f"), create: true)
        defer { file.close() }
        try file.preallocateZeroed(size: 64 * 1024)
        let buffer = AlignedBuffer(capacity: 4096)
        guard file.submitWrite(buffer.bytes(0..<4096), at: 4096, newBytesFrom: 4096, sync: true, tag: 1) == nil else { return }
        // Either the write is still in flight after a nanosecond (nil), or it completed (tag 1).
        let quick = file.awaitWriteCompletion(timeout: .nanoseconds(1))
        let done = quick ?? file.awaitWriteCompletion(timeout: nil)
        #expect(done == WriteCompletion(tag: 1, failure: nil))
    }

    /// A kernel that refuses `RWF_DSYNC` on io_uring (`EOPNOTSUPP`) while several writes are in
    /// flight: every write is still reported once, successful, with its bytes on disk (written
    /// again linked to an `fdatasync`), and later writes go one at a time.
    @Test func writesRefusedInFlightAreWrittenAgainNotFailed() throws {
        let tmp = TemporaryDirectory()
        let path = tmp.sub("f")
        let fd = open(path, O_RDWR | O_CREAT, 0o644)
        try #require(fd >= 0)
        let file = try URingFile(fd: fd, path: path, direct: true, simulatesDataSyncRefusal: true)
        defer { file.close() }
        try file.preallocateZeroed(size: 64 * 1024)
        try #require(file.writesInFlightLimit > 1)
        let buffers = (0..<3).map { w -> AlignedBuffer in
            let b = AlignedBuffer(capacity: 4096)
            for i in 0..<4096 { b.mutableBytes[i] = UInt8(truncatingIfNeeded: i * 3 + w + 1) }
            return b
        }
        var pending = 0
        for (w, b) in buffers.enumerated() {
            let done = file.submitWrite(b.bytes(0..<4096), at: 4096 * (w + 1), newBytesFrom: 4096 * (w + 1), sync: true, tag: UInt64(w + 1))
            #expect(done == nil, "write \(w) is kept in flight")
            pending += 1
        }
        var reported: [WriteCompletion] = []
        while pending > 0, let done = file.awaitWriteCompletion(timeout: .milliseconds(1)) {
            reported.append(done)
            pending -= 1
        }
        #expect(reported.map(\.tag).sorted() == [1, 2, 3])
        #expect(reported.allSatisfy { $0.failure == nil }, "\(reported)")
        #expect(file.writesInFlightLimit == 1)
        for (w, b) in buffers.enumerated() {
            var back = [UInt8](repeating: 0, count: 4096)
            #expect(try back.withUnsafeMutableBytes { try file.read(into: $0, at: 4096 * (w + 1)) } == 4096)
            let landed = back == Array(b.bytes(0..<4096))
            #expect(landed, "write \(w)")
        }
        // Later synced writes complete inside the submission, linked to an fdatasync.
        let later = file.submitWrite(buffers[0].bytes(0..<4096), at: 4096 * 5, newBytesFrom: 4096 * 5, sync: true, tag: 9)
        #expect(later == WriteCompletion(tag: 9, failure: nil))
    }

    /// A file of `backend`'s kind on a descriptor that refuses writes on any file system: a
    /// directory, opened read-only.
    private func unwritable(_ backend: Backend, _ directory: String) throws -> any StorageFile {
        let fd = open(directory, O_RDONLY | O_DIRECTORY)
        try #require(fd >= 0)
        switch backend.writePath {
        case .posix: return PosixFile(fd: fd, path: directory)
        case .uring: return try URingFile(fd: fd, path: directory)
        case .uringDirect: return try URingFile(fd: fd, path: directory, direct: true, directCommitSync: backend.directCommitSync)
        }
    }
}

/// The O_DIRECT probe (`statx` `STATX_DIOALIGN`) and the buffered fallback it leads to.
@Suite struct DirectIOProbeTests {
    @Test func theTestFileSystemTakesWholeBlocksDirect() throws {
        let tmp = TemporaryDirectory()
        let file = try Backend(writePath: .uringDirect).storage().openFile(tmp.sub("f"), create: true)
        defer { file.close() }
        let fd = try #require((file as? URingFile)?.fd)
        #expect(URingFile.directIORefusal(fd: fd) == nil, "ext4 takes 4096-byte O_DIRECT writes")
    }

    /// Wherever O_DIRECT is refused (by the probe or by `open`), commits stay buffered and land.
    @Test func aFileSystemWithoutDirectIOStillTakesCommits() throws {
        let path = "/dev/shm/aq-direct-probe-\(getpid())"
        defer { unlink(path) }
        guard let file = try? Backend(writePath: .uringDirect).storage().openFile(path, create: true) else { return }
        defer { file.close() }
        try file.preallocateZeroed(size: 16384)
        let buffer = AlignedBuffer(capacity: 4096)
        for i in 0..<4096 { buffer.mutableBytes[i] = UInt8(truncatingIfNeeded: i) }
        let done = file.submitWrite(buffer.bytes(0..<4096), at: 4096, newBytesFrom: 4096, sync: true, tag: 1)
            ?? file.awaitWriteCompletion(timeout: nil)
        #expect(done == WriteCompletion(tag: 1, failure: nil))
        var back = [UInt8](repeating: 0, count: 4096)
        #expect(try back.withUnsafeMutableBytes { try file.read(into: $0, at: 4096) } == 4096)
        #expect(back == Array(buffer.bytes(0..<4096)))
    }
}
