/// Whole-file operations composed from the ``Storage`` primitives, shared by the checkpoint
/// and the ActionQueue snapshot store.
extension Storage {
    /// Replaces `path` with `bytes` atomically and durably: write `temporary`, `fdatasync`,
    /// rename over `path`, sync `directory`. On failure the temporary file is removed and
    /// `path` keeps its previous content. Without `syncingDirectory` the replacement is atomic
    /// but not yet durable: a crash may leave the previous content (never a mix), for a record
    /// whose loss only repeats work.
    public func writeAtomically(_ bytes: [UInt8], to path: String, temporary: String, directory: String,
                                syncingDirectory: Bool = true) throws(IOFailure) {
        let file = try openFile(temporary, create: true)
        do throws(IOFailure) {
            var written = Result<Void, IOFailure>.success(())
            bytes.withUnsafeBytes { b in written = Result { () throws(IOFailure) in try file.writeWhole(b) } }
            file.close()
            try written.get()
            try rename(temporary, to: path)
        } catch {
            try? removeFile(temporary)
            throw error
        }
        if syncingDirectory { try syncDirectory(directory) }
    }

    /// The whole content of `path`; fails with `EFBIG` when it exceeds `limit` bytes.
    public func readWholeFile(_ path: String, limit: Int) throws(IOFailure) -> [UInt8] {
        let file = try openFileForReading(path)
        defer { file.close() }
        let size = try file.size()
        guard size <= limit else { throw IOFailure("read", path: path, errno: .fileTooLarge) }
        var bytes = [UInt8](repeating: 0, count: size)
        var read = Result<Int, IOFailure>.success(0)
        bytes.withUnsafeMutableBytes { b in read = Result { () throws(IOFailure) in try file.read(into: b, at: 0) } }
        bytes.removeSubrange(try read.get()...)
        return bytes
    }
}

extension StorageFile {
    /// Makes the file hold exactly `bytes`, durably: written from block-aligned memory at 0
    /// (a file writing `O_DIRECT` writes whole blocks), cut to size, synced.
    func writeWhole(_ bytes: UnsafeRawBufferPointer) throws(IOFailure) {
        let buffer = AlignedBuffer(capacity: max(alignUp(bytes.count, SegmentLayout.blockSize), SegmentLayout.blockSize))
        if bytes.count > 0 { buffer.mutableBytes.baseAddress!.copyMemory(from: bytes.baseAddress!, byteCount: bytes.count) }
        try truncate(to: 0)
        try write(buffer.bytes(0..<bytes.count), at: 0, newBytesFrom: 0, sync: true)
        try truncate(to: bytes.count)
        try syncData()
    }
}
