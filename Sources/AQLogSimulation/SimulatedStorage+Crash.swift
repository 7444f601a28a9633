import AQLog

extension SimulatedStorage {
    // MARK: - The crash model and fault triggers (lock held)

    /// The machine (or the process) stops. Every write still in flight (and `interrupted`,
    /// the one completing when the crash fired) first leaves any subset of its 512-byte
    /// sectors in the page cache, chosen independently per sector (seeded), and completes
    /// with `EIO` when its owner awaits it; then each file decides per `mode` which unsynced
    /// changes reach the disk (``SimulatedInode/crash(_:random:)``). So after a power loss a
    /// write that never completed keeps any subset of its sectors (a second, independent
    /// choice under ``CrashMode/randomSubset``, none under ``CrashMode/dropUnsynced``, a
    /// prefix of that subset when ``CrashMode/tornTail`` tears it); after a process crash the
    /// subset stays in the page cache, unsynced, for a later power loss to decide.
    func crashLocked(_ mode: CrashMode, interrupting current: InFlightWrite? = nil) {
        tracer?("crash \(mode)")
        statistics.crashes[mode, default: 0] += 1
        if let current { tear(current) }
        for i in inFlight.indices where inFlight[i].generation == generation && !inFlight[i].interrupted {
            tear(inFlight[i])
            inFlight[i].interrupted = true
        }
        for id in inodes.keys.sorted() { statistics.sectorsLost += inodes[id]!.crash(mode, random: &random) }
        // A process crash keeps the page cache and the directory entries in it, unsynced (a
        // later power loss still reverts them); a power loss reverts to what was synced.
        if mode != .keepUnsynced { live = durable }
        let referenced = Set(durable.values).union(live.values)
        for id in inodes.keys where !referenced.contains(id) { inodes[id] = nil }
        held.removeAll()
        // `LOCK` is rewritten in place and never synced: a process crash leaves its record in
        // the page cache; after a power loss write-back may or may not have reached it.
        if mode != .keepUnsynced, Bool.random(using: &random) { published.removeAll() }
        generation += 1
        if halts { halted = true }
    }

    /// Leaves a random subset of a write in flight's sectors in its file's page cache.
    private func tear(_ write: InFlightWrite) {
        statistics.inFlightWritesAtCrash += 1
        guard let inode = inodes[write.inode] else { return }
        var kept = 0
        write.bytes.withUnsafeBytes { bytes in
            for span in SimulatedInode.sectorSpans(offset: write.offset, count: bytes.count) where random.chance(0.5) {
                inode.write(UnsafeRawBufferPointer(rebasing: bytes[(span.lowerBound - write.offset)..<(span.upperBound - write.offset)]),
                            at: span.lowerBound)
                kept += 1
            }
        }
        tracer?("   in flight @\(write.offset) +\(write.bytes.count) tag \(write.tag): \(kept) sectors reached the cache")
    }

    /// Counts the operation and returns the action of the first trigger that fires on it.
    func triggered(_ operation: StorageOperation, path: String) -> FaultAction? {
        statistics.operations += 1
        tracer?("#\(statistics.operations) \(operation) \(path)")
        for i in triggers.indices {
            let t = triggers[i]
            guard t.operation == nil || t.operation == operation, t.pathContains.map({ path.contains($0) }) ?? true else { continue }
            if t.skip > 0 { triggers[i].skip -= 1; continue }
            if !t.persistent { triggers.remove(at: i) }
            return t.action
        }
        return nil
    }

    /// For operations whose only faults are failures and crashes.
    func fault(_ operation: StorageOperation, path: String) throws(IOFailure) {
        switch triggered(operation, path: path) {
        case nil, .shortWrite?: return
        case .fail(let errno)?:
            statistics.otherFailures += 1
            throw IOFailure(operation.rawValue, path: path, errno: errno)
        case .crash(let mode)?:
            crashLocked(mode)
            throw IOFailure(operation.rawValue, path: path, errno: .ioError)
        }
    }
}
