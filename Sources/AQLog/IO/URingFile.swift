#if canImport(Glibc)
import Glibc
#endif
import CURing
import Logging
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
/// which skips the page cache and ext4's kernel write-back workers (docs/BENCHMARKS.md). Everything
/// else (zero-fill, reads, mapping) uses the buffered descriptor; direct writes invalidate
/// the cached pages they cover, so readers stay coherent.
///
/// A synced direct commit is one write flagged `RWF_DSYNC` rather than a write linked to an
/// `fdatasync`: the same guarantee (the kernel flushes the range and the device cache before
/// completing it), but a linked `fsync` always runs on an io-wq worker thread, one more
/// cross-thread wake-up per commit, which costs most when the committer was itself just
/// woken by a producer (docs/BENCHMARKS.md, "What limits each number", has the measurement).
/// Kernels without `RWF_DSYNC` on io_uring (`EOPNOTSUPP`)
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
    /// Tests: the kernel is made to refuse `RWF_DSYNC` writes, as an old one does.
    private let simulatesDataSyncRefusal: Bool
    var requiresAlignedWrites: Bool { direct }

    init(fd: Int32, path: String, direct: Bool = false, directCommitSync: DirectCommitSync = .dataSyncedWrite,
         simulatesDataSyncRefusal: Bool = false, logger: Logger = Observability.defaultLogger) throws(IOFailure) {
        self.logger = logger
        self.fd = fd
        self.path = path
        self.direct = direct
        self.directCommitSync = directCommitSync
        self.simulatesDataSyncRefusal = simulatesDataSyncRefusal
    }

    /// A second descriptor of this very file, `O_DIRECT`: reopened through `/proc/self/fd`
    /// (the open file, whatever its path names now), else (no `/proc`, or one a sandbox
    /// denies) through its path, not following a link; nil when neither opens (commits then
    /// stay buffered). Throws `EINVAL` when the file system refuses `O_DIRECT`.
    private func openDirect() throws(IOFailure) -> Int32? {
        do { return try RegularFile.open("/proc/self/fd/\(fd)", flags: O_RDWR | O_CLOEXEC | CURING_O_DIRECT) } catch {
            guard error.errno != .invalidArgument else { throw error }
        }
        do { return try RegularFile.open(path, flags: O_RDWR | O_CLOEXEC | O_NOFOLLOW | CURING_O_DIRECT) } catch {
            guard error.errno != .invalidArgument else { throw error }
            return nil
        }
    }

    private func ring() throws(IOFailure) -> URing {
        if let ringStorage { return ringStorage }
        let r = try URing(entries: 8, path: path)
        if direct, let why = Self.directIORefusal(fd: fd) {
            logger.notice("commits stay buffered", metadata: ["file": "\(path)", "reason": "\(why)"])
        } else if direct {
            // Every failure here leaves commits buffered rather than failing one.
            let why: String?
            do throws(IOFailure) {
                directFD = try openDirect()
                why = directFD == nil ? "no O_DIRECT descriptor of this file could be opened" : nil
            } catch {
                // File systems without O_DIRECT (tmpfs, some overlays) refuse it with EINVAL.
                why = "O_DIRECT refused (EINVAL)"
            }
            if let d = directFD, !RegularFile.sameFile(d, fd, path: path) {
                // Opened through a path that no longer names this file (a prepared file
                // replaced meanwhile): writes through that descriptor would go elsewhere.
                try? Syscalls.close(d, path: path)
                directFD = nil
                logger.notice("commits stay buffered", metadata: ["file": "\(path)", "reason": "the path names another file"])
            } else if let why {
                logger.notice("commits stay buffered", metadata: ["file": "\(path)", "reason": "\(why)"])
            }
        }
        ringStorage = r
        return r
    }

    /// Where the fallback to buffered commits is reported (the storage's logger).
    private let logger: Logger

    /// Why commits to `fd`'s file cannot be whole 4096-byte blocks written `O_DIRECT`, as the
    /// file system reports it (`statx` `STATX_DIOALIGN`): no direct I/O at all, or an alignment
    /// above a block (a device with larger logical sectors). Nil when they can, or when the
    /// kernel does not say (opening `O_DIRECT` then decides).
    static func directIORefusal(fd: Int32) -> String? {
        var memory: UInt32 = 0, offset: UInt32 = 0
        guard curing_dio_alignment(fd, &memory, &offset) == 0 else { return nil }
        if offset == 0 { return "the file system does not support O_DIRECT (statx)" }
        let block = UInt32(SegmentLayout.blockSize)
        if offset > block || memory > block || block % offset != 0 || block % memory != 0 {
            return "O_DIRECT needs \(offset)-byte offsets and \(memory)-byte buffers, not \(block) (statx)"
        }
        return nil
    }

    func size() throws(IOFailure) -> Int { try Syscalls.fileSize(fd, path: path) }
    func preallocateZeroed(size: Int) throws(IOFailure) { try zeroFill(fd: fd, path: path, size: size) }
    func reserve(size: Int) throws(IOFailure) { try reserveBlocks(fd: fd, path: path, size: size) }
    // Both hints: a failure costs only speed, never durability, which comes from syncData().
    func startWriteback(from offset: Int, length: Int) { try? Syscalls.startWriteback(fd, from: offset, length: length, path: path) }
    func dropCleanPages() { try? Syscalls.dropCleanPages(fd, path: path) }
    func dropCleanPages(from offset: Int) { dropCleanPagesAfter(fd: fd, offset: offset, path: path) }
    func isNamed(by path: String) -> Bool { RegularFile.isNamed(path, by: fd) }
    func syncData() throws(IOFailure) {
        precondition(pending.isEmpty, "a sync while writes are in flight would reap their completions")
        let ring = try ring()
        try ring.queueDataSync(fd: fd, tag: 2, path: path)
        try ring.submit(wait: 1, path: path)
        let result = try ring.reap(path: path)!.result
        if result < 0 { throw IOFailure("io_uring fdatasync", path: path, errno: Errno(rawValue: -result)) }
    }
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

    /// Whether synced commits can be kept in flight: direct, `RWF_DSYNC` writes, each durable on
    /// its own completion. Unknown until the first write creates the ring; a refusal of
    /// `RWF_DSYNC` makes it false for the rest of the file's life.
    var writesInFlightLimit: Int { direct && directCommitSync == .dataSyncedWrite && (ringStorage == nil || directFD != nil) ? 8 : 1 }

    /// Writes pending in the ring, by tag: what remains to be written (a short write is
    /// continued before the write counts as complete).
    private var pending: [UInt64: (rest: UnsafeRawBufferPointer, position: Int)] = [:]

    func write(_ bytes: UnsafeRawBufferPointer, at offset: Int, newBytesFrom: Int, sync: Bool) throws(IOFailure) {
        precondition(pending.isEmpty, "a blocking write while writes are in flight would reap their completions")
        if !sync && !direct {
            // An unsynced buffered write gains nothing from the ring (no sync to link) and
            // loses a hand-off: ext4 punts buffered io_uring writes to io-wq workers. No ring
            // is created for it.
            let skip = max(0, min(newBytesFrom - offset, bytes.count))
            try Syscalls.pwriteAll(fd, UnsafeRawBufferPointer(rebasing: bytes[skip...]), at: offset + skip, path: path)
            return
        }
        let ring = try ring()
        var (rest, position, target) = span(bytes, at: offset, newBytesFrom: newBytesFrom)
        while true {
            let written: Int
            if directFD != nil && sync && directCommitSync == .dataSyncedWrite {
                try ring.queueDataSyncedWrite(fd: target, rest, at: position, tag: 1, refused: simulatesDataSyncRefusal, path: path)
                try ring.submit(wait: 1, path: path)
                let result = try ring.reap(path: path)!.result
                if result == -EOPNOTSUPP {
                    directCommitSync = .linkedFdatasync
                    continue
                }
                written = try Self.written(result, of: rest.count, op: "io_uring write (RWF_DSYNC)", path: path, offset: position)
            } else {
                written = try writeThenSync(ring, fd: target, rest, at: position, sync: sync)
            }
            if written == rest.count { return }
            // Short write: the kernel cancelled the linked sync; continue with the remainder.
            rest = UnsafeRawBufferPointer(rebasing: rest[written...])
            position += written
        }
    }

    /// What a commit writes, where, through which descriptor: whole blocks from the aligned
    /// start when direct (the caller's buffer is block-aligned and readable, zero, up to the
    /// next block boundary), else only the bytes not written before.
    private func span(_ bytes: UnsafeRawBufferPointer, at offset: Int, newBytesFrom: Int) -> (UnsafeRawBufferPointer, Int, Int32) {
        if let directFD {
            precondition(offset % SegmentLayout.blockSize == 0 && Int(bitPattern: bytes.baseAddress) % SegmentLayout.blockSize == 0)
            return (UnsafeRawBufferPointer(start: bytes.baseAddress, count: alignUp(bytes.count, SegmentLayout.blockSize)), offset, directFD)
        }
        let skip = max(0, min(newBytesFrom - offset, bytes.count))
        return (UnsafeRawBufferPointer(rebasing: bytes[skip...]), offset + skip, fd)
    }

    /// A write linked to an `fdatasync` when `sync`: one submission, both completions. Returns
    /// the bytes written (a short write cancels the sync; the caller continues).
    private func writeThenSync(_ ring: URing, fd: Int32, _ bytes: UnsafeRawBufferPointer, at offset: Int, sync: Bool) throws(IOFailure) -> Int {
        try ring.queueWrite(fd: fd, bytes, at: offset, tag: 1, link: sync, path: path)
        if sync { try ring.queueDataSync(fd: fd, tag: 2, path: path) }
        let expected: UInt32 = sync ? 2 : 1
        try ring.submit(wait: expected, path: path)
        var written: Int32 = -EIO
        var syncResult: Int32 = 0
        for _ in 0..<expected {
            let (tag, res) = try ring.reap(path: path)!
            if tag == 1 { written = res } else { syncResult = res }
        }
        let n = try Self.written(written, of: bytes.count, op: "io_uring write", path: path, offset: offset)
        if n == bytes.count && sync && syncResult < 0 {
            throw IOFailure("io_uring fdatasync", path: path, errno: Errno(rawValue: -syncResult))
        }
        return n
    }

    /// A write's completion result as bytes written, or its failure (nothing written for a
    /// nonempty write is `EIO`: retrying would loop).
    private static func written(_ result: Int32, of count: Int, op: String, path: String, offset: Int) throws(IOFailure) -> Int {
        if result < 0 { throw IOFailure(op, path: path, errno: Errno(rawValue: -result), offset: offset) }
        if result == 0 && count > 0 { throw IOFailure(op, path: path, errno: .ioError, offset: offset) }
        return Int(result)
    }

    func submitWrite(_ bytes: UnsafeRawBufferPointer, at offset: Int, newBytesFrom: Int, sync: Bool, tag: UInt64) -> WriteCompletion? {
        func now() -> WriteCompletion {
            do throws(IOFailure) {
                try write(bytes, at: offset, newBytesFrom: newBytesFrom, sync: sync)
                return WriteCompletion(tag: tag, failure: nil)
            } catch { return WriteCompletion(tag: tag, failure: error) }
        }
        guard sync, writesInFlightLimit > 1 else { return now() }
        do throws(IOFailure) {
            let ring = try ring()
            guard directFD != nil, directCommitSync == .dataSyncedWrite else { return now() }
            let (rest, position, target) = span(bytes, at: offset, newBytesFrom: newBytesFrom)
            try ring.queueDataSyncedWrite(fd: target, rest, at: position, tag: tag, refused: simulatesDataSyncRefusal, path: path)
            try ring.submit(wait: 0, path: path)
            pending[tag] = (rest, position)
            return nil
        } catch { return WriteCompletion(tag: tag, failure: error) }
    }

    /// Writes the kernel refused `RWF_DSYNC` for, waiting for those still in flight to
    /// complete; then written again the linked way, in tag order, into `ready`.
    private var refused: [(tag: UInt64, rest: UnsafeRawBufferPointer, position: Int)] = []
    /// Completions found but not yet reported.
    private var ready: [WriteCompletion] = []

    func awaitWriteCompletion(timeout: Duration?) -> WriteCompletion? {
        if !ready.isEmpty { return ready.removeFirst() }
        precondition(!pending.isEmpty, "no write in flight")
        let ring = ringStorage!
        while true {
            let reaped: (tag: UInt64, result: Int32)?
            // Once a write was refused, wait for every other one: the refused ones are written
            // again one at a time, with nothing else in flight.
            do throws(IOFailure) { reaped = try ring.reap(timeout: refused.isEmpty ? timeout : nil, path: path) } catch {
                // The ring itself failed: every pending write's outcome is unknown, so the
                // first one reported fails the log (the caller poisons and drains the rest).
                // Writes whose completions are lost this way may land after the zeros the
                // engine then writes over the failed batches. That is harmless: they are direct
                // writes (no cached page a later writer could mistake for durable), none of
                // their records was acknowledged, and recovery reads whatever landed as such.
                let tag = pending.keys.min()!
                pending[tag] = nil
                // Writes set aside as refused fail with it once nothing else is pending: each is
                // reported exactly once.
                if pending.isEmpty {
                    for (refusedTag, _, position) in refused {
                        ready.append(WriteCompletion(tag: refusedTag, failure: IOFailure("io_uring write (RWF_DSYNC)", path: path,
                                                                                         errno: .notSupported, offset: position)))
                    }
                    refused.removeAll()
                }
                return WriteCompletion(tag: tag, failure: error)
            }
            guard let (tag, result) = reaped else { return nil }
            guard let (rest, position) = pending.removeValue(forKey: tag) else { continue }
            if result == -EOPNOTSUPP {
                // This kernel refuses RWF_DSYNC through the ring (nothing was written): later
                // commits link an fdatasync, one at a time (``writesInFlightLimit`` is 1 now);
                // this one and any other refused are written that way once nothing is in flight.
                directCommitSync = .linkedFdatasync
                refused.append((tag, rest, position))
                if pending.isEmpty { return rewriteRefused() }
                continue
            }
            do throws(IOFailure) {
                let n = try Self.written(result, of: rest.count, op: "io_uring write (RWF_DSYNC)", path: path, offset: position)
                if n == rest.count {
                    if refused.isEmpty { return WriteCompletion(tag: tag, failure: nil) }
                    ready.append(WriteCompletion(tag: tag, failure: nil))
                    if pending.isEmpty { return rewriteRefused() }
                    continue
                }
                // Short: the rest goes in again under the same tag; the write completes with it.
                let more = UnsafeRawBufferPointer(rebasing: rest[n...])
                try ring.queueDataSyncedWrite(fd: directFD!, more, at: position + n, tag: tag, refused: simulatesDataSyncRefusal, path: path)
                try ring.submit(wait: 0, path: path)
                pending[tag] = (more, position + n)
            } catch {
                if refused.isEmpty { return WriteCompletion(tag: tag, failure: error) }
                ready.append(WriteCompletion(tag: tag, failure: error))
                if pending.isEmpty { return rewriteRefused() }
            }
        }
    }

    /// Writes the refused writes again, linked to an `fdatasync`, in tag order (nothing in
    /// flight), and reports the first completion found.
    private func rewriteRefused() -> WriteCompletion {
        for (tag, rest, position) in refused.sorted(by: { $0.tag < $1.tag }) {
            do throws(IOFailure) {
                try write(rest, at: position, newBytesFrom: position, sync: true)
                ready.append(WriteCompletion(tag: tag, failure: nil))
            } catch { ready.append(WriteCompletion(tag: tag, failure: error)) }
        }
        refused.removeAll()
        return ready.removeFirst()
    }
}
