#if canImport(Glibc)
import Glibc
#endif
import CURing
import SystemPackage

/// Every raw Linux call the log makes, each wrapped once and raw: ``valueOrFailure(_:_:offset:retryOnInterrupt:failed:_:)``
/// retries `EINTR` and turns any other failure into an ``IOFailure`` naming the operation and
/// path, and that is all. What an error means (ignored, tolerated, mapped to another) is
/// decided by the caller, which knows why. Nothing else in AQLog calls Glibc I/O.
enum Syscalls {
    /// Runs `call` again while it fails with `EINTR` (when `retryOnInterrupt`); when `failed`
    /// holds for its result, throws the `errno` the call left. swift-system's
    /// `valueOrErrno(retryOnInterrupt:_:)`, throwing ``IOFailure`` instead of returning a result.
    @inline(__always)
    static func valueOrFailure<R>(_ op: String, _ path: String, offset: Int? = nil, retryOnInterrupt: Bool = true,
                                  failed: (R) -> Bool, _ call: () -> R) throws(IOFailure) -> R {
        while true {
            let result = call()
            guard failed(result) else { return result }
            let e = Glibc.errno
            guard retryOnInterrupt && e == EINTR else { throw IOFailure(op, path: path, errno: Errno(rawValue: e), offset: offset) }
        }
    }

    /// ``valueOrFailure(_:_:offset:retryOnInterrupt:failed:_:)`` for the calls that return -1 on failure.
    @inline(__always)
    static func valueOrFailure<I: FixedWidthInteger>(_ op: String, _ path: String, offset: Int? = nil, retryOnInterrupt: Bool = true,
                                                     _ call: () -> I) throws(IOFailure) -> I {
        try valueOrFailure(op, path, offset: offset, retryOnInterrupt: retryOnInterrupt, failed: { $0 == -1 }, call)
    }

    /// `open(2)` with `flags` exactly as given (callers add `O_CLOEXEC`).
    static func open(_ path: String, flags: Int32, mode: mode_t = 0o666) throws(IOFailure) -> Int32 {
        try valueOrFailure("open", path) { curing_open(path, flags, mode) }
    }

    /// Never retried: Linux frees the descriptor even when `close` reports `EINTR`, and a retry
    /// could close one another thread has just been given.
    static func close(_ fd: Int32, path: String) throws(IOFailure) {
        _ = try valueOrFailure("close", path, retryOnInterrupt: false) { Glibc.close(fd) }
    }

    /// Writes all of `bytes` at `offset`, continuing after short writes.
    static func pwriteAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, at offset: Int, path: String) throws(IOFailure) {
        var done = 0
        while done < bytes.count {
            let n = try valueOrFailure("pwrite", path, offset: offset + done) {
                Glibc.pwrite(fd, bytes.baseAddress! + done, bytes.count - done, off_t(offset + done))
            }
            // Writing nothing for a nonempty request would loop forever; the kernel gives no errno.
            guard n > 0 else { throw IOFailure("pwrite", path: path, errno: .ioError, offset: offset + done) }
            done += n
        }
    }

    /// Reads until `buffer` is full or the file ends; returns the number of bytes read.
    static func pread(_ fd: Int32, _ buffer: UnsafeMutableRawBufferPointer, at offset: Int, path: String) throws(IOFailure) -> Int {
        var done = 0
        while done < buffer.count {
            let n = try valueOrFailure("pread", path, offset: offset + done) {
                Glibc.pread(fd, buffer.baseAddress! + done, buffer.count - done, off_t(offset + done))
            }
            if n == 0 { break }
            done += n
        }
        return done
    }

    /// Retried only on `EINTR`, never after a real failure: the kernel may have dropped the
    /// dirty pages it could not write and would report success next time (fsyncgate).
    static func fdatasync(_ fd: Int32, path: String) throws(IOFailure) {
        _ = try valueOrFailure("fdatasync", path) { Glibc.fdatasync(fd) }
    }

    static func fsync(_ fd: Int32, path: String) throws(IOFailure) {
        _ = try valueOrFailure("fsync", path) { Glibc.fsync(fd) }
    }

    static func fileSize(_ fd: Int32, path: String) throws(IOFailure) -> Int {
        var st = Glibc.stat()
        _ = try valueOrFailure("fstat", path) { fstat(fd, &st) }
        return Int(st.st_size)
    }

    /// `fstat(2)`.
    static func fileStatus(_ fd: Int32, path: String) throws(IOFailure) -> Glibc.stat {
        var st = Glibc.stat()
        _ = try valueOrFailure("fstat", path) { fstat(fd, &st) }
        return st
    }

    /// The file's type: `st_mode & S_IFMT` from `fstat`.
    static func fileType(_ fd: Int32, path: String) throws(IOFailure) -> mode_t {
        var st = Glibc.stat()
        _ = try valueOrFailure("fstat", path) { fstat(fd, &st) }
        return st.st_mode & S_IFMT
    }

    /// `fcntl(F_GETFL)`.
    static func statusFlags(_ fd: Int32, path: String) throws(IOFailure) -> Int32 {
        try valueOrFailure("fcntl(F_GETFL)", path) { fcntl(fd, F_GETFL) }
    }

    /// `fcntl(F_SETFL)`.
    static func setStatusFlags(_ fd: Int32, _ flags: Int32, path: String) throws(IOFailure) {
        _ = try valueOrFailure("fcntl(F_SETFL)", path) { fcntl(fd, F_SETFL, flags) }
    }

    static func ftruncate(_ fd: Int32, _ size: Int, path: String) throws(IOFailure) {
        _ = try valueOrFailure("ftruncate", path) { Glibc.ftruncate(fd, off_t(size)) }
    }

    /// `fallocate` mode 0 over `[0, size)`: reserves blocks and extends the file, so a full disk
    /// fails here with `ENOSPC` instead of mid-write. File systems without it throw `EOPNOTSUPP`.
    static func fallocate(_ fd: Int32, size: Int, path: String) throws(IOFailure) {
        _ = try valueOrFailure("fallocate", path) { curing_fallocate(fd, 0, 0, off_t(size)) }
    }

    /// `sync_file_range(SYNC_FILE_RANGE_WRITE)`: starts write-back of the range without waiting.
    static func startWriteback(_ fd: Int32, from offset: Int, length: Int, path: String) throws(IOFailure) {
        _ = try valueOrFailure("sync_file_range", path, offset: offset) {
            curing_start_writeback(fd, off_t(offset), off_t(length))
        }
    }

    /// `posix_fadvise(POSIX_FADV_DONTNEED)` over the whole file: drops its clean cached pages.
    /// `POSIX_FADV_DONTNEED` from the page holding `offset` to the end of the file (0: the whole
    /// file). The kernel keeps a folio the range covers only in part.
    static func dropCleanPages(_ fd: Int32, from offset: Int = 0, path: String) throws(IOFailure) {
        let start = offset / pageSize * pageSize
        _ = try valueOrFailure("posix_fadvise", path, failed: { $0 != 0 }) {
            // posix_fadvise returns the error number instead of setting errno.
            let e = posix_fadvise(fd, off_t(start), 0, POSIX_FADV_DONTNEED)
            if e != 0 { Glibc.errno = e }
            return e
        }
    }

    /// Whether the page holding `offset` of the file is in the page cache (`mincore` of a
    /// one-page mapping of it). A file that ends before `offset` has no such page.
    static func isPageCached(_ fd: Int32, at offset: Int, path: String) throws(IOFailure) -> Bool {
        let start = offset / pageSize * pageSize
        guard start < (try fileSize(fd, path: path)) else { return false }
        let page = try valueOrFailure("mmap", path, failed: { $0 == nil || $0 == MAP_FAILED }) {
            Glibc.mmap(nil, pageSize, PROT_READ, MAP_SHARED, fd, off_t(start))
        }!
        defer { Glibc.munmap(page, pageSize) }
        var vector: UInt8 = 0
        _ = try valueOrFailure("mincore", path) { Glibc.mincore(page, pageSize, &vector) }
        return vector & 1 != 0
    }

    static func rename(_ from: String, _ to: String) throws(IOFailure) {
        _ = try valueOrFailure("rename", from) { Glibc.rename(from, to) }
    }

    static func unlink(_ path: String) throws(IOFailure) {
        _ = try valueOrFailure("unlink", path) { Glibc.unlink(path) }
    }

    /// Throws `EEXIST` whatever already exists at `path`, a directory included.
    static func mkdir(_ path: String, mode: mode_t) throws(IOFailure) {
        _ = try valueOrFailure("mkdir", path) { Glibc.mkdir(path, mode) }
    }

    /// `stat(2)`: follows symbolic links.
    static func status(_ path: String) throws(IOFailure) -> Glibc.stat {
        var st = Glibc.stat()
        _ = try valueOrFailure("stat", path) { stat(path, &st) }
        return st
    }

    /// `lstat(2)`: the entry itself, a symbolic link included.
    static func linkStatus(_ path: String) throws(IOFailure) -> Glibc.stat {
        var st = Glibc.stat()
        _ = try valueOrFailure("lstat", path) { lstat(path, &st) }
        return st
    }

    /// Every entry name `readdir` returns, `.` and `..` included, in directory order.
    static func listDirectory(_ path: String) throws(IOFailure) -> [String] {
        let dir = try valueOrFailure("opendir", path, failed: { $0 == nil }) { opendir(path) }!
        // closedir fails only for a stream that is not open (EBADF); this one is.
        defer { closedir(dir) }
        var names: [String] = []
        // readdir returns nil both at the end and on failure; only a failure sets errno.
        while let entry = try valueOrFailure("readdir", path, failed: { $0 == nil && Glibc.errno != 0 }, {
            Glibc.errno = 0
            return readdir(dir)
        }) {
            names.append(withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(cString: raw.baseAddress!.assumingMemoryBound(to: CChar.self))
            })
        }
        return names
    }

    /// `flock(fd, operation)`; with `LOCK_NB` a held lock throws `EWOULDBLOCK`.
    static func flockFile(_ fd: Int32, _ operation: Int32, path: String) throws(IOFailure) {
        _ = try valueOrFailure("flock", path) { flock(fd, operation) }
    }

    // Open file description locks (Linux 3.15): owned by the open file like `flock` (which
    // they do not conflict with), so two opens in one process conflict, but testable without
    // taking them (`F_OFD_GETLK`), which lets readers ask whether a writer is alive. Glibc's
    // headers hide the constants from Swift.
    private static let F_OFD_GETLK: Int32 = 36
    private static let F_OFD_SETLK: Int32 = 37

    /// `fcntl(F_OFD_SETLK)` over the whole file with lock `type` (`F_WRLCK`, `F_RDLCK` or
    /// `F_UNLCK`), without waiting: a conflicting lock throws `EAGAIN` (POSIX also allows `EACCES`).
    static func setLock(_ fd: Int32, type: Int32, path: String) throws(IOFailure) {
        var request = Glibc.flock()
        request.l_type = Int16(type)
        request.l_whence = Int16(SEEK_SET)
        _ = try valueOrFailure("fcntl(F_OFD_SETLK)", path) { fcntl(fd, F_OFD_SETLK, &request) }
    }

    /// `fcntl(F_OFD_GETLK)`: true when another open file holds a lock that a write lock over
    /// the whole file would conflict with.
    static func isLockedByOther(_ fd: Int32, path: String) throws(IOFailure) -> Bool {
        var query = Glibc.flock()
        query.l_type = Int16(F_WRLCK)
        query.l_whence = Int16(SEEK_SET)
        _ = try valueOrFailure("fcntl(F_OFD_GETLK)", path) { fcntl(fd, F_OFD_GETLK, &query) }
        return query.l_type != Int16(F_UNLCK)
    }

    /// `mmap` of `[0, size)` read-only and shared; a `size` of 0 throws `EINVAL`.
    static func mapShared(_ fd: Int32, size: Int, path: String) throws(IOFailure) -> UnsafeMutableRawPointer {
        try valueOrFailure("mmap", path, failed: { $0 == nil || $0 == MAP_FAILED }) {
            mmap(nil, size, PROT_READ, MAP_SHARED, fd, 0)
        }!
    }

    /// `MADV_POPULATE_READ` (Linux 5.14), which the C library's headers declare only for
    /// some feature macros: fault pages in readable, reporting a failure instead of `SIGBUS`.
    static let populateRead: Int32 = 22
    /// The memory page size (what the page cache holds and drops at a time).
    static let pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))
    /// The processors this process may run on (`sched_getaffinity`: what `taskset` or a
    /// cpuset leaves it), at least 1.
    static var usableProcessors: Int { Int(curing_usable_processors()) }

    static func madvise(_ start: UnsafeMutableRawPointer, size: Int, advice: Int32, path: String) throws(IOFailure) {
        _ = try valueOrFailure("madvise", path) { Glibc.madvise(start, size, advice) }
    }

    static func munmap(_ start: UnsafeMutableRawPointer, size: Int, path: String) throws(IOFailure) {
        _ = try valueOrFailure("munmap", path) { Glibc.munmap(start, size) }
    }
}
