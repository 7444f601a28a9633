/// A registered remote actor.
public struct ActorRecord: Sendable, Hashable {
    public var identity: String
    public var capabilities: [String]
    public var department: String?
    public var heartbeatIntervalSecs: UInt64
    public var tenantId: TenantId?
    public var registeredAt: UInt64
    public var lastHeartbeatAt: UInt64?
    public var deregisteredAt: UInt64?
    public init(identity: String, capabilities: [String], department: String?, heartbeatIntervalSecs: UInt64,
                tenantId: TenantId?, registeredAt: UInt64, lastHeartbeatAt: UInt64? = nil,
                deregisteredAt: UInt64? = nil) {
        self.identity = identity
        self.capabilities = capabilities
        self.department = department
        self.heartbeatIntervalSecs = heartbeatIntervalSecs
        self.tenantId = tenantId
        self.registeredAt = registeredAt
        self.lastHeartbeatAt = lastHeartbeatAt
        self.deregisteredAt = deregisteredAt
    }
}

/// A tenant.
public struct TenantRecord: Sendable, Hashable {
    public var name: String
    public var createdAt: UInt64
    public init(name: String, createdAt: UInt64) {
        self.name = name
        self.createdAt = createdAt
    }
}

/// Key of a role assignment: one role per (actor, tenant).
public struct RoleAssignmentKey: Sendable, Hashable {
    public var actorId: ActorId
    public var tenantId: TenantId
    public init(actorId: ActorId, tenantId: TenantId) {
        self.actorId = actorId
        self.tenantId = tenantId
    }
}

/// A role held by an actor within a tenant.
public struct RoleAssignmentRecord: Sendable, Hashable {
    public var role: Role
    public var assignedAt: UInt64
    public init(role: Role, assignedAt: UInt64) {
        self.role = role
        self.assignedAt = assignedAt
    }
}

/// Key of a capability grant: (actor, capability, tenant).
public struct CapabilityGrantKey: Sendable, Hashable {
    public var actorId: ActorId
    public var capability: Capability
    public var tenantId: TenantId
    public init(actorId: ActorId, capability: Capability, tenantId: TenantId) {
        self.actorId = actorId
        self.capability = capability
        self.tenantId = tenantId
    }
}

/// A capability grant; revoked when `revokedAt` is set.
public struct CapabilityGrantRecord: Sendable, Hashable {
    public var grantedAt: UInt64
    public var revokedAt: UInt64?
    public init(grantedAt: UInt64, revokedAt: UInt64? = nil) {
        self.grantedAt = grantedAt
        self.revokedAt = revokedAt
    }
}

/// One append-only ledger entry.
public struct LedgerEntry: Sendable, Hashable {
    public var entryId: LedgerEntryId
    public var tenantId: TenantId
    public var ledgerKey: String
    public var actorId: ActorId?
    public var payload: [UInt8]
    public var timestamp: UInt64
    public init(entryId: LedgerEntryId, tenantId: TenantId, ledgerKey: String, actorId: ActorId?, payload: [UInt8],
                timestamp: UInt64) {
        self.entryId = entryId
        self.tenantId = tenantId
        self.ledgerKey = ledgerKey
        self.actorId = actorId
        self.payload = payload
        self.timestamp = timestamp
    }
}
