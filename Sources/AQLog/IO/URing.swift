#if canImport(Glibc)
import Glibc
#endif
import CURing
import SystemPackage

/// A minimal io_uring ring: queue writes (flagged `RWF_DSYNC`, or linked to an `fdatasync`)
/// and syncs, submit, and reap completions by tag. Policy (what to write, when to sync, what
/// a failure means) stays with the caller.
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

    /// Queues a write of `bytes` at `offset` tagged `tag`, linked to the next queued entry when `link`.
    func queueWrite(fd: Int32, _ bytes: UnsafeRawBufferPointer, at offset: Int, tag: UInt64, link: Bool, path: String) throws(IOFailure) {
        try check(curing_queue_write(ring, fd, bytes.baseAddress, UInt32(bytes.count), UInt64(offset), tag, link ? 1 : 0), path)
    }

    /// Queues a write flagged `RWF_DSYNC` (durable when it completes) tagged `tag`. With
    /// `refused` (tests), the kernel answers `EOPNOTSUPP` as one without `RWF_DSYNC` on io_uring does.
    func queueDataSyncedWrite(fd: Int32, _ bytes: UnsafeRawBufferPointer, at offset: Int, tag: UInt64, refused: Bool = false,
                              path: String) throws(IOFailure) {
        try check(curing_queue_write_dsync(ring, fd, bytes.baseAddress, UInt32(bytes.count), UInt64(offset), tag, refused ? 1 : 0), path)
    }

    /// Queues an `fdatasync` tagged `tag`.
    func queueDataSync(fd: Int32, tag: UInt64, path: String) throws(IOFailure) {
        try check(curing_queue_fdatasync(ring, fd, tag, 0), path)
    }

    /// Submits what is queued, waiting for `wait` completions (0: none).
    func submit(wait: UInt32, path: String) throws(IOFailure) {
        while true {
            let rc = curing_submit_and_wait(ring, wait)
            if rc >= 0 { return }
            if rc != -EINTR { throw IOFailure("io_uring_submit_and_wait", path: path, errno: Errno(rawValue: -rc)) }
        }
    }

    /// The next completion's tag and result (a negative errno on failure); nil when none
    /// arrived within `timeout` (nil: wait as long as it takes).
    func reap(timeout: Duration? = nil, path: String) throws(IOFailure) -> (tag: UInt64, result: Int32)? {
        var tag: UInt64 = 0
        var res: Int32 = 0
        while true {
            let rc = if let timeout {
                curing_wait_completion_timeout(ring, &tag, &res, max(Int64(timeout.nanoseconds), 1))
            } else {
                curing_wait_completion(ring, &tag, &res)
            }
            if rc == 0 { return (tag, res) }
            if rc == -ETIME { return nil }
            if rc != -EINTR { throw IOFailure("io_uring_wait_cqe", path: path, errno: Errno(rawValue: -rc)) }
        }
    }

    private func check(_ rc: Int32, _ path: String) throws(IOFailure) {
        if rc < 0 { throw IOFailure("io_uring_get_sqe", path: path, errno: Errno(rawValue: -rc)) }
    }
}
