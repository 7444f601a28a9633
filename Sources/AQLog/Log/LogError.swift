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
        }
    }

    public var description: String {
        switch self {
        case let .sequenceViolation(expected, provided): return "sequence violation: expected \(expected), provided \(provided)"
        case let .recordTooLarge(size, limit): return "record too large: \(size) bytes exceeds the limit of \(limit)"
        case let .logLocked(path): return "\(path): log is locked by another writer"
        case let .notFound(path): return "\(path): no such log directory"
        case let .notADirectory(path): return "\(path): not a directory"
        case let .io(failure): return failure.description
        case let .poisoned(cause): return "log poisoned by an earlier failure (\(cause)); reopen to recover"
        case .closed: return "log is closed"
        case let .corruption(d): return d.description
        case let .tornTail(t): return t.description
        case let .invalidOptions(why): return "invalid options: \(why)"
        case let .invalidArgument(why): return why
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

    public init(file: String, offset: Int, reason: CorruptionReason) {
        self.file = file
        self.offset = offset
        self.reason = reason
    }

    public var description: String { "\(file): corruption at offset \(offset): \(reason)" }
}

/// The corruption taxonomy (stable snake_case names in `aq-wal` JSON output).
public enum CorruptionReason: Error, Equatable, Sendable, CustomStringConvertible {
    case incompleteHeader
    case incompletePayload
    case checksumMismatch
    case unsupportedVersion(UInt32)
    /// The segment header sets required-feature bits this version does not know (the bits
    /// given): written by a newer version, so it is neither read nor repaired nor compacted.
    case unsupportedFeatures(UInt32)
    case badSegmentHeader
    case badFooter(String)
    case sequenceGap(expected: UInt64, found: UInt64)
    case missingSegment(expectedSequence: UInt64)
    case foreignSegment
    case oversizedLength(UInt32)
    /// A commit frame that does not match the records before it, or damage followed by
    /// committed data (acknowledged records would be lost by truncating).
    case damagedCommittedData
    /// Damage to records the last writer published as durable in `LOCK` before it stopped
    /// (``WriterProgress/durableThrough``): acknowledged, so never removed as a torn tail.
    case damagedAcknowledgedData(durableThrough: UInt64)

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
        }
    }

    public var description: String {
        switch self {
        case let .unsupportedVersion(v): return "\(code) (version \(v))"
        case let .unsupportedFeatures(bits): return "\(code) (feature bits 0x\(String(bits, radix: 16)))"
        case let .damagedAcknowledgedData(d): return "\(code) (the last writer published sequence \(d) durable)"
        case let .badFooter(why): return "\(code) (\(why))"
        case let .sequenceGap(e, f): return "\(code) (expected sequence \(e), found \(f))"
        case let .missingSegment(e): return "\(code) (no segment holds sequence \(e))"
        case let .oversizedLength(n): return "\(code) (declared length \(n))"
        default: return code
        }
    }
}

/// A damaged region after the last commit point that no committed data follows.
public struct TornTail: Equatable, Sendable, CustomStringConvertible {
    public var file: String
    /// Offset of the first byte after the last intact commit.
    public var offset: Int
    /// Bytes from `offset` to the end of the damaged region.
    public var length: Int
    /// Why the scan stopped at `offset`.
    public var reason: CorruptionReason
    /// Records that were complete but never committed (never acknowledged), now discarded.
    public var uncommittedRecords: Int
    /// Committed records after the damage that no commit frame vouches durable: batches a
    /// pipelined writer had in flight beside the damaged one (never acknowledged), or, under
    /// ``RecoveryPolicy/discardUnsynced``, a `.deferred` log's batches after a power loss.
    public var unsyncedCommittedRecords = 0

    public var description: String {
        let unsynced = unsyncedCommittedRecords > 0 ? ", \(unsyncedCommittedRecords) committed but never synced records" : ""
        return "\(file): torn tail at offset \(offset) (\(length) bytes, \(reason), \(uncommittedRecords) uncommitted records\(unsynced))"
    }
}
