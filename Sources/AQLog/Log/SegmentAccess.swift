#if canImport(Glibc)
import Glibc
#endif

/// How a reader gets at a segment's bytes.
///
/// `mapped` costs no copy, but the bytes are the kernel's page cache: an I/O error under a
/// mapped page, or a segment file shrunk beneath the mapping by something other than this
/// library (which never shrinks a segment: repair zeroes, compaction unlinks), raises `SIGBUS`
/// and ends the process. `read` copies each segment it reads into memory the reader owns
/// (`pread`), so the same failures are thrown as ``LogError/io(_:)``; `aq-wal verify` reads
/// this way. Choose `read` where an error is better than a crash and a copy is affordable.
public enum SegmentAccess: Sendable, Equatable {
    /// `mmap` (the default of ``LogReader`` and ``LogTail``): zero copy.
    case mapped
    /// `pread` into owned memory: one copy, errors thrown. A reader following a live writer
    /// (``LogReader/refresh()``, ``LogTail``) copies the open segment again on each refresh
    /// that finds it changed, so a busy tail pays a segment-sized copy per refresh: `mapped`
    /// suits tails, `read` one-pass readers such as `verify`.
    case read
}

extension StorageFile {
    /// Fills `buffer` from offset 0, continuing short reads; a file that ends first (shrunk
    /// meanwhile) is `EIO` at the offset where it ended.
    func readFully(into buffer: UnsafeMutableRawBufferPointer) throws(IOFailure) {
        var done = 0
        while done < buffer.count {
            let n = try read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[done...]), at: done)
            guard n > 0 else { throw IOFailure("pread", path: path, errno: .ioError, offset: done) }
            done += n
        }
    }

    /// The file's first `length` bytes (nil: all of them), mapped or copied per `access`.
    func region(_ access: SegmentAccess, length: Int? = nil) throws(IOFailure) -> MappedRegion {
        switch access {
        case .mapped: return try mapReadOnly()
        case .read:
            let count: Int
            if let length { count = length } else { count = try size() }
            let memory = UnsafeMutableRawBufferPointer.allocate(byteCount: max(count, 1), alignment: SegmentLayout.blockSize)
            do throws(IOFailure) { try readFully(into: UnsafeMutableRawBufferPointer(rebasing: memory[0..<count])) } catch {
                memory.deallocate()
                throw error
            }
            // The release closure gets the bytes back: the start of the allocation.
            return MappedRegion(bytes: UnsafeRawBufferPointer(rebasing: memory[0..<count])) { bytes in
                UnsafeMutableRawPointer(mutating: bytes.baseAddress)?.deallocate()
            }
        }
    }
}

/// Memory for reading segments one after another with `pread` (``SegmentAccess/read``): one
/// allocation grown as needed and reused, so a pass over many segments pays the page faults of
/// fresh memory once, not per segment.
final class SegmentReadBuffer {
    private var memory: UnsafeMutableRawBufferPointer?

    deinit { memory?.deallocate() }

    /// Grows the buffer to hold `count` bytes.
    func reserve(_ count: Int) {
        guard (memory?.count ?? -1) < count else { return }
        memory?.deallocate()
        memory = UnsafeMutableRawBufferPointer.allocate(byteCount: max(count, 1), alignment: SegmentLayout.blockSize)
    }

    /// The bytes of `file` in `range`, read into this buffer (grown to hold them): valid until
    /// the next read. A file that ends first is `EIO` at the offset where it ended.
    func read(_ file: any StorageFile, _ range: Range<Int>) throws(IOFailure) -> UnsafeRawBufferPointer {
        reserve(range.count)
        let bytes = UnsafeMutableRawBufferPointer(rebasing: memory![0..<range.count])
        var done = 0
        while done < range.count {
            let n = try file.read(into: UnsafeMutableRawBufferPointer(rebasing: bytes[done...]), at: range.lowerBound + done)
            guard n > 0 else { throw IOFailure("pread", path: file.path, errno: .ioError, offset: range.lowerBound + done) }
            done += n
        }
        return UnsafeRawBufferPointer(bytes)
    }
}
