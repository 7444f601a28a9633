#if canImport(Glibc)
import Glibc
#endif

/// Opening the files `PosixStorage` and `PosixLock` open (segments, `LOCK`, `HIGHWATER`,
/// checkpoints, cursors, archive state): regular files only.
///
/// Anything else under such a name is refused at open with a typed failure naming it: a FIFO
/// would block a read-only `open` until some process writes to it, and a directory or a device
/// would pass `open` and fail later, as a header too short or an `fdatasync` refused, which
/// misnames the problem. A read-only open is made `O_NONBLOCK` (so a FIFO cannot block it) and
/// the flag is cleared once the type is checked; a read-write open of a FIFO does not block on
/// Linux, so it is checked without the flag (which would also turn a lease break into a failure).
/// `O_NOCTTY`: a terminal under a log file's name never becomes the process's controlling one.
enum RegularFile {
    /// The operation named in the failure for an entry that is not a regular file.
    static let notRegular = "open (not a regular file)"

    /// `open(2)` of `path` with `flags` (callers add `O_CLOEXEC`); throws ``notRegular`` with
    /// `EISDIR` for a directory, `ENXIO` for a socket, `ELOOP` for a symbolic link when `flags`
    /// hold `O_NOFOLLOW`, and `EINVAL` for any other entry that is not a regular file.
    static func open(_ path: String, flags: Int32, mode: mode_t = 0o666) throws(IOFailure) -> Int32 {
        let readOnly = flags & O_ACCMODE == O_RDONLY
        let fd: Int32
        do { fd = try Syscalls.open(path, flags: flags | O_NOCTTY | (readOnly ? O_NONBLOCK : 0), mode: mode) } catch {
            // A directory refuses opening for writing, a socket any opening, before a type check;
            // a symbolic link an open with `O_NOFOLLOW` (the writer's files: `ELOOP`).
            let refused = error.errno == .isDirectory || error.errno == .noSuchAddressOrDevice
                || (flags & O_NOFOLLOW != 0 && error.errno == .tooManySymbolicLinkLevels)
            guard refused else { throw error }
            throw IOFailure(notRegular, path: path, errno: error.errno)
        }
        do throws(IOFailure) {
            let type = try Syscalls.fileType(fd, path: path)
            guard type == S_IFREG else {
                throw IOFailure(notRegular, path: path, errno: type == S_IFDIR ? .isDirectory : .invalidArgument)
            }
            if readOnly && flags & O_NONBLOCK == 0 {
                try Syscalls.setStatusFlags(fd, try Syscalls.statusFlags(fd, path: path) & ~O_NONBLOCK, path: path)
            }
            return fd
        } catch {
            try? Syscalls.close(fd, path: path)  // opened for nothing: nothing written through it
            throw error
        }
    }

    /// Whether the entry at `path` (not following a link) is the file open at `fd`: false only
    /// when it is gone or is another entry (a link included); true when either cannot be
    /// examined (`EIO`, `ENOMEM`…): a failure to look is no evidence of a replacement.
    static func isNamed(_ path: String, by fd: Int32) -> Bool {
        guard let open = try? Syscalls.fileStatus(fd, path: path) else { return true }
        do throws(IOFailure) { return sameFile(open, try Syscalls.linkStatus(path)) } catch {
            return error.errno != .noSuchFileOrDirectory
        }
    }

    /// Whether two `stat` results describe one file (device and inode).
    static func sameFile(_ a: Glibc.stat, _ b: Glibc.stat) -> Bool { a.st_ino == b.st_ino && a.st_dev == b.st_dev }

    /// Whether descriptors `a` and `b` are open on one file (false when either cannot be examined).
    static func sameFile(_ a: Int32, _ b: Int32, path: String) -> Bool {
        guard let x = try? Syscalls.fileStatus(a, path: path), let y = try? Syscalls.fileStatus(b, path: path) else { return false }
        return sameFile(x, y)
    }
}
