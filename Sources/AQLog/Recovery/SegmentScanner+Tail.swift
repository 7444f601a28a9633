/// What follows a segment's last commit point: zeros, the segment's own footer (an
/// interrupted seal), or damage, and then what the damage means by what lies after it
/// (``TailDecision``, a table).
extension SegmentScanner {
    /// Looks past the last commit point for bytes, committed data, or our own footer.
    func classifyTail(_ result: inout Result, stoppedAt stop: Int, reason: CorruptionReason?, uncommitted: Int) {
        let start = result.committedEnd
        result.bytesScanned = end - SegmentLayout.dataStart
        guard let (firstNonzero, endNonzero) = nonzeroSpan(from: start) else {
            assert(TailDecision.outcome(for: .zeros) == .clean)
            return
        }
        let lastCommitted = result.header.baseSequence &+ UInt64(result.offsets.count) &- 1
        let indexStart = SegmentLayout.indexOffset(segmentSize: segmentSize, recordCount: result.offsets.count)
        if firstNonzero >= indexStart, isOwnFooter(result.offsets, indexStart: indexStart) {
            assert(TailDecision.outcome(for: .ownFooter) == .footerArtefact)
            result.verdict = .footerArtefact(range: indexStart..<segmentSize)
            return
        }
        // Where the readable records stop: a zero header there (no reason) with bytes after it
        // is a hole (a block zeroed at rest), located at its start, not at what follows it.
        let damageAt = reason == nil ? min(stop, firstNonzero) : stop
        let damageReason = reason ?? .damagedCommittedData
        var torn = TornTail(file: file, offset: start, length: endNonzero - start, reason: damageReason,
                            uncommittedRecords: uncommitted)
        let diagnosis = CorruptionDiagnosis(file: file, offset: damageAt, reason: damageReason)
        result.damage = diagnosis
        let shape: TailDecision.Shape
        switch committedDataFollows(from: start, to: endNonzero, lastCommitted: lastCommitted) {
        case .nothing: shape = .damageAlone
        case .durableClaim: shape = .damageThenDurableClaim
        case .unsyncedBatches(let records, let batches):
            torn.unsyncedCommittedRecords = records
            shape = TailDecision.damage(followedBy: batches, commitDepth: header.commitDepth)
        }
        switch TailDecision.outcome(for: shape) {
        case .clean: result.verdict = .clean
        case .footerArtefact: result.verdict = .footerArtefact(range: indexStart..<segmentSize)
        case .tornTail: result.verdict = .tornTail(torn)
        case .unsyncedAfterDamage: result.verdict = .unsyncedAfterDamage(torn, diagnosis)
        case .corruption: result.verdict = .corruption(diagnosis)
        }
    }

    /// What lies after the damage (see ``committedDataFollows(from:to:lastCommitted:)``).
    enum Following: Equatable {
        case nothing
        /// `batches` complete committed batches holding `records` records, none claiming the
        /// damage durable.
        case unsyncedBatches(records: Int, batches: Int)
        /// A commit frame whose durable-through covers the damaged records.
        case durableClaim
    }

    /// First nonzero byte at or after `start` and the end of the last nonzero 8-byte word,
    /// within the bytes at hand.
    private func nonzeroSpan(from start: Int) -> (Int, Int)? {
        var first = -1
        var p = max(start, base) - base
        // The usual case is tens of MiB of zeros after the last commit: OR eight words per
        // 64-byte block and branch once per block, so the loads overlap instead of waiting on a
        // branch per word (the open-tail scan is bound by this loop).
        if let start = bytes.baseAddress {
            while p + 64 <= bytes.count {
                let q = start + p
                var w = q.loadUnaligned(as: UInt64.self)
                w |= q.loadUnaligned(fromByteOffset: 8, as: UInt64.self)
                w |= q.loadUnaligned(fromByteOffset: 16, as: UInt64.self)
                w |= q.loadUnaligned(fromByteOffset: 24, as: UInt64.self)
                w |= q.loadUnaligned(fromByteOffset: 32, as: UInt64.self)
                w |= q.loadUnaligned(fromByteOffset: 40, as: UInt64.self)
                w |= q.loadUnaligned(fromByteOffset: 48, as: UInt64.self)
                w |= q.loadUnaligned(fromByteOffset: 56, as: UInt64.self)
                if w != 0 { break }
                p &+= 64
            }
        }
        while p < bytes.count { if bytes[p] != 0 { first = p; break }; p += 1 }
        guard first >= 0 else { return nil }
        var last = bytes.count
        while last - 64 >= first, bytes.isZero((last - 64)..<last) { last -= 64 }
        return (base + first, base + last)
    }

    /// True when the bytes after the index start are exactly (a prefix of) the index this
    /// segment's committed records would get, plus any trailer bytes.
    private func isOwnFooter(_ offsets: [UInt32], indexStart: Int) -> Bool {
        guard indexStart >= base, segmentSize == end else { return false }
        // Byte-wise: each index byte is either what the seal would write or still zero (torn).
        for (i, off) in offsets.enumerated() {
            let at = indexStart + i * SegmentLayout.indexEntrySize
            if bytes.u32(at: at - base) == off { continue }  // whole: the usual case, one load
            for k in 0..<SegmentLayout.indexEntrySize {
                let b = bytes[at - base + k]
                if b != 0 && b != UInt8(truncatingIfNeeded: off >> (8 * UInt32(k))) { return false }
            }
        }
        let indexEnd = indexStart + offsets.count * SegmentLayout.indexEntrySize
        return isZero(indexEnd..<(segmentSize - SegmentLayout.trailerSize))
    }

    /// Searches `[from, to)` for a commit frame vouching for a sequence above `lastCommitted`
    /// (stops there), and counts complete committed batches. Cost is linear: zero words are
    /// skipped 8 bytes at a time and a checksum is computed only for headers with a plausible
    /// sequence.
    private func committedDataFollows(from: Int, to: Int, lastCommitted: UInt64) -> Following {
        var unsyncedRecords = 0, batches = 0
        let maxPlausible = lastCommitted &+ UInt64((to - from) / FrameHeader.size) &+ 1
        var p = alignUp(from, 8)
        var runCount = 0, runEnd = -1
        var runNext: UInt64 = 0
        var runDigest: UInt32 = 0
        while p + FrameHeader.size <= min(to + FrameHeader.size, limit) {
            let seq = u64(p + 8)
            guard seq > lastCommitted, seq <= maxPlausible, case .success(let h) = frame(at: p) else {
                p += 8
                continue
            }
            if h.isCommit {
                let commit = commitPayload(at: p + FrameHeader.size)
                if commit.durableThrough > lastCommitted { return .durableClaim }
                if p == runEnd, runCount > 0, Int(commit.recordCount) == runCount, commit.batchDigest == runDigest,
                   h.sequence == runNext &- 1 {
                    batches += 1
                    unsyncedRecords += runCount
                }
                runCount = 0
                runDigest = 0   // a commit frame ends the run either way: the next batch starts afresh
            } else {
                if p != runEnd || h.sequence != runNext { runCount = 0; runDigest = 0 }
                runCount += 1
                runDigest = digestFold(runDigest, h.checksum)
                runNext = h.sequence &+ 1
            }
            p += h.frameSize
            runEnd = p
        }
        return batches > 0 ? .unsyncedBatches(records: unsyncedRecords, batches: batches) : .nothing
    }
}
