// Postcard forms of the projection records and of the snapshot body (schema version 1).
// Field order is the declaration order of each record; see docs/FORMAT.md.

private extension PostcardWriter {
    mutating func writeOptU64(_ v: UInt64?) { writeOptional(v) { $0.writeU64($1) } }
}

private extension PostcardReader {
    mutating func readOptU64() throws(CodecError) -> UInt64? { try readOptional { r throws(CodecError) in try r.readU64() } }
}

extension TaskRecord: PostcardCodable {
    /// Writes the spec, `createdAt`, `updatedAt?`, `canceledAt?`.
    public func encode(to w: inout PostcardWriter) {
        spec.encode(to: &w); w.writeU64(createdAt); w.writeOptU64(updatedAt); w.writeOptU64(canceledAt)
    }
    /// Reads the fields in the order ``encode(to:)`` writes them; throws ``CodecError`` on
    /// malformed input.
    public init(from r: inout PostcardReader) throws(CodecError) {
        self.init(spec: try TaskSpec(from: &r), createdAt: try r.readU64(), updatedAt: try r.readOptU64(),
                  canceledAt: try r.readOptU64())
    }
}

extension StateHistoryEntry: PostcardCodable {
    /// Writes `from?`, `to`, `timestamp`.
    public func encode(to w: inout PostcardWriter) {
        w.writeOptional(from) { $1.encode(to: &$0) }; to.encode(to: &w); w.writeU64(timestamp)
    }
    /// Reads the fields in the order ``encode(to:)`` writes them; throws ``CodecError`` on
    /// malformed input.
    public init(from r: inout PostcardReader) throws(CodecError) {
        self.init(from: try r.readOptional { r2 throws(CodecError) in try RunState(from: &r2) },
                  to: try RunState(from: &r), timestamp: try r.readU64())
    }
}

extension AttemptRecord: PostcardCodable {
    /// Writes the attempt id, `startedAt`, `finishedAt?`, `result?`, `error?`, `output?`.
    public func encode(to w: inout PostcardWriter) {
        w.writeIdentifier(attemptId); w.writeU64(startedAt); w.writeOptU64(finishedAt)
        w.writeOptional(result) { $1.encode(to: &$0) }
        w.writeOptional(error) { $0.writeString($1) }
        w.writeOptional(output) { $0.writeBytes($1) }
    }
    /// Reads the fields in the order ``encode(to:)`` writes them; throws ``CodecError`` on
    /// malformed input.
    public init(from r: inout PostcardReader) throws(CodecError) {
        self.init(attemptId: try r.readIdentifier(), startedAt: try r.readU64(), finishedAt: try r.readOptU64(),
                  result: try r.readOptional { r2 throws(CodecError) in try AttemptResultKind(from: &r2) },
                  error: try r.readOptional { r2 throws(CodecError) in try r2.readString() },
                  output: try r.readOptional { r2 throws(CodecError) in try r2.readBytes() })
    }
}

extension LeaseRecord: PostcardCodable {
    /// Writes `owner`, `expiry`, `acquiredAt`, `updatedAt`.
    public func encode(to w: inout PostcardWriter) {
        w.writeString(owner); w.writeU64(expiry); w.writeU64(acquiredAt); w.writeU64(updatedAt)
    }
    /// Reads the fields in the order ``encode(to:)`` writes them; throws ``CodecError`` on
    /// malformed input.
    public init(from r: inout PostcardReader) throws(CodecError) {
        self.init(owner: try r.readString(), expiry: try r.readU64(), acquiredAt: try r.readU64(), updatedAt: try r.readU64())
    }
}

extension RunRecord: PostcardCodable {
    /// Writes the instance, then the history, the attempts (two sequences) and `lease?`.
    public func encode(to w: inout PostcardWriter) {
        instance.encode(to: &w)
        w.writeSequence(history) { $1.encode(to: &$0) }
        w.writeSequence(attempts) { $1.encode(to: &$0) }
        w.writeOptional(lease) { $1.encode(to: &$0) }
    }
    /// Reads the fields in the order ``encode(to:)`` writes them; throws ``CodecError`` on
    /// malformed input.
    public init(from r: inout PostcardReader) throws(CodecError) {
        self.init(instance: try RunInstance(from: &r),
                  history: try r.readSequence { r2 throws(CodecError) in try StateHistoryEntry(from: &r2) },
                  attempts: try r.readSequence { r2 throws(CodecError) in try AttemptRecord(from: &r2) },
                  lease: try r.readOptional { r2 throws(CodecError) in try LeaseRecord(from: &r2) })
    }
}

extension EngineControl: PostcardCodable {
    /// Writes `paused` (a bool), `pausedAt?`, `resumedAt?`.
    public func encode(to w: inout PostcardWriter) { w.writeBool(paused); w.writeOptU64(pausedAt); w.writeOptU64(resumedAt) }
    /// Reads the fields in the order ``encode(to:)`` writes them; throws ``CodecError`` on
    /// malformed input.
    public init(from r: inout PostcardReader) throws(CodecError) {
        self.init(paused: try r.readBool(), pausedAt: try r.readOptU64(), resumedAt: try r.readOptU64())
    }
}

extension DependencyRecord: PostcardCodable {
    /// Prerequisites are written sorted, so the bytes are deterministic.
    public func encode(to w: inout PostcardWriter) {
        w.writeSequence(prerequisites.sorted()) { $0.writeIdentifier($1) }; w.writeU64(declaredAt)
    }
    /// Reads the prerequisites and `declaredAt`; throws ``CodecError`` on malformed input.
    public init(from r: inout PostcardReader) throws(CodecError) {
        let list: [TaskId] = try r.readSequence { r2 throws(CodecError) in try r2.readIdentifier() }
        self.init(prerequisites: Set(list), declaredAt: try r.readU64())
    }
}

extension BudgetKey: PostcardCodable {
    /// Writes the task id, then the dimension.
    public func encode(to w: inout PostcardWriter) { w.writeIdentifier(taskId); dimension.encode(to: &w) }
    /// Reads the fields in the order ``encode(to:)`` writes them; throws ``CodecError`` on
    /// malformed input.
    public init(from r: inout PostcardReader) throws(CodecError) {
        self.init(taskId: try r.readIdentifier(), dimension: try BudgetDimension(from: &r))
    }
}

extension BudgetRecord: PostcardCodable {
    /// Writes `limit`, `consumed`, `allocatedAt`, `exhausted` (a bool).
    public func encode(to w: inout PostcardWriter) {
        w.writeU64(limit); w.writeU64(consumed); w.writeU64(allocatedAt); w.writeBool(exhausted)
    }
    /// Reads the fields in the order ``encode(to:)`` writes them; throws ``CodecError`` on
    /// malformed input.
    public init(from r: inout PostcardReader) throws(CodecError) {
        self.init(limit: try r.readU64(), consumed: try r.readU64(), allocatedAt: try r.readU64(), exhausted: try r.readBool())
    }
}

extension SubscriptionRecord: PostcardCodable {
    /// Writes the task id, the filter, `createdAt`, `triggeredAt?`, `canceledAt?`.
    public func encode(to w: inout PostcardWriter) {
        w.writeIdentifier(taskId); filter.encode(to: &w); w.writeU64(createdAt); w.writeOptU64(triggeredAt)
        w.writeOptU64(canceledAt)
    }
    /// Reads the fields in the order ``encode(to:)`` writes them; throws ``CodecError`` on
    /// malformed input.
    public init(from r: inout PostcardReader) throws(CodecError) {
        self.init(taskId: try r.readIdentifier(), filter: try EventFilter(from: &r), createdAt: try r.readU64(),
                  triggeredAt: try r.readOptU64(), canceledAt: try r.readOptU64())
    }
}

extension ActorRecord: PostcardCodable {
    /// Writes `identity`, `capabilities`, `department?`, `heartbeatIntervalSecs`, `tenantId?`,
    /// `registeredAt`, `lastHeartbeatAt?`, `deregisteredAt?`.
    public func encode(to w: inout PostcardWriter) {
        w.writeString(identity); w.writeSequence(capabilities) { $0.writeString($1) }
        w.writeOptional(department) { $0.writeString($1) }; w.writeU64(heartbeatIntervalSecs)
        w.writeOptional(tenantId) { $0.writeIdentifier($1) }; w.writeU64(registeredAt)
        w.writeOptU64(lastHeartbeatAt); w.writeOptU64(deregisteredAt)
    }
    /// Reads the fields in the order ``encode(to:)`` writes them; throws ``CodecError`` on
    /// malformed input.
    public init(from r: inout PostcardReader) throws(CodecError) {
        self.init(identity: try r.readString(),
                  capabilities: try r.readSequence { r2 throws(CodecError) in try r2.readString() },
                  department: try r.readOptional { r2 throws(CodecError) in try r2.readString() },
                  heartbeatIntervalSecs: try r.readU64(),
                  tenantId: try r.readOptional { r2 throws(CodecError) in try r2.readIdentifier() },
                  registeredAt: try r.readU64(), lastHeartbeatAt: try r.readOptU64(), deregisteredAt: try r.readOptU64())
    }
}

extension TenantRecord: PostcardCodable {
    /// Writes `name`, `createdAt`.
    public func encode(to w: inout PostcardWriter) { w.writeString(name); w.writeU64(createdAt) }
    /// Reads the fields in the order ``encode(to:)`` writes them; throws ``CodecError`` on
    /// malformed input.
    public init(from r: inout PostcardReader) throws(CodecError) {
        self.init(name: try r.readString(), createdAt: try r.readU64())
    }
}

extension RoleAssignmentKey: PostcardCodable {
    /// Writes the actor id, then the tenant id.
    public func encode(to w: inout PostcardWriter) { w.writeIdentifier(actorId); w.writeIdentifier(tenantId) }
    /// Reads the fields in the order ``encode(to:)`` writes them; throws ``CodecError`` on
    /// malformed input.
    public init(from r: inout PostcardReader) throws(CodecError) {
        self.init(actorId: try r.readIdentifier(), tenantId: try r.readIdentifier())
    }
}

extension RoleAssignmentRecord: PostcardCodable {
    /// Writes the role, then `assignedAt`.
    public func encode(to w: inout PostcardWriter) { role.encode(to: &w); w.writeU64(assignedAt) }
    /// Reads the fields in the order ``encode(to:)`` writes them; throws ``CodecError`` on
    /// malformed input.
    public init(from r: inout PostcardReader) throws(CodecError) {
        self.init(role: try Role(from: &r), assignedAt: try r.readU64())
    }
}

extension CapabilityGrantKey: PostcardCodable {
    /// Writes the actor id, the capability, the tenant id.
    public func encode(to w: inout PostcardWriter) {
        w.writeIdentifier(actorId); capability.encode(to: &w); w.writeIdentifier(tenantId)
    }
    /// Reads the fields in the order ``encode(to:)`` writes them; throws ``CodecError`` on
    /// malformed input.
    public init(from r: inout PostcardReader) throws(CodecError) {
        self.init(actorId: try r.readIdentifier(), capability: try Capability(from: &r), tenantId: try r.readIdentifier())
    }
}

extension CapabilityGrantRecord: PostcardCodable {
    /// Writes `grantedAt`, `revokedAt?`.
    public func encode(to w: inout PostcardWriter) { w.writeU64(grantedAt); w.writeOptU64(revokedAt) }
    /// Reads the fields in the order ``encode(to:)`` writes them; throws ``CodecError`` on
    /// malformed input.
    public init(from r: inout PostcardReader) throws(CodecError) {
        self.init(grantedAt: try r.readU64(), revokedAt: try r.readOptU64())
    }
}

extension LedgerEntry: PostcardCodable {
    /// Writes the entry id, the tenant id, `ledgerKey`, `actorId?`, `payload`, `timestamp`.
    public func encode(to w: inout PostcardWriter) {
        w.writeIdentifier(entryId); w.writeIdentifier(tenantId); w.writeString(ledgerKey)
        w.writeOptional(actorId) { $0.writeIdentifier($1) }; w.writeBytes(payload); w.writeU64(timestamp)
    }
    /// Reads the fields in the order ``encode(to:)`` writes them; throws ``CodecError`` on
    /// malformed input.
    public init(from r: inout PostcardReader) throws(CodecError) {
        self.init(entryId: try r.readIdentifier(), tenantId: try r.readIdentifier(), ledgerKey: try r.readString(),
                  actorId: try r.readOptional { r2 throws(CodecError) in try r2.readIdentifier() },
                  payload: try r.readBytes(), timestamp: try r.readU64())
    }
}

extension SnapshotEntry: PostcardCodable where Key: PostcardCodable, Value: PostcardCodable {
    /// Writes the key, then the value.
    public func encode(to w: inout PostcardWriter) { key.encode(to: &w); value.encode(to: &w) }
    /// Reads the fields in the order ``encode(to:)`` writes them; throws ``CodecError`` on
    /// malformed input.
    public init(from r: inout PostcardReader) throws(CodecError) {
        self.init(key: try Key(from: &r), value: try Value(from: &r))
    }
}

extension Snapshot {
    /// The snapshot body (everything but schema version, sequence and timestamp, which
    /// live in the file header).
    func encodeBody(to w: inout PostcardWriter) {
        w.writeSequence(tasks) { $1.encode(to: &$0) }
        w.writeSequence(runs) { $1.encode(to: &$0) }
        engine.encode(to: &w)
        w.writeSequence(dependencies) { $1.encode(to: &$0) }
        w.writeSequence(budgets) { $1.encode(to: &$0) }
        w.writeSequence(subscriptions) { $1.encode(to: &$0) }
        w.writeSequence(actors) { $1.encode(to: &$0) }
        w.writeSequence(tenants) { $1.encode(to: &$0) }
        w.writeSequence(roleAssignments) { $1.encode(to: &$0) }
        w.writeSequence(capabilityGrants) { $1.encode(to: &$0) }
        w.writeSequence(ledger) { $1.encode(to: &$0) }
    }

    init(schemaVersion: UInt32, walSequence: UInt64, timestamp: UInt64, body r: inout PostcardReader) throws(CodecError) {
        self.init(
            schemaVersion: schemaVersion, walSequence: walSequence, timestamp: timestamp,
            tasks: try r.readSequence { r2 throws(CodecError) in try TaskRecord(from: &r2) },
            runs: try r.readSequence { r2 throws(CodecError) in try RunRecord(from: &r2) },
            engine: try EngineControl(from: &r),
            dependencies: try r.readSequence { r2 throws(CodecError) in try SnapshotEntry(from: &r2) },
            budgets: try r.readSequence { r2 throws(CodecError) in try SnapshotEntry(from: &r2) },
            subscriptions: try r.readSequence { r2 throws(CodecError) in try SnapshotEntry(from: &r2) },
            actors: try r.readSequence { r2 throws(CodecError) in try SnapshotEntry(from: &r2) },
            tenants: try r.readSequence { r2 throws(CodecError) in try SnapshotEntry(from: &r2) },
            roleAssignments: try r.readSequence { r2 throws(CodecError) in try SnapshotEntry(from: &r2) },
            capabilityGrants: try r.readSequence { r2 throws(CodecError) in try SnapshotEntry(from: &r2) },
            ledger: try r.readSequence { r2 throws(CodecError) in try LedgerEntry(from: &r2) })
        try r.expectEnd()
    }
}
