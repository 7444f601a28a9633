#if canImport(Glibc)
import Glibc
#endif

/// stdout as `aq-wal` writes it: bytes through `write(2)`, continued after short writes. A
/// reader that went away (`aq-wal dump | head -1`: `EPIPE`, with `SIGPIPE` ignored at start-up)
/// ends the output quietly: ``isClosed`` turns true and later writes are dropped, so a
/// command that only prints stops, and one that also writes (`append`) carries on. Any other
/// failure (`ENOSPC` under `dump > file`, `EIO`) is an I/O error: reported, exit 74, never a
/// silently short output.
enum Output {
    nonisolated(unsafe) private static var closed = false
    /// Set by a command whose output is its product (`dump`, and `append`'s acknowledgements):
    /// a failed write ends it, exit 74. Every other command reports the failure, drops its later
    /// output and goes on, so a diagnosis still reaches stderr and its exit status stands; it
    /// exits 74 only where it would have exited 0 (``failed``, checked by `AQWal.main`).
    nonisolated(unsafe) static var stopsOnFailure = false
    /// Whether a write failed (other than a reader gone away) without ``stopsOnFailure``.
    nonisolated(unsafe) private(set) static var failed = false

    /// Whether stdout's reader went away.
    static var isClosed: Bool { closed }

    /// Writes all of `bytes` to stdout; false once stdout is closed.
    @discardableResult
    static func write(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard !closed else { return false }
        var done = 0
        while done < bytes.count {
            let n = Glibc.write(STDOUT_FILENO, bytes.baseAddress! + done, bytes.count - done)
            if n > 0 { done += n; continue }
            let error = n < 0 ? errno : EIO
            if error == EINTR { continue }
            if error == EAGAIN {  // a non-blocking stdout: wait until it takes more
                var fd = pollfd(fd: STDOUT_FILENO, events: Int16(POLLOUT), revents: 0)
                _ = poll(&fd, 1, -1)
                continue
            }
            if error == EPIPE {
                closed = true  // the reader went away: the output ends here
                return false
            }
            Exit.report("stdout: write failed: \(String(cString: strerror(error))) (errno \(error))")
            guard !stopsOnFailure else { exit(Exit.ioError) }
            (closed, failed) = (true, true)
            return false
        }
        return true
    }

    @discardableResult
    static func write(_ bytes: [UInt8]) -> Bool { bytes.withUnsafeBytes { write($0) } }
}

/// Bytes gathered for stdout and written in blocks of ``limit``.
struct OutputBuffer {
    var bytes: [UInt8] = []
    let limit: Int

    init(limit: Int = 1 << 16) {
        self.limit = limit
        bytes.reserveCapacity(limit + 4096)
    }

    /// Writes what is gathered once it reaches the limit; false once stdout is closed.
    mutating func flushIfFull() -> Bool {
        bytes.count >= limit ? flush() : !Output.isClosed
    }

    @discardableResult
    mutating func flush() -> Bool {
        defer { bytes.removeAll(keepingCapacity: true) }
        return bytes.isEmpty ? !Output.isClosed : Output.write(bytes)
    }

    mutating func append(_ s: StaticString) {
        s.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    mutating func append(decimal value: some BinaryInteger) {
        var digits: [UInt8] = []
        var v = value
        repeat {
            digits.append(UInt8(truncatingIfNeeded: v % 10) + 0x30)
            v /= 10
        } while v > 0
        bytes.append(contentsOf: digits.reversed())
    }

    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    /// Appends `data` in standard base64 with padding (RFC 4648).
    mutating func append(base64 data: UnsafeRawBufferPointer) {
        let a = Self.alphabet
        var i = 0
        let n = data.count
        bytes.reserveCapacity(bytes.count + (n + 2) / 3 * 4)
        while i + 3 <= n {
            let v = UInt32(data[i]) << 16 | UInt32(data[i + 1]) << 8 | UInt32(data[i + 2])
            bytes.append(a[Int(v >> 18 & 63)]); bytes.append(a[Int(v >> 12 & 63)])
            bytes.append(a[Int(v >> 6 & 63)]); bytes.append(a[Int(v & 63)])
            i += 3
        }
        if n - i == 1 {
            let v = UInt32(data[i]) << 16
            bytes.append(a[Int(v >> 18 & 63)]); bytes.append(a[Int(v >> 12 & 63)])
            bytes.append(0x3D); bytes.append(0x3D)
        } else if n - i == 2 {
            let v = UInt32(data[i]) << 16 | UInt32(data[i + 1]) << 8
            bytes.append(a[Int(v >> 18 & 63)]); bytes.append(a[Int(v >> 12 & 63)])
            bytes.append(a[Int(v >> 6 & 63)]); bytes.append(0x3D)
        }
    }
}
