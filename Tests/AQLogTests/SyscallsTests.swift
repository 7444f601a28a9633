import Testing
import AQTestSupport
import Foundation
#if canImport(Glibc)
import Glibc
#endif
@testable import AQLog

/// `Syscalls` reports what the kernel said (after retrying `EINTR`) and nothing else; what an
/// error means is decided by its callers. Each test shows both sides of one such decision.
@Suite struct SyscallsTests {
    // MARK: The EINTR helper

    @Test func valueOrFailureRetriesEINTRAndReportsAnyOtherErrnoWithOperationPathAndOffset() throws {
        var calls = 0
        let value = try Syscalls.valueOrFailure("op", "/p") { () -> Int32 in
            calls += 1
            if calls < 3 { Glibc.errno = EINTR; return -1 }
            return 7
        }
        #expect(value == 7 && calls == 3)

        calls = 0
        #expect(throws: IOFailure("op", path: "/p", errno: .badFileDescriptor, offset: 9)) {
            try Syscalls.valueOrFailure("op", "/p", offset: 9) { () -> Int32 in
                calls += 1
                Glibc.errno = EBADF
                return -1
            }
        }
        #expect(calls == 1)

        // close's form: EINTR surfaces instead of being retried.
        calls = 0
        #expect(throws: IOFailure("op", path: "/p", errno: .interrupted)) {
            try Syscalls.valueOrFailure("op", "/p", retryOnInterrupt: false) { () -> Int32 in
                calls += 1
                Glibc.errno = EINTR
                return -1
            }
        }
        #expect(calls == 1)
    }

    // MARK: mkdir / createDirectory

    @Test func mkdirOnAnExistingDirectoryThrowsEEXISTWhileCreateDirectorySucceeds() throws {
        let tmp = TemporaryDirectory()
        let dir = tmp.sub("d")
        try PosixStorage().createDirectory(dir)
        #expect(throws: IOFailure("mkdir", path: dir, errno: .fileExists)) { try Syscalls.mkdir(dir, mode: 0o755) }
        try PosixStorage().createDirectory(dir)
        #expect(PosixStorage().isDirectory(dir))
    }

    @Test func createDirectoryWhereAFileExistsFailsWithMkdirsEEXIST() {
        let tmp = TemporaryDirectory()
        tmp.write("f", [1])
        #expect(throws: IOFailure("mkdir", path: tmp.sub("f"), errno: .fileExists)) {
            try PosixStorage().createDirectory(tmp.sub("f"))
        }
        #expect(tmp.read("f") == [1])
    }

    // MARK: stat / isDirectory, readdir / listDirectory

    @Test func statReportsAMissingPathWhileIsDirectoryAnswersFalse() {
        let tmp = TemporaryDirectory()
        #expect(throws: IOFailure("stat", path: tmp.sub("missing"), errno: .noSuchFileOrDirectory)) {
            try Syscalls.status(tmp.sub("missing"))
        }
        tmp.write("f", [])
        let storage = PosixStorage()
        #expect(!storage.isDirectory(tmp.sub("missing")))
        #expect(!storage.isDirectory(tmp.sub("f")))
        #expect(storage.isDirectory(tmp.path))
    }

    @Test func readdirListsDotAndDotDotWhileListDirectoryLeavesThemOut() throws {
        let tmp = TemporaryDirectory()
        tmp.write("a", [])
        tmp.write("b", [])
        #expect(try Syscalls.listDirectory(tmp.path).sorted() == [".", "..", "a", "b"])
        #expect(try PosixStorage().listDirectory(tmp.path).sorted() == ["a", "b"])
        #expect(throws: IOFailure("opendir", path: tmp.sub("missing"), errno: .noSuchFileOrDirectory)) {
            try Syscalls.listDirectory(tmp.sub("missing"))
        }
    }

    // MARK: open / O_CLOEXEC

    @Test(arguments: [PosixStorage.WritePath.posix, .uring])
    func openPassesFlagsAsGivenWhileStorageFilesAreCloseOnExec(_ writePath: PosixStorage.WritePath) throws {
        let tmp = TemporaryDirectory()
        let raw = try Syscalls.open(tmp.sub("raw"), flags: O_RDWR | O_CREAT)
        defer { try? Syscalls.close(raw, path: tmp.sub("raw")) }
        #expect(fcntl(raw, F_GETFD) & FD_CLOEXEC == 0)

        let file = try PosixStorage(writePath: writePath).openFile(tmp.sub("seg"), create: true)
        defer { file.close() }
        let fd = try #require((file as? PosixFile)?.fd ?? (file as? URingFile)?.fd)
        #expect(fcntl(fd, F_GETFD) & FD_CLOEXEC != 0)
    }

    @Test func closeOfABadDescriptorThrowsEBADF() {
        #expect(throws: IOFailure("close", path: "/p", errno: .badFileDescriptor)) { try Syscalls.close(-1, path: "/p") }
    }

    // MARK: Hints

    @Test func writebackAndFadviseReportTheirErrnoWhileTheFileIgnoresThem() throws {
        var ends: [Int32] = [0, 0]
        try #require(pipe(&ends) == 0)
        defer { _ = Glibc.close(ends[0]); _ = Glibc.close(ends[1]) }
        #expect(throws: IOFailure("sync_file_range", path: "pipe", errno: .illegalSeek, offset: 0)) {
            try Syscalls.startWriteback(ends[1], from: 0, length: 4096, path: "pipe")
        }
        // posix_fadvise returns its error instead of setting errno; the wrapper reports it.
        Glibc.errno = 0
        #expect(throws: IOFailure("posix_fadvise", path: "pipe", errno: .illegalSeek)) {
            try Syscalls.dropCleanPages(ends[1], path: "pipe")
        }
        let file = PosixFile(fd: ends[1], path: "pipe")
        file.startWriteback(from: 0, length: 4096)
        file.dropCleanPages()
    }

    /// Dropping from an offset leaves no page at or past it cached, even where the file system
    /// caches the file in folios larger than a page that straddle the offset (then it drops all).
    @Test func droppingFromAnOffsetLeavesNothingPastItCached() throws {
        let tmp = TemporaryDirectory()
        let file = try PosixStorage().openFile(tmp.sub("f"), create: true)
        defer { file.close() }
        let fd = try #require((file as? PosixFile)?.fd)
        let bytes = [UInt8](repeating: 0x5A, count: 8 << 20)
        try bytes.withUnsafeBytes { try file.write($0, at: 0, newBytesFrom: 0, sync: true) }
        let offset = (4 << 20) + 8192 + 100  // inside a 2 MiB folio that would begin at 4 MiB
        #expect(try Syscalls.isPageCached(fd, at: offset, path: "f"), "written pages start cached")
        file.dropCleanPages(from: offset)
        #expect(try !Syscalls.isPageCached(fd, at: offset, path: "f"))
        #expect(try !Syscalls.isPageCached(fd, at: (8 << 20) - 1, path: "f"))
        #expect(try !Syscalls.isPageCached(fd, at: 8 << 20, path: "f"), "past the end: no page")
    }

    // MARK: mmap / mapReadOnly

    @Test func mmapRefusesZeroBytesWhileAnEmptyFileMapsAsAnEmptyRegion() throws {
        let tmp = TemporaryDirectory()
        let file = try PosixStorage().openFile(tmp.sub("f"), create: true)
        defer { file.close() }
        let fd = try #require((file as? PosixFile)?.fd)
        #expect(throws: IOFailure("mmap", path: tmp.sub("f"), errno: .invalidArgument)) {
            try Syscalls.mapShared(fd, size: 0, path: tmp.sub("f"))
        }
        #expect(try file.mapReadOnly().bytes.isEmpty)
        try [UInt8]([1, 2, 3]).withUnsafeBytes { b in try file.write(b, at: 0, newBytesFrom: 0, sync: false) }
        let region = try file.mapReadOnly()
        #expect(Array(region.bytes) == [1, 2, 3])
    }

    // MARK: fallocate / reserve, preallocateZeroed, SegmentPreparer

    /// procfs files have no `fallocate`; opening `comm` read-write changes nothing.
    @Test func fallocateReportsEOPNOTSUPP() throws {
        let path = "/proc/self/comm"
        let fd = try Syscalls.open(path, flags: O_RDWR | O_CLOEXEC)
        defer { try? Syscalls.close(fd, path: path) }
        #expect(throws: IOFailure("fallocate", path: path, errno: .notSupported)) {
            try Syscalls.fallocate(fd, size: 1 << 20, path: path)
        }
    }

    /// ramfs has no `fallocate` (`EOPNOTSUPP`) but writes and sizes files normally: the
    /// storage still reserves and zero-fills, and the preparer still prepares segments.
    @Test(.enabled(if: getuid() == 0, "needs root to mount ramfs"), arguments: [PosixStorage.WritePath.posix, .uring])
    func withoutFallocateTheStorageStillReservesAndZeroFillsAndSegmentsArePrepared(_ writePath: PosixStorage.WritePath) throws {
        let tmp = TemporaryDirectory()
        let mnt = tmp.sub("ramfs")
        try FileManager.default.createDirectory(atPath: mnt, withIntermediateDirectories: false)
        try #require(mount("ramfs", mnt, "ramfs", 0, nil) == 0, "mount ramfs: errno \(errno)")
        defer { withExtendedLifetime(tmp) { _ = umount2(mnt, Int32(MNT_DETACH)) } }
        let storage = PosixStorage(writePath: writePath)
        let size = 256 * 1024

        let probe = try storage.openFile(mnt + "/probe", create: true)
        defer { probe.close() }
        let fd = try #require((probe as? PosixFile)?.fd ?? (probe as? URingFile)?.fd)
        #expect(throws: IOFailure("fallocate", path: mnt + "/probe", errno: .notSupported)) {
            try Syscalls.fallocate(fd, size: size, path: mnt + "/probe")
        }

        let reserved = try storage.openFile(mnt + "/reserved", create: true)
        defer { reserved.close() }
        try reserved.reserve(size: size)
        #expect(try reserved.size() == size)

        let zeroed = try storage.openFile(mnt + "/zeroed", create: true)
        defer { zeroed.close() }
        try zeroed.preallocateZeroed(size: size)
        #expect(try zeroed.size() == size)
        #expect(readFile(mnt + "/zeroed") == [UInt8](repeating: 0, count: size))

        for zeroFill in [true, false] {
            let preparer = SegmentPreparer(storage: storage, directory: mnt, background: false, zeroFill: zeroFill)
            let prepared = try preparer.take(size: size)
            #expect(try prepared.file.size() == size)
            prepared.file.close()
            try storage.removeFile(prepared.path)
        }
    }
}
