/// The copy of a torn tail's bytes kept before they are zeroed: `DIR/<segment>.torn-<offset>.bak`,
/// written, synced, and its directory entry synced before the zeroing starts, so the bytes
/// survive whatever happens next. Every repair takes one (a writer's open and `LogRepair`
/// alike). The name never matches a segment name, so recovery ignores it; compaction removes
/// the backups of the segments it removes.
enum TornTailBackup {
    /// Suffix of backup files.
    static let suffix = ".bak"

    /// The backup's file name for a torn tail at `offset` of `segmentName`.
    static func name(segment segmentName: String, offset: Int) -> String { segmentName + ".torn-\(offset)" + suffix }

    /// Whether `name` is a backup of the segment named `segmentName`.
    static func isBackup(_ name: String, of segmentName: String) -> Bool {
        name.hasPrefix(segmentName + ".torn-") && name.hasSuffix(suffix)
    }

    /// Copies `range` of `file` (the segment at `path`) to its backup; returns the backup's path.
    /// An earlier backup of the same offset (a later crash tore the same place again) is kept:
    /// the new one takes the next free name, `….torn-<offset>-2.bak` and so on.
    static func write(_ range: Range<Int>, of file: any StorageFile, path: String, directory: String,
                      storage: any Storage) throws(LogError) -> String {
        let segmentName = LogDirectoryLayout.name(of: path)
        let existing = Set(try io { () throws(IOFailure) in try storage.listDirectory(directory) })
        var candidate = name(segment: segmentName, offset: range.lowerBound)
        var n = 2
        while existing.contains(candidate) {
            candidate = segmentName + ".torn-\(range.lowerBound)-\(n)" + suffix
            n += 1
        }
        let backupPath = LogDirectoryLayout.join(directory, candidate)
        var bytes = [UInt8](repeating: 0, count: range.count)
        try io { () throws(IOFailure) in
            var read = Result<Int, IOFailure>.success(0)
            bytes.withUnsafeMutableBytes { b in read = Result { () throws(IOFailure) in try file.read(into: b, at: range.lowerBound) } }
            let n = try read.get()
            let out = try storage.openFile(backupPath, create: true)
            defer { out.close() }
            var written = Result<Void, IOFailure>.success(())
            bytes.withUnsafeBytes { b in
                written = Result { () throws(IOFailure) in try out.writeWhole(UnsafeRawBufferPointer(rebasing: b[0..<n])) }
            }
            try written.get()
            try storage.syncDirectory(directory)
        }
        return backupPath
    }
}
