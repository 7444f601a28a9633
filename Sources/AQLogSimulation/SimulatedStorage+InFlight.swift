import AQLog
import Foundation
import SystemPackage

/// A synced write kept in flight by a ``SimulatedStorage`` whose `writesInFlight` is above 1,
/// modelled on the io_uring backend's `O_DIRECT` + `RWF_DSYNC` writes:
///
/// - **Pending until awaited.** It is submitted, and completes only inside a later
///   ``StorageFile/awaitWriteCompletion(timeout:)`` of its file. Each call completes one of
///   the file's writes in flight, chosen by the storage's seeded random source (so not
///   necessarily the oldest: completions come in any order, deterministically per seed). With
///   a timeout, a call returns nil (nothing completed) one time in four, after sleeping at
///   most 200 µs, so a caller sees writes stay in flight while it does other work.
/// - **Visibility before completion is not guaranteed.** At submission the storage decides
///   (seeded, even odds) whether reads of the file already see the write's bytes; they do not
///   become part of the page cache's unsynced changes either way.
/// - **Durable when it completes.** A completion is the `write` operation, then the `sync`
///   operation, of ``StorageOperation`` (so triggers and ``FaultRates`` fire on them). Both
///   pass: the bytes are visible and durable at once, and nothing else becomes durable (no
///   other write in flight, no other unsynced change). The write part fails (`EIO`,
///   `ENOSPC`): a random sector-aligned prefix reaches the page cache, unsynced, and the
///   completion carries the error. The sync part fails: the bytes stay readable and are never
///   made durable (the file's unsynced pages are forgotten, as for a failed `fdatasync`).
///   A short write counts as complete (the backend resubmits the rest).
/// - **Torn by a crash.** A crash (any ``CrashMode``, also one fired by the completion itself)
///   leaves any subset of each pending write's sectors (``SimulatedStorage/crashLocked(_:interrupting:)``);
///   the writes then complete with `EIO` when awaited.
struct InFlightWrite {
    /// The submitting handle (``SimulatedFile``), its inode and its generation.
    let file: Int
    let inode: Int
    let generation: Int
    let tag: UInt64
    let path: String
    let offset: Int
    let bytes: [UInt8]
    /// Reads see the bytes before the write completes.
    let visible: Bool
    /// A crash stopped it: it completes with `EIO`.
    var interrupted = false
}

extension SimulatedStorage {
    static let inFlightOperation = "io_uring write (RWF_DSYNC)"

    /// Keeps a synced write in flight; returns its completion at once only when the handle's
    /// process is dead.
    func submit(file: Int, inode id: Int, generation: Int, path: String, _ bytes: UnsafeRawBufferPointer, at offset: Int,
                tag: UInt64) -> WriteCompletion? {
        locked {
            guard generation == self.generation, inodes[id] != nil else {
                return WriteCompletion(tag: tag, failure: IOFailure(Self.inFlightOperation, path: path, errno: .ioError, offset: offset))
            }
            let pending = inFlight.count { $0.file == file && $0.generation == generation } + 1
            precondition(pending <= writesInFlight, "more writes in flight than writesInFlightLimit")
            precondition(!inFlight.contains { $0.file == file && $0.generation == generation && $0.tag == tag }, "tag in flight twice")
            let visible = random.chance(0.5)
            inFlight.append(InFlightWrite(file: file, inode: id, generation: generation, tag: tag, path: path, offset: offset,
                                          bytes: [UInt8](bytes), visible: visible))
            statistics.writesKeptInFlight += 1
            statistics.mostWritesInFlight = max(statistics.mostWritesInFlight, pending)
            tracer?("submit \(path) @\(offset) +\(bytes.count) tag \(tag)\(visible ? " (visible)" : ""), \(pending) in flight")
            return nil
        }
    }

    /// Completes one of the handle's writes in flight (see ``InFlightWrite``), or returns nil
    /// when `timeout` is set and the storage decides none completes yet.
    func awaitCompletion(file: Int, generation: Int, timeout: Duration?) -> WriteCompletion? {
        let (completion, pause) = locked { () -> (WriteCompletion?, Duration?) in
            let mine = inFlight.indices.filter { inFlight[$0].file == file && inFlight[$0].generation == generation }
            precondition(!mine.isEmpty, "no write in flight")
            if let timeout, random.chance(0.25) { return (nil, min(max(timeout, .zero), .microseconds(200))) }
            let pick = mine[random.int(in: 0..<mine.count)]
            if pick != mine[0] { statistics.completionsOutOfOrder += 1 }
            return (complete(inFlight.remove(at: pick)), nil)
        }
        if let pause { Thread.sleep(forTimeInterval: Double(pause.components.attoseconds) * 1e-18 + Double(pause.components.seconds)) }
        return completion
    }

    /// Whether the handle has writes in flight (a blocking write or sync must not overtake them).
    func hasWritesInFlight(file: Int, generation: Int) -> Bool {
        locked { inFlight.contains { $0.file == file && $0.generation == generation } }
    }

    /// What reads of the inode see: its bytes with the visible writes in flight laid over.
    func visibleBytes(_ id: Int) -> [UInt8] {
        var bytes = inodes[id]!.current
        for w in inFlight where w.visible && !w.interrupted && w.inode == id && w.generation == generation {
            SimulatedInode.apply(.write(offset: w.offset, bytes: w.bytes), to: &bytes)
        }
        return bytes
    }

    /// Runs `body` on what a live handle's reads see, or fails with `EIO` when its process died.
    func withVisibleBytes<T>(_ id: Int, generation: Int, operation: String, path: String,
                             _ body: ([UInt8]) throws(IOFailure) -> T) throws(IOFailure) -> T {
        try lockedThrowing { () throws(IOFailure) in
            guard generation == self.generation, inodes[id] != nil else { throw IOFailure(operation, path: path, errno: .ioError) }
            return try body(visibleBytes(id))
        }
    }

    /// The completion of `w` (lock held; `w` is no longer in ``inFlight``).
    private func complete(_ w: InFlightWrite) -> WriteCompletion {
        func failed(_ errno: Errno) -> WriteCompletion {
            WriteCompletion(tag: w.tag, failure: IOFailure(Self.inFlightOperation, path: w.path, errno: errno, offset: w.offset))
        }
        guard !w.interrupted, w.generation == generation, let inode = inodes[w.inode] else { return failed(.ioError) }
        var action = triggered(.write, path: w.path)
        if action == nil {
            if random.chance(rates.writeIOError) { action = .fail(.ioError) }
            else if random.chance(rates.writeNoSpace) { action = .fail(.noSpace) }
        }
        tracer?("   complete @\(w.offset) +\(w.bytes.count) tag \(w.tag) write \(action.map { "\($0)" } ?? "ok")")
        switch action {
        case nil: break
        case .shortWrite?: statistics.shortWrites += 1  // the backend resubmits the rest
        case .fail(let errno)?:
            if errno == .noSpace { statistics.writeNoSpace += 1 } else if errno == .ioError { statistics.writeIOErrors += 1 } else { statistics.otherFailures += 1 }
            let spans = SimulatedInode.sectorSpans(offset: w.offset, count: w.bytes.count)
            if !spans.isEmpty {
                let n = spans[random.int(in: 0..<spans.count)].lowerBound - w.offset
                if n > 0 { w.bytes.withUnsafeBytes { inode.write(UnsafeRawBufferPointer(rebasing: $0[0..<n]), at: w.offset) } }
            }
            return failed(errno)
        case .crash(let mode)?:
            crashLocked(mode, interrupting: w)
            return failed(.ioError)
        }
        action = triggered(.sync, path: w.path)
        if action == nil, random.chance(rates.syncIOError) { action = .fail(.ioError) }
        switch action {
        case nil, .shortWrite?:
            inode.writeDurably(w.bytes, at: w.offset)
            return WriteCompletion(tag: w.tag, failure: nil)
        case .fail(let errno)?:
            if errno == .ioError { statistics.syncIOErrors += 1 } else { statistics.otherFailures += 1 }
            w.bytes.withUnsafeBytes { inode.write($0, at: w.offset) }
            inode.forgetPending()
            return failed(errno)
        case .crash(let mode)?:
            crashLocked(mode, interrupting: w)
            return failed(.ioError)
        }
    }
}
