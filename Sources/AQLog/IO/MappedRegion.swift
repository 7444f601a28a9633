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
