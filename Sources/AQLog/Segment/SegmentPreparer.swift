import Dispatch

/// Prepares the next segment file off the hot path: creates `next.prealloc` and zero-fills
/// it to the segment size (written extents sync about 2× faster than `fallocate`d ones),
/// so a roll only writes a header and renames.
///
/// A failure (e.g. `ENOSPC`) is kept and reported to the roll that needs the file; the roll
/// then fails cleanly with the active segment untouched, and the next roll tries again.
///
/// Each preparation is for one size (segments grow from a small first one: ``LogEngine``).
/// The writer starts it once the active segment is a quarter full, not at open, so an idle
/// log holds one segment, not two.
///
/// A `next.prealloc` left by an earlier writer (a crash, or a close before its roll) is
/// adopted when it has the size asked for and its whole data area reads as zeros: before its
/// rename a prepared file only ever receives the zero-fill and the header block, and activation
/// rewrites the whole header block (an interrupted zero-fill leaves unwritten extents, which
/// also read as zeros). A file holding anything else (a segment whose rename a power loss
/// undid, bytes written into it by hand) is zero-filled again, so nothing but zeros ever
/// follows the records a writer puts in it. The check reads the file on the preparer's
/// thread: what a rewrite would write, read instead (from the page cache when the last writer
/// just made it). A log that only reserves its segments (`.deferred`) reserves the leftover
/// again rather than read it.
final class SegmentPreparer: @unchecked Sendable {
    // State is guarded by `done`: the worker writes it before signalling, `take` reads after waiting.
    private let storage: any Storage
    private let path: String
    private var size = 0
    /// Whether preparation runs on a background thread (else on the caller's, inside `start`).
    let background: Bool
    /// Zero-fill (logs that sync every commit) or only reserve blocks (deferred logs, which
    /// would otherwise write every segment twice).
    private let zeroFill: Bool
    private var result: Result<any StorageFile, IOFailure>?
    private let done = DispatchSemaphore(value: 0)
    private var inFlight = false

    init(storage: any Storage, directory: String, background: Bool, zeroFill: Bool = true) {
        self.zeroFill = zeroFill
        self.storage = storage
        self.path = LogDirectoryLayout.join(directory, LogDirectoryLayout.preparedSegment)
        self.background = background
    }

    /// True while a preparation is in flight or its file is ready to take.
    var isStarted: Bool { inFlight }

    /// Starts preparing a file of `size` bytes (no-op when a preparation is in flight or ready).
    func start(size: Int) {
        guard !inFlight else { return }
        inFlight = true
        self.size = size
        if background {
            DispatchQueue.global(qos: .utility).async { self.run() }
        } else {
            run()
        }
    }

    private func run() {
        result = Result { () throws(IOFailure) -> any StorageFile in
            let file: any StorageFile
            do throws(IOFailure) { file = try storage.openFile(path, create: true) } catch where error.errno == .tooManySymbolicLinkLevels {
                // A link planted in the prepared file's place: ours by name, replaced.
                try storage.removeFile(path)
                file = try storage.openFile(path, create: true)
            }
            do throws(IOFailure) {
                // A leftover: adopted when it reads as zeros, where the alternative is a rewrite;
                // a reservation (`fallocate`) costs less than reading it.
                if zeroFill, try file.size() == size, try Self.dataAreaIsZero(file, size: size) { return file }
                try file.truncate(to: 0)
                if zeroFill { try file.preallocateZeroed(size: size) } else { try file.reserve(size: size) }
                return file
            } catch {
                file.close()
                try? storage.removeFile(path)
                throw error
            }
        }
        done.signal()
    }

    /// Whether every byte of `file` (`size` bytes) past the header block reads as zero, read a
    /// MiB at a time.
    private static func dataAreaIsZero(_ file: any StorageFile, size: Int) throws(IOFailure) -> Bool {
        let chunk = AlignedBuffer(capacity: min(1 << 20, max(size - SegmentLayout.dataStart, SegmentLayout.blockSize)))
        var at = SegmentLayout.dataStart
        while at < size {
            let count = min(chunk.capacity, size - at)
            try file.readFully(into: UnsafeMutableRawBufferPointer(rebasing: chunk.mutableBytes[0..<count]), at: at)
            guard chunk.bytes(0..<count).isZero(0..<count) else { return false }
            at += count
        }
        return true
    }

    /// Waits for the prepared file of `size` bytes and hands it over (its path is ``path``).
    ///
    /// A failure is prepared again once, synchronously, before it is reported: it may be stale
    /// (an `ENOSPC` from a preparation that ran right after the previous roll, with space back
    /// since). So is a file of another size.
    func take(size: Int) throws(IOFailure) -> (file: any StorageFile, path: String) {
        start(size: size)
        done.wait()
        inFlight = false
        var r = result!
        result = nil
        // The file prepared must still be the one at `path` (removed or replaced meanwhile by
        // hand: the rename would put another file in place, or fail): prepared again if not.
        let usable = if case .success(let file) = r, self.size == size, file.isNamed(by: path) { true } else { false }
        if !usable {
            if case .success(let file) = r { file.close() }
            inFlight = true
            self.size = size
            run()
            done.wait()
            inFlight = false
            r = result!
            result = nil
        }
        switch r {
        case .success(let file): return (file, path)
        case .failure(let error): throw error
        }
    }

    /// Waits for an in-flight preparation and closes its file (used on close).
    func cancel() {
        guard inFlight else { return }
        done.wait()
        inFlight = false
        if case .success(let file)? = result { file.close() }
        result = nil
    }
}
