import Dispatch
import Synchronization

/// Memory for reading segments window by window with `pread` (``SegmentStream``: `verify`, and
/// a writer's open of what it reads from the medium), with the next window read ahead.
///
/// Two halves, each grown as needed and reused, so a pass over many segments pays the page
/// faults of fresh memory once, not per segment. While the caller checks the window in one
/// half, a helper thread reads the bytes after it into the other: the kernel's copy of the next
/// window overlaps the checks of this one. For small records that copy and the checks cost
/// about the same, so on two cores a window costs about one of them instead of both
/// (docs/BENCHMARKS.md, "Where a record's time goes on the read path").
///
/// A window usually begins a little before the previous one ended (the frame the previous one
/// cut, from its block): those bytes, at most ``carryLimit``, are copied in front of the
/// read-ahead, so each half keeps that much room before its data. Any other window is read on
/// the caller's thread. One caller at a time; ``finishReadAhead()`` before closing the file.
///
/// A buffer made with `readingAhead: false` reads every window on the caller's thread, in
/// windows small enough to stay in the core's own cache between the copy and the checks: for
/// callers that keep every core busy themselves (`verify` checking several sealed segments at
/// once), where a helper thread would only take turns with them.
final class SegmentReadBuffer: @unchecked Sendable {
    /// Whether ``window(_:_:readingAhead:)`` starts the read-ahead it is asked for.
    let readsAhead: Bool
    /// The window size ``SegmentStream`` reads through this buffer.
    let windowSize: Int
    // The caller's thread owns everything here, except the half a read-ahead fills and its
    // outcome, which the helper writes before signalling `readAheadDone` and the caller reads
    // only after waiting on it.
    private var halves: [UnsafeMutableRawBufferPointer?] = [nil, nil]
    /// The half holding the last window handed out.
    private var current = 0
    /// The file range of the last window handed out and where it starts in its half.
    private var last: (range: Range<Int>, at: Int)?
    /// The read-ahead in flight (or done, not yet waited for): its file range, into the other half.
    private var ahead: Range<Int>?
    private var aheadTarget = UnsafeMutableRawBufferPointer(start: nil, count: 0)
    private var aheadOutcome: Result<Void, IOFailure> = .success(())
    private let readAheadDone = DispatchSemaphore(value: 0)
    /// A serial queue of its own: its thread is made when needed, even while the shared pool's
    /// threads are all busy (callers in async code, such as the archiver, block in `verify`
    /// waiting for the read-ahead; on a pool it shares, that read-ahead could wait for a thread).
    private let readAheadQueue = DispatchQueue(label: "aqlog.read-ahead")
    /// Set by the helper with the signal: the caller polls it a little before sleeping, since
    /// a read-ahead usually ends about when the checks of the window before it do, and a
    /// sleep and wake-up cost tens of microseconds on a busy machine.
    private let readAheadFinished = Atomic<Bool>(false)

    /// Bytes of the previous window a window may carry over (its cut frame and a block).
    static let carryLimit = 256 << 10

    /// A buffer that reads the next window ahead on a helper thread (the default), or one that
    /// reads on the caller's thread only, in smaller windows.
    init(readingAhead: Bool = true) {
        readsAhead = readingAhead
        windowSize = readingAhead ? SegmentStream.window : SegmentStream.cachedWindow
    }

    deinit {
        finishReadAhead()
        for half in halves { half?.deallocate() }
    }

    /// Half `i` with room for `count` bytes after the carry room.
    private func reserve(_ i: Int, _ count: Int) -> UnsafeMutableRawBufferPointer {
        let needed = Self.carryLimit + max(count, 1)
        if let half = halves[i], half.count >= needed { return half }
        halves[i]?.deallocate()
        let half = UnsafeMutableRawBufferPointer.allocate(byteCount: needed, alignment: SegmentLayout.blockSize)
        halves[i] = half
        return half
    }

    /// The bytes of `file` in `range`, valid until the next call, and starts reading `next` (the
    /// bytes the following window will need) on the helper thread. A file that ends first is
    /// `EIO` at the offset where it ended (a failed read-ahead is retried here, so its error is
    /// thrown only if it persists).
    func window(_ file: any StorageFile, _ range: Range<Int>, readingAhead next: Range<Int>?) throws(IOFailure) -> UnsafeRawBufferPointer {
        var bytes = joinReadAhead(range)
        if bytes == nil {
            let other = 1 - current
            let half = reserve(other, range.count)
            let target = UnsafeMutableRawBufferPointer(rebasing: half[Self.carryLimit..<(Self.carryLimit + range.count)])
            try file.readFully(into: target, at: range.lowerBound)
            current = other
            last = (range, Self.carryLimit)
            bytes = UnsafeRawBufferPointer(target)
        }
        if readsAhead, let next, !next.isEmpty {
            let half = reserve(1 - current, next.count)
            let target = UnsafeMutableRawBufferPointer(rebasing: half[Self.carryLimit..<(Self.carryLimit + next.count)])
            ahead = next
            aheadTarget = target
            readAheadQueue.async { [self] in
                aheadOutcome = Result { () throws(IOFailure) in try file.readFully(into: aheadTarget, at: next.lowerBound) }
                readAheadFinished.store(true, ordering: .releasing)
                readAheadDone.signal()
            }
        }
        return bytes!
    }

    /// Waits for a read-ahead in flight, if any (the caller may close the file after this).
    func finishReadAhead() {
        guard ahead != nil else { return }
        var polls = 0
        while polls < 20_000, !readAheadFinished.load(ordering: .acquiring) { polls += 1 }
        readAheadDone.wait()
        readAheadFinished.store(false, ordering: .relaxed)
        ahead = nil
    }

    /// `range` from the last window's tail and the read-ahead that follows it, when they
    /// cover it; nil otherwise (the read-ahead, if any, is then dropped).
    private func joinReadAhead(_ range: Range<Int>) -> UnsafeRawBufferPointer? {
        guard let read = ahead else { return nil }
        finishReadAhead()
        guard case .success = aheadOutcome, let last, read.lowerBound == last.range.upperBound,
              range.lowerBound >= last.range.lowerBound, range.lowerBound <= read.lowerBound,
              read.lowerBound - range.lowerBound <= Self.carryLimit,
              range.upperBound > read.lowerBound, range.upperBound <= read.upperBound else { return nil }
        let carry = read.lowerBound - range.lowerBound
        let from = halves[current]!, to = halves[1 - current]!
        let source = last.at + (range.lowerBound - last.range.lowerBound)
        if carry > 0 {
            UnsafeMutableRawBufferPointer(rebasing: to[(Self.carryLimit - carry)..<Self.carryLimit])
                .copyMemory(from: UnsafeRawBufferPointer(rebasing: from[source..<(source + carry)]))
        }
        current = 1 - current
        self.last = (range, Self.carryLimit - carry)
        return UnsafeRawBufferPointer(rebasing: to[(Self.carryLimit - carry)..<(Self.carryLimit + range.upperBound - read.lowerBound)])
    }
}
