import AQLog

/// Imports an actionqueue-storage 0.1.2 v5 WAL file into an ``EventLog``.
///
/// The whole file is scanned and every record decoded and replayed (dry run, from an empty
/// projection when the target log is empty) BEFORE anything is appended: corruption
/// mid-file, a sequence regression or a record replay would reject refuses the import with
/// the log untouched. A torn tail is skipped and reported. Records are appended in order;
/// their sequences are renumbered densely after the log's last sequence (v5 allowed gaps),
/// and the report says whether any number changed.
public enum V5Importer {
    /// The outcome of a successful import.
    public struct Report: Sendable, Hashable {
        /// Records appended to the log.
        public var recordsImported: Int
        /// Log sequences assigned (nil range when nothing was imported).
        public var firstLogSequence: UInt64?
        /// The log sequence of the last imported record (nil when nothing was imported).
        public var lastLogSequence: UInt64?
        /// True when some v5 sequence differed from the log sequence it got.
        public var renumbered: Bool
        /// The skipped torn tail, if any.
        public var tornTail: V5Corruption?
        /// Bytes from the torn tail's offset to the end of the file (0 when none).
        public var tornTailBytes: UInt64
        /// Imported records per variant name.
        public var variantCounts: [String: Int]

        /// Exit status for `aq-wal import-v5`: 0 clean, 1 torn tail skipped.
        public var exitStatus: Int32 { tornTail == nil ? 0 : 1 }
    }

    /// Why an import was refused (exit status 2 for corruption or refused content, 74 for I/O:
    /// reading the file, or the destination log failing to take or flush the records).
    public enum Failure: Error, Sendable, Hashable {
        /// The file could not be read.
        case io(IOFailure)
        /// Damage followed by a well-formed record at `nextValidOffset`; nothing was imported.
        case corruption(V5Corruption, nextValidOffset: UInt64)
        /// The record at `offset` does not carry a sequence above the previous record's;
        /// nothing was imported.
        case sequenceRegression(offset: UInt64, previous: UInt64, found: UInt64)
        /// Replay (into an empty log) would reject the record at `offset`; nothing was imported.
        case replayRejected(offset: UInt64, ReplayError)
        /// The log failed to take or flush the records; the records appended before the
        /// failure stay in the log.
        case append(EventLogFailure)

        /// Exit status for `aq-wal import-v5`: 74 for ``io(_:)`` and ``append(_:)``, 2 otherwise.
        public var exitStatus: Int32 {
            switch self {
            case .io, .append: return 74
            case .corruption, .sequenceRegression, .replayRejected: return 2
            }
        }
    }

    /// Reads `file` and imports it into `log`.
    ///
    /// - Throws: ``Failure/io(_:)`` when the file cannot be read, then as
    ///   ``importV5(bytes:into:)``.
    public static func importV5(file: String, into log: some EventLog) throws(Failure) -> Report {
        let bytes: [UInt8]
        do { bytes = try PosixStorage().readWholeFile(file, limit: Int.max) } catch { throw .io(error) }
        return try importV5(bytes: bytes, into: log)
    }

    /// Imports v5 file contents already in memory.
    ///
    /// The dry run replays the records only when `log` is empty (a non-empty log's state is
    /// not known here); the sequence checks and the scan always run first.
    ///
    /// - Returns: What was imported, and any torn tail skipped.
    /// - Throws: ``Failure/corruption(_:nextValidOffset:)``,
    ///   ``Failure/sequenceRegression(offset:previous:found:)`` or
    ///   ``Failure/replayRejected(offset:_:)`` before anything is appended;
    ///   ``Failure/append(_:)`` when the log fails.
    public static func importV5(bytes: [UInt8], into log: some EventLog) throws(Failure) -> Report {
        let scan = V5FileScanner.scan(bytes)
        var torn: V5Corruption?
        var tornBytes: UInt64 = 0
        switch scan.outcome {
        case .clean: break
        case .tornTail(let corruption, let count):
            torn = corruption
            tornBytes = count
        case .corruption(let corruption, let next):
            throw .corruption(corruption, nextValidOffset: next)
        }
        // Dry run: sequences must increase, and replay must accept every record.
        var previous: UInt64 = 0
        var dryRun = ReplayReducer()
        let checkReplay = log.lastSequence == 0
        var counts: [String: Int] = [:]
        var renumbered = false
        for (index, record) in scan.records.enumerated() {
            guard record.event.sequence > previous else {
                throw .sequenceRegression(offset: record.offset, previous: previous, found: record.event.sequence)
            }
            previous = record.event.sequence
            let logSequence = log.lastSequence + UInt64(index) + 1
            if logSequence != record.event.sequence { renumbered = true }
            if checkReplay {
                do { try dryRun.apply(WalEvent(sequence: logSequence, event: record.event.event)) } catch {
                    throw .replayRejected(offset: record.offset, error)
                }
            }
            counts[record.event.event.name, default: 0] += 1
        }
        var first: UInt64?
        for record in scan.records {
            let sequence = log.lastSequence + 1
            let payload = WalEvent(sequence: sequence, event: record.event.event).postcardBytes()
            do { _ = try log.append(payload, expectedSequence: sequence) } catch { throw .append(EventLogFailure(error)) }
            if first == nil { first = sequence }
        }
        do { try log.flush() } catch { throw .append(EventLogFailure(error)) }
        return Report(recordsImported: scan.records.count, firstLogSequence: first,
                      lastLogSequence: first == nil ? nil : log.lastSequence, renumbered: renumbered,
                      tornTail: torn, tornTailBytes: tornBytes, variantCounts: counts)
    }
}
