import CCRC
/// Reading records: one at a time or as a walk, as a `RawSpan` (zero copy, kept from escaping
/// by the compiler), an `UnsafeRawBufferPointer`, or a copy.
///
/// Every read comes in two spellings. Given a closure that throws nothing or only
/// ``LogError``, a read throws `LogError`, typed: `do { … } catch { error.kind }` needs no
/// cast. Given a closure that throws anything else, the same read throws untyped: the
/// closure's error, unchanged, or the reader's `LogError` (as `rethrows` would, with the
/// reader's own failures added). Swift picks the first for closures that contain no `try`
/// and for `{ () throws(LogError) in … }`, the second for the rest.
extension LogReader {
    /// Calls `body` with a zero-copy view of the payload of `sequence` that the compiler keeps
    /// from escaping `body`. The primary way to read one record without copying it.
    ///
    /// Throws ``LogError/compacted(requested:firstAvailable:)`` for a sequence compaction
    /// removed, ``LogError/sequenceOutOfRange(_:first:last:)`` for one the log does not hold
    /// (yet), and ``LogError/corruption(_:)`` or ``LogError/io(_:)`` when the read fails.
    public func withRecordSpan<R>(_ sequence: UInt64, _ body: (RawSpan) throws(LogError) -> R) throws(LogError) -> R {
        try read(sequence, { $0 }) { (bytes) throws(LogError) in try body(RawSpan(_unsafeBytes: bytes)) }
    }

    /// The same read with a closure that throws its own errors: throws what `body` throws,
    /// unchanged, or the reader's ``LogError``.
    public func withRecordSpan<R>(_ sequence: UInt64, _ body: (RawSpan) throws -> R) throws -> R {
        try read(sequence, { $0 }) { (bytes) throws in try body(RawSpan(_unsafeBytes: bytes)) }
    }

    /// `withRecordSpan` with an `UnsafeRawBufferPointer` view, for callers that cannot take a
    /// `RawSpan` (the pointer must not be used after `body` returns); the same errors.
    public func withRecord<R>(_ sequence: UInt64, _ body: (UnsafeRawBufferPointer) throws(LogError) -> R) throws(LogError) -> R {
        try read(sequence, { $0 }, body)
    }

    /// The same read with a closure that throws its own errors: throws what `body` throws,
    /// unchanged, or the reader's ``LogError``.
    public func withRecord<R>(_ sequence: UInt64, _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
        try read(sequence, { $0 }, body)
    }

    /// A copy of the payload of `sequence`; the errors of `withRecordSpan`.
    public func record(_ sequence: UInt64) throws(LogError) -> [UInt8] { try withRecord(sequence) { Array($0) } }

    /// Calls `body` for each record from `start` through `end` (default: the last), in order,
    /// with a zero-copy view of its payload that the compiler keeps from escaping the call.
    /// Returning `false` stops early. The primary way to read many records.
    ///
    /// A `start` below the log's first available sequence (records compaction removed) throws
    /// ``LogError/compacted(requested:firstAvailable:)`` before `body` is called, unless
    /// `ifCompacted` is ``CompactedStart/startAtFirstAvailable``: then the walk starts at the
    /// first record the log still holds. A start of 1 on a log never compacted never throws
    /// that, even when the log is empty. A `start` or `end` past the last record reads what
    /// there is (possibly nothing); a start of 0 is read as 1.
    ///
    /// ```swift
    /// try reader.forEachSpan(from: 1) { sequence, payload in
    ///     total += payload.byteCount
    ///     return true
    /// }
    /// // Everything still there, after compaction too:
    /// try reader.forEachSpan(ifCompacted: .startAtFirstAvailable) { sequence, payload in … }
    /// ```
    public func forEachSpan(from start: UInt64 = 1, through end: UInt64? = nil, ifCompacted: CompactedStart = .throw,
                            _ body: (UInt64, RawSpan) throws(LogError) -> Bool) throws(LogError) {
        try walk(from: start, through: end, ifCompacted, { $0 }) { (sequence, bytes) throws(LogError) in
            try body(sequence, RawSpan(_unsafeBytes: bytes))
        }
    }

    /// The same walk with a closure that throws its own errors: throws what `body` throws,
    /// unchanged, or the reader's ``LogError``.
    public func forEachSpan(from start: UInt64 = 1, through end: UInt64? = nil, ifCompacted: CompactedStart = .throw,
                            _ body: (UInt64, RawSpan) throws -> Bool) throws {
        try walk(from: start, through: end, ifCompacted, { $0 }) { (sequence, bytes) throws in
            try body(sequence, RawSpan(_unsafeBytes: bytes))
        }
    }

    /// `forEachSpan` with an `UnsafeRawBufferPointer` view, for callers that cannot take a
    /// `RawSpan`: the same walk and errors, but nothing stops the pointer from escaping the call
    /// (using it afterwards is undefined).
    public func forEach(from start: UInt64 = 1, through end: UInt64? = nil, ifCompacted: CompactedStart = .throw,
                        _ body: (UInt64, UnsafeRawBufferPointer) throws(LogError) -> Bool) throws(LogError) {
        try walk(from: start, through: end, ifCompacted, { $0 }, body)
    }

    /// The same walk with a closure that throws its own errors: throws what `body` throws,
    /// unchanged, or the reader's ``LogError``.
    public func forEach(from start: UInt64 = 1, through end: UInt64? = nil, ifCompacted: CompactedStart = .throw,
                        _ body: (UInt64, UnsafeRawBufferPointer) throws -> Bool) throws {
        try walk(from: start, through: end, ifCompacted, { $0 }, body)
    }

    /// The one implementation of the single-record reads: `lift` turns the reader's own
    /// failure into the error type `body` throws.
    private func read<R, E: Error>(_ sequence: UInt64, _ lift: (LogError) -> E,
                                   _ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
        let v: SegmentView
        let payload: UnsafeRawBufferPointer
        do throws(LogError) {
            guard let i = segmentIndex(of: sequence) else { throw missing(sequence) }
            v = try view(i)
            payload = try v.payload(of: sequence, verify: verifyChecksums)
        } catch {
            throw lift(error)
        }
        // The view stays alive through `body`: a read of other segments inside it may evict
        // it from the cache, never unmap it from under `body`.
        return try withExtendedLifetime(v) { () throws(E) in try body(payload) }
    }

    /// The one implementation of the walks (see ``read(_:_:_:)`` for `lift`).
    // Inlined into each spelling, so the closure is called as the caller passed it, with no
    // conversion to the generic error type per record.
    @inline(__always)
    private func walk<E: Error>(from start: UInt64, through end: UInt64?, _ ifCompacted: CompactedStart,
                                _ lift: (LogError) -> E, _ body: (UInt64, UnsafeRawBufferPointer) throws(E) -> Bool) throws(E) {
        var sequence = max(start, 1)
        let firstAvailable = firstAvailableSequence
        if sequence < firstAvailable {
            guard ifCompacted == .startAtFirstAvailable else {
                throw lift(.compacted(requested: sequence, firstAvailable: firstAvailable))
            }
            sequence = firstAvailable
        }
        let last = min(end ?? lastSequence, lastSequence)
        guard sequence <= last, var i = segmentIndex(of: sequence) else { return }
        let run = UnsafeMutablePointer<ccrc_payload>.allocate(capacity: SegmentView.runCapacity)
        defer { run.deallocate() }
        while sequence <= last {
            let v: SegmentView
            do throws(LogError) { v = try view(i) } catch {
                // Gone since this reader listed it: a compaction removed its records meanwhile.
                // Listed again, the walk goes on from the first record left, or reports them
                // compacted, as it would have at its start.
                guard case .io(let failure) = error, failure.errno == .noSuchFileOrDirectory else { throw lift(error) }
                do throws(LogError) { try refresh() } catch { throw lift(error) }
                let firstAvailable = firstAvailableSequence
                guard sequence < firstAvailable else { throw lift(error) }
                guard ifCompacted == .startAtFirstAvailable else {
                    throw lift(.compacted(requested: sequence, firstAvailable: firstAvailable))
                }
                sequence = firstAvailable
                guard sequence <= last, let next = segmentIndex(of: sequence) else { return }
                i = next
                continue
            }
            let segmentLast = min(v.lastSequence, last)
            // Alive through the segment's records, as in `read`.
            let goOn = try withExtendedLifetime(v) { () throws(E) -> Bool in
                let base = v.region.bytes.baseAddress
                while sequence <= segmentLast {
                    // Records checked a run at a time; the first that fails the run's checks is
                    // read on its own, which names its damage (or reads it, for a check the run
                    // cannot make).
                    let count = Int(min(segmentLast - sequence, UInt64(SegmentView.runCapacity - 1))) + 1
                    let passed = v.checkRun(from: sequence, count: count, verify: verifyChecksums, into: run)
                    for k in 0..<passed {
                        if try !body(sequence, UnsafeRawBufferPointer(start: base! + Int(run[k].offset), count: Int(run[k].length))) {
                            return false
                        }
                        sequence += 1
                    }
                    guard passed < count else { continue }
                    let payload: UnsafeRawBufferPointer
                    do throws(LogError) { payload = try v.payload(of: sequence, verify: verifyChecksums, walking: true) } catch { throw lift(error) }
                    if try !body(sequence, payload) { return false }
                    sequence += 1
                }
                return true
            }
            i += 1
            guard goOn, i < descriptors.count else { return }
        }
    }

    /// Why `sequence` cannot be read: compacted when it lies below the first available
    /// sequence, out of range otherwise.
    private func missing(_ sequence: UInt64) -> LogError {
        let firstAvailable = firstAvailableSequence
        if sequence >= 1 && sequence < firstAvailable {
            return .compacted(requested: sequence, firstAvailable: firstAvailable)
        }
        return .sequenceOutOfRange(sequence, first: firstSequence, last: lastSequence)
    }
}
