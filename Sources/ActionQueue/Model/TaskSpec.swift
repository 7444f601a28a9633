/// The user's durable intent: what to execute, how often, under which constraints.
///
/// Field order is the postcard wire order of actionqueue core's `TaskSpec`
/// (id, payload, run policy, constraints, metadata, parent task, tenant); the optional
/// fields are always encoded with their tag (postcard is not self-describing).
public struct TaskSpec: Sendable, Hashable {
    public var id: TaskId
    public var payload: TaskPayload
    public var runPolicy: RunPolicy
    public var constraints: TaskConstraints
    public var metadata: TaskMetadata
    public var parentTaskId: TaskId?
    public var tenantId: TenantId?

    public init(id: TaskId, payload: TaskPayload = TaskPayload(), runPolicy: RunPolicy = .once,
                constraints: TaskConstraints = TaskConstraints(), metadata: TaskMetadata = TaskMetadata(),
                parentTaskId: TaskId? = nil, tenantId: TenantId? = nil) {
        self.id = id
        self.payload = payload
        self.runPolicy = runPolicy
        self.constraints = constraints
        self.metadata = metadata
        self.parentTaskId = parentTaskId
        self.tenantId = tenantId
    }
}

/// Opaque payload bytes with an optional content-type hint.
public struct TaskPayload: Sendable, Hashable {
    public var bytes: [UInt8]
    public var contentType: String?
    public init(bytes: [UInt8] = [], contentType: String? = nil) {
        self.bytes = bytes
        self.contentType = contentType
    }
}
