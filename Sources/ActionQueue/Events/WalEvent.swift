/// One durable state change: the event and the log sequence it was recorded at.
///
/// On the wire (postcard, identical to actionqueue-storage 0.1.2's v5 payload) the
/// sequence comes first as a varint, then the variant index, then the variant's fields.
/// In our segment log the payload's sequence always equals the record's log sequence.
public struct WalEvent: Sendable, Hashable {
    /// The log sequence of the record that holds this event.
    public var sequence: UInt64
    /// What changed.
    public var event: WalEventType

    /// Creates the event recorded at `sequence`.
    public init(sequence: UInt64, event: WalEventType) {
        self.sequence = sequence
        self.event = event
    }
}
