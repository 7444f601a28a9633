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
    /// Fills `buffer` from `offset`, continuing short reads; a file that ends first (shrunk
    /// meanwhile) is `EIO` at the offset where it ended.
    func readFully(into buffer: UnsafeMutableRawBufferPointer, at offset: Int = 0) throws(IOFailure) {
        var done = 0
        while done < buffer.count {
            let n = try read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[done...]), at: offset + done)
            guard n > 0 else { throw IOFailure("pread", path: path, errno: .ioError, offset: offset + done) }
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
