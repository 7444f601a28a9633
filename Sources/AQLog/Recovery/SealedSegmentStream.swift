/// `verify`'s scan of a sealed segment, streamed through a window of a few MiB instead of a
/// copy of the whole segment: each window is checked right after its `pread` while its bytes
/// are in the CPU's cache, and the next one is read meanwhile (``SegmentReadBuffer``). The last window runs from the last commit point to the segment's
/// end: the footer when the records end where a full segment's do, more when they end early
/// (damage, or a last record that did not fit). The result is the one
/// ``SegmentScanner/scan()`` of the whole segment gives.
///
/// The frame loop (``SegmentScanner/advance(_:)``) runs over each window and stops at the first
/// frame that reaches past it; the next window starts at that frame's block (and holds all of
/// it, however large). Once the loop stops
/// inside a window (the records end, or damage), the rest of the segment from the last commit
/// point (for a sealed segment: its footer) is read as one last window, over which the scan
/// resumes and classifies what follows the records.
enum SealedSegmentStream {
    /// Bytes a window holds (more when one frame is larger): small enough to stay in cache.
    static let window = 4 << 20

    /// A window of the segment: its bytes and the segment offset of the first.
    struct Window {
        let bytes: UnsafeRawBufferPointer
        let base: Int
    }

    /// Scans `file` (the sealed segment `d`) through `buffer`; returns the scan and the last
    /// window, which holds everything from the last commit point to the segment's end.
    static func scan(_ file: any StorageFile, _ d: SegmentDescriptor, buffer: SegmentReadBuffer) throws(IOFailure) -> (SegmentScanner.Result, Window) {
        let size = d.segmentSize
        let largest = FrameHeader.frameSize(payloadLength: Int(d.header.maxRecordSize))
        var cursor = SegmentScanner.Cursor(after: .init(header: d.header))
        var (base, capacity) = (0, window)
        // The file is closed after this returns: no read of it may still be running.
        defer { buffer.finishReadAhead() }
        while true {
            let end = min(size, base + capacity)
            // The window after this one usually starts a little before `end`: read on from there.
            let bytes = try buffer.window(file, base..<end, readingAhead: end..<min(size, end + window))
            let scanner = SegmentScanner(window: bytes, at: base, segmentSize: size, file: d.path, header: d.header)
            scanner.advance(&cursor)
            if end == size, cursor.result.committedEnd >= base {
                return (scanner.scan(continuing: cursor), Window(bytes: bytes, base: base))
            }
            // What the loop needs past where it stopped to decide there: the frame starting
            // there (its header says how long it is) and padding up to the next block.
            let room = end - cursor.pos
            var frame = 0
            if room >= FrameHeader.size {
                frame = min(FrameHeader(bytes, at: cursor.pos - base).frameSize, largest)
            }
            let needed = frame + SegmentLayout.blockSize + FrameHeader.size
            guard end < size, room < needed else { break }
            // Cut by the window's end: the next window starts at that frame's block.
            base = alignDown(cursor.pos, SegmentLayout.blockSize)
            capacity = max(window, needed + SegmentLayout.blockSize)
        }
        // The records ended (or met damage) inside a window: the rest of the segment from the
        // last commit point, whatever its length, is the last window.
        let from = alignDown(cursor.result.committedEnd, SegmentLayout.blockSize)
        let bytes = try buffer.window(file, from..<size, readingAhead: nil)
        let scanner = SegmentScanner(window: bytes, at: from, segmentSize: size, file: d.path, header: d.header)
        return (scanner.scan(continuing: cursor), Window(bytes: bytes, base: from))
    }
}
