#if canImport(Glibc)
import Glibc
#endif
import CURing
import SystemPackage

/// Every raw Linux call the log makes, each wrapped once: `EINTR` retried, failures turned
/// into ``IOFailure`` naming the operation and path. Nothing else in AQLog calls Glibc I/O.
enum Syscalls {
    static func failure(_ op: String, _ path: String, offset: Int? = nil) -> IOFailure {
        IOFailure(op, path: path, errno: Errno(rawValue: Glibc.errno), offset: offset)
    }

    static func open(_ path: String, flags: Int32, mode: mode_t = 0o644) throws(IOFailure) -> Int32 {
        while true {
            let fd = curing_open(path, flags | O_CLOEXEC, mode)
            if fd >= 0 { return fd }
            if Glibc.errno != EINTR { throw failure("open", path) }
        }
    }

    static func close(_ fd: Int32) { _ = Glibc.close(fd) }

    /// Writes all of `bytes` at `offset`, continuing after short writes.
    static func pwriteAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, at offset: Int, path: String) throws(IOFailure) {
        var done = 0
        while done < bytes.count {
            let n = Glibc.pwrite(fd, bytes.baseAddress! + done, bytes.count - done, off_t(offset + done))
            if n > 0 { done += n; continue }
            if n < 0 && Glibc.errno == EINTR { continue }
            if n == 0 { throw IOFailure("pwrite", path: path, errno: .ioError, offset: offset + done) }
            throw failure("pwrite", path, offset: offset + done)
        }
    }

    static func pread(_ fd: Int32, _ buffer: UnsafeMutableRawBufferPointer, at offset: Int, path: String) throws(IOFailure) -> Int {
        var done = 0
        while done < buffer.count {
            let n = Glibc.pread(fd, buffer.baseAddress! + done, buffer.count - done, off_t(offset + done))
            if n > 0 { done += n; continue }
            if n == 0 { break }
            if Glibc.errno == EINTR { continue }
            throw failure("pread", path, offset: offset + done)
        }
        return done
    }

    static func fdatasync(_ fd: Int32, path: String) throws(IOFailure) {
        // Never retried after a real failure: the kernel may have dropped the dirty pages (fsyncgate).
        while Glibc.fdatasync(fd) != 0 {
            if Glibc.errno != EINTR { throw failure("fdatasync", path) }
        }
    }

    static func fsync(_ fd: Int32, path: String) throws(IOFailure) {
        while Glibc.fsync(fd) != 0 {
            if Glibc.errno != EINTR { throw failure("fsync", path) }
        }
    }

    static func fileSize(_ fd: Int32, path: String) throws(IOFailure) -> Int {
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw failure("fstat", path) }
        return Int(st.st_size)
    }

    static func ftruncate(_ fd: Int32, _ size: Int, path: String) throws(IOFailure) {
        while Glibc.ftruncate(fd, off_t(size)) != 0 {
            if Glibc.errno != EINTR { throw failure("ftruncate", path) }
        }
    }

    /// Reserves blocks (`fallocate` mode 0): fails fast with `ENOSPC` instead of mid-write.
    static func fallocate(_ fd: Int32, size: Int, path: String) throws(IOFailure) {
        while curing_fallocate(fd, 0, 0, off_t(size)) != 0 {
            let e = curing_errno()
            if e == EINTR { continue }
            if e == EOPNOTSUPP { return }  // e.g. tmpfs without fallocate: zero-fill still reserves
            throw IOFailure("fallocate", path: path, errno: Errno(rawValue: e))
        }
    }

    /// Sizes the file to `size` with `fallocate`d (unwritten, zero-reading) blocks.
    static func reserve(_ fd: Int32, size: Int, path: String) throws(IOFailure) {
        try fallocate(fd, size: size, path: path)
        if try fileSize(fd, path: path) < size { try ftruncate(fd, size, path: path) }
        // No sync here: the size change leaves the inode dirty for `fdatasync`, so the synced
        // header write that activates the segment persists it. A sync here would wait behind
        // a deferred log's write-back of the active segment (measured 30-170 ms per roll).
    }

    /// `sync_file_range(SYNC_FILE_RANGE_WRITE)`: best effort, errors ignored (a hint).
    static func startWriteback(_ fd: Int32, from offset: Int, length: Int) {
        _ = curing_start_writeback(fd, off_t(offset), off_t(length))
    }

    static func dropCleanPages(_ fd: Int32) {
        _ = posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED)
    }

    static func rename(_ from: String, _ to: String) throws(IOFailure) {
        guard Glibc.rename(from, to) == 0 else { throw failure("rename", from) }
    }

    static func unlink(_ path: String) throws(IOFailure) {
        guard Glibc.unlink(path) == 0 else { throw failure("unlink", path) }
    }

    static func mkdir(_ path: String) throws(IOFailure) {
        if Glibc.mkdir(path, 0o755) == 0 { return }
        if Glibc.errno == EEXIST, isDirectory(path) { return }
        throw failure("mkdir", path)
    }

    static func isDirectory(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }

    static func listDirectory(_ path: String) throws(IOFailure) -> [String] {
        guard let dir = opendir(path) else { throw failure("opendir", path) }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(cString: raw.baseAddress!.assumingMemoryBound(to: CChar.self))
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    static func syncDirectory(_ path: String) throws(IOFailure) {
        let fd = try open(path, flags: O_RDONLY | O_DIRECTORY)
        defer { close(fd) }
        try fsync(fd, path: path)
    }

    static func flockExclusive(_ fd: Int32, path: String) throws(IOFailure) {
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            if Glibc.errno != EINTR { throw failure("flock", path) }
        }
    }

    // Open file description locks (Linux 3.15): owned by the open file like `flock` (which
    // they do not conflict with), so two opens in one process conflict, but testable without
    // taking them (`F_OFD_GETLK`), which lets readers ask whether a writer is alive. Glibc's
    // headers hide the constants from Swift.
    private static let F_OFD_GETLK: Int32 = 36
    private static let F_OFD_SETLK: Int32 = 37

    /// Takes an exclusive lock on the whole file without waiting; throws `EWOULDBLOCK` when held.
    static func lockExclusive(_ fd: Int32, path: String) throws(IOFailure) {
        var request = flock()
        request.l_type = Int16(F_WRLCK)
        request.l_whence = Int16(SEEK_SET)
        while fcntl(fd, F_OFD_SETLK, &request) != 0 {
            let e = Glibc.errno
            if e == EAGAIN || e == EACCES { throw IOFailure("fcntl(F_OFD_SETLK)", path: path, errno: .wouldBlock) }
            if e != EINTR { throw failure("fcntl(F_OFD_SETLK)", path) }
        }
    }

    /// Releases both locks on the open file description: unlike a `close`, this frees them even
    /// while a child spawned by another thread still holds a copy of the descriptor (until its
    /// `exec`).
    static func unlock(_ fd: Int32) {
        var request = flock()
        request.l_type = Int16(F_UNLCK)
        request.l_whence = Int16(SEEK_SET)
        _ = fcntl(fd, F_OFD_SETLK, &request)
        _ = flock(fd, LOCK_UN)
    }

    /// True when another open file holds a lock that ``lockExclusive(_:path:)`` would conflict with.
    static func isLockedByOther(_ fd: Int32, path: String) throws(IOFailure) -> Bool {
        var query = flock()
        query.l_type = Int16(F_WRLCK)
        query.l_whence = Int16(SEEK_SET)
        guard fcntl(fd, F_OFD_GETLK, &query) == 0 else { throw failure("fcntl(F_OFD_GETLK)", path) }
        return query.l_type != Int16(F_UNLCK)
    }

    static func mapReadOnly(_ fd: Int32, size: Int, path: String) throws(IOFailure) -> MappedRegion {
        if size == 0 {
            return MappedRegion(bytes: UnsafeRawBufferPointer(start: nil, count: 0), release: { _ in })
        }
        guard let p = mmap(nil, size, PROT_READ, MAP_SHARED, fd, 0), p != MAP_FAILED else {
            throw failure("mmap", path)
        }
        _ = madvise(p, size, MADV_SEQUENTIAL)
        return MappedRegion(bytes: UnsafeRawBufferPointer(start: p, count: size)) { region in
            _ = munmap(UnsafeMutableRawPointer(mutating: region.baseAddress), region.count)
        }
    }
}
