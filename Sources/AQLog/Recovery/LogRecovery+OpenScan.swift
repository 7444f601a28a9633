/// Recovery's scan of the open segment: over its mapping, from its durable prefix when that is
/// trusted, or through `pread` windows for readers that copy.
extension LogRecovery {
    /// The open segment's scan for readers that copy (``SegmentAccess/read``: `verify`, and
    /// readers that take I/O errors over `SIGBUS`): every byte up to its high-water mark read
    /// through `pread` windows (``SegmentStream``), as `verify` reads sealed segments, instead of
    /// one copy of the whole file, which would fault in a segment's worth of fresh memory on
    /// every pass. Returns the result and the checksum field of the last intact commit frame
    /// (0: none).
    func scanOpenInWindows(file: any StorageFile, descriptor: SegmentDescriptor) throws(LogError) -> (SegmentScanner.Result, UInt32) {
        try io { () throws(IOFailure) -> (SegmentScanner.Result, UInt32) in
            let size = try file.size()
            let mark = scansPastMark ? size : highWater?.mark(for: descriptor).map { min($0, size) } ?? size
            // The last window's bytes live in the buffer: it must outlive their last read below.
            let buffer = readBuffer ?? SegmentReadBuffer()
            var (result, last) = try SegmentStream.scan(file, descriptor, through: mark, fileSize: size, buffer: buffer)
            result.bytesScanned = mark - SegmentLayout.dataStart
            let commitAt = result.committedEnd - BatchBuffer.commitCost
            guard commitAt >= SegmentLayout.dataStart else { return (result, 0) }
            if commitAt >= last.base { return (result, withExtendedLifetime(buffer) { last.bytes.u32(at: commitAt - last.base) }) }
            // The commit frame straddles the last window's first block: read its checksum field.
            let word = UnsafeMutableRawBufferPointer.allocate(byteCount: 4, alignment: 4)
            defer { word.deallocate() }
            try file.readFully(into: word, at: commitAt)
            return (result, UnsafeRawBufferPointer(word).u32(at: 0))
        }
    }

    /// The open segment's scan over its mapping (a writer's open, a repair, mapped readers),
    /// from its durable prefix when trusted, up to its high-water mark; and the checksum field
    /// of its last intact commit frame (0: none).
    func scanOpenMapped(file: any StorageFile, descriptor: SegmentDescriptor, trusted: inout VouchedPrefix?,
                        report: inout RecoveryReport) throws(LogError) -> (SegmentScanner.Result, UInt32) {
        var region: MappedRegion
        do { region = try file.region(access) } catch { throw .io(error) }
        let mark = scansPastMark ? region.bytes.count : highWater?.mark(for: descriptor).map { min($0, region.bytes.count) } ?? region.bytes.count
        var cursor = SegmentScanner.Cursor(after: .init(header: descriptor.header))
        if let (prefixCursor, prefix) = durablePrefix(of: descriptor, mark: mark, in: region.bytes) {
            trusted = prefix
            cursor = prefixCursor
            report.bytesTrusted += cursor.pos - SegmentLayout.dataStart
        }
        let scanFrom = cursor.pos
        if scanFrom < pagesDroppedFrom {
            // Unmapped first: the kernel keeps pages a mapping holds (the prefix check faulted
            // some in), and a mapping made before the drop may show the others.
            region = MappedRegion(bytes: UnsafeRawBufferPointer(start: nil, count: 0)) { _ in }
            file.dropCleanPages()
            do { region = try file.region(access) } catch { throw .io(error) }
        }
        if let window = streamWindow, mark - scanFrom >= 2 * window {
            // Settling dropped these pages: read them from the medium a window ahead of the checks.
            let buffer = SegmentReadBuffer()
            defer { buffer.finishReadAhead() }
            do { _ = try SegmentStream.advance(&cursor, file, descriptor, through: mark, window: window, buffer: buffer) }
            catch { throw .io(error) }
        }
        // The frames left (all of them when nothing was streamed) and what follows the last
        // commit point, over the mapping; the scanner reads nothing below that point.
        if case .mapped = access {
            _ = region.populate(alignDown(cursor.pos, SegmentLayout.blockSize)..<mark, uncached: streamWindow != nil)
        }
        var result = SegmentScanner(window: UnsafeRawBufferPointer(rebasing: region.bytes[0..<mark]), at: 0,
                                    segmentSize: region.bytes.count, file: descriptor.path, header: descriptor.header)
            .scan(continuing: cursor)
        result.bytesScanned = mark - scanFrom
        let commitAt = result.committedEnd - BatchBuffer.commitCost
        return (result, commitAt >= SegmentLayout.dataStart ? region.bytes.u32(at: commitAt) : 0)
    }

    /// Where the scan of the open segment may start, and the scanner's state there: the durable
    /// prefix `HIGHWATER` records for `descriptor` (``VouchedPrefix``), when it is trusted
    /// here, names this segment, ends below `mark`, its index reads whole, and the commit frame
    /// it ends with is still in `bytes`. Nil means a scan from the data start.
    private func durablePrefix(of descriptor: SegmentDescriptor, mark: Int,
                               in bytes: UnsafeRawBufferPointer) -> (SegmentScanner.Cursor, VouchedPrefix)? {
        guard trustsDurablePrefix, let prefix = highWater?.prefix?.matching(descriptor, mark: mark),
              let file = try? storage.openFileForReading(LogDirectoryLayout.join(directory, LogDirectoryLayout.highWaterFile))
        else { return nil }
        defer { file.close() }
        guard let offsets = prefix.readIndex(from: file) else { return nil }
        var result = SegmentScanner.Result(header: descriptor.header)
        result.offsets = offsets
        result.committedEnd = prefix.end
        result.segmentDigest = prefix.segmentDigest
        result.durableThrough = prefix.durableThrough
        let start = prefix.end - BatchBuffer.commitCost
        guard start >= SegmentLayout.dataStart, bytes.u32(at: start) == prefix.lastCommitChecksum,
              SegmentScanner(window: UnsafeRawBufferPointer(rebasing: bytes[start..<prefix.end]), at: start, segmentSize: bytes.count,
                             file: descriptor.path, header: descriptor.header).stillHolds(result) else { return nil }
        return (SegmentScanner.Cursor(after: result), prefix)
    }

    /// Whether the records `result` reached come up to `mark`: its last commit ends in the
    /// mark's last block, or they stop at a frame beginning in that block or claiming to run
    /// past the mark (a large record the mark cut). False when the mark leaves no block of the
    /// segment after it.
    func recordsReach(mark: Int, result: SegmentScanner.Result, file: any StorageFile) -> Bool {
        guard let size = try? file.size(), mark + SegmentLayout.blockSize <= size - SegmentLayout.trailerSize else { return false }
        let lastBlock = mark - SegmentLayout.blockSize
        if result.committedEnd > lastBlock { return true }
        guard let stop = result.damage?.offset, stop >= result.committedEnd else { return false }
        if stop > lastBlock { return true }
        let header = UnsafeMutableRawBufferPointer.allocate(byteCount: FrameHeader.size, alignment: 8)
        defer { header.deallocate() }
        guard (try? file.readFully(into: header, at: stop)) != nil else { return false }
        let h = FrameHeader(UnsafeRawBufferPointer(header), at: 0)
        return h.length <= result.header.maxRecordSize && stop + h.frameSize > mark
    }
}
