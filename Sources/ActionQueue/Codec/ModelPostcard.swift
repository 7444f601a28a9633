// Postcard wire forms of the core model types (field order = actionqueue core's serde order).

extension RunState: PostcardCodable {
    public func encode(to writer: inout PostcardWriter) { writer.writeU32(rawValue) }
    public init(from reader: inout PostcardReader) throws(CodecError) {
        self.init(rawValue: try reader.readDiscriminant(count: 9, type: "RunState"))!
    }
}

extension AttemptResultKind: PostcardCodable {
    public func encode(to writer: inout PostcardWriter) { writer.writeU32(rawValue) }
    public init(from reader: inout PostcardReader) throws(CodecError) {
        self.init(rawValue: try reader.readDiscriminant(count: 4, type: "AttemptResultKind"))!
    }
}

extension BudgetDimension: PostcardCodable {
    public func encode(to writer: inout PostcardWriter) { writer.writeU32(rawValue) }
    public init(from reader: inout PostcardReader) throws(CodecError) {
        self.init(rawValue: try reader.readDiscriminant(count: 3, type: "BudgetDimension"))!
    }
}

extension ConcurrencyKeyHoldPolicy: PostcardCodable {
    public func encode(to writer: inout PostcardWriter) { writer.writeU32(rawValue) }
    public init(from reader: inout PostcardReader) throws(CodecError) {
        self.init(rawValue: try reader.readDiscriminant(count: 2, type: "ConcurrencyKeyHoldPolicy"))!
    }
}

extension SafetyLevel: PostcardCodable {
    public func encode(to writer: inout PostcardWriter) { writer.writeU32(rawValue) }
    public init(from reader: inout PostcardReader) throws(CodecError) {
        self.init(rawValue: try reader.readDiscriminant(count: 3, type: "SafetyLevel"))!
    }
}

extension TaskPayload: PostcardCodable {
    public func encode(to writer: inout PostcardWriter) {
        writer.writeBytes(bytes)
        writer.writeOptional(contentType) { $0.writeString($1) }
    }
    public init(from reader: inout PostcardReader) throws(CodecError) {
        bytes = try reader.readBytes()
        contentType = try reader.readOptional { r throws(CodecError) in try r.readString() }
    }
}

extension RunPolicy: PostcardCodable {
    public func encode(to writer: inout PostcardWriter) {
        switch self {
        case .once:
            writer.writeU32(0)
        case .repeat(let count, let intervalSecs):
            writer.writeU32(1)
            writer.writeU32(count)
            writer.writeU64(intervalSecs)
        case .cron(let expression, let maxOccurrences):
            writer.writeU32(2)
            writer.writeString(expression)
            writer.writeOptional(maxOccurrences) { $0.writeU32($1) }
        }
    }
    public init(from reader: inout PostcardReader) throws(CodecError) {
        switch try reader.readDiscriminant(count: 3, type: "RunPolicy") {
        case 0: self = .once
        case 1: self = .repeat(count: try reader.readU32(), intervalSecs: try reader.readU64())
        default:
            self = .cron(expression: try reader.readString(),
                         maxOccurrences: try reader.readOptional { r throws(CodecError) in try r.readU32() })
        }
    }
}

extension TaskConstraints: PostcardCodable {
    public func encode(to writer: inout PostcardWriter) {
        writer.writeU32(maxAttempts)
        writer.writeOptional(timeoutSecs) { $0.writeU64($1) }
        writer.writeOptional(concurrencyKey) { $0.writeString($1) }
        concurrencyKeyHoldPolicy.encode(to: &writer)
        safetyLevel.encode(to: &writer)
        writer.writeOptional(requiredCapabilities) { w, caps in w.writeSequence(caps) { $0.writeString($1) } }
    }
    public init(from reader: inout PostcardReader) throws(CodecError) {
        maxAttempts = try reader.readU32()
        timeoutSecs = try reader.readOptional { r throws(CodecError) in try r.readU64() }
        concurrencyKey = try reader.readOptional { r throws(CodecError) in try r.readString() }
        concurrencyKeyHoldPolicy = try ConcurrencyKeyHoldPolicy(from: &reader)
        safetyLevel = try SafetyLevel(from: &reader)
        requiredCapabilities = try reader.readOptional { r throws(CodecError) in
            try r.readSequence { r2 throws(CodecError) in try r2.readString() }
        }
    }
}

extension TaskMetadata: PostcardCodable {
    public func encode(to writer: inout PostcardWriter) {
        writer.writeSequence(tags) { $0.writeString($1) }
        writer.writeI32(priority)
        writer.writeOptional(description) { $0.writeString($1) }
    }
    public init(from reader: inout PostcardReader) throws(CodecError) {
        tags = try reader.readSequence { r throws(CodecError) in try r.readString() }
        priority = try reader.readI32()
        description = try reader.readOptional { r throws(CodecError) in try r.readString() }
    }
}

extension TaskSpec: PostcardCodable {
    public func encode(to writer: inout PostcardWriter) {
        writer.writeIdentifier(id)
        payload.encode(to: &writer)
        runPolicy.encode(to: &writer)
        constraints.encode(to: &writer)
        metadata.encode(to: &writer)
        writer.writeOptional(parentTaskId) { $0.writeIdentifier($1) }
        writer.writeOptional(tenantId) { $0.writeIdentifier($1) }
    }
    public init(from reader: inout PostcardReader) throws(CodecError) {
        id = try reader.readIdentifier()
        payload = try TaskPayload(from: &reader)
        runPolicy = try RunPolicy(from: &reader)
        constraints = try TaskConstraints(from: &reader)
        metadata = try TaskMetadata(from: &reader)
        parentTaskId = try reader.readOptional { r throws(CodecError) in try r.readIdentifier() }
        tenantId = try reader.readOptional { r throws(CodecError) in try r.readIdentifier() }
    }
}

extension RunInstance: PostcardCodable {
    public func encode(to writer: inout PostcardWriter) {
        writer.writeIdentifier(id)
        writer.writeIdentifier(taskId)
        state.encode(to: &writer)
        writer.writeOptional(currentAttemptId) { $0.writeIdentifier($1) }
        writer.writeU32(attemptCount)
        writer.writeU64(createdAt)
        writer.writeU64(scheduledAt)
        writer.writeI32(effectivePriority)
        writer.writeU64(lastStateChangeAt)
    }
    public init(from reader: inout PostcardReader) throws(CodecError) {
        id = try reader.readIdentifier()
        taskId = try reader.readIdentifier()
        state = try RunState(from: &reader)
        currentAttemptId = try reader.readOptional { r throws(CodecError) in try r.readIdentifier() }
        attemptCount = try reader.readU32()
        createdAt = try reader.readU64()
        scheduledAt = try reader.readU64()
        effectivePriority = try reader.readI32()
        lastStateChangeAt = try reader.readU64()
    }
}

extension EventFilter: PostcardCodable {
    public func encode(to writer: inout PostcardWriter) {
        switch self {
        case .taskCompleted(let taskId):
            writer.writeU32(0)
            writer.writeIdentifier(taskId)
        case .runStateChanged(let taskId, let state):
            writer.writeU32(1)
            writer.writeIdentifier(taskId)
            state.encode(to: &writer)
        case .budgetThreshold(let taskId, let dimension, let thresholdPercent):
            writer.writeU32(2)
            writer.writeIdentifier(taskId)
            dimension.encode(to: &writer)
            writer.writeU8(thresholdPercent)
        case .custom(let key):
            writer.writeU32(3)
            writer.writeString(key)
        }
    }
    public init(from reader: inout PostcardReader) throws(CodecError) {
        switch try reader.readDiscriminant(count: 4, type: "EventFilter") {
        case 0: self = .taskCompleted(taskId: try reader.readIdentifier())
        case 1: self = .runStateChanged(taskId: try reader.readIdentifier(), state: try RunState(from: &reader))
        case 2:
            self = .budgetThreshold(taskId: try reader.readIdentifier(), dimension: try BudgetDimension(from: &reader),
                                    thresholdPercent: try reader.readU8())
        default: self = .custom(key: try reader.readString())
        }
    }
}

extension Role: PostcardCodable {
    public func encode(to writer: inout PostcardWriter) {
        switch self {
        case .operator: writer.writeU32(0)
        case .auditor: writer.writeU32(1)
        case .gatekeeper: writer.writeU32(2)
        case .custom(let name):
            writer.writeU32(3)
            writer.writeString(name)
        }
    }
    public init(from reader: inout PostcardReader) throws(CodecError) {
        switch try reader.readDiscriminant(count: 4, type: "Role") {
        case 0: self = .operator
        case 1: self = .auditor
        case 2: self = .gatekeeper
        default: self = .custom(try reader.readString())
        }
    }
}

extension Capability: PostcardCodable {
    public func encode(to writer: inout PostcardWriter) {
        switch self {
        case .canSubmit: writer.writeU32(0)
        case .canExecute: writer.writeU32(1)
        case .canReview: writer.writeU32(2)
        case .canApprove: writer.writeU32(3)
        case .canCancel: writer.writeU32(4)
        case .custom(let name):
            writer.writeU32(5)
            writer.writeString(name)
        }
    }
    public init(from reader: inout PostcardReader) throws(CodecError) {
        switch try reader.readDiscriminant(count: 6, type: "Capability") {
        case 0: self = .canSubmit
        case 1: self = .canExecute
        case 2: self = .canReview
        case 3: self = .canApprove
        case 4: self = .canCancel
        default: self = .custom(try reader.readString())
        }
    }
}
