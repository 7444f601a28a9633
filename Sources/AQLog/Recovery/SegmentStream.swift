/// A segment's frames read through windows of a few MiB (``SegmentReadBuffer``: `pread`, the
/// next window read ahead on a helper thread) instead of a copy or a mapping of the whole
/// file: each window is checked right after its read, while its bytes are in the CPU's cache,
/// and the device reads the next one meanwhile. `verify` reads sealed segments this way
/// (``scan(_:_:buffer:)``), and a writer's open the part of its open segment it must read from
/// the medium (``advance(_:_:_:from:through:window:buffer:)``): settling dropped those pages,
/// and faulted in through a mapping, the device's reads and the frame checks take turns on one
/// thread.
///
/// The frame loop (``SegmentScanner/advance(_:)``) runs over each window and stops at the first
/// frame that reaches past it; the next window starts at that frame's block (and holds all of
/// it, however large). Once the loop stops inside a window (the records end, or damage), what
/// follows is classified over bytes that run from the last commit point to the end.
enum SegmentStream {
    /// Bytes a window holds (more when one frame is larger): small enough to stay in cache.
    static let window = 4 << 20
    /// Bytes a window holds when nothing is read ahead: what a core's own cache keeps between
    /// the read's copy and the checks.
    static let cachedWindow = 1 << 20

    /// A window of the segment: its bytes and the segment offset of the first.
    struct Window {
        let bytes: UnsafeRawBufferPointer
        let base: Int
        var end: Int { base + bytes.count }
    }

    /// Moves `cursor` over the frames of `file` (segment `d`) that lie before `limit`, `window`
    /// bytes at a time (more for a larger frame) from `start` (at most the cursor's offset; by
    /// default its block), until the frame loop stops inside a window (the records
    /// end, damage) or reaches `limit`. Returns the last window read, valid until `buffer`'s
    /// next use. A read-ahead may still be running: ``SegmentReadBuffer/finishReadAhead()``
    /// before the file closes.
    static func advance(_ cursor: inout SegmentScanner.Cursor, _ file: any StorageFile, _ d: SegmentDescriptor,
                        from start: Int? = nil, through limit: Int, window: Int? = nil,
                        buffer: SegmentReadBuffer) throws(IOFailure) -> Window {
        let window = window ?? buffer.windowSize
        let largest = FrameHeader.frameSize(payloadLength: Int(d.header.maxRecordSize))
        var (base, capacity) = (start ?? alignDown(cursor.pos, SegmentLayout.blockSize), window)
        while true {
            let end = min(limit, base + capacity)
            // The window after this one usually starts a little before `end`: read on from there.
            let bytes = try buffer.window(file, base..<end, readingAhead: end..<min(limit, end + window))
            SegmentScanner(window: bytes, at: base, segmentSize: d.segmentSize, file: d.path, header: d.header)
                .advance(&cursor)
            // What the loop needs past where it stopped to decide there: the frame starting
            // there (its header says how long it is) and padding up to the next block.
            let room = end - cursor.pos
            var frame = 0
            if room >= FrameHeader.size {
                frame = min(FrameHeader(bytes, at: cursor.pos - base).frameSize, largest)
            }
            let needed = frame + SegmentLayout.blockSize + FrameHeader.size
            guard end < limit, room < needed else { return Window(bytes: bytes, base: base) }
            // Cut by the window's end: the next window starts at that frame's block.
            base = alignDown(cursor.pos, SegmentLayout.blockSize)
            capacity = max(window, needed + SegmentLayout.blockSize)
        }
    }

    /// `verify`'s scan of the sealed segment `d`: the result ``SegmentScanner/scan()`` of the
    /// whole segment gives, and the last window, which holds everything from the last commit
    /// point to the segment's end (the footer when the records end where a full segment's do,
    /// more when they end early: damage, or a last record that did not fit).
    static func scan(_ file: any StorageFile, _ d: SegmentDescriptor, buffer: SegmentReadBuffer) throws(IOFailure) -> (SegmentScanner.Result, Window) {
        try scan(file, d, through: d.segmentSize, fileSize: d.segmentSize, buffer: buffer)
    }

    /// The result ``SegmentScanner/scan()`` gives of the first `limit` bytes of `file` (a file
    /// of `fileSize` bytes holding segment `d`: a sealed segment whole, an open one up to its
    /// high-water mark), and the last window read, which holds everything from the last commit
    /// point to `limit`.
    static func scan(_ file: any StorageFile, _ d: SegmentDescriptor, through limit: Int, fileSize: Int,
                     buffer: SegmentReadBuffer) throws(IOFailure) -> (SegmentScanner.Result, Window) {
        var cursor = SegmentScanner.Cursor(after: .init(header: d.header))
        // The file is closed after this returns: no read of it may still be running.
        defer { buffer.finishReadAhead() }
        // From the file's start, header included: windows end at multiples of `window`.
        var last = try advance(&cursor, file, d, from: 0, through: limit, buffer: buffer)
        if last.end != limit || cursor.result.committedEnd < last.base {
            // The records ended (or met damage) inside a window: the rest from the last commit
            // point, whatever its length, is the last window.
            let from = alignDown(cursor.result.committedEnd, SegmentLayout.blockSize)
            last = Window(bytes: try buffer.window(file, from..<limit, readingAhead: nil), base: from)
        }
        let scanner = SegmentScanner(window: last.bytes, at: last.base, segmentSize: fileSize, file: d.path, header: d.header)
        return (scanner.scan(continuing: cursor), last)
    }
}
