import CCRC

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
        /// Where the readable records stop and why, whatever the verdict makes of it (nil when
        /// they end in zeros): in a sealed segment, where nothing is torn, the damage itself.
        var damage: CorruptionDiagnosis?
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

        /// The case alone: `clean`, `footerArtefact`, `tornTail`, `unsyncedAfterDamage` or `corruption`.
        var kind: String {
            switch self {
            case .clean: return "clean"
            case .footerArtefact: return "footerArtefact"
            case .tornTail: return "tornTail"
            case .unsyncedAfterDamage: return "unsyncedAfterDamage"
            case .corruption: return "corruption"
            }
        }
    }

    var maxRecord: Int { Int(header.maxRecordSize) }
    /// Where frames must end: before the trailer, and inside the bytes at hand.
    var limit: Int { min(segmentSize - SegmentLayout.trailerSize, end) }
    /// The first offset past the bytes at hand.
    var end: Int { base + bytes.count }
    func u64(_ pos: Int) -> UInt64 { bytes.u64(at: pos - base) }
    func isZero(_ range: Range<Int>) -> Bool { bytes.isZero((range.lowerBound - base)..<(range.upperBound - base)) }
    func commitPayload(at pos: Int) -> CommitPayload { CommitPayload(bytes, at: pos - base) }

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
        result.damage = nil
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
            if cursor.pending.isEmpty, let end = acceptBatch(at: pos, next: &next, &cursor) {
                pos = end
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
                    commitPending(&cursor, durableThrough: commit.durableThrough, end: pos + h.frameSize)
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

    /// Moves the pending batch's records into the result: its commit frame, ending at `end`,
    /// matched them.
    private func commitPending(_ cursor: inout Cursor, durableThrough: UInt64, end: Int) {
        cursor.result.offsets.append(contentsOf: cursor.pending)
        // The segment's digest, folded once per batch in one pass.
        cursor.result.segmentDigest = digestFold(cursor.result.segmentDigest, all: cursor.pendingCRCs)
        cursor.result.durableThrough = max(cursor.result.durableThrough, durableThrough)
        cursor.pending.removeAll(keepingCapacity: true)
        cursor.pendingCRCs.removeAll(keepingCapacity: true)
        cursor.result.committedEnd = end
    }

    /// The whole batch starting at `pos` in one tight loop: each record's header and checksum
    /// checked as the frame loop below checks them, without its bookkeeping for the frames that
    /// fail (why, and where), then the commit frame and the batch digest. Returns the offset
    /// after the commit frame, the batch committed into `cursor` and `next` moved past it; nil,
    /// with `cursor` and `next` as they were, when the batch does not check whole inside the
    /// bytes at hand (damage, a torn or unfinished batch, a window's end, a marker, zeros): the
    /// frame loop then reads it, which decides and locates exactly as it always does.
    private func acceptBatch(at pos: Int, next: inout UInt64, _ cursor: inout Cursor) -> Int? {
        var p = pos
        var sequence = next
        if CRC32C.engine == .isal {
            acceptFrames(at: &p, sequence: &sequence, &cursor)
        } else {
            acceptFramesPortably(at: &p, sequence: &sequence, &cursor)
        }
        if p > pos, case .success(let h) = frame(at: p), h.isCommit, h.sequence == sequence &- 1 {
            let commit = commitPayload(at: p + FrameHeader.size)
            if Int(commit.recordCount) == cursor.pending.count, commit.durableThrough < sequence,
               commit.batchDigest == digestFold(0, all: cursor.pendingCRCs) {
                commitPending(&cursor, durableThrough: commit.durableThrough, end: p + h.frameSize)
                next = sequence
                return p + h.frameSize
            }
        }
        cursor.pending.removeAll(keepingCapacity: true)
        cursor.pendingCRCs.removeAll(keepingCapacity: true)
        return nil
    }

    /// A batch's record frames from `p` on, checked in C a few hundred at a call: each frame's
    /// position, length, sequence and checksum, as ``acceptFramesPortably(at:sequence:_:)``
    /// checks them; `p` and `sequence` end after the last that passed, which is pending in
    /// `cursor`.
    private func acceptFrames(at p: inout Int, sequence: inout UInt64, _ cursor: inout Cursor) {
        guard let window = bytes.baseAddress, limit - p >= FrameHeader.size else { return }
        let capacity = 256
        withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 2 * capacity) { scratch in
            let offsets = scratch.baseAddress!, checksums = offsets + capacity
            while true {
                var end = 0
                let n = ccrc_check_batch_frames(window, base, p, limit, sequence, UInt64(maxRecord), capacity,
                                                offsets, checksums, &end)
                cursor.pending.append(contentsOf: UnsafeBufferPointer(start: offsets, count: n))
                cursor.pendingCRCs.append(contentsOf: UnsafeBufferPointer(start: checksums, count: n))
                sequence &+= UInt64(n)
                p = end
                guard n == capacity else { return }
            }
        }
    }

    /// ``acceptFrames(at:sequence:_:)`` without the hardware engine.
    private func acceptFramesPortably(at p: inout Int, sequence: inout UInt64, _ cursor: inout Cursor) {
        while p + FrameHeader.size <= limit {
            let word = bytes.u32(at: p - base + 4)
            if word & FrameHeader.commitFlag != 0 { break }
            let size = FrameHeader.frameSize(payloadLength: Int(word))
            let checksum = bytes.u32(at: p - base)
            guard Int(word) <= maxRecord, p + size <= limit, u64(p + 8) == sequence,
                  FrameHeader.checksumOfFrame(in: bytes, at: p - base, length: Int(word)) == checksum else { break }
            cursor.pending.append(UInt32(p))
            cursor.pendingCRCs.append(checksum)
            sequence &+= 1
            p += size
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
}

