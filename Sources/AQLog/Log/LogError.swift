import SystemPackage

/// Every way a log operation can fail. Each case names the file and, where relevant, the offset.
public enum LogError: Error, Equatable, Sendable, CustomStringConvertible {
    /// An append stated a sequence other than the next one; the log is unchanged.
    case sequenceViolation(expected: UInt64, provided: UInt64)
    /// A payload exceeds the log's maximum record size (the same limit recovery enforces).
    case recordTooLarge(size: Int, limit: Int)
    /// Another process (or handle) holds the directory's writer lock (still held after a
    /// 200 ms retry window).
    case logLocked(path: String)
    /// The directory does not exist and creation was not requested.
    case notFound(path: String)
    /// Something other than a directory (a regular file, say) is where the log's directory
    /// should be.
    case notADirectory(path: String)
    /// A system call failed (`ENOSPC`, `EIO`, `EACCES`, …).
    case io(IOFailure)
    /// An earlier `fdatasync` (or unrecoverable write) failed: the log refuses all further
    /// appends until it is reopened, because the kernel may have dropped the dirty pages.
    /// An append that got this error has an unknown outcome: it was not acknowledged, but its
    /// records may still be in the log after reopen (clearing them is best effort).
    case poisoned(cause: IOFailure)
    /// The log was closed.
    case closed
    /// Recovery found damage that is not a torn tail; nothing was changed.
    case corruption(CorruptionDiagnosis)
    /// Recovery found a torn tail and the policy is `.strict`; nothing was changed.
    case tornTail(TornTail)
    /// The options are inconsistent (e.g. a maximum record size larger than a segment holds).
    case invalidOptions(String)
    /// An argument is out of range for this log (e.g. a checkpoint above its durable point);
    /// nothing was changed.
    case invalidArgument(String)
    /// A read asked for `requested`, which compaction removed: the log holds nothing below
    /// `firstAvailable` (its first record, or the sequence the next append receives when
    /// compaction left no record). Thrown by ``LogReader``'s reads (a walk from such a start
    /// unless it asks for ``LogReader/CompactedStart/startAtFirstAvailable``) and by a
    /// ``LogTail`` whose next record was compacted before it was read: records are never skipped
    /// silently. Resume from `firstAvailable` to read what is left.
    case compacted(requested: UInt64, firstAvailable: UInt64)
    /// A read asked for a sequence the log does not hold (yet): one above its last, or 0, which
    /// no record has. It holds `first` through `last` (`first` is 0 when it holds no record).
    case sequenceOutOfRange(UInt64, first: UInt64, last: UInt64)

    /// The case's name in snake case (`record_too_large`, `poisoned`, …): a metric dimension.
    public var kind: String {
        switch self {
        case .sequenceViolation: return "sequence_violation"
        case .recordTooLarge: return "record_too_large"
        case .logLocked: return "log_locked"
        case .notFound: return "not_found"
        case .notADirectory: return "not_a_directory"
        case .io: return "io"
        case .poisoned: return "poisoned"
        case .closed: return "closed"
        case .corruption: return "corruption"
        case .tornTail: return "torn_tail"
        case .invalidOptions: return "invalid_options"
        case .invalidArgument: return "invalid_argument"
        case .compacted: return "compacted"
        case .sequenceOutOfRange: return "sequence_out_of_range"
        }
    }

    /// One line naming the failure with its path, offset or values; for `.io`, `.corruption`
    /// and `.tornTail`, the payload's own description.
    public var description: String {
        switch self {
        case let .sequenceViolation(expected, provided): return "sequence violation: expected \(expected), provided \(provided)"
        case let .recordTooLarge(size, limit): return "record too large: \(size) bytes exceeds the limit of \(limit)"
        case let .logLocked(path): return "\(path): \(Self.holder(ofLock: path))"
        case let .notFound(path): return "\(path): no such log directory"
        case let .notADirectory(path): return "\(path): not a directory"
        case let .io(failure): return failure.description
        case let .poisoned(cause): return "log poisoned by an earlier failure (\(cause)); reopen to recover"
        case .closed: return "log is closed"
        case let .corruption(d): return d.description
        case let .tornTail(t): return t.description
        case let .invalidOptions(why): return "invalid options: \(why)"
        case let .invalidArgument(why): return why
        case let .compacted(requested, first):
            return "sequence \(requested) was compacted: the log's first available sequence is \(first)"
        case let .sequenceOutOfRange(sequence, first, last):
            let holds = first == 0 ? "it holds no record" : "it holds \(first) through \(last)"
            return "sequence \(sequence) is not in the log (\(holds))"
        }
    }
}

/// Where and why recovery refused a log.
public struct CorruptionDiagnosis: Equatable, Sendable, CustomStringConvertible {
    /// The segment file (or directory, for continuity problems).
    public var file: String
    /// Byte offset in `file` of the first damaged frame or field.
    public var offset: Int
    /// What is wrong there.
    public var reason: CorruptionReason

    /// A diagnosis of `reason` at byte `offset` of `file`.
    public init(file: String, offset: Int, reason: CorruptionReason) {
        self.file = file
        self.offset = offset
        self.reason = reason
    }

    /// `<file>: corruption at offset <offset>: <reason>`: the one-line diagnosis an operator
    /// acts on (docs/OPERATIONS.md).
    public var description: String { "\(file): corruption at offset \(offset): \(reason)" }
}

/// The corruption taxonomy (stable snake_case names in `aq-wal` JSON output).
///
/// Where a case notes an `offset`, that is where a ``CorruptionDiagnosis`` with it points.
/// As a ``TornTail``'s `reason`, a case is what the scan found where it stopped, at or after
/// the tail's `offset` (the last commit point).
public enum CorruptionReason: Error, Equatable, Sendable, CustomStringConvertible {
    /// A frame header cut short: it would run into the trailer's bytes, its sequence field is
    /// still zero (a write torn inside the header), or zeros follow records no commit frame
    /// closed. `offset`: where that header starts; 0 for a file shorter than a segment header.
    case incompleteHeader
    /// A frame whose declared payload runs past the space frames may use (into the trailer's
    /// bytes, or past the data end of a segment being read), or whose last 8 bytes are still zero (a write torn inside
    /// the payload). `offset`: the frame's first byte.
    case incompletePayload
    /// A frame's CRC-32C does not match its bytes. The scanner reports it only when the frame
    /// does not look torn (its sequence and last 8 bytes are nonzero); a reader checking each
    /// record reports any mismatch. `offset`: the frame's first byte. (A segment header's
    /// failed checksum is ``badSegmentHeader``.)
    case checksumMismatch
    /// The segment header's format version (the value given) is not one this version reads
    /// (docs/FORMAT.md), so the segment is neither read nor repaired. `offset`: 8, the version field.
    case unsupportedVersion(UInt32)
    /// The segment header sets required-feature bits this version does not know (the bits
    /// given): written by a newer version, so it is neither read nor repaired nor compacted.
    /// `offset`: 52, the required-features field.
    case unsupportedFeatures(UInt32)
    /// The segment header does not decode (wrong magic, failed checksum, contradictory
    /// fields) or does not fit its file (a base sequence of 0 or other than the file name's, a
    /// size other than the file's, a maximum record size too large for the segment), or the
    /// file is too short to be a segment, or the entry is no regular file (a directory, a
    /// FIFO). `offset`: 0.
    case badSegmentHeader
    /// A sealed segment's index or trailer disagrees with the header, the file or the frames,
    /// or a segment other than the last is not sealed; the text says which check failed
    /// (`index checksum mismatch`, `segment digest mismatch`, …). `offset`: the trailer, the
    /// index entry, the data end, or the end of a file shorter than its segment.
    case badFooter(String)
    /// A sequence other than the one due: the frame where record `expected` is due carries
    /// `found` (`offset`: the frame), or a segment's base sequence `found` lies below `expected`,
    /// the sequence after the previous segment's last, so the two overlap (`offset`: 32, the
    /// header's base sequence).
    case sequenceGap(expected: UInt64, found: UInt64)
    /// A segment's base sequence lies above `expectedSequence`, the sequence after the
    /// previous segment's last: the segment holding the records between is missing.
    /// `offset`: 32, the later segment's base-sequence field. (A missing head, left by
    /// compaction, is no corruption.)
    case missingSegment(expectedSequence: UInt64)
    /// A segment of another log, or one that does not continue the segment before it: its log
    /// identity is not the log's (`offset`: 16), or its previous-digest field does not match
    /// the preceding segment's trailer checksum (`offset`: 48).
    case foreignSegment
    /// A frame declares a payload length (the value given) above the segment's maximum record
    /// size, or a commit frame one other than a commit payload's. `offset`: the frame's first byte.
    case oversizedLength(UInt32)
    /// A commit frame that does not match the records before it, or damage followed by
    /// committed data (acknowledged records would be lost by truncating).
    case damagedCommittedData
    /// Damage to records a writer published as durable in `LOCK` (``WriterProgress/durableThrough``),
    /// or a log that no longer holds them (its last segments, or all of them, gone; then the
    /// diagnosis names the directory): acknowledged, so never removed as a torn tail.
    case damagedAcknowledgedData(durableThrough: UInt64)
    /// A consumer cursor file (``ConsumerCursor``) holds no valid slot, or has the wrong size;
    /// the text says what the first slot's check found. `offset`: that field. Compaction then
    /// removes nothing, as for a damaged checkpoint.
    case badCursor(String)

    /// Stable machine-readable name.
    public var code: String {
        switch self {
        case .incompleteHeader: return "incomplete_header"
        case .incompletePayload: return "incomplete_payload"
        case .checksumMismatch: return "checksum_mismatch"
        case .unsupportedVersion: return "unsupported_version"
        case .unsupportedFeatures: return "unsupported_features"
        case .badSegmentHeader: return "bad_segment_header"
        case .badFooter: return "bad_footer"
        case .sequenceGap: return "sequence_gap"
        case .missingSegment: return "missing_segment"
        case .foreignSegment: return "foreign_segment"
        case .oversizedLength: return "oversized_length"
        case .damagedCommittedData: return "damaged_committed_data"
        case .damagedAcknowledgedData: return "damaged_acknowledged_data"
        case .badCursor: return "bad_cursor"
        }
    }

    /// ``code``, followed in parentheses by the case's values when it has any
    /// (`sequence_gap (expected sequence 5, found 7)`).
    public var description: String {
        switch self {
        case let .unsupportedVersion(v): return "\(code) (version \(v))"
        case let .unsupportedFeatures(bits): return "\(code) (feature bits 0x\(String(bits, radix: 16)))"
        case let .damagedAcknowledgedData(d): return "\(code) (the last writer published sequence \(d) durable)"
        case let .badFooter(why): return "\(code) (\(why))"
        case let .badCursor(why): return "\(code) (\(why))"
        case let .sequenceGap(e, f): return "\(code) (expected sequence \(e), found \(f))"
        case let .missingSegment(e): return "\(code) (no segment holds sequence \(e))"
        case let .oversizedLength(n): return "\(code) (declared length \(n))"
        default: return code
        }
    }
}

/// A damaged region after the last commit point, with whatever follows it that no commit frame
/// vouches durable: batches that were in flight beside it, or a `.deferred` writer's unsynced
/// batches (``unsyncedCommittedRecords``). Recovery removes it (backed up), `strict` refuses.
public struct TornTail: Equatable, Sendable, CustomStringConvertible {
    /// The segment file holding it: the log's last, unsealed segment.
    public var file: String
    /// Offset of the first byte after the last intact commit.
    public var offset: Int
    /// Bytes from `offset` to the end of the damaged region.
    public var length: Int
    /// What the scan found where it stopped (at or after `offset`).
    public var reason: CorruptionReason
    /// Records complete but never committed (never acknowledged) between the last commit point
    /// and where the scan stopped, now discarded; the region may hold more past that point.
    public var uncommittedRecords: Int
    /// Committed records after the damage that no commit frame vouches durable: batches a
    /// pipelined writer had in flight beside the damaged one (never acknowledged), or a
    /// `.deferred` log's batches after its last sync that a power loss kept while losing an
    /// earlier one (acknowledged to the page cache only).
    public var unsyncedCommittedRecords = 0

    /// `<file>: torn tail at offset <offset>`, with its length, reason and the records it
    /// discards, on one line.
    public var description: String {
        let unsynced = unsyncedCommittedRecords > 0 ? ", \(unsyncedCommittedRecords) committed but never synced records" : ""
        return "\(file): torn tail at offset \(offset) (\(length) bytes, \(reason), \(uncommittedRecords) uncommitted records before the damage\(unsynced))"
    }
}

extension LogError {
    /// Who holds the lock `logLocked` names: the writer's `LOCK` is named by the log
    /// directory; the other locks by their own files.
    static func holder(ofLock path: String) -> String {
        let name = path.split(separator: "/").last.map(String.init) ?? path
        if name == CompactionLock.fileName {
            return "locked by a compaction (or a checkpoint or cursor update)"
        }
        if name == LogArchiver.lockFile { return "locked by another archive run" }
        return "log is locked: its LOCK is held by a writer, a repair or a restore"
    }
}
