import AQLog

/// A directory of snapshot files named `snapshot-<20-digit sequence>.aqsnap`.
///
/// Writes are atomic (temp file, fsync, rename, directory fsync) and validated first;
/// loads verify the frame, checksums and invariants. The newest snapshot is the one with
/// the highest sequence. All I/O goes through AQLog's `Storage`.
///
/// ```swift
/// let store = SnapshotStore(directory: "/var/lib/app/snapshots")   // created by the first write
/// let newest = try store.sequences().first.map { try store.load(sequence: $0) }
/// ```
public struct SnapshotStore: Sendable {
    /// The snapshot directory; the first ``write(_:)`` creates it (not its parents).
    public let directory: String
    let storage: any Storage

    /// Errors of the store.
    public enum Failure: Error, Sendable, Hashable {
        /// The directory does not exist (and, on a write, could not be created because its
        /// parent does not exist).
        case directoryMissing(String)
        /// A system call failed (reading, writing, listing or syncing).
        case io(IOFailure)
        /// The snapshot at `path` was refused: it could not be encoded (on write) or is not a
        /// valid snapshot file (on load).
        case format(path: String, SnapshotFileFormat.Failure)
        /// A snapshot fetched from an archive (``adopt(fetched:covering:)``) covers `sequence`,
        /// outside the range of the segment it travelled with.
        case notCovering(path: String, sequence: UInt64, expected: ClosedRange<UInt64>)
    }

    /// A store over `directory`; `storage` is AQLog's POSIX storage unless a test supplies
    /// another.
    public init(directory: String, storage: any Storage = PosixStorage()) {
        self.directory = directory
        self.storage = storage
    }

    /// Path of the snapshot for `sequence`.
    public func path(forSequence sequence: UInt64) -> String {
        let digits = String(sequence)
        return directory + "/snapshot-" + String(repeating: "0", count: max(0, 20 - digits.count)) + digits + ".aqsnap"
    }

    /// Validates, encodes and atomically writes `snapshot`; returns its path.
    ///
    /// An existing snapshot of the same sequence is replaced. A failed write leaves the
    /// previous files as they were. A missing directory is created (and its parent synced,
    /// so the directory survives a crash) when its parent exists.
    ///
    /// - Throws: ``Failure/format(path:_:)`` for an invalid snapshot,
    ///   ``Failure/directoryMissing(_:)``, or ``Failure/io(_:)``.
    @discardableResult
    public func write(_ snapshot: Snapshot) throws(Failure) -> String {
        let bytes: [UInt8]
        let target = path(forSequence: snapshot.walSequence)
        do { bytes = try SnapshotFileFormat.encode(snapshot) } catch { throw .format(path: target, error) }
        try createDirectoryIfMissing()
        do { try storage.writeAtomically(bytes, to: target, temporary: target + ".tmp", directory: directory) } catch {
            throw error.errno == .noSuchFileOrDirectory ? .directoryMissing(directory) : .io(error)
        }
        return target
    }

    private func createDirectoryIfMissing() throws(Failure) {
        guard !storage.isDirectory(directory) else { return }
        var path = Substring(directory)
        while path.count > 1, path.hasSuffix("/") { path = path.dropLast() }  // "a/b/" names "a/b"
        let parent = path.lastIndex(of: "/").map { $0 == path.startIndex ? "/" : String(path[..<$0]) } ?? "."
        guard storage.isDirectory(parent) else { throw .directoryMissing(directory) }
        do {
            try storage.createDirectory(directory)
            try storage.syncDirectory(parent)
        } catch { throw .io(error) }
    }

    /// Sequences of the snapshot files present, newest first (temp files ignored).
    ///
    /// - Throws: ``Failure/directoryMissing(_:)`` or ``Failure/io(_:)``.
    public func sequences() throws(Failure) -> [UInt64] {
        let names: [String]
        do { names = try storage.listDirectory(directory) } catch {
            throw error.errno == .noSuchFileOrDirectory ? .directoryMissing(directory) : .io(error)
        }
        return names.compactMap { name -> UInt64? in
            guard name.hasPrefix("snapshot-"), name.hasSuffix(".aqsnap") else { return nil }
            return UInt64(name.dropFirst(9).dropLast(7))
        }.sorted(by: >)
    }

    /// Loads and validates the snapshot for `sequence`; its sequence must match the name.
    ///
    /// - Throws: ``Failure/io(_:)`` when the file cannot be read (or is larger than a valid
    ///   snapshot), ``Failure/format(path:_:)`` when its bytes are refused.
    public func load(sequence: UInt64) throws(Failure) -> Snapshot {
        let file = path(forSequence: sequence)
        let bytes: [UInt8]
        do {
            bytes = try storage.readWholeFile(file, limit: SnapshotFileFormat.headerLength + Int(SnapshotFileFormat.maxPayloadLength))
        } catch { throw .io(error) }
        let snapshot: Snapshot
        do { snapshot = try SnapshotFileFormat.decode(bytes) } catch { throw .format(path: file, error) }
        return snapshot
    }

    /// Removes all but the newest `count` snapshots (at least one is kept), then syncs the
    /// directory.
    ///
    /// - Throws: ``Failure/directoryMissing(_:)`` or ``Failure/io(_:)`` from listing or
    ///   syncing; a file that cannot be removed is left in place.
    public func prune(keeping count: Int) throws(Failure) {
        let all = try sequences()
        for sequence in all.dropFirst(max(count, 1)) { try? storage.removeFile(path(forSequence: sequence)) }
        do { try storage.syncDirectory(directory) } catch { throw .io(error) }
    }
}
