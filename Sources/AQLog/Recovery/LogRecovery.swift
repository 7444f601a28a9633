/// Opens every segment of a log directory and proves the log is whole.
///
/// Sealed segments cost two 64-byte reads each (header and trailer); only the last, unsealed
/// segment is scanned (``SegmentScanner``). Continuity is checked pairwise: each header's base
/// follows the previous trailer's last sequence and carries the previous trailer's checksum,
/// so a missing, reordered or foreign segment is refused. A missing *head* (after compaction)
/// is fine.
struct LogRecovery {
    let storage: any Storage
    let directory: String
    /// How the open segment's bytes are read for its scan.
    var access: SegmentAccess = .mapped
    /// The `HIGHWATER` record (a writer's open reads it under the lock, a reader's first pass
    /// without): when it names the open segment, the scan stops at its mark (the zeros past it
    /// are trusted). `verify` leaves it nil and scans whole segments.
    var highWater: HighWaterMark?
    /// Whether the scan starts at the durable prefix `highWater` records (``VouchedPrefix``):
    /// a writer's open and a repair, which hold the lock. Readers and `verify` read every
    /// frame.
    var trustsDurablePrefix = false
    /// Whether the open segment is scanned to its end whatever `highWater`'s mark says (a
    /// repair: bytes past the mark are damage at rest, never a writer's, and what `verify`,
    /// which scans whole segments, reports there must be repairable). `highWater` still gives
    /// the durable prefix and its floor.
    var scansPastMark = false
    /// Whether a writer may be writing while this pass reads (a reader beside a live writer):
    /// its mark may then move past the one `highWater` holds, and records past that one prove
    /// nothing stale.
    var markMayMove = false
    /// The `HIGHWATER` record a pass that does not stop at the mark (`verify`, a reader's
    /// refresh) still reads for the durable prefix's floor alone.
    var floorRecord: HighWaterMark?
    /// The window in which the open segment's frames are read through `pread`, the next read
    /// ahead (``SegmentStream``), when there are two windows or more to read; nil: through the
    /// mapping. Set for a writer's open and a repair, whose settling dropped the segment's cached
    /// pages, so every byte comes from the medium. Readers keep the mapping: their pages are
    /// usually cached, and a copy would cost more.
    var streamWindow: Int?
    /// Where settling began to drop the open segment's cached pages (a writer's open, a repair:
    /// ``settleLastSegment(storage:directory:logger:)``); a scan that starts below it (the
    /// durable prefix was not trusted) drops the rest first, so that it reads the medium.
    var pagesDroppedFrom = 0
    /// Window memory for ``SegmentAccess/read`` scans of the open segment, shared with a caller
    /// that reads other segments through it (`verify`); nil: a buffer of the scan's own.
    var readBuffer: SegmentReadBuffer?

    /// The open segment as recovery left it.
    struct OpenSegment {
        var descriptor: SegmentDescriptor
        var file: any StorageFile
        /// What its scan found: committed records, commit point, digest.
        var scan: SegmentScanner.Result
        /// True when this pass continued an earlier one's ``ScanPoint`` (the bytes below it
        /// were proven unchanged) instead of scanning the segment whole.
        var followed = false
        /// The durable prefix the scan started from instead of the data start (nil: none).
        var trustedPrefix: VouchedPrefix?
        /// The checksum field of the last intact commit frame (0 when there is none).
        var lastCommitChecksum: UInt32 = 0

        var offsets: [UInt32] { scan.offsets }
        var segmentDigest: UInt32 { scan.segmentDigest }
        var scanPoint: ScanPoint { ScanPoint(descriptor: descriptor, scan: scan) }

        init(file: any StorageFile, descriptor: SegmentDescriptor, scan: SegmentScanner.Result) {
            var d = descriptor
            d.lastSequence = scan.lastSequence
            d.dataEnd = scan.committedEnd
            self.descriptor = d
            self.file = file
            self.scan = scan
        }
    }

    /// How far an earlier pass read the open segment (a reader's position to follow from).
    struct ScanPoint {
        var descriptor: SegmentDescriptor
        var scan: SegmentScanner.Result
    }

    struct Outcome {
        var sealed: [SegmentDescriptor]
        /// The unsealed last segment; nil when the log has no segments or the last is sealed.
        var open: OpenSegment?
        var report: RecoveryReport
    }

    /// Segment file names with their base sequences, in sequence order (other entries ignored).
    static func listSegments(_ storage: any Storage, _ directory: String) throws(IOFailure) -> [(UInt64, String)] {
        try storage.listDirectory(directory).compactMap { name in SegmentName.baseSequence(of: name).map { ($0, name) } }
            .sorted { $0.0 < $1.0 }
    }

    /// Recovers the log. With `repair` false nothing is written (readers, `verify`).
    ///
    /// `following` (readers only) is where an earlier pass left the open segment: when the
    /// open segment is still that file, only the batches committed since are parsed, and
    /// what follows them is not classified (see ``SegmentScanner/follow(_:)``).
    ///
    /// `durableFloor` is the durable point the last writer published in `LOCK`
    /// (``StorageLock/startPublishing()``): records at or below it were acknowledged durable,
    /// so a log that no longer holds them intact is refused (`damaged_acknowledged_data`),
    /// whatever the policy, before anything is repaired.
    func recover(policy: RecoveryPolicy, repair: Bool, following: ScanPoint? = nil,
                 durableFloor: UInt64 = 0) throws(LogError) -> Outcome {
        precondition(following == nil || !repair)
        let clock = ContinuousClock()
        let started = clock.now
        var report = RecoveryReport()
        let segments = try io { () throws(IOFailure) in try Self.listSegments(storage, directory) }
        var sealed: [SegmentDescriptor] = []
        var open: OpenSegment?
        var previous: SegmentDescriptor?
        for (i, (base, name)) in segments.enumerated() {
            let path = LogDirectoryLayout.join(directory, name)
            let file: any StorageFile
            // Only a repairing open (the writer's) may write; everything else reads, with read
            // permission alone.
            do { file = try repair ? storage.openFile(path, create: false) : storage.openFileForReading(path) } catch {
                throw Self.notASegment(error) ?? .io(error)
            }
            let isLast = i == segments.count - 1
            var keepOpen = false
            defer { if !keepOpen { file.close() } }
            let (descriptor, needsScan) = try readEnds(file: file, path: path, nameBase: base,
                                                       next: isLast ? nil : segments[i + 1], report: &report)
            if let prev = previous { try checkContinuity(prev, descriptor, first: sealed.first ?? prev) }
            if needsScan {
                let point = following.flatMap { $0.descriptor.path == path && $0.descriptor.headerChecksum == descriptor.headerChecksum
                    && $0.descriptor.baseSequence == descriptor.baseSequence ? $0 : nil }
                let scanned = if let point, let followed = try followOpen(file: file, from: point, report: &report) {
                    followed
                } else {
                    try scanOpen(file: file, descriptor: descriptor, policy: policy, repair: repair,
                                 durableFloor: durableFloor, report: &report)
                }
                open = scanned
                keepOpen = true
                previous = scanned.descriptor
            } else {
                sealed.append(descriptor)
                previous = descriptor
            }
        }
        if open == nil, let last = previous, durableFloor > last.lastSequence {
            // The last segment is sealed, yet records past it were acknowledged: the segment
            // after it is gone.
            throw .corruption(.init(file: last.path, offset: last.segmentSize,
                                    reason: .missingSegment(expectedSequence: last.lastSequence &+ 1)))
        }
        if segments.isEmpty, durableFloor > 0 {
            // Every segment gone, records acknowledged durable: a new log here would hand out
            // their sequences again.
            throw .corruption(.init(file: directory, offset: 0, reason: .damagedAcknowledgedData(durableThrough: durableFloor)))
        }
        report.segments = segments.count
        report.sealedSegments = sealed.count
        if let first = sealed.first ?? open?.descriptor { report.firstSequence = first.baseSequence }
        report.lastSequence = previous?.lastSequence ?? 0
        if report.lastSequence < report.firstSequence { report.firstSequence = 0; report.lastSequence = 0 }
        report.duration = clock.now - started
        return Outcome(sealed: sealed, open: open, report: report)
    }

    /// Reads header and trailer (two 64-byte reads); decides whether the segment must be scanned.
    /// Reads a segment's header and trailer. `next`: the segment listed after it (nil for the
    /// last), consulted when this one is unsealed to tell which of the two is wrong.
    func readEnds(file: any StorageFile, path: String, nameBase: UInt64, next: (UInt64, String)?,
                          report: inout RecoveryReport) throws(LogError) -> (SegmentDescriptor, Bool) {
        let size: Int
        do { size = try file.size() } catch { throw .io(error) }
        guard size >= SegmentLayout.headerSize else { throw .corruption(.init(file: path, offset: 0, reason: .incompleteHeader)) }
        var headerBytes = [UInt8](repeating: 0, count: SegmentLayout.headerSize)
        var trailerBytes = [UInt8](repeating: 0, count: SegmentLayout.trailerSize)
        var read = Result<Int, IOFailure>.success(0)
        headerBytes.withUnsafeMutableBytes { b in read = Result { () throws(IOFailure) in try file.read(into: b, at: 0) } }
        _ = try io { () throws(IOFailure) in try read.get() }
        trailerBytes.withUnsafeMutableBytes { b in
            read = Result { () throws(IOFailure) in try file.read(into: b, at: size - SegmentLayout.trailerSize) }
        }
        _ = try io { () throws(IOFailure) in try read.get() }
        report.sealedBytesRead += SegmentLayout.headerSize + SegmentLayout.trailerSize
        let decoded = headerBytes.withUnsafeBytes { SegmentHeader.decode($0) }
        let header: SegmentHeader, headerCRC: UInt32
        switch decoded {
        case .success(let (h, crc)): (header, headerCRC) = (h, crc)
        case .failure(.unsupportedVersion(let v)): throw .corruption(.init(file: path, offset: 8, reason: .unsupportedVersion(v)))
        case .failure(.unsupportedFeatures(let bits)): throw .corruption(.init(file: path, offset: 52, reason: .unsupportedFeatures(bits)))
        case .failure: throw .corruption(.init(file: path, offset: 0, reason: .badSegmentHeader))
        }
        // A file truncated or extended since it was made: located at the header's size field.
        guard header.segmentSize == UInt64(size) else { throw .corruption(.init(file: path, offset: 40, reason: .badSegmentHeader)) }
        // Whole blocks: recovery's zeroing and the seal's direct writes work in blocks, and
        // would extend a file that ends inside one.
        guard size >= SegmentLayout.minimumSegmentSize, size % SegmentLayout.blockSize == 0 else {
            throw .corruption(.init(file: path, offset: 40, reason: .badSegmentHeader))
        }
        guard header.baseSequence == nameBase, header.baseSequence >= 1, size <= SegmentLayout.maximumSegmentSize,
              Int(header.maxRecordSize) <= SegmentLayout.largestRecord(segmentSize: size) else {
            throw .corruption(.init(file: path, offset: 0, reason: .badSegmentHeader))
        }
        var descriptor = SegmentDescriptor(path: path, header: header, headerChecksum: headerCRC, trailer: nil,
                                           trailerChecksum: nil, lastSequence: header.baseSequence &- 1, dataEnd: SegmentLayout.dataStart)
        if let (trailer, trailerCRC) = trailerBytes.withUnsafeBytes({ SegmentTrailer.decode($0) }) {
            if let why = SegmentFooter.inconsistency(trailer, header: header, headerChecksum: headerCRC, fileSize: size) {
                throw .corruption(.init(file: path, offset: size - SegmentLayout.trailerSize, reason: .badFooter(why)))
            }
            descriptor.trailer = trailer
            descriptor.trailerChecksum = trailerCRC
            descriptor.lastSequence = trailer.lastSequence
            descriptor.dataEnd = Int(trailer.dataEnd)
            return (descriptor, false)
        }
        if let next { throw unsealed(descriptor, size: size, before: next, report: &report) }
        return (descriptor, true)
    }

    /// The sealed segments listed before `file`, their ends read as recovery reads them
    /// (nothing scanned), up to the first that is not: what `verify` can still check before
    /// the damage it reports in `file`.
    func sealedSegments(before file: String, of segments: [(UInt64, String)]) -> [SegmentDescriptor] {
        var sealed: [SegmentDescriptor] = []
        var report = RecoveryReport()
        for (base, name) in segments {
            let path = LogDirectoryLayout.join(directory, name)
            guard path != file, let handle = try? storage.openFileForReading(path) else { break }
            defer { handle.close() }
            guard let (d, needsScan) = try? readEnds(file: handle, path: path, nameBase: base, next: nil, report: &report),
                  !needsScan else { break }
            sealed.append(d)
        }
        return sealed
    }

    /// An unsealed segment with another listed after it: either it should have been sealed, or
    /// the file after it does not belong there (a stray copy, another log's segment). The one
    /// blamed is the file after it when that file is not a segment of this log continuing it.
    private func unsealed(_ descriptor: SegmentDescriptor, size: Int, before next: (UInt64, String),
                          report: inout RecoveryReport) -> LogError {
        let nextPath = LogDirectoryLayout.join(directory, next.1)
        do throws(LogError) {
            let file: any StorageFile
            do { file = try storage.openFileForReading(nextPath) } catch { throw Self.notASegment(error) ?? .io(error) }
            defer { file.close() }
            let (following, _) = try readEnds(file: file, path: nextPath, nameBase: next.0, next: nil, report: &report)
            if following.header.logID != descriptor.header.logID {
                return .corruption(.init(file: nextPath, offset: 16, reason: .foreignSegment))
            }
        } catch {
            if case .corruption = error { return error }  // the file after it is the wrong one
        }
        return .corruption(.init(file: descriptor.path, offset: size - SegmentLayout.trailerSize,
                                 reason: .badFooter("segment before the last is not sealed")))
    }

    /// An entry under a segment's name that is not a regular file (``RegularFile``) is damage
    /// in the log's directory, as a file too short to be a segment is: a typed corruption, so
    /// `verify` reports it and salvage keeps what precedes it.
    static func notASegment(_ failure: IOFailure) -> LogError? {
        guard failure.operation == RegularFile.notRegular else { return nil }
        return .corruption(.init(file: failure.path, offset: 0, reason: .badSegmentHeader))
    }

    func checkContinuity(_ prev: SegmentDescriptor, _ next: SegmentDescriptor, first: SegmentDescriptor) throws(LogError) {
        if next.header.logID != first.header.logID {
            throw .corruption(.init(file: next.path, offset: 16, reason: .foreignSegment))
        }
        let expected = prev.lastSequence &+ 1
        if next.baseSequence > expected {
            throw .corruption(.init(file: next.path, offset: 32, reason: .missingSegment(expectedSequence: expected)))
        }
        if next.baseSequence < expected {
            throw .corruption(.init(file: next.path, offset: 32, reason: .sequenceGap(expected: expected, found: next.baseSequence)))
        }
        if next.header.previousDigest != prev.trailerChecksum {
            throw .corruption(.init(file: next.path, offset: 48, reason: .foreignSegment))
        }
    }

    /// The last sequence of `descriptor` the durable prefix in `HIGHWATER` records as synced,
    /// when the record reads whole and names this segment, whether or not the scan could use it
    /// (its end frame damaged, say); 0 otherwise. A floor as `LOCK`'s is, and one a power loss
    /// leaves true: the prefix is synced after the records it names, where `LOCK` is never synced.
    private func prefixFloor(of descriptor: SegmentDescriptor) -> UInt64 {
        guard let prefix = (highWater ?? floorRecord)?.prefix, prefix.names(descriptor), prefix.recordCount > 0 else { return 0 }
        return descriptor.baseSequence &+ UInt64(prefix.recordCount) &- 1
    }

    /// Scans the unsealed last segment, applying the policy to what follows its last commit.
    private func scanOpen(file: any StorageFile, descriptor: SegmentDescriptor, policy: RecoveryPolicy, repair: Bool,
                          durableFloor: UInt64, report: inout RecoveryReport) throws(LogError) -> OpenSegment {
        var trusted: VouchedPrefix?
        let reportBefore = report
        var (result, lastCommitChecksum) = try access == .read
            ? scanOpenInWindows(file: file, descriptor: descriptor)
            : scanOpenMapped(file: file, descriptor: descriptor, trusted: &trusted, report: &report)
        report.bytesScanned += result.bytesScanned
        let floor = max(durableFloor, prefixFloor(of: descriptor))
        if !scansPastMark, !markMayMove || floor > result.lastSequence, let mark = highWater?.mark(for: descriptor),
           recordsReach(mark: mark, result: result, file: file) {
            // Nothing is ever written past a writer's mark, so a whole scan finds what this one
            // did, unless `HIGHWATER` is older than the segment (a copy restored from a backup):
            // then the records run on past the mark, and stopping there would cut them as a
            // torn tail. Asked only when the records reach the mark's last block (or a frame
            // where they stop claims to run past it), so other opens pay nothing for it. Beside
            // a live writer, whose mark may have moved since it was read, only when the records
            // found fall short of the durable floor (which would otherwise be refused).
            var whole = self
            whole.scansPastMark = true
            var wholeTrusted: VouchedPrefix?
            var wholeReport = reportBefore
            let (wholeResult, wholeChecksum) = try access == .read
                ? whole.scanOpenInWindows(file: file, descriptor: descriptor)
                : whole.scanOpenMapped(file: file, descriptor: descriptor, trusted: &wholeTrusted, report: &wholeReport)
            if wholeResult.committedEnd != result.committedEnd || wholeResult.verdict.kind != result.verdict.kind {
                (result, lastCommitChecksum, trusted, report) = (wholeResult, wholeChecksum, wholeTrusted, wholeReport)
                report.bytesScanned += result.bytesScanned
                report.staleHighWaterMark = !markMayMove
            }
        }
        if floor > result.lastSequence {
            if case .corruption(let diagnosis) = result.verdict { throw .corruption(diagnosis) }
            if case .footerArtefact = result.verdict {
                // Sealed, yet records past it were acknowledged: the segment after it is gone.
                throw .corruption(.init(file: descriptor.path, offset: descriptor.segmentSize,
                                        reason: .missingSegment(expectedSequence: result.lastSequence &+ 1)))
            }
            throw .corruption(.init(file: descriptor.path, offset: result.committedEnd,
                                    reason: .damagedAcknowledgedData(durableThrough: floor)))
        }
        var zeroRange: Range<Int>?
        switch result.verdict {
        case .clean: break
        case .corruption(let diagnosis): throw .corruption(diagnosis)
        case .footerArtefact(let range):
            zeroRange = range
            report.footerArtefactCleared = repair
        case .tornTail(let torn):
            if policy == .strict { throw .tornTail(torn) }
            report.tornTail = torn
            zeroRange = torn.offset..<(torn.offset + torn.length)
        case .unsyncedAfterDamage(let torn, _):
            // Committed batches follow the damage, but no frame claims any of it durable: a
            // `.deferred` writer's batches after its last sync, acknowledged to the page cache
            // only. A torn tail like any other (backed up, reported, logged as a warning).
            if policy == .strict { throw .tornTail(torn) }
            report.tornTail = torn
            zeroRange = torn.offset..<(torn.offset + torn.length)
        }
        if repair, let range = zeroRange {
            // Records, possibly never acknowledged but someone's data, are about to go: keep
            // them first (an interrupted seal's footer bytes hold none).
            if let torn = report.tornTail {
                report.tornTailBackup = try TornTailBackup.write(torn.offset..<(torn.offset + torn.length), of: file,
                                                                 path: descriptor.path, directory: directory, storage: storage)
            }
            try zero(file: file, range: range, path: descriptor.path)
            report.bytesRepaired += range.count
        }
        var open = OpenSegment(file: file, descriptor: descriptor, scan: result)
        open.trustedPrefix = trusted
        open.lastCommitChecksum = lastCommitChecksum
        return open
    }

    /// Reads the batches committed in the open segment since `point`; nil when the bytes
    /// below `point` changed since (the caller scans the whole segment instead).
    private func followOpen(file: any StorageFile, from point: ScanPoint, report: inout RecoveryReport) throws(LogError) -> OpenSegment? {
        let region: MappedRegion
        do { region = try file.region(access) } catch { throw .io(error) }
        let scanner = SegmentScanner(bytes: region.bytes, file: point.descriptor.path, header: point.descriptor.header)
        guard region.bytes.count == point.descriptor.segmentSize, scanner.stillHolds(point.scan) else { return nil }
        let result = scanner.follow(point.scan)
        report.bytesScanned += result.bytesScanned
        var open = OpenSegment(file: file, descriptor: point.descriptor, scan: result)
        open.followed = true
        return open
    }

    /// Overwrites `range` with zeros (whole blocks, so it also suits aligned writers) and syncs.
    private func zero(file: any StorageFile, range: Range<Int>, path: String) throws(LogError) {
        let start = alignDown(range.lowerBound, SegmentLayout.blockSize)
        let end = alignUp(range.upperBound, SegmentLayout.blockSize)
        // Keep the committed bytes of the first block: read them back, zero the rest.
        let buffer = AlignedBuffer(capacity: end - start)
        do {
            let keep = range.lowerBound - start
            if keep > 0 {
                _ = try file.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer.mutableBytes[0..<keep]), at: start)
            }
            try file.write(buffer.bytes(0..<(end - start)), at: start, newBytesFrom: range.lowerBound, sync: true)
        } catch { throw .io(error) }
    }
}
