/// Reads a log without the writer's lock: from any sequence, forward, zero-copy.
///
/// Opening costs what recovery costs without repair (two small reads per sealed segment and a
/// scan of the open one); segments are mapped when first read, and at most
/// ``mappedSegmentLimit`` stay mapped (the most recently read: the one under the cursor and
/// those just before it), so a reader's memory does not grow with the log it walks through,
/// and a compacted segment stays pinned only while it is among them. Payloads are handed out as
/// views into the mapping that are valid only inside the closure, and each record's CRC-32C
/// is checked as it is read. A reader sees the records committed when it was opened (see
/// ``refresh()`` and ``LogTail`` to follow a live writer) and, while a writer holds the log,
/// only those the writer acknowledged: synced ones, and written ones for a `.deferred` writer.
///
/// Reads throw ``LogError``, typed, unless their closure throws errors of its own: then they
/// throw untyped, the closure's error unchanged or the reader's `LogError`.
///
/// Beside compaction: a read of a sequence compaction removed, or a walk from one, throws
/// ``LogError/compacted(requested:firstAvailable:)`` rather than start later unannounced; a walk
/// that wants whatever is left passes ``CompactedStart/startAtFirstAvailable``. A segment already
/// mapped stays readable after it is removed. A segment removed after the last refresh but
/// before it was first read makes the read throw ``LogError/io(_:)`` with `ENOENT`; call
/// ``refresh()`` and continue from the log's new first sequence (``LogTail`` does this itself).
public final class LogReader {
    let storage: any Storage
    /// The log directory, as given when the reader was opened.
    public let directory: String
    private(set) var descriptors: [SegmentDescriptor] = []
    private var openScan: [UInt32]?
    /// Where the last pass left the open segment; the next refresh continues from there.
    private var openScanPoint: LogRecovery.ScanPoint?
    /// The open segment's last sequence as this reader last exposed it.
    private var exposed: (path: String, last: UInt64)?
    /// Mapped segments by index into ``segments``, the most recently read last.
    private var views: [(index: Int, view: SegmentView)] = []
    /// The most segments a reader keeps mapped at once: the one under the cursor and the one
    /// read before it.
    public static let mappedSegmentLimit = 2
    /// Segments mapped now.
    var mappedSegmentCount: Int { views.count }
    /// Check each record's checksum as it is read (default true). A walk checks records a run
    /// at a time (up to 64, or 256 KiB of frames) before handing them to its closure, so a
    /// change made inside the closure applies from the next run.
    public var verifyChecksums = true
    /// What opening found (a torn tail is reported, not repaired: readers never write).
    public private(set) var report = RecoveryReport()

    /// Where the records a salvaging reader (``salvaging(directory:storage:access:)-(String,_,_)``) can read end:
    /// the damage that made the log unreadable as a whole. Nil for a reader opened with
    /// ``open(directory:access:)-(String,_)`` (which throws instead) and for a log found whole.
    public private(set) var damage: CorruptionDiagnosis?
    private let salvages: Bool
    /// How segments are read: mapped (default) or copied with `pread` (``SegmentAccess``).
    public let access: SegmentAccess

    /// Opens the log in `directory` for reading; `access` chooses mapping (default, zero copy)
    /// or `pread` (a copy; I/O errors thrown instead of `SIGBUS`).
    public static func open(directory: String, access: SegmentAccess = .mapped) throws(LogError) -> LogReader {
        try LogReader(directory: directory, storage: PosixStorage(), salvages: false, access: access)
    }

    /// Opens a log for salvage: where ``open(directory:access:)-(String,_)`` refuses a damaged log, this reader
    /// exposes every record before the damage (the segments before the damaged file and, for
    /// damage in the open segment, the records committed before it) and reports the damage in
    /// ``damage``. Reads only. Damage inside a sealed segment's records is still found as
    /// they are read (the read throws ``LogError/corruption(_:)`` at the damaged record).
    public static func salvaging(directory: String, storage: any Storage = PosixStorage(),
                                 access: SegmentAccess = .mapped) throws(LogError) -> LogReader {
        try LogReader(directory: directory, storage: storage, salvages: true, access: access)
    }

    /// Opens the log over an explicit ``Storage``.
    public convenience init(directory: String, storage: any Storage, access: SegmentAccess = .mapped) throws(LogError) {
        try self.init(directory: directory, storage: storage, salvages: false, access: access)
    }

    private init(directory: String, storage: any Storage, salvages: Bool, access: SegmentAccess) throws(LogError) {
        self.storage = storage
        self.directory = directory
        self.salvages = salvages
        self.access = access
        try storage.requireDirectory(directory)
        try refresh()
    }

    /// Re-reads the directory: picks up records committed, segments rolled and segments
    /// compacted since the last refresh. Mappings of unchanged sealed segments are kept.
    ///
    /// Cost: two small reads per segment, plus, while the open segment is the one already
    /// read, only the batches committed since (the open segment is scanned at open, up to its
    /// writer's high-water mark, and whole after each roll). What follows the last commit is classified at open only: a
    /// refresh reads up to the last intact commit and leaves the rest to the next one.
    ///
    /// A segment that disappears between listing and opening (removed by a concurrent
    /// compaction) makes the refresh list the directory again; mappings already held stay valid.
    public func refresh() throws(LogError) {
        let lockPath = LogDirectoryLayout.join(directory, LogDirectoryLayout.lockFile)
        let limitBefore = try io { () throws(IOFailure) in try storage.writerProgress(lockPath: lockPath)?.readableThrough }
        let recovery = LogRecovery(storage: storage, directory: directory, access: access)
        let outcome: LogRecovery.Outcome
        do {
            // A first pass over the open segment reads it up to the writer's high-water mark
            // (nothing was written past it); a mark being rewritten reads as none (its checksum),
            // and the whole segment is scanned.
            outcome = try recovery.recoverBesideWriter(following: openScanPoint, upToHighWater: openScanPoint == nil,
                                                       writerBefore: limitBefore != nil)
            damage = nil
        } catch {
            guard salvages, case .corruption(let diagnosis) = error else { throw error }
            outcome = recovery.salvage(diagnosis)
            damage = diagnosis
        }
        // A live writer's published point hides the batch it is still syncing. Asked again
        // after the scan, which may have seen newer batches; a writer that left meanwhile
        // leaves the point read before (its last batch may be one whose sync failed).
        let limit = try io { () throws(IOFailure) in try storage.writerProgress(lockPath: lockPath)?.readableThrough } ?? limitBefore
        var all = outcome.sealed
        openScan = nil
        openScanPoint = nil
        let previouslyExposed = exposed
        exposed = nil
        if let open = outcome.open {
            var descriptor = open.descriptor
            if let limit {
                // Never below what this reader already returned from this segment (a writer
                // that is opening publishes zeros until its recovery is done), but only while
                // this pass continued the last one: the same file, its bytes proven unchanged.
                let floor = open.followed && previouslyExposed?.path == descriptor.path ? previouslyExposed!.last : descriptor.header.baseSequence &- 1
                descriptor.lastSequence = min(descriptor.lastSequence, max(limit, floor))
            }
            exposed = (descriptor.path, descriptor.lastSequence)
            all.append(descriptor)
            openScan = open.offsets
            openScanPoint = open.scanPoint
            open.file.close()
        }
        // Mappings of sealed segments still listed are kept (under their new index), in order.
        views = views.compactMap { old in
            guard old.view.descriptor.isSealed, let i = all.firstIndex(of: old.view.descriptor) else { return nil }
            return (i, old.view)
        }
        descriptors = all
        report = outcome.report
    }

    /// First readable sequence (0 when the log is empty).
    public var firstSequence: UInt64 { descriptors.first(where: { $0.recordCount > 0 })?.baseSequence ?? 0 }
    /// Last readable sequence (0 when the log is empty).
    public var lastSequence: UInt64 { descriptors.last.map { $0.lastSequence } ?? 0 }
    /// The segments, oldest first.
    public var segments: [SegmentDescriptor] { descriptors }
    /// The lowest sequence the log still holds or will hold next: its first segment's base
    /// sequence. Compaction removed every record below it; 1 for a log never compacted.
    var firstAvailableSequence: UInt64 { descriptors.first?.baseSequence ?? 1 }

    /// Index of the segment holding `sequence`: binary search over base sequences.
    func segmentIndex(of sequence: UInt64) -> Int? {
        var lo = 0, hi = descriptors.count - 1
        while lo <= hi {
            let mid = (lo + hi) / 2
            let d = descriptors[mid]
            if sequence < d.baseSequence { hi = mid - 1 } else if sequence > d.lastSequence { lo = mid + 1 } else { return mid }
        }
        return nil
    }

    func view(_ i: Int) throws(LogError) -> SegmentView {
        if let k = views.firstIndex(where: { $0.index == i }) {
            if k != views.count - 1 { views.append(views.remove(at: k)) }
            return views[views.count - 1].view
        }
        let d = descriptors[i]
        let file = try io { () throws(IOFailure) in try storage.openFileForReading(d.path) }
        defer { file.close() }
        // A copied open segment needs only its readable bytes.
        let region = try io { () throws(IOFailure) in try file.region(access, length: d.isSealed ? nil : d.dataEnd) }
        // A file cut short since recovery read its ends (by something other than this
        // library) must not be indexed past its end.
        let needed = d.isSealed ? d.segmentSize : d.dataEnd
        guard region.bytes.count >= needed else {
            throw .corruption(.init(file: d.path, offset: region.bytes.count,
                                    reason: .badFooter("the file is \(region.bytes.count) bytes, the segment \(needed)")))
        }
        let v = SegmentView(descriptor: d, region: region, scannedOffsets: d.isSealed ? nil : openScan, lastSequence: d.lastSequence,
                            mapped: access == .mapped)
        views.append((i, v))
        // The least recently read is unmapped once nothing holds it (a caller still iterating
        // it keeps its own reference).
        if views.count > Self.mappedSegmentLimit { views.removeFirst() }
        return v
    }
}
