import SystemPackage
// Re-exported so that a client importing only AQLog can name `Errno` and match its values:
// `catch LogError.io(let f) where f.errno == .noSpace`. Only this type: the rest of
// swift-system stays the client's own import.
@_exported import struct SystemPackage.Errno

/// A failed system call: which operation, on which file, with which `errno`.
public struct IOFailure: Error, Hashable, Sendable, CustomStringConvertible {
    /// The operation that failed, named after its system call (`pwrite`, `fdatasync`, …).
    public var operation: String
    /// The file or directory it was applied to.
    public var path: String
    /// The error the kernel (or the simulated storage) returned.
    public var errno: Errno
    /// The file offset involved, when there is one.
    public var offset: Int?

    /// A failure of `operation` (the system call's name) on `path` with `errno`, at `offset`
    /// when the call had one.
    public init(_ operation: String, path: String, errno: Errno, offset: Int? = nil) {
        self.operation = operation
        self.path = path
        self.errno = errno
        self.offset = offset
    }

    /// `<path>[ at offset N]: <operation> failed: <error> (errno N)`, on one line.
    public var description: String {
        let at = offset.map { " at offset \($0)" } ?? ""
        return "\(path)\(at): \(operation) failed: \(errno) (errno \(errno.rawValue))"
    }
}
