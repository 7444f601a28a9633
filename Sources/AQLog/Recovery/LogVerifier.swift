/// A full checksum pass over every segment, sealed ones included; changes nothing.
///
/// Recovery trusts a sealed segment's footer; `verify` proves it: every frame is re-read and
/// checksummed, the scanned offsets must equal the dense index, and the index checksum,
/// segment digest and data end must match the trailer. Segments are read with `pread`
/// (``SegmentAccess/read``): an I/O error is reported, never a `SIGBUS`.
public struct LogVerifier: Sendable {
    let storage: any Storage
    let directory: String

    /// A verifier of the log in `directory`; nothing is read until ``verify()``.
    public init(directory: String, storage: any Storage = PosixStorage()) {
        self.storage = storage
        self.directory = directory
    }

    /// One segment's result.
    public struct SegmentResult: Sendable, Equatable {
        /// The segment's path.
        public var file: String
        /// The segment's name within the log directory.
        public var fileName: String { LogDirectoryLayout.name(of: file) }
        /// The segment's first sequence (its header's base sequence).
        public var baseSequence: UInt64
        /// Its last record's sequence (`baseSequence - 1` when it holds none): the trailer's
        /// when sealed, else the last committed record recovery found.
        public var lastSequence: UInt64
        /// True when the segment has a trailer, so every frame was re-read and checked against
        /// its index, digest and data end; false for the open segment, which recovery scanned.
        public var sealed: Bool
        /// Records in the segment, by its trailer (sealed) or recovery's scan (open);
        /// counted in ``Report/recordsVerified`` whole unless the segment is sealed and failed
        /// (then only those committed before the damaged batch).
        public var records: Int
        /// Nil when the segment verified clean; ``LogError/corruption(_:)`` for damage found in
        /// it, ``LogError/tornTail(_:)`` for the open segment's torn tail.
        public var problem: LogError?
    }

    /// The whole log's result.
    public struct Report: Sendable, Equatable {
        /// The segments checked, oldest first. When recovery found corruption: the sealed
        /// segments before the damaged file and, for damage in the open segment, that one when
        /// its header is intact.
        public var segments: [SegmentResult] = []
        /// Records proven intact: those of each sealed segment that passed (of one that failed,
        /// those committed before the damaged batch), and the open segment's committed records
        /// (those before the damage, when it is damaged).
        public var recordsVerified = 0
        /// Bytes of segment files read and checked: each sealed segment's whole file, passed or
        /// not, and the open segment's (only up to its last commit when it is damaged).
        public var bytesVerified = 0
        /// Wall time of ``LogVerifier/verify()``.
        public var duration: Duration = .zero
        /// A torn tail found in the open segment (a crash artefact that a writer's open, or
        /// `repair`, removes).
        public var tornTail: TornTail?
        /// The first corruption found, if any.
        public var corruption: CorruptionDiagnosis?
        /// Set with ``tornTail`` when that torn tail holds committed batches after damage, none
        /// of which a commit frame vouches durable (a `.deferred` log after a power loss): its
        /// ``TornTail/unsyncedCommittedRecords`` records, acknowledged to the page cache only,
        /// go with it.
        public var unsyncedAfterDamage: TornTail?
    }

    /// Verifies the log. Throws only for I/O failures and a missing directory; damage is reported.
    public func verify() throws(LogError) -> Report {
        let clock = ContinuousClock()
        let start = clock.now
        var report = Report()
        let buffer = SegmentReadBuffer()
        try storage.requireDirectory(directory)
        // Sealed segments do not change: those listed now are checked on the other cores while
        // recovery reads the open segment, and recovery's list then says which results stand.
        let early = startEarlyChecks()
        defer { _ = early?.wait() }
        let outcome: LogRecovery.Outcome
        do {
            var recovery = LogRecovery(storage: storage, directory: directory, access: .read)
            recovery.readBuffer = buffer
            outcome = try recovery.recoverBesideWriter(retryingTornTail: true)
        } catch {
            switch error {
            case .corruption(let d):
                // What can still be proven: the sealed segments before the damaged file, and
                // the open segment's records committed before damage inside it. Damage in
                // those sealed segments comes first in the log: it is the one reported.
                let salvage = LogRecovery(storage: storage, directory: directory, access: .read).salvage(d)
                try verify(sealed: salvage.sealed, into: &report, early: early)
                if report.corruption == nil { report.corruption = d }
                if let open = salvage.open {
                    open.file.close()
                    let o = open.descriptor
                    report.segments.append(SegmentResult(file: o.path, baseSequence: o.baseSequence, lastSequence: o.lastSequence,
                                                         sealed: false, records: o.recordCount, problem: .corruption(d)))
                    report.recordsVerified += o.recordCount
                    report.bytesVerified += o.dataEnd
                }
            default: throw error
            }
            report.duration = clock.now - start
            return report
        }
        report.tornTail = outcome.report.tornTail
        if let torn = report.tornTail, torn.unsyncedCommittedRecords > 0 { report.unsyncedAfterDamage = torn }
        try verify(sealed: outcome.sealed, into: &report, early: early)
        if let open = outcome.open {
            let d = open.descriptor
            open.file.close()
            report.segments.append(SegmentResult(file: d.path, baseSequence: d.baseSequence, lastSequence: d.lastSequence,
                                                 sealed: false, records: d.recordCount, problem: report.tornTail.map { .tornTail($0) }))
            report.recordsVerified += d.recordCount
            report.bytesVerified += d.segmentSize
        }
        report.duration = clock.now - start
        return report
    }

    private typealias Checked = (damage: CorruptionDiagnosis?, intact: Int)
    private typealias Checks = SealedSegmentChecks<Checked>

    private func checks(_ sealed: [SegmentDescriptor]) -> Checks {
        Checks(sealed) { d, buffer throws(LogError) in try checkSealed(d, buffer: buffer) }
    }

    /// The checks of the sealed segments listed before recovery, started on other threads; nil
    /// with one processor (recovery's read-ahead has the other core's worth of work) or when
    /// the listing fails (recovery then reports why).
    private func startEarlyChecks() -> Checks.Pending? {
        guard Syscalls.usableProcessors > 1, let listed = try? LogRecovery.listSegments(storage, directory) else { return nil }
        let sealed = LogRecovery(storage: storage, directory: directory, access: .read).sealedSegments(before: "", of: listed)
        return sealed.isEmpty ? nil : checks(sealed).start()
    }

    /// Checks the sealed segments `sealed` (recovery's list) and adds their results to `report`
    /// in order, the first error thrown in that order. A segment `early` checked as it is now
    /// keeps that result; the others (sealed since, or changed) are checked here.
    private func verify(sealed: [SegmentDescriptor], into report: inout Report, early: Checks.Pending?) throws(LogError) {
        var done: [String: (SegmentDescriptor, Result<Checked, LogError>)] = [:]
        for (d, outcome) in early?.wait() ?? [] { done[d.path] = (d, outcome) }
        let rest = sealed.filter { done[$0.path]?.0 != $0 }
        var late = checks(rest).run().makeIterator()
        let outcomes = sealed.map { d in
            if let (checked, outcome) = done[d.path], checked == d { outcome } else { late.next()! }
        }
        // A segment gone since recovery listed it: compacted if it lies before every segment
        // listed now (compaction removes the oldest); a hole in the log otherwise.
        var firstListedNow: UInt64?
        if outcomes.contains(where: Self.isGone) {
            let listed = try io { () throws(IOFailure) in try LogRecovery.listSegments(storage, directory) }
            firstListedNow = listed.first?.0 ?? .max
        }
        for (i, (d, outcome)) in zip(sealed, outcomes).enumerated() {
            if Self.isGone(outcome), d.baseSequence < firstListedNow! { continue }
            try add(sealed: d, outcome, after: i > 0 ? sealed[i - 1] : nil, into: &report)
        }
    }

    private static func isGone(_ outcome: Result<Checked, LogError>) -> Bool {
        if case .failure(.io(let failure)) = outcome, failure.errno == .noSuchFileOrDirectory { true } else { false }
    }

    /// Adds sealed segment `d`'s result (`previous`: the sealed segment listed before it).
    private func add(sealed d: SegmentDescriptor, _ check: Result<Checked, LogError>, after previous: SegmentDescriptor?,
                     into report: inout Report) throws(LogError) {
        var result = SegmentResult(file: d.path, baseSequence: d.baseSequence, lastSequence: d.lastSequence,
                                   sealed: true, records: d.recordCount, problem: nil)
        let damage: CorruptionDiagnosis?, intact: Int
        switch check {
        case .success(let checked): (damage, intact) = checked
        case .failure where Self.isGone(check):
            // Gone from the middle of the log: missing where the segment before it ends.
            let missing = CorruptionReason.missingSegment(expectedSequence: d.baseSequence)
            damage = previous.map { .init(file: $0.path, offset: $0.segmentSize, reason: missing) }
                ?? .init(file: d.path, offset: 0, reason: missing)
            intact = 0
        case .failure(let error): throw error
        }
        if let diagnosis = damage {
            result.problem = .corruption(diagnosis)
            if report.corruption == nil { report.corruption = diagnosis }
            report.recordsVerified += intact
        } else {
            report.recordsVerified += d.recordCount
        }
        if !Self.isGone(check) { report.bytesVerified += d.segmentSize }
        report.segments.append(result)
    }

    /// Where a sealed segment's index differs from its intact frames (`offsets`), read from the
    /// file; nil when the index is whole (the damage lies between the data and the index).
    private func indexDamage(_ file: any StorageFile, _ offsets: [UInt32], _ d: SegmentDescriptor) throws(LogError) -> CorruptionDiagnosis? {
        var index = [UInt8](repeating: 0, count: offsets.count * SegmentLayout.indexEntrySize)
        var read = Result<Void, IOFailure>.success(())
        index.withUnsafeMutableBytes { b in read = Result { () throws(IOFailure) in try file.readFully(into: b, at: Int(d.trailer!.indexOffset)) } }
        try io { () throws(IOFailure) in try read.get() }
        return index.withUnsafeBytes { Self.indexProblem($0, offsets, d) }
    }

    /// What is wrong with a sealed segment's `index` bytes against its intact frames
    /// (`offsets`): the first entry that disagrees, located at it, else the index's checksum.
    private static func indexProblem(_ index: UnsafeRawBufferPointer, _ offsets: [UInt32], _ d: SegmentDescriptor) -> CorruptionDiagnosis? {
        let indexOffset = Int(d.trailer!.indexOffset)
        for (i, offset) in offsets.enumerated() where index.u32(at: i * SegmentLayout.indexEntrySize) != offset {
            return .init(file: d.path, offset: indexOffset + i * SegmentLayout.indexEntrySize,
                         reason: .badFooter("index entry of sequence \(d.baseSequence &+ UInt64(i)) disagrees with the frames"))
        }
        if CRC32C.checksum(index) == d.trailer!.indexChecksum { return nil }
        return .init(file: d.path, offset: indexOffset, reason: .badFooter("index checksum mismatch"))
    }

    /// The damage of sealed segment `d`, if any, read whole from the file.
    func verifySealed(_ d: SegmentDescriptor, buffer: SegmentReadBuffer) throws(LogError) -> CorruptionDiagnosis? {
        try checkSealed(d, buffer: buffer).damage
    }

    /// ``verifySealed(_:buffer:)``, and how many of the segment's records it proved intact
    /// (those committed before the damage).
    private func checkSealed(_ d: SegmentDescriptor, buffer: SegmentReadBuffer) throws(LogError) -> (damage: CorruptionDiagnosis?, intact: Int) {
        let file = try io { () throws(IOFailure) in try storage.openFileForReading(d.path) }
        defer { file.close() }
        let size = try io { () throws(IOFailure) in try file.size() }
        guard size == d.segmentSize else {
            return (.init(file: d.path, offset: size, reason: .badFooter("the file is \(size) bytes, the segment \(d.segmentSize)")), 0)
        }
        let (scan, footer) = try io { () throws(IOFailure) in try SegmentStream.scan(file, d, buffer: buffer) }
        return (try damage(of: d, scan, footer, file: file, size: size), min(scan.offsets.count, d.recordCount))
    }

    /// What the scan of sealed segment `d` (`file`, `size` bytes) found wrong against its footer.
    private func damage(of d: SegmentDescriptor, _ scan: SegmentScanner.Result, _ footer: SegmentStream.Window,
                        file: any StorageFile, size: Int) throws(LogError) -> CorruptionDiagnosis? {
        let trailer = d.trailer!
        let indexOffset = Int(trailer.indexOffset)
        func bad(_ offset: Int, _ reason: CorruptionReason) -> CorruptionDiagnosis { .init(file: d.path, offset: offset, reason: reason) }
        // Every record intact up to the trailer's data end and damage only past it: the damage
        // is in the footer, and is located there (an index entry, or the index's checksum).
        let recordsIntact = scan.committedEnd == Int(trailer.dataEnd) && scan.offsets.count == Int(trailer.recordCount)
        switch scan.verdict {
        case .corruption(let diagnosis) where recordsIntact && diagnosis.offset >= scan.committedEnd,
             .unsyncedAfterDamage(_, let diagnosis) where recordsIntact && diagnosis.offset >= scan.committedEnd:
            return try indexDamage(file, scan.offsets, d) ?? diagnosis
        case .tornTail(let torn) where recordsIntact && torn.offset >= scan.committedEnd:
            return try indexDamage(file, scan.offsets, d) ?? bad(torn.offset, torn.reason)
        case .corruption(let diagnosis): return diagnosis
        // Nothing is torn in a sealed segment: the damage is named where it lies.
        case .tornTail(let torn): return scan.damage ?? bad(torn.offset, torn.reason)
        case .unsyncedAfterDamage(_, let diagnosis): return diagnosis
        case .clean: return bad(indexOffset, .badFooter("index missing"))
        case .footerArtefact(let range) where range.lowerBound != indexOffset: return bad(indexOffset, .badFooter("index misplaced"))
        case .footerArtefact: break
        }
        if scan.offsets.count != Int(trailer.recordCount) {
            return bad(scan.committedEnd, .badFooter("\(scan.offsets.count) intact records, trailer says \(trailer.recordCount)"))
        }
        if scan.committedEnd != Int(trailer.dataEnd) { return bad(scan.committedEnd, .badFooter("data end differs from trailer")) }
        // The footer verdict places the index inside the last window read (`footer`).
        let start = indexOffset - footer.base
        let index = UnsafeRawBufferPointer(rebasing: footer.bytes[start..<(start + scan.offsets.count * SegmentLayout.indexEntrySize)])
        if let problem = Self.indexProblem(index, scan.offsets, d) { return problem }
        if scan.segmentDigest != trailer.segmentDigest { return bad(size - SegmentLayout.trailerSize, .badFooter("segment digest mismatch")) }
        return nil
    }
}
