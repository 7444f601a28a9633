#if canImport(Glibc)
import Glibc
#endif

/// Opening the log's own files (segments, `LOCK`): regular files only.
///
/// Anything else under a log file's name is refused at open with a typed failure naming it: a
/// FIFO would block a reader's `open` until some process writes to it, and a directory or a
/// device would pass `open` and fail later, as a header too short or an `fdatasync` refused,
/// which misnames the problem. The file is opened `O_NONBLOCK` (so a FIFO cannot block), its type
/// checked, and the flag cleared again: io_uring fails a write on a file opened `O_NONBLOCK`
/// with `EAGAIN` instead of waiting for it.
enum RegularFile {
    /// The operation named in the failure for an entry that is not a regular file.
    static let notRegular = "open (not a regular file)"

    /// `open(2)` of `path` with `flags` (callers add `O_CLOEXEC`); throws `EISDIR` for a
    /// directory and `EINVAL` for any other entry that is not a regular file.
    static func open(_ path: String, flags: Int32, mode: mode_t = 0o666) throws(IOFailure) -> Int32 {
        let fd: Int32
        do { fd = try Syscalls.open(path, flags: flags | O_NONBLOCK, mode: mode) } catch {
            // A directory refuses opening for writing before its type can be checked.
            throw error.errno == .isDirectory ? IOFailure(notRegular, path: path, errno: .isDirectory) : error
        }
        do throws(IOFailure) {
            let type = try Syscalls.fileType(fd, path: path)
            guard type == S_IFREG else {
                throw IOFailure(notRegular, path: path, errno: type == S_IFDIR ? .isDirectory : .invalidArgument)
            }
            if flags & O_NONBLOCK == 0 { try Syscalls.setStatusFlags(fd, try Syscalls.statusFlags(fd, path: path) & ~O_NONBLOCK, path: path) }
            return fd
        } catch {
            try? Syscalls.close(fd, path: path)  // opened for nothing: nothing written through it
            throw error
        }
    }
}
