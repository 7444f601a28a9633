import AQLog

/// One line each, naming the file, the byte offset where the problem was found and the
/// reason, as every other error an operator sees: `aq-wal` prints these as they are.
extension SnapshotStore.Failure: CustomStringConvertible {
    public var description: String {
        switch self {
        case .directoryMissing(let directory): return "\(directory): no such snapshot directory"
        case .io(let failure): return failure.description
        case .format(let path, let failure): return "\(path): \(failure)"
        case .notCovering(let path, let sequence, let expected):
            return "\(path): snapshot of sequence \(sequence) outside the range of the segment it came with (\(expected.lowerBound)...\(expected.upperBound))"
        }
    }
}

extension SnapshotFileFormat.Failure: CustomStringConvertible {
    /// The offset in the file (header fields at their place, payload bytes after the header).
    public var offset: Int {
        switch self {
        case .tooShort(let length): return length
        case .badMagic: return 0
        case .headerChecksumMismatch: return 44
        case .unsupportedFormatVersion: return 8
        case .payloadTooLarge, .lengthMismatch: return 32
        case .payloadChecksumMismatch: return 40
        case .decode(let error): return SnapshotFileFormat.headerLength + error.offset
        case .validation: return SnapshotFileFormat.headerLength
        }
    }

    public var description: String {
        let reason: String
        switch self {
        case .tooShort(let length): reason = "not a snapshot: \(length) bytes, shorter than the \(SnapshotFileFormat.headerLength)-byte header"
        case .badMagic: reason = "not a snapshot: bad magic"
        case .headerChecksumMismatch: reason = "header checksum mismatch"
        case .unsupportedFormatVersion(let found): reason = "unsupported snapshot format version \(found)"
        case .payloadTooLarge(let length): reason = "declared payload of \(length) bytes, above the limit"
        case .lengthMismatch(let declared, let actual): reason = "declared payload of \(declared) bytes, \(actual) present"
        case .payloadChecksumMismatch: reason = "payload checksum mismatch"
        case .decode(let error): reason = "payload does not decode (\(error))"
        case .validation(let error): reason = "snapshot breaks an invariant (\(error))"
        }
        return "damaged snapshot at offset \(offset): \(reason)"
    }
}
