#if canImport(Glibc)
import Glibc
#endif
import CURing
import SystemPackage

/// A file whose synced commits go through an io_uring ring: one submission carries the write
/// and a linked `fdatasync` (`IOSQE_IO_LINK` + `IORING_FSYNC_DATASYNC`), so a commit costs one
/// `io_uring_enter` instead of two system calls. Unsynced buffered commits (`.deferred`) are a
/// plain `pwrite`: with no sync to link, the ring would only add ext4's hand-off of buffered
/// writes to io-wq workers. Reads, preallocation and mapping use the plain calls. The ring is
/// owned by the file and used by one thread at a time (the log hands its I/O over under a lock).
///
/// With `direct`, commits are written through a second descriptor opened `O_DIRECT`: whole
/// 4 KiB blocks from block-aligned buffers, rewriting the partial tail block each commit,
/// which skips the page cache and ext4's kernel write-back workers (SPEC §11). Everything
/// else (zero-fill, reads, mapping) uses the buffered descriptor; direct writes invalidate
/// the cached pages they cover, so readers stay coherent.
///
/// A synced direct commit is one write flagged `RWF_DSYNC` rather than a write linked to an
/// `fdatasync`: the same guarantee (the kernel flushes the range and the device cache before
/// completing it), but a linked `fsync` always runs on an io-wq worker thread, one more
/// cross-thread wake-up per commit, which costs most when the committer was itself just
/// woken by a producer (a one-record `Log` went from 0.56-0.64× to 0.80-0.87× of the raw
/// linked loop; docs/BENCHMARKS.md). Kernels without `RWF_DSYNC` on io_uring (`EOPNOTSUPP`)
/// fall back to the linked form (``DirectCommitSync/linkedFdatasync``).
///
/// The ring and the direct descriptor are created on the first write or sync, so files that
/// recovery only reads (every sealed segment) cost no ring.
final class URingFile: StorageFile, @unchecked Sendable {
    // The lazily created parts are touched only by the one thread doing the log's I/O at a time.
    let fd: Int32
    let path: String
    private let direct: Bool
    private var ringStorage: URing?
    /// The O_DIRECT descriptor commits use, when direct and supported.
    private var directFD: Int32?
    /// How a synced direct commit is made durable.
    enum DirectCommitSync: Sendable {
        /// One write flagged `RWF_DSYNC` (default).
        case dataSyncedWrite
        /// A write linked to an `fdatasync`: the fallback when the kernel refuses `RWF_DSYNC`.
        case linkedFdatasync
    }
    private var directCommitSync: DirectCommitSync
    var requiresAlignedWrites: Bool { direct }

    init(fd: Int32, path: String, direct: Bool = false, directCommitSync: DirectCommitSync = .dataSyncedWrite) throws(IOFailure) {
        self.fd = fd
        self.path = path
        self.direct = direct
        self.directCommitSync = directCommitSync
    }

    private func ring() throws(IOFailure) -> URing {
        if let ringStorage { return ringStorage }
        let r = try URing(entries: 8, path: path)
        if direct {
            do throws(IOFailure) { directFD = try Syscalls.open(path, flags: O_RDWR | O_CLOEXEC | CURING_O_DIRECT) } catch {
                // File systems without O_DIRECT (tmpfs) refuse it with EINVAL: stay buffered.
                guard error.errno == .invalidArgument else { throw error }
            }
        }
        ringStorage = r
        return r
    }

    func size() throws(IOFailure) -> Int { try Syscalls.fileSize(fd, path: path) }
    func preallocateZeroed(size: Int) throws(IOFailure) { try zeroFill(fd: fd, path: path, size: size) }
    func reserve(size: Int) throws(IOFailure) { try reserveBlocks(fd: fd, path: path, size: size) }
    // Both hints: a failure costs only speed, never durability, which comes from syncData().
    func startWriteback(from offset: Int, length: Int) { try? Syscalls.startWriteback(fd, from: offset, length: length, path: path) }
    func dropCleanPages() { try? Syscalls.dropCleanPages(fd, path: path) }
    func syncData() throws(IOFailure) { try ring().sync(fd: fd, path: path) }
    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int) throws(IOFailure) -> Int {
        try Syscalls.pread(fd, buffer, at: offset, path: path)
    }
    func mapReadOnly() throws(IOFailure) -> MappedRegion { try mapWholeFile(fd: fd, path: path, size: try size()) }
    func truncate(to size: Int) throws(IOFailure) { try Syscalls.ftruncate(fd, size, path: path) }
    /// Errors ignored: durability comes from syncData(), and the descriptors are gone either way.
    func close() {
        if let directFD { try? Syscalls.close(directFD, path: path) }
        try? Syscalls.close(fd, path: path)
    }

    func write(_ bytes: UnsafeRawBufferPointer, at offset: Int, newBytesFrom: Int, sync: Bool) throws(IOFailure) {
        try write(bytes, at: offset, newBytesFrom: newBytesFrom, sync: sync, overlapping: nil)
    }

    func write(_ bytes: UnsafeRawBufferPointer, at offset: Int, newBytesFrom: Int, sync: Bool,
               whileInFlight: () -> Void) throws(IOFailure) {
        try runningOnce(whileInFlight) { (once) throws(IOFailure) in
            try write(bytes, at: offset, newBytesFrom: newBytesFrom, sync: sync, overlapping: once)
        }
    }

    /// The commit I/O; `overlapping` (when given) runs after the first submission, before
    /// waiting for its completions.
    private func write(_ bytes: UnsafeRawBufferPointer, at offset: Int, newBytesFrom: Int, sync: Bool,
                       overlapping: (() -> Void)?) throws(IOFailure) {
        if !sync && !direct {
            // An unsynced buffered write gains nothing from the ring (no sync to link) and
            // loses a hand-off: ext4 punts buffered io_uring writes to io-wq workers. Blocking,
            // so `overlapping` runs first, as on the posix backend. No ring is created for it.
            overlapping?()
            let skip = max(0, min(newBytesFrom - offset, bytes.count))
            try Syscalls.pwriteAll(fd, UnsafeRawBufferPointer(rebasing: bytes[skip...]), at: offset + skip, path: path)
            return
        }
        let ring = try ring()
        var rest: UnsafeRawBufferPointer
        var position: Int
        let target: Int32
        if let directFD {
            // Whole blocks from the aligned start: the caller's buffer is block-aligned and
            // readable (zero) up to the next block boundary.
            precondition(offset % SegmentLayout.blockSize == 0 && Int(bitPattern: bytes.baseAddress) % SegmentLayout.blockSize == 0)
            rest = UnsafeRawBufferPointer(start: bytes.baseAddress, count: alignUp(bytes.count, SegmentLayout.blockSize))
            position = offset
            target = directFD
        } else {
            let skip = max(0, min(newBytesFrom - offset, bytes.count))
            rest = UnsafeRawBufferPointer(rebasing: bytes[skip...])
            position = offset + skip
            target = fd
        }
        var overlapping = overlapping  // only the first submission overlaps: retries wait at once
        while true {
            let written: Int
            if directFD != nil && sync && directCommitSync == .dataSyncedWrite {
                do throws(IOFailure) {
                    written = try ring.writeDataSynced(fd: target, rest, at: position, path: path, overlapping: overlapping)
                } catch {
                    guard error.errno == .notSupported else { throw error }  // EOPNOTSUPP (same value on Linux)
                    directCommitSync = .linkedFdatasync
                    overlapping = nil
                    continue
                }
            } else {
                written = try ring.writeThenSync(fd: target, rest, at: position, sync: sync, path: path, overlapping: overlapping)
            }
            overlapping = nil
            if written == rest.count { return }
            // Short write: the kernel cancelled the linked sync; continue with the remainder.
            rest = UnsafeRawBufferPointer(rebasing: rest[written...])
            position += written
        }
    }
}

/// A minimal io_uring ring: submit a write (optionally with a linked `fdatasync`) and wait
/// for its completions. Policy (what to write, when to sync) stays with the caller.
final class URing: @unchecked Sendable {
    private let ring: OpaquePointer

    init(entries: UInt32, path: String) throws(IOFailure) {
        var error: Int32 = 0
        guard let r = curing_ring_create(entries, &error) else {
            throw IOFailure("io_uring_queue_init", path: path, errno: Errno(rawValue: -error))
        }
        ring = r
    }

    deinit { curing_ring_destroy(ring) }

    /// True when this kernel lets the process create a ring (ENOSYS, EPERM and
    /// `kernel.io_uring_disabled` all make it false).
    static var isAvailable: Bool {
        var error: Int32 = 0
        guard let r = curing_ring_create(2, &error) else { return false }
        curing_ring_destroy(r)
        return true
    }

    /// Submits a write of `bytes` at `offset`, linked to an `fdatasync` when `sync`; waits for
    /// both (running `overlapping`, if any, in between). Returns the bytes written (possibly
    /// short, in which case no sync happened).
    func writeThenSync(fd: Int32, _ bytes: UnsafeRawBufferPointer, at offset: Int, sync: Bool, path: String,
                       overlapping: (() -> Void)? = nil) throws(IOFailure) -> Int {
        try check(curing_queue_write(ring, fd, bytes.baseAddress, UInt32(bytes.count), UInt64(offset), 1, sync ? 1 : 0), "io_uring_get_sqe", path)
        if sync { try check(curing_queue_fdatasync(ring, fd, 2, 0), "io_uring_get_sqe", path) }
        let expected: Int32 = sync ? 2 : 1
        try submit(wait: expected, path: path, overlapping: overlapping)
        var written = -1
        var syncResult: Int32 = 0
        for _ in 0..<expected {
            let (tag, res) = try reap(path: path)
            if tag == 1 { written = Int(res) } else { syncResult = res }
        }
        if written < 0 { throw IOFailure("io_uring write", path: path, errno: Errno(rawValue: Int32(-written)), offset: offset) }
        if written == 0 && bytes.count > 0 { throw IOFailure("io_uring write", path: path, errno: .ioError, offset: offset) }
        if written == bytes.count && sync && syncResult < 0 {
            throw IOFailure("io_uring fdatasync", path: path, errno: Errno(rawValue: -syncResult))
        }
        return written
    }

    /// Submits one write flagged `RWF_DSYNC` and waits for it: it completes once the range is
    /// durable (the kernel issues the cache flush itself). Returns the bytes written and
    /// synced (possibly short). A failed flush is reported as the write's error.
    func writeDataSynced(fd: Int32, _ bytes: UnsafeRawBufferPointer, at offset: Int, path: String,
                         overlapping: (() -> Void)? = nil) throws(IOFailure) -> Int {
        try check(curing_queue_write_dsync(ring, fd, bytes.baseAddress, UInt32(bytes.count), UInt64(offset), 1), "io_uring_get_sqe", path)
        try submit(wait: 1, path: path, overlapping: overlapping)
        let (_, written) = try reap(path: path)
        if written < 0 { throw IOFailure("io_uring write (RWF_DSYNC)", path: path, errno: Errno(rawValue: -written), offset: offset) }
        if written == 0 && bytes.count > 0 { throw IOFailure("io_uring write (RWF_DSYNC)", path: path, errno: .ioError, offset: offset) }
        return Int(written)
    }

    /// A standalone `fdatasync` through the ring.
    func sync(fd: Int32, path: String) throws(IOFailure) {
        try check(curing_queue_fdatasync(ring, fd, 2, 0), "io_uring_get_sqe", path)
        try submit(wait: 1, path: path)
        let (_, res) = try reap(path: path)
        if res < 0 { throw IOFailure("io_uring fdatasync", path: path, errno: Errno(rawValue: -res)) }
    }

    private func check(_ rc: Int32, _ op: String, _ path: String) throws(IOFailure) {
        if rc < 0 { throw IOFailure(op, path: path, errno: Errno(rawValue: -rc)) }
    }

    /// Submits what is queued and waits for `wait` completions, in one `io_uring_enter`; with
    /// `overlapping`, submits without waiting and runs it (the completions are waited for by
    /// ``reap(path:)``: one more system call, to overlap the caller's work with the device).
    private func submit(wait: Int32, path: String, overlapping: (() -> Void)? = nil) throws(IOFailure) {
        let waitFor = overlapping == nil ? UInt32(wait) : 0
        while true {
            let rc = curing_submit_and_wait(ring, waitFor)
            if rc >= 0 { break }
            if rc != -EINTR { throw IOFailure("io_uring_submit_and_wait", path: path, errno: Errno(rawValue: -rc)) }
        }
        overlapping?()
    }

    private func reap(path: String) throws(IOFailure) -> (UInt64, Int32) {
        var tag: UInt64 = 0
        var res: Int32 = 0
        while true {
            let rc = curing_wait_completion(ring, &tag, &res)
            if rc == 0 { return (tag, res) }
            if rc != -EINTR { throw IOFailure("io_uring_wait_cqe", path: path, errno: Errno(rawValue: -rc)) }
        }
    }
}
