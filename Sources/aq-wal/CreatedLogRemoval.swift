#if canImport(Glibc)
import Glibc
#endif
import AQLog
import Foundation

/// Whether `directory` holds a log (its `LOCK` or a segment): a run that finds none creates
/// the log, and removes it again when it gives up (``removeCreatedLog(_:onlyWithoutSegments:written:removingDirectory:keeping:)``).
func holdsLog(_ directory: String) -> Bool {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
    return names.contains { $0 == LogDirectoryLayout.lockFile || SegmentName.baseSequence(of: $0) != nil }
}

/// Removes the log a run created in `directory` and then gave up on (an import that failed or
/// imported nothing, a restore that adopted no segment): its `LOCK`, segments, backups,
/// prepared segment, checkpoint and `HIGHWATER`, then, with `removingDirectory` (the run made
/// the directory), the directory itself if nothing else is in it. `onlyWithoutSegments`:
/// leave everything when a segment is there (a restore keeps what it adopted); otherwise leave
/// everything unless the log's records end at or before `written`, the last sequence this run
/// wrote (0: none), so a log another process wrote to between this run's writer and this
/// removal stays, records and all. `kept`: names the directory held before the run, left alone.
///
/// Done while holding the log's lock, and not at all when another process holds it: an opener
/// that waited for the lock meanwhile finds its file gone once it gets it and opens the new
/// one (`PosixLock`), in a directory by then removed.
func removeCreatedLog(_ directory: String, onlyWithoutSegments: Bool = false, written: UInt64 = 0,
                      removingDirectory: Bool = true, keeping kept: Set<String> = []) {
    let lockPath = directory + "/" + LogDirectoryLayout.lockFile
    guard let lock = try? PosixStorage().lockExclusive(lockPath) else { return }
    defer { lock.release() }
    let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { !kept.contains($0) }
    let segments = names.filter { SegmentName.baseSequence(of: $0) != nil }
    if onlyWithoutSegments && !segments.isEmpty { return }
    // Records past this run's (or a log that cannot be read, whose records cannot be counted)
    // are another process's: it took the lock after this run's writer let it go.
    if !segments.isEmpty {
        guard let reader = try? LogReader.open(directory: directory), reader.lastSequence <= written else { return }
    }
    let ours = segments + names.filter { name in
        name.hasSuffix(LogRepair.backupSuffix) || [LogDirectoryLayout.preparedSegment, LogDirectoryLayout.checkpointFile].contains(name)
    }
    // `LOCK`'s record first: a crash in the middle leaves segments without a durable floor (a
    // log that opens), never a floor without its segments (a log every open refuses). The file
    // itself goes last, still held: an opener meanwhile waits on it rather than creating a new
    // one and recovering segments about to be removed.
    truncate(lockPath, 0)
    for name in ours { unlink(directory + "/" + name) }
    if !kept.contains(LogDirectoryLayout.highWaterFile) { unlink(directory + "/" + LogDirectoryLayout.highWaterFile) }
    unlink(lockPath)
    if removingDirectory { rmdir(directory) }
}
