/// Records whose sequences are reserved but which wait for a roll (the active segment has no
/// room for them), in sequence order.
struct Overflow {
    struct Record {
        var payload: [UInt8]
        var checksum: UInt32
        var sequence: UInt64
        var ticket: UInt64
    }

    private(set) var records: [Record] = []
    private(set) var bytes = 0

    var isEmpty: Bool { records.isEmpty }
    var tickets: Set<UInt64> { Set(records.map(\.ticket)) }

    mutating func append(_ r: Record) {
        records.append(r)
        bytes += r.payload.count
    }

    mutating func removeFirst() -> Record {
        let r = records.removeFirst()
        bytes -= r.payload.count
        return r
    }

    mutating func removeAll() {
        records.removeAll()
        bytes = 0
    }
}

extension Committer {
    /// How an append's records were staged.
    enum Staging {
        case staged(Range<UInt64>, ticket: UInt64)
        /// Staged, and this producer writes the batch itself (``beginInlineCommit()``).
        case inline(Range<UInt64>, InFlightCommit)
        /// Back-pressure: too much is staged and unwritten.
        case full
        case failed(LogError)
    }

    /// An append after its first staging attempt: how that went and, when back-pressure left
    /// the records unstaged, the copy of their payloads (and their checksums) to retry with.
    struct AppendAttempt {
        var staging: Staging
        var retry: (payloads: [[UInt8]], checksums: [UInt32])?
    }

    /// Under the lock: stages, then either takes the write on this producer's thread
    /// (``beginInlineCommit()``) or wakes the committer.
    func stageOrCommitInline(_ payloads: UnsafeBufferPointer<UnsafeRawBufferPointer>, _ checksums: [UInt32]) -> Staging {
        let staging = stage(payloads, checksums)
        guard case .staged(let range, _) = staging, !range.isEmpty else { return staging }
        if let commit = beginInlineCommit() { return .inline(range, commit) }
        // Whoever holds the I/O looks for staged records when it lets go: an inline writer
        // signals (``releaseIO()``), the committer goes back to its loop, which looks first.
        if !ioBusy { lock.signal() }
        return staging
    }

    /// Under the lock: reserve sequences and copy the payloads into the filling batch (or
    /// copy them into the queue for the next segment).
    private func stage(_ payloads: UnsafeBufferPointer<UnsafeRawBufferPointer>, _ checksums: [UInt32]) -> Staging {
        if let failure { return .failed(failure) }
        if closing { return .failed(.closed) }
        for p in payloads where p.count > engine.maxRecordSize {
            return .failed(.recordTooLarge(size: p.count, limit: engine.maxRecordSize))
        }
        if pendingBytes >= policy.maxPendingBytes { return .full }
        let first = engine.marks.assigned &+ 1
        var stagedDirectly = false
        nextTicket &+= 1
        // Into the active segment while they fit; from the first that does not, in line for
        // the next segment.
        let staged = !rolling && overflow.isEmpty ? checksums.withUnsafeBufferPointer { crcs in engine.stage(payloads, from: 0) { crcs[$0] } } : 0
        stagedDirectly = staged > 0
        for i in staged..<payloads.count {
            overflow.append(.init(payload: Array(payloads[i]), checksum: checksums[i], sequence: engine.assignSequence(), ticket: nextTicket))
        }
        if stagedDirectly { appendsStaged += 1 }
        if firstStaged == nil { firstStaged = .now }
        return .staged(first..<(engine.marks.assigned &+ 1), ticket: nextTicket)
    }

    /// Under the lock: in `.deferred`, when nothing else is doing I/O or in flight, no other
    /// producer waits and nothing but a commit is due, begins the commit of everything staged
    /// for the calling producer to write itself.
    ///
    /// A `.deferred` append waits only for a page-cache write, microseconds, while handing it
    /// to the committer thread and back costs two thread wake-ups (tens of microseconds): one
    /// producer appending record by record would spend its time in hand-offs. So a lone producer
    /// (its append the only one staged, none waiting, and the last batch held one append too)
    /// writes its own batch. Concurrent producers leave the write to the committer: its batches
    /// gather many appends, and a producer blocked in I/O would hold a cooperative thread the
    /// others need. The write is the same one the committer makes, so the format, the
    /// write-back and the acknowledgement order are unchanged; rolls, flushes, markers and
    /// close stay with the committer.
    private func beginInlineCommit() -> InFlightCommit? {
        guard policy.inlineCommits, appendsStaged == 1, appendsInLastBatch <= 1, waiters.producers.isEmpty, !ioBusy, !rolling,
              !closing, failure == nil, overflow.isEmpty, !waiters.hasFlushers, engine.inFlight.isEmpty else { return nil }
        ioBusy = true
        return beginCommit()
    }

    /// Under the lock: closes the filling batch for a commit.
    func beginCommit() -> InFlightCommit {
        firstStaged = nil
        appendsInLastBatch = appendsStaged
        appendsStaged = 0
        return engine.beginCommit(synced: policy.syncsEachCommit)
    }

    /// Writes a batch begun by ``beginInlineCommit()`` (lock not held) and acknowledges it.
    func commitInline(_ commit: InFlightCommit) throws(LogError) {
        let completion = engine.submit(commit) ?? engine.awaitCompletion()!
        var r = Resumptions()
        lock.lock()
        complete(completion, into: &r)
        releaseIO()
        let error = failure
        lock.unlock()
        r.run()
        if let error { throw error }
    }

    /// Under the lock: ends a lock-released I/O and wakes the committer if anything waits for it.
    func releaseIO() {
        ioBusy = false
        if engine.stagedRecords > 0 || !overflow.isEmpty || waiters.hasFlushers || closing || failure != nil {
            lock.signal()
        }
    }
}
