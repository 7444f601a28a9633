import AQLog

/// JSON shapes shared by several commands (documented in `docs/OPERATIONS.md`).
extension JSONValue {
    static func checkpoint(_ status: CheckpointStatus) -> JSONValue {
        switch status {
        case .absent: return .object([("status", .string("absent")), ("sequence", .null)])
        case .recorded(let s): return .object([("status", .string("recorded")), ("sequence", .uint(s))])
        case .damaged(let d):
            return .object([("status", .string("damaged")), ("sequence", .null), ("file", .string(d.file)),
                            ("offset", .int(d.offset)), ("reason", .string(d.reason))])
        }
    }

    /// The archive state, held bytes and age, and each segment's archived flag.
    static func archive(_ status: ArchiveStatus?) -> JSONValue {
        guard let status else { return .null }
        let state: JSONValue = switch status.state {
        case .notArchiving: .object([("status", .string("not_archiving")), ("archived_through", .null)])
        case .archived(let through): .object([("status", .string("archiving")), ("archived_through", .uint(through))])
        case .damaged(let d): .object([("status", .string("damaged")), ("archived_through", .null), ("file", .string(d.file)),
                                        ("offset", .int(d.offset)), ("reason", .string(d.reason))])
        }
        let segments: [JSONValue] = status.segments.map { s in
            .object([("file", .string(s.fileName)), ("sealed", .bool(s.sealed)), ("archived", .bool(s.archived))])
        }
        return .object([("state", state), ("held_bytes", .int(status.heldBytes)), ("held_segments", .int(status.held.count)),
                        ("held_age_seconds", status.heldAge().map { .int(Int($0)) } ?? .null), ("segments", .array(segments))])
    }

    static func tornTail(_ t: TornTail?) -> JSONValue {
        guard let t else { return .null }
        return .object([("file", .string(t.file)), ("offset", .int(t.offset)), ("length", .int(t.length)),
                        ("reason", .string(t.reason.code)), ("uncommitted_records", .int(t.uncommittedRecords)),
                        ("unsynced_committed_records", .int(t.unsyncedCommittedRecords))])
    }

    static func corruption(_ d: CorruptionDiagnosis?) -> JSONValue {
        guard let d else { return .null }
        return .object([("file", .string(d.file)), ("offset", .int(d.offset)), ("reason", .string(d.reason.code)),
                        ("detail", .string(d.reason.description))])
    }
}
