#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A failed file-system call: which operation, on which path, with which errno.
public struct FileSystemError: Error, Sendable, Hashable, CustomStringConvertible {
    public var operation: String
    public var path: String
    public var errno: Int32
    public var description: String { "\(operation) \(path): \(String(cString: strerror(errno))) (errno \(errno))" }
}

/// The raw POSIX calls the snapshot store makes, each wrapped once (EINTR retried).
enum FileSystemCalls {
    static func fail(_ op: String, _ path: String) -> FileSystemError {
        FileSystemError(operation: op, path: path, errno: errno)
    }

    static func open(_ path: String, _ flags: Int32, _ mode: mode_t = 0o644) throws(FileSystemError) -> Int32 {
        while true {
            let fd = Glibc.open(path, flags | O_CLOEXEC, mode)
            if fd >= 0 { return fd }
            if errno != EINTR { throw fail("open", path) }
        }
    }

    static func writeAll(_ fd: Int32, _ bytes: [UInt8], path: String) throws(FileSystemError) {
        var written = 0
        while written < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + written, bytes.count - written) }
            if n < 0 {
                if errno == EINTR { continue }
                throw fail("write", path)
            }
            written += n
        }
    }

    static func fsync(_ fd: Int32, path: String) throws(FileSystemError) {
        if Glibc.fsync(fd) != 0 { throw fail("fsync", path) }
    }

    static func close(_ fd: Int32) { _ = Glibc.close(fd) }

    static func rename(_ from: String, _ to: String) throws(FileSystemError) {
        if Glibc.rename(from, to) != 0 { throw fail("rename", from) }
    }

    static func unlink(_ path: String) { _ = Glibc.unlink(path) }

    /// Writes `bytes` to `path` atomically: temp file, fsync, rename, fsync of the directory.
    static func writeAtomically(_ bytes: [UInt8], to path: String, directory: String) throws(FileSystemError) {
        let temp = path + ".tmp"
        let fd = try open(temp, O_WRONLY | O_CREAT | O_TRUNC)
        do {
            try writeAll(fd, bytes, path: temp)
            try fsync(fd, path: temp)
        } catch {
            close(fd)
            unlink(temp)
            throw error
        }
        close(fd)
        do { try rename(temp, path) } catch {
            unlink(temp)
            throw error
        }
        try syncDirectory(directory)
    }

    static func syncDirectory(_ directory: String) throws(FileSystemError) {
        let dfd = try open(directory, O_RDONLY | O_DIRECTORY)
        defer { close(dfd) }
        try fsync(dfd, path: directory)
    }

    /// Reads a whole file, refusing files larger than `limit` bytes.
    static func readFile(_ path: String, limit: Int) throws(FileSystemError) -> [UInt8] {
        let fd = try open(path, O_RDONLY)
        defer { close(fd) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress!, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw fail("read", path)
            }
            if n == 0 { return out }
            out.append(contentsOf: chunk[0..<n])
            if out.count > limit { throw FileSystemError(operation: "read", path: path, errno: EFBIG) }
        }
    }

    /// Names of the entries of `directory` (without "." and "..").
    static func listDirectory(_ directory: String) throws(FileSystemError) -> [String] {
        guard let dir = opendir(directory) else { throw fail("opendir", directory) }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }
}
