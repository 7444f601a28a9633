#if canImport(Glibc)
import Glibc
#endif

/// Which segments of a log are archived, and what the archive hold keeps on disk.
///
/// A hold that grows means the archive is failing (or nothing archives the log): the held
/// bytes and the age of the oldest held segment are what an operator alerts on
/// (`aqlog_archive_held_bytes`, `aqlog_archive_held_age_seconds`, `aq-wal inspect`).
public struct ArchiveStatus: Sendable, Equatable {
    /// One segment file.
    public struct Segment: Sendable, Equatable {
        /// The segment's file name within the log directory.
        public var fileName: String
        /// Its first sequence.
        public var firstSequence: UInt64
        /// Its last record's sequence (`firstSequence - 1` when it holds none).
        public var lastSequence: UInt64
        /// Its file size.
        public var bytes: Int
        /// False for the open segment, which is never archived.
        public var sealed: Bool
        /// Whether the archive holds it.
        public var archived: Bool
        /// When the file was last modified (for a sealed segment: sealed, or restored with the
        /// archive's time), in seconds since the epoch; nil where the storage has no such time.
        public var modified: Double?
    }

    /// What `ARCHIVED` says.
    public var state: ArchiveState
    /// Every segment file, oldest first.
    public var segments: [Segment]

    /// Sealed segments not archived while archiving is on: compaction keeps them.
    public var held: [Segment] {
        if case .notArchiving = state { return [] }
        return segments.filter { $0.sealed && !$0.archived }
    }
    /// Bytes of ``held``.
    public var heldBytes: Int { held.reduce(0) { $0 + $1.bytes } }
    /// How long ago the oldest held segment was sealed, in seconds (nil when none is held or
    /// its time is unknown).
    public func heldAge(now: Double = ArchiveStatus.currentTime()) -> Double? {
        held.first?.modified.map { max(0, now - $0) }
    }

    /// The status of the log in `directory`, whose segments are `descriptors` (oldest first)
    /// and archive state `state` (``ArchiveState/checked(against:directory:)``).
    init(state: ArchiveState, descriptors: [SegmentDescriptor], directory: String) {
        let state = state.checked(against: descriptors, directory: directory)
        self.state = state
        segments = descriptors.map { d in
            Segment(fileName: d.fileName, firstSequence: d.baseSequence, lastSequence: d.lastSequence, bytes: d.segmentSize,
                    sealed: d.isSealed, archived: d.isSealed && state.hasArchived(lastSequence: d.lastSequence),
                    modified: modificationTime(d.path))
        }
    }

    /// The status of the log in `directory`, from a read-only recovery pass (changes nothing).
    public static func read(directory: String, storage: any Storage = PosixStorage()) throws(LogError) -> ArchiveStatus {
        let state = try ArchiveState.read(directory: directory, storage: storage)
        let outcome = try LogRecovery(storage: storage, directory: directory).recoverBesideWriter()
        outcome.open?.file.close()
        return ArchiveStatus(state: state, descriptors: outcome.sealed + (outcome.open.map { [$0.descriptor] } ?? []), directory: directory)
    }

    /// Seconds since the epoch, now.
    public static func currentTime() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }
}

/// The modification time of `path` in seconds since the epoch, or nil when it cannot be read
/// (a path of the crash simulator, which has no such time).
func modificationTime(_ path: String) -> Double? {
    var st = stat()
    guard stat(path, &st) == 0 else { return nil }
    return Double(st.st_mtim.tv_sec) + Double(st.st_mtim.tv_nsec) / 1e9
}

extension ArchiveState {
    /// This state in a log whose segments are `descriptors` (oldest first, in `directory`):
    /// damaged when it names a sequence no sealed segment ends at, among the segments present
    /// (past the last sealed one, or inside one). `ARCHIVED` is recorded only at a sealed
    /// segment's last sequence, so such a value is another log's (segments replaced by older
    /// copies) or was crafted, and would pass this log's segments as sent. A value below the
    /// first segment present is an archive compaction has caught up with.
    func checked(against descriptors: [SegmentDescriptor], directory: String) -> ArchiveState {
        guard case .archived(let through) = self, let first = descriptors.first, through >= first.baseSequence else { return self }
        // An empty open segment at base B ends the sealed part at B - 1.
        let sealedEnd = descriptors.last.map { $0.isSealed ? $0.lastSequence : $0.baseSequence &- 1 } ?? 0
        let reason: String
        if through > sealedEnd {
            reason = "archived through \(through), past the log's last sealed sequence \(sealedEnd)"
        } else if !descriptors.contains(where: { $0.isSealed && $0.lastSequence == through }) {
            reason = "archived through \(through), inside a segment: no sealed segment ends there"
        } else {
            return self
        }
        return .damaged(ArchiveStateDamage(file: LogDirectoryLayout.join(directory, ArchiveState.fileName), offset: 16, reason: reason))
    }
}
