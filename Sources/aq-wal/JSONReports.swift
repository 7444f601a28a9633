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
