import Testing
import AQTestSupport
import Foundation
@testable import AQLog

/// `StorageFile.write(_:at:newBytesFrom:sync:whileInFlight:)`: the committer acknowledges the
/// previous batch inside it, so the work must run exactly once whatever the write does.
/// Serialized: liburing maps its rings with raw system calls TSan does not see, so two rings
/// mapped at one address by unsynchronised test cases would read as a data race.
@Suite(.serialized) struct OverlappedWriteTests {
    /// Unsynced too: a buffered backend writes those with a plain blocking `pwrite`.
    @Test(arguments: backends, [true, false])
    func theWorkRunsOnceAndTheBytesLand(_ backend: Backend, sync: Bool) throws {
        let tmp = TemporaryDirectory()
        let file = try backend.storage().openFile(tmp.sub("f"), create: true)
        defer { file.close() }
        try file.preallocateZeroed(size: 64 * 1024)
        let buffer = AlignedBuffer(capacity: 8192)
        for i in 0..<8192 { buffer.mutableBytes[i] = UInt8(truncatingIfNeeded: i * 7) }
        var runs = 0
        try file.write(buffer.bytes(0..<8192), at: 4096, newBytesFrom: 4096, sync: sync, whileInFlight: { runs += 1 })
        #expect(runs == 1)
        var back = [UInt8](repeating: 0, count: 8192)
        #expect(try back.withUnsafeMutableBytes { try file.read(into: $0, at: 4096) } == 8192)
        #expect(back == Array(buffer.bytes(0..<8192)))
    }

    @Test(arguments: backends, [true, false])
    func theWorkRunsOnceWhenTheWriteFails(_ backend: Backend, sync: Bool) throws {
        let tmp = TemporaryDirectory()
        let file = try unwritable(backend, tmp.path)
        defer { file.close() }
        let buffer = AlignedBuffer(capacity: 4096)
        var runs = 0
        // posix and buffered io_uring fail the write itself (EBADF: the submission was made, the
        // work ran while it was in flight); direct io_uring fails opening its O_DIRECT
        // descriptor, before any submission.
        #expect(throws: IOFailure.self) {
            try file.write(buffer.bytes(0..<4096), at: 0, newBytesFrom: 0, sync: sync, whileInFlight: { runs += 1 })
        }
        #expect(runs == 1)
    }

    @Test func runningOnceRunsTheWorkOnceWhateverTheBodyDoes() throws {
        let failure = IOFailure("write", path: "f", errno: .ioError)
        var runs = 0
        try runningOnce({ runs += 1 }) { once in once(); once() }
        #expect(runs == 1, "called twice")
        runs = 0
        try runningOnce({ runs += 1 }) { _ in }
        #expect(runs == 1, "never called")
        runs = 0
        #expect(throws: IOFailure.self) { try runningOnce({ runs += 1 }) { (_) throws(IOFailure) in throw failure } }
        #expect(runs == 1, "thrown before calling it")
        runs = 0
        #expect(throws: IOFailure.self) { try runningOnce({ runs += 1 }) { (once) throws(IOFailure) in once(); throw failure } }
        #expect(runs == 1, "thrown after calling it")
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
