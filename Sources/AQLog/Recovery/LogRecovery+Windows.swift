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
            let mark = highWater?.mark(for: descriptor).map { min($0, size) } ?? size
            var (result, last) = try SegmentStream.scan(file, descriptor, through: mark, fileSize: size,
                                                        buffer: readBuffer ?? SegmentReadBuffer())
            result.bytesScanned = mark - SegmentLayout.dataStart
            let commitAt = result.committedEnd - BatchBuffer.commitCost
            guard commitAt >= SegmentLayout.dataStart else { return (result, 0) }
            if commitAt >= last.base { return (result, last.bytes.u32(at: commitAt - last.base)) }
            // The commit frame straddles the last window's first block: read its checksum field.
            let word = UnsafeMutableRawBufferPointer.allocate(byteCount: 4, alignment: 4)
            defer { word.deallocate() }
            try file.readFully(into: word, at: commitAt)
            return (result, UnsafeRawBufferPointer(word).u32(at: 0))
        }
    }
}
