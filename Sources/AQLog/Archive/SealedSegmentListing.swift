extension LogRecovery {
    /// The log's sealed segments, oldest first, known from their ends alone (header and trailer:
    /// two 64-byte reads each, with the identity and continuity checks recovery makes), and the
    /// first unsealed one (the open segment), where the listing stops; nothing is scanned.
    /// What an archiver needs: it never reads the open segment, which a live writer is filling.
    /// A segment that disappears while listed (compaction removed it) makes the listing start
    /// again.
    func sealedSegmentsByEnds() throws(LogError) -> (sealed: [SegmentDescriptor], open: SegmentDescriptor?) {
        var attempt = 1
        while true {
            do throws(LogError) { return try listByEnds() } catch {
                guard attempt < 5, case .io(let failure) = error, failure.errno == .noSuchFileOrDirectory else { throw error }
                attempt += 1
            }
        }
    }

    private func listByEnds() throws(LogError) -> (sealed: [SegmentDescriptor], open: SegmentDescriptor?) {
        let segments = try io { () throws(IOFailure) in try Self.listSegments(storage, directory) }
        var sealed: [SegmentDescriptor] = []
        var scratch = RecoveryReport()
        for (base, name) in segments {
            let path = LogDirectoryLayout.join(directory, name)
            let file: any StorageFile
            do { file = try storage.openFileForReading(path) } catch { throw .io(error) }
            defer { file.close() }
            let (d, unsealed) = try readEnds(file: file, path: path, nameBase: base, next: nil, report: &scratch)
            if let previous = sealed.last { try checkContinuity(previous, d, first: sealed[0]) }
            if unsealed { return (sealed, d) }
            sealed.append(d)
        }
        return (sealed, nil)
    }
}
