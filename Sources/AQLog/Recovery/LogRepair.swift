import Logging

/// Removes a torn tail (never-acknowledged bytes after the last commit point), keeping a
/// copy of the damaged bytes first; refuses corruption.
///
/// Steps, all under the writer's `LOCK` (a running writer makes this fail with
/// ``LogError/logLocked(path:)``, and no writer can start until it is done): run a read-only
/// recovery (corruption is thrown, nothing changed); copy the torn region to
/// `DIR/<segment>.torn-<offset>.bak` (synced, directory synced); run the writer's own
/// recovery with ``RecoveryPolicy/truncateTornTail``, which zeroes that region and syncs.
/// A healthy log is left untouched. The backup name never matches a segment name, so
/// recovery ignores it.
///
/// With `policy: .discardUnsynced` it also removes committed batches that follow damage no
/// commit frame vouches durable (a `.deferred` log after a power loss); the backup then holds
/// them too. Damage below a durable point is still refused.
///
/// ```swift
/// let report = try LogRepair.repair(directory: "/var/lib/app/wal")
/// if let backup = report.backupPath { print("torn tail saved to \(backup)") }
/// ```
public enum LogRepair {
    /// Suffix of backup files: `<segment>.torn-<offset>.bak`.
    public static let backupSuffix = ".bak"

    /// Repairs the log in `directory` (see the type's documentation). `policy` is
    /// ``RecoveryPolicy/truncateTornTail`` (default) or ``RecoveryPolicy/discardUnsynced``.
    public static func repair(directory: String, policy: RecoveryPolicy = .truncateTornTail,
                              storage: any Storage = PosixStorage()) throws(LogError) -> RepairReport {
        precondition(policy != .strict, "strict repairs nothing")
        try storage.requireDirectory(directory)
        let logger = Logger(label: "aqlog")
        var report = RepairReport()
        do {
            // Readers read nothing from the open segment while the repair may remove records;
            // the repair decides from what is durable, as a writer's open does.
            let opening = try LogOpening.begin(storage: storage, directory: directory)
            defer { opening.lock.release() }
            let outcome = try opening.recover(storage: storage, directory: directory, policy: policy, repair: false)
            defer { outcome.open?.file.close() }
            guard let torn = outcome.report.tornTail, let open = outcome.open else { return report }
            report.tornTail = torn
            report.backupPath = try backup(torn, from: open.file, directory: directory, storage: storage)
            // Still locked: nothing wrote since the first pass, so this finds the same tail.
            let repaired = try opening.recover(storage: storage, directory: directory, policy: policy, repair: true)
            repaired.open?.file.close()
            report.bytesRepaired = repaired.report.bytesRepaired
        }
        let metrics = RepairMetrics(directory: directory)
        metrics.repairs.increment()
        metrics.repairedBytes.increment(by: report.bytesRepaired)
        logger.notice("repaired torn tail", metadata: [
            "file": "\(report.tornTail?.file ?? "")", "offset": "\(report.tornTail?.offset ?? 0)",
            "bytes": "\(report.bytesRepaired)", "backup": "\(report.backupPath ?? "")"])
        return report
    }

    /// Copies the torn region to its backup file; returns the backup's path.
    private static func backup(_ torn: TornTail, from file: any StorageFile, directory: String, storage: any Storage) throws(LogError) -> String {
        let name = String(torn.file.split(separator: "/").last ?? "segment") + ".torn-\(torn.offset)" + backupSuffix
        let path = LogDirectoryLayout.join(directory, name)
        var bytes = [UInt8](repeating: 0, count: torn.length)
        try io { () throws(IOFailure) in
            var read = Result<Int, IOFailure>.success(0)
            bytes.withUnsafeMutableBytes { b in read = Result { () throws(IOFailure) in try file.read(into: b, at: torn.offset) } }
            let n = try read.get()
            let out = try storage.openFile(path, create: true)
            defer { out.close() }
            try out.truncate(to: 0)
            var written = Result<Void, IOFailure>.success(())
            bytes.withUnsafeBytes { b in
                written = Result { () throws(IOFailure) in try out.write(UnsafeRawBufferPointer(rebasing: b[0..<n]), at: 0, newBytesFrom: 0, sync: true) }
            }
            try written.get()
            try storage.syncDirectory(directory)
        }
        return path
    }
}

/// What ``LogRepair/repair(directory:storage:)`` did.
public struct RepairReport: Sendable, Equatable {
    /// The torn tail found (nil: nothing to do).
    public var tornTail: TornTail?
    /// Where the damaged bytes were copied before zeroing.
    public var backupPath: String?
    /// Bytes zeroed.
    public var bytesRepaired = 0

    /// True when a torn tail was found and removed.
    public var repaired: Bool { tornTail != nil }
}
