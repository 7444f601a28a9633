/// Scans an unsealed segment's frames and measures what follows the last commit point;
/// ``TailDecision`` (a table) decides what that means.
///
/// A batch is its records and their commit frame, written in one call. In a segment whose
/// header sets ``SegmentFeatures/pipelinedCommits``, a batch begun while another was in
/// flight starts on the next 4096-byte block: zeros from the end of a commit frame to the
/// next block boundary are padding, and the scan continues at the boundary when a frame
/// starts there.
struct SegmentScanner {
    /// The segment's bytes at offsets `base..<base + bytes.count`: the whole segment, or a
    /// window of it (`verify` streams sealed segments through one). Every offset below is the
    /// segment's; a frame that reaches past the window reads as incomplete.
    let bytes: UnsafeRawBufferPointer
    let file: String
    let header: SegmentHeader
    /// The segment offset of `bytes[0]`.
    let base: Int
    /// The segment file's size.
    let segmentSize: Int

    /// A scanner of the whole segment in `bytes`.
    init(bytes: UnsafeRawBufferPointer, file: String, header: SegmentHeader) {
        self.init(window: bytes, at: 0, segmentSize: bytes.count, file: file, header: header)
    }

    /// A scanner of the window `bytes`, which holds the `segmentSize`-byte segment's bytes from
    /// offset `base` on.
    init(window bytes: UnsafeRawBufferPointer, at base: Int, segmentSize: Int, file: String, header: SegmentHeader) {
        self.bytes = bytes
        self.base = base
        self.segmentSize = segmentSize
        self.file = file
        self.header = header
    }

    /// What an unsealed segment holds.
    struct Result {
        /// Frame offset of each committed record (record i has sequence base + i).
        var offsets: [UInt32] = []
        /// Offset just past the last intact commit frame.
        var committedEnd: Int = SegmentLayout.dataStart
        /// CRC-32C over committed records' checksums.
        var segmentDigest: UInt32 = 0
        /// Highest durable-through seen in an intact commit frame.
        var durableThrough: UInt64 = 0
        /// Bytes examined (frames parsed plus the tail checked for later data).
        var bytesScanned: Int = 0
        var verdict: Verdict = .clean
        var lastSequence: UInt64 { header.baseSequence &+ UInt64(offsets.count) &- 1 }
        let header: SegmentHeader
    }

    enum Verdict: Equatable {
        case clean
        case footerArtefact(range: Range<Int>)
        case tornTail(TornTail)
        /// Committed batches follow the damage, but none vouches the damaged records durable.
        case unsyncedAfterDamage(TornTail, CorruptionDiagnosis)
        case corruption(CorruptionDiagnosis)
    }

    private var maxRecord: Int { Int(header.maxRecordSize) }
    /// Where frames must end: before the trailer, and inside the bytes at hand.
    private var limit: Int { min(segmentSize - SegmentLayout.trailerSize, end) }
    /// The first offset past the bytes at hand.
    var end: Int { base + bytes.count }
    private func u64(_ pos: Int) -> UInt64 { bytes.u64(at: pos - base) }
    private func isZero(_ range: Range<Int>) -> Bool { bytes.isZero((range.lowerBound - base)..<(range.upperBound - base)) }
    private func commitPayload(at pos: Int) -> CommitPayload { CommitPayload(bytes, at: pos - base) }

    /// Validates a frame at `pos`: returns its header, or why it is not a valid frame.
    func frame(at pos: Int) -> Swift.Result<FrameHeader, CorruptionReason> {
        guard pos + FrameHeader.size <= limit else { return .failure(.incompleteHeader) }
        let h = FrameHeader(bytes, at: pos - base)
        if h.isCommit ? Int(h.length) != CommitPayload.size : Int(h.length) > maxRecord {
            return .failure(.oversizedLength(h.length))
        }
        guard pos + h.frameSize <= limit else { return .failure(.incompletePayload) }
        guard FrameHeader.checksumOfFrame(in: bytes, at: pos - base, length: Int(h.length)) == h.checksum else { return .failure(tornShape(at: pos, frameSize: h.frameSize)) }
        return .success(h)
    }

    /// Names a checksum failure after its shape: a header whose sequence is still zero was cut
    /// inside the header, a frame whose last word is still zero was cut inside the payload
    /// (writes tear at sector boundaries into zero-filled space); anything else is a mismatch.
    private func tornShape(at pos: Int, frameSize: Int) -> CorruptionReason {
        if u64(pos + 8) == 0 { return .incompleteHeader }
        if frameSize > FrameHeader.size, isZero((pos + frameSize - 8)..<(pos + frameSize)) { return .incompletePayload }
        return .checksumMismatch
    }

    /// Where the frame loop stands: the result so far, the next frame's offset and sequence,
    /// and the batch being read (records seen since the last commit frame). A loop stopped at
    /// a frame that reaches past the bytes it was given resumes from here over more of the
    /// same segment and decides exactly as one pass over all of it would.
    struct Cursor {
        var result: Result
        var pos: Int
        var next: UInt64
        var pending: [UInt32] = []
        var pendingCRCs: [UInt32] = []
        /// Why the loop stopped (nil: a clean end, or not run yet).
        var stopReason: CorruptionReason?

        /// A cursor at `result`'s commit point.
        init(after result: Result) {
            self.result = result
            pos = result.committedEnd
            next = result.header.baseSequence &+ UInt64(result.offsets.count)
        }
    }

    /// Scans the whole segment and classifies what follows the last commit point.
    func scan() -> Result { scan(continuing: Cursor(after: Result(header: header))) }

    /// Finishes a scan that `cursor` began over a prefix of these bytes (``advance(_:)``):
    /// the same result as ``scan()``, without parsing the prefix's frames again.
    func scan(continuing cursor: Cursor) -> Result {
        var cursor = cursor
        advance(&cursor)
        var result = cursor.result
        result.bytesScanned = cursor.pos - SegmentLayout.dataStart
        classifyTail(&result, stoppedAt: cursor.pos, reason: cursor.stopReason, uncommitted: cursor.pending.count)
        return result
    }

    /// True when `previous` still describes these bytes: its commit point is still preceded
    /// by its last commit frame, intact. False when the bytes below it were rewritten since
    /// (a repair zeroed or replaced them), so a reader must scan the segment again.
    func stillHolds(_ previous: Result) -> Bool {
        let end = previous.committedEnd
        guard end > SegmentLayout.dataStart else { return true }
        let at = end - BatchBuffer.commitCost
        guard at >= SegmentLayout.dataStart, case .success(let h) = frame(at: at) else { return false }
        return h.isCommit && h.sequence == previous.lastSequence
    }

    /// Extends `previous` (an earlier scan of this segment, which only ever grows by whole
    /// committed batches) with the intact committed batches after its commit point, and stops
    /// at the first frame that does not extend one. It does not classify what follows: for a
    /// reader beside a live writer, whose next batch may be half-copied, that is simply where
    /// the readable records end. `bytesScanned` counts only the frames parsed here.
    func follow(_ previous: Result) -> Result {
        var cursor = Cursor(after: previous)
        advance(&cursor)
        var result = cursor.result
        result.bytesScanned = cursor.pos - previous.committedEnd
        result.verdict = .clean
        return result
    }

    /// The frame loop: moves `cursor` over intact committed batches until a frame does not
    /// extend one (recording why in `stopReason`; nil at a clean end). The cursor is left at
    /// that frame, with the records seen after the last commit still pending.
    func advance(_ cursor: inout Cursor) {
        var pos = cursor.pos
        var next = cursor.next
        var stopReason: CorruptionReason? = nil
        defer {
            cursor.pos = pos
            cursor.next = next
            cursor.stopReason = stopReason
        }

        scanning: while true {
            if cursor.pending.isEmpty, let next = paddingEnd(from: pos) {
                pos = next
                continue
            }
            if pos + FrameHeader.size <= limit, u64(pos) == 0, u64(pos + 8) == 0 {  // a zero header: nothing written here
                stopReason = cursor.pending.isEmpty ? nil : .incompleteHeader
                break
            }
            switch frame(at: pos) {
            case .failure(let reason):
                if pos + FrameHeader.size > limit && cursor.pending.isEmpty { stopReason = nil } else { stopReason = reason }
                break scanning
            case .success(let h):
                if h.isCommit {
                    let commit = commitPayload(at: pos + FrameHeader.size)
                    // An empty commit (close marker) must vouch for exactly what precedes it.
                    let markerOK = !cursor.pending.isEmpty || commit.durableThrough == next &- 1
                    // The batch's digest, and the segment's, folded once per batch in one pass.
                    guard markerOK, h.sequence == next &- 1, Int(commit.recordCount) == cursor.pending.count,
                          commit.batchDigest == digestFold(0, all: cursor.pendingCRCs), commit.durableThrough < next else {
                        stopReason = .damagedCommittedData
                        break scanning
                    }
                    cursor.result.offsets.append(contentsOf: cursor.pending)
                    cursor.result.segmentDigest = digestFold(cursor.result.segmentDigest, all: cursor.pendingCRCs)
                    cursor.result.durableThrough = max(cursor.result.durableThrough, commit.durableThrough)
                    cursor.pending.removeAll(keepingCapacity: true)
                    cursor.pendingCRCs.removeAll(keepingCapacity: true)
                    cursor.result.committedEnd = pos + h.frameSize
                } else {
                    guard h.sequence == next else {
                        stopReason = .sequenceGap(expected: next, found: h.sequence)
                        break scanning
                    }
                    cursor.pending.append(UInt32(pos))
                    cursor.pendingCRCs.append(h.checksum)
                    next &+= 1
                }
                pos += h.frameSize
            }
        }
    }

    /// Where the next batch starts when the bytes at `pos` (just after a commit frame) are the
    /// padding of a pipelined writer: the next block boundary, if the bytes up to it are zero
    /// and a frame header starts there. Padding can be as short as 8 bytes (frames end on
    /// 8-byte boundaries), less than a frame header, so it is recognised by the zeros up to the
    /// boundary, not by a zero header; 8 zero bytes are padding only when they do not begin a
    /// valid frame. Nil otherwise (and always in a segment without
    /// ``SegmentFeatures/pipelinedCommits``).
    private func paddingEnd(from pos: Int) -> Int? {
        guard header.requiredFeatures.contains(.pipelinedCommits), pos % SegmentLayout.blockSize != 0 else { return nil }
        let next = alignUp(pos, SegmentLayout.blockSize)
        guard next + FrameHeader.size <= limit, isZero(pos..<next),
              !isZero(next..<(next + FrameHeader.size)) else { return nil }
        if next - pos < FrameHeader.size, case .success = frame(at: pos) { return nil }
        return next
    }

    /// Looks past the last commit point for bytes, committed data, or our own footer.
    private func classifyTail(_ result: inout Result, stoppedAt stop: Int, reason: CorruptionReason?, uncommitted: Int) {
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
