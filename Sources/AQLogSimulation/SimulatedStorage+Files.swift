import AQLog
import SystemPackage

extension SimulatedStorage {
    // MARK: - File operations (called by SimulatedFile)

    /// Runs `body` on a live handle's inode, or fails with `EIO` when the handle's process died.
    func withInode<T>(_ id: Int, generation: Int, operation: String, path: String,
                      _ body: (SimulatedInode) throws(IOFailure) -> T) throws(IOFailure) -> T {
        try lockedThrowing { () throws(IOFailure) in
            guard generation == self.generation, let inode = inodes[id] else {
                throw IOFailure(operation, path: path, errno: .ioError)
            }
            return try body(inode)
        }
    }

    /// One `pwrite` of at most `bytes.count` bytes; returns how many were stored.
    func pwrite(_ id: Int, generation: Int, path: String, _ bytes: UnsafeRawBufferPointer, at offset: Int) throws(IOFailure) -> Int {
        try lockedThrowing { () throws(IOFailure) -> Int in
            guard generation == self.generation, let inode = inodes[id] else { throw IOFailure("pwrite", path: path, errno: .ioError, offset: offset) }
            var action = triggered(.write, path: path)
            if action == nil {
                if random.chance(rates.writeIOError) { action = .fail(.ioError) }
                else if random.chance(rates.writeNoSpace) { action = .fail(.noSpace) }
                else if random.chance(rates.shortWrite) { action = .shortWrite }
            }
            tracer?("   @\(offset) +\(bytes.count) \(action.map { "\($0)" } ?? "ok")")
            guard let action else {
                inode.write(bytes, at: offset)
                return bytes.count
            }
            // Faulted writes store a random sector-aligned prefix first (possibly nothing).
            let spans = SimulatedInode.sectorSpans(offset: offset, count: bytes.count)
            switch action {
            case .shortWrite:
                guard spans.count > 1 else { inode.write(bytes, at: offset); return bytes.count }
                statistics.shortWrites += 1
                let n = spans[random.int(in: 0..<(spans.count - 1))].upperBound - offset
                inode.write(UnsafeRawBufferPointer(rebasing: bytes[0..<n]), at: offset)
                return n
            case .fail(let errno):
                if errno == .noSpace { statistics.writeNoSpace += 1 } else if errno == .ioError { statistics.writeIOErrors += 1 } else { statistics.otherFailures += 1 }
                let n = spans[random.int(in: 0..<spans.count)].lowerBound - offset
                if n > 0 { inode.write(UnsafeRawBufferPointer(rebasing: bytes[0..<n]), at: offset) }
                throw IOFailure("pwrite", path: path, errno: errno, offset: offset + n)
            case .crash(let mode):
                let n = spans[random.int(in: 0..<spans.count)].upperBound - offset
                inode.write(UnsafeRawBufferPointer(rebasing: bytes[0..<n]), at: offset)
                crashLocked(mode)
                throw IOFailure("pwrite", path: path, errno: .ioError, offset: offset + n)
            }
        }
    }

    func dropCleanPages(_ id: Int, generation: Int, from offset: Int = 0) {
        locked {
            guard generation == self.generation else { return }
            inodes[id]?.dropCleanPages(from: offset)
        }
    }

    /// `fdatasync`: pending changes become durable, or (on an injected failure) are forgotten.
    func sync(_ id: Int, generation: Int, path: String) throws(IOFailure) {
        try lockedThrowing { () throws(IOFailure) in
            guard generation == self.generation, let inode = inodes[id] else { throw IOFailure("fdatasync", path: path, errno: .ioError) }
            var action = triggered(.sync, path: path)
            if action == nil, random.chance(rates.syncIOError) { action = .fail(.ioError) }
            switch action {
            case nil: inode.sync()
            case .shortWrite?: inode.sync()
            case .fail(let errno)?:
                if errno == .ioError { statistics.syncIOErrors += 1 } else { statistics.otherFailures += 1 }
                inode.forgetPending()
                throw IOFailure("fdatasync", path: path, errno: errno)
            case .crash(let mode)?:
                crashLocked(mode)
                throw IOFailure("fdatasync", path: path, errno: .ioError)
            }
        }
    }

    /// Zero-fills to `size` and syncs, or fails (`ENOSPC`) leaving the file as it was.
    func preallocate(_ id: Int, generation: Int, path: String, size: Int, synced: Bool) throws(IOFailure) {
        try lockedThrowing { () throws(IOFailure) in
            guard generation == self.generation, let inode = inodes[id] else { throw IOFailure("fallocate", path: path, errno: .ioError) }
            var action = triggered(.preallocate, path: path)
            if action == nil, random.chance(rates.preallocateNoSpace) { action = .fail(.noSpace) }
            switch action {
            case nil, .shortWrite?:
                if size > inode.current.count { inode.resize(to: size) }
                if synced { inode.sync() }
            case .fail(let errno)?:
                if errno == .noSpace { statistics.preallocateNoSpace += 1 } else { statistics.otherFailures += 1 }
                throw IOFailure("fallocate", path: path, errno: errno)
            case .crash(let mode)?:
                crashLocked(mode)
                throw IOFailure("fallocate", path: path, errno: .ioError)
            }
        }
    }

    /// `ftruncate` (unsynced until the next sync).
    func truncate(_ id: Int, generation: Int, path: String, size: Int) throws(IOFailure) {
        try lockedThrowing { () throws(IOFailure) in
            guard generation == self.generation, let inode = inodes[id] else { throw IOFailure("ftruncate", path: path, errno: .ioError) }
            try fault(.truncate, path: path)
            inode.resize(to: size)
        }
    }

}
