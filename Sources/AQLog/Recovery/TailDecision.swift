/// Recovery's decision table: what the bytes after an open segment's last intact commit point
/// mean. ``SegmentScanner`` measures the tail's shape; this table, and nothing else, decides.
///
/// Why each row holds (docs/DESIGN.md, Recovery): a writer acknowledges batches strictly in
/// order, each only after it and every earlier batch are durable, and has at most
/// `commitDepth` batches (the segment header's) written but not yet synced. So damage after
/// the last intact commit point is in a batch that was never acknowledged *unless* an intact
/// frame after it claims it durable, or more intact batches follow it than could have been in
/// flight beside it. A `.deferred` writer leaves any number of batches unsynced; a power loss
/// can keep later ones and lose earlier ones. With no frame claiming the damage durable, none
/// of those records was acknowledged as durable (only to the page cache, which is what
/// `.deferred` promises to lose at a power loss): recovery removes them as a torn tail.
enum TailDecision {
    /// What follows the last intact commit point.
    enum Shape: Hashable, CaseIterable {
        /// Zeros to the end of the segment.
        case zeros
        /// Only the bytes of this segment's own (possibly torn) index and trailer.
        case ownFooter
        /// Damage, and nothing intact and committed after it.
        case damageAlone
        /// Damage, then intact committed batches, none claiming the damage durable, no more
        /// of them than could have been in flight beside the damaged one (commit depth − 1).
        case damageThenBatchesInFlight
        /// Damage, then more intact committed batches than could have been in flight, none
        /// claiming the damage durable.
        case damageThenBatchesBeyondDepth
        /// Damage, then an intact commit frame whose durable-through covers the damage.
        case damageThenDurableClaim
    }

    /// What recovery does.
    enum Outcome: Hashable {
        case clean
        /// Clear the interrupted seal's bytes; the segment stays open.
        case footerArtefact
        /// Never acknowledged: removed under `truncateTornTail`, refused under `strict`.
        case tornTail
        /// Committed batches acknowledged to the page cache only (a `.deferred` writer's after
        /// its last sync): removed as a torn tail, their records counted as never synced;
        /// refused under `strict`.
        case unsyncedAfterDamage
        /// Below an acknowledged point: refused under every policy.
        case corruption
    }

    /// The table, one row a shape: data, looked up by ``outcome(for:)`` and tested row by row.
    static let rows: [(shape: Shape, outcome: Outcome)] = [
        (.zeros, .clean),
        (.ownFooter, .footerArtefact),
        (.damageAlone, .tornTail),
        (.damageThenBatchesInFlight, .tornTail),
        (.damageThenBatchesBeyondDepth, .unsyncedAfterDamage),
        (.damageThenDurableClaim, .corruption),
    ]

    static func outcome(for shape: Shape) -> Outcome {
        rows.first { $0.shape == shape }!.outcome
    }

    /// The shape of damage followed by `batches` intact committed batches (none claiming the
    /// damage durable) in a segment written with `commitDepth` commits in flight.
    static func damage(followedBy batches: Int, commitDepth: Int) -> Shape {
        if batches == 0 { return .damageAlone }
        return batches < commitDepth ? .damageThenBatchesInFlight : .damageThenBatchesBeyondDepth
    }
}
