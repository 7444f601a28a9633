/// How far the write side has got, in sequences: the one place a writer keeps its progress in
/// memory. Readers in other processes see ``published`` through `LOCK`; producers, through
/// ``acknowledged(unsynced:)``.
///
/// Order, checked by ``check()`` after every change:
/// `durablyVouched ≤ vouched ≤ durable ≤ written ≤ assigned`, and what was published is at
/// most what is acknowledged. A commit frame claims only what was durable when its batch
/// began, so nothing vouches past `durable`; a batch counts as written only once it and every
/// earlier one completed, so `written` never has holes.
struct Watermarks: Equatable, Sendable {
    /// Last sequence handed to a producer (staged, queued for a roll, or written).
    var assigned: UInt64
    /// Last sequence whose batch, and every batch before it, completed its write.
    var written: UInt64
    /// Last sequence known synced.
    var durable: UInt64
    /// Last sequence a completed commit frame (or a seal) claims durable. A `.sync` batch is
    /// vouched for by a later frame only, so an idle log's last batch is not until a marker.
    var vouched: UInt64
    /// The part of ``vouched`` a sync or a seal has made durable (an unsynced flush marker
    /// moves ``vouched`` alone): a close has nothing to add from here.
    var durablyVouched: UInt64
    /// What readers were last told (``Publisher``): nil before the first publication; a
    /// publication whose `LOCK` write failed leaves it as it was, so the next one retries.
    var published: WriterProgress?

    /// Everything at `through`: a writer that opened a recovered log.
    init(through last: UInt64, vouched: UInt64) {
        assigned = last
        written = last
        durable = last
        self.vouched = vouched
        durablyVouched = vouched
    }

    /// What producers have been told is theirs: durable records, or, for a writer that
    /// acknowledges before syncing (`.deferred`), written ones.
    func acknowledged(unsynced: Bool) -> UInt64 { unsynced ? written : durable }

    /// What readers may be told now.
    func progress(unsynced: Bool) -> WriterProgress {
        WriterProgress(readableThrough: acknowledged(unsynced: unsynced), durableThrough: durable)
    }

    /// Traps (in debug builds) when the order above does not hold.
    func check(unsynced: Bool, file: StaticString = #fileID, line: UInt = #line) {
        assert(durablyVouched <= vouched && vouched <= durable && durable <= written && written <= assigned,
               "watermarks out of order: \(self)", file: file, line: line)
        assert((published?.readableThrough ?? 0) <= acknowledged(unsynced: unsynced) && (published?.durableThrough ?? 0) <= durable,
               "published past the acknowledged point: \(self)", file: file, line: line)
    }
}
