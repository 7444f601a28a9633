/// One log record: the events of one command, stored and applied together at one sequence.
///
/// A record of one event is byte-identical to that ``WalEvent`` (and to a v5 payload). A
/// record of several events (a lease and the state change it implies; a task and its first
/// run) is one log record, so no segment roll or crash can split it, and replay applies all
/// of its events or none (``ReplayReducer/apply(_:)-(WalRecord)``).
///
/// Wire form: `varint(sequence)`, then either one event (`varint(discriminant)` and its fields)
/// or `varint(64)` (``multiEventMarker``, outside the event discriminants), `varint(count)`
/// (at least 2) and the `count` events, each as `varint(discriminant)` and its fields. A
/// reader that knows only single events refuses the marker as an invalid discriminant rather
/// than misreading the record.
public struct WalRecord: Sendable, Hashable {
    /// The discriminant that introduces a multi-event record.
    public static let multiEventMarker: UInt32 = 64

    /// The log sequence of the record.
    public var sequence: UInt64
    /// The events, applied in order (at least one).
    public var events: [WalEventType]

    /// A record of `events` (at least one) at `sequence`.
    public init(sequence: UInt64, events: [WalEventType]) {
        precondition(!events.isEmpty, "a record holds at least one event")
        self.sequence = sequence
        self.events = events
    }

    /// The single-event record of `event`.
    public init(_ event: WalEvent) {
        self.init(sequence: event.sequence, events: [event.event])
    }

    /// Each event with the record's sequence.
    public var walEvents: [WalEvent] { events.map { WalEvent(sequence: sequence, event: $0) } }
}

extension WalRecord: PostcardCodable {
    /// Writes `sequence` as a `u64` varint, then the events (see the type's wire form).
    public func encode(to writer: inout PostcardWriter) {
        writer.writeU64(sequence)
        Self.encodeEvents(events, to: &writer)
    }

    /// Writes the part after the sequence: one event, or the marker, the count and the events.
    static func encodeEvents(_ events: [WalEventType], to writer: inout PostcardWriter) {
        if events.count == 1 {
            events[0].encode(to: &writer)
            return
        }
        writer.writeU32(multiEventMarker)
        writer.writeVarint(UInt64(events.count))
        for event in events { event.encode(to: &writer) }
    }

    /// Reads a single- or multi-event record; throws ``CodecError`` on malformed input
    /// (``CodecError/invalidEventCount(offset:count:)`` for a multi-event record of fewer than
    /// two events).
    public init(from reader: inout PostcardReader) throws(CodecError) {
        let sequence = try reader.readU64()
        var peek = reader
        if try peek.readU32() == Self.multiEventMarker {
            reader = peek
            let at = reader.offset
            let events = try reader.readSequence { r throws(CodecError) in try WalEventType(from: &r) }
            guard events.count >= 2 else { throw .invalidEventCount(offset: at, count: events.count) }
            self.init(sequence: sequence, events: events)
        } else {
            self.init(sequence: sequence, events: [try WalEventType(from: &reader)])
        }
    }
}
