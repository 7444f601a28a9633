import Glibc

/// A read-only view of a whole file's bytes, kept alive by reference counting.
///
/// Readers hold a region while they iterate; its bytes stay valid until the last reference
/// goes, even if compaction unlinks the file meanwhile (the kernel keeps unlinked mapped pages).
public final class MappedRegion: @unchecked Sendable {
    /// The mapped bytes. Valid for the region's lifetime; never written through.
    public let bytes: UnsafeRawBufferPointer
    private let release: @Sendable (UnsafeRawBufferPointer) -> Void

    /// Wraps `bytes`; `release` runs once when the region is deallocated.
    public init(bytes: UnsafeRawBufferPointer, release: @escaping @Sendable (UnsafeRawBufferPointer) -> Void) {
        self.bytes = bytes
        self.release = release
    }

    deinit { release(bytes) }
}

extension MappedRegion {
    /// Faults in the pages holding `range` of ``bytes`` in one call (`MADV_POPULATE_READ`),
    /// ahead of a pass that reads them in order: left to page faults, such a pass stops every
    /// few frames for one in the middle of its checksums. A hint: a page that cannot be read is
    /// reported by this call, not raised as `SIGBUS`, and left for the pass's own read to meet.
    /// `uncached`: most of the pages are not in the page cache (dropped to read the medium),
    /// so the device is asked for all of them first, in large reads it can overlap.
    /// Returns false when the kernel cannot do it (before Linux 5.14; or bytes that are a copy,
    /// not a mapping): callers then stop asking.
    func populate(_ range: Range<Int>, uncached: Bool = false) -> Bool {
        guard let base = bytes.baseAddress, !range.isEmpty else { return true }
        let start = range.lowerBound / Syscalls.pageSize * Syscalls.pageSize
        let end = min(bytes.count, range.upperBound)
        guard start < end else { return true }
        let pages = UnsafeMutableRawPointer(mutating: base + start)
        // Pages the cache does not hold: read them all at once, not a read-around per fault.
        if uncached { try? Syscalls.madvise(pages, size: end - start, advice: MADV_WILLNEED, path: "mapping") }
        do throws(IOFailure) { try Syscalls.madvise(pages, size: end - start, advice: Syscalls.populateRead, path: "mapping") } catch {
            return error.errno != .invalidArgument
        }
        return true
    }
}
