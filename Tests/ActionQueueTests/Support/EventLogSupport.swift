@testable import ActionQueue

/// Appends events (sequences 1, 2, …) to a log as the authority would.
func appendAll(_ events: [WalEventType], to log: InMemoryEventLog) throws {
    for event in events {
        let sequence = log.lastSequence + 1
        _ = try log.append(WalEvent(sequence: sequence, event: event).postcardBytes(), expectedSequence: sequence)
    }
}
