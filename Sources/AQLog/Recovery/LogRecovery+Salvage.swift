extension LogRecovery {
    /// What can still be read of a log that recovery refused with `diagnosis`: the sealed
    /// segments before the damaged file (their footers trusted, as recovery trusts them), and,
    /// when the damage is in the open (last) segment, its records committed before the damage.
    /// Reads only; nothing is repaired. Used by ``LogReader/salvaging(directory:storage:access:)-(String,_,_)``.
    func salvage(_ diagnosis: CorruptionDiagnosis) -> Outcome {
        let segments = (try? Self.listSegments(storage, directory)) ?? []
        let sealed = sealedSegments(before: diagnosis.file, of: segments)
        var report = RecoveryReport()
        var open: OpenSegment?
        // The segment after the sealed ones is read as the open one when the damage is in it,
        // or in the file right after it (a stray file blamed in its place).
        if sealed.count < segments.count {
            let candidate = segments[sealed.count]
            let path = LogDirectoryLayout.join(directory, candidate.1)
            let next = sealed.count + 1 < segments.count ? LogDirectoryLayout.join(directory, segments[sealed.count + 1].1) : nil
            if path == diagnosis.file || next == diagnosis.file, let file = try? storage.openFileForReading(path) {
                open = salvageOpen(file: file, nameBase: candidate.0, after: sealed.last, report: &report)
                if open == nil { file.close() }
            }
        }
        report.segments = sealed.count + (open == nil ? 0 : 1)
        report.sealedSegments = sealed.count
        report.firstSequence = (sealed.first ?? open?.descriptor)?.baseSequence ?? 0
        report.lastSequence = open?.descriptor.lastSequence ?? sealed.last?.lastSequence ?? 0
        if report.lastSequence < report.firstSequence { report.firstSequence = 0; report.lastSequence = 0 }
        return Outcome(sealed: sealed, open: open, report: report)
    }

    /// The damaged open segment's records committed before the damage, when its header holds
    /// and it continues `previous`.
    private func salvageOpen(file: any StorageFile, nameBase: UInt64, after previous: SegmentDescriptor?,
                             report: inout RecoveryReport) -> OpenSegment? {
        guard let size = try? file.size(), size >= SegmentLayout.minimumSegmentSize, size <= SegmentLayout.maximumSegmentSize else { return nil }
        var headerBytes = [UInt8](repeating: 0, count: SegmentLayout.headerSize)
        let read = headerBytes.withUnsafeMutableBytes { b in Result { () throws(IOFailure) in try file.read(into: b, at: 0) } }
        guard (try? read.get()) == SegmentLayout.headerSize,
              case .success(let (header, headerCRC)) = headerBytes.withUnsafeBytes({ SegmentHeader.decode($0) }),
              header.baseSequence == nameBase, header.segmentSize == UInt64(size) else { return nil }
        if let previous, header.baseSequence != previous.lastSequence &+ 1 || header.logID != previous.header.logID { return nil }
        guard let region = try? file.region(access) else { return nil }
        let scan = SegmentScanner(bytes: region.bytes, file: file.path, header: header).scan()
        report.bytesScanned += scan.bytesScanned
        let descriptor = SegmentDescriptor(path: file.path, header: header, headerChecksum: headerCRC, trailer: nil,
                                           trailerChecksum: nil, lastSequence: header.baseSequence &- 1, dataEnd: SegmentLayout.dataStart)
        return OpenSegment(file: file, descriptor: descriptor, scan: scan)
    }
}
