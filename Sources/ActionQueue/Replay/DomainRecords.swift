/// The prerequisites declared for a task (a union over all its declarations).
public struct DependencyRecord: Sendable, Hashable {
    public var prerequisites: Set<TaskId>
    /// Timestamp of the latest declaration.
    public var declaredAt: UInt64
    public init(prerequisites: Set<TaskId>, declaredAt: UInt64) {
        self.prerequisites = prerequisites
        self.declaredAt = declaredAt
    }
}

/// Key of a budget: one allocation per (task, dimension).
public struct BudgetKey: Sendable, Hashable, Comparable {
    public var taskId: TaskId
    public var dimension: BudgetDimension
    public init(taskId: TaskId, dimension: BudgetDimension) {
        self.taskId = taskId
        self.dimension = dimension
    }
    public static func < (lhs: Self, rhs: Self) -> Bool {
        lhs.taskId != rhs.taskId ? lhs.taskId < rhs.taskId : lhs.dimension < rhs.dimension
    }
}

/// A budget allocation and its consumption.
public struct BudgetRecord: Sendable, Hashable {
    public var limit: UInt64
    public var consumed: UInt64
    public var allocatedAt: UInt64
    public var exhausted: Bool
    public init(limit: UInt64, consumed: UInt64 = 0, allocatedAt: UInt64, exhausted: Bool = false) {
        self.limit = limit
        self.consumed = consumed
        self.allocatedAt = allocatedAt
        self.exhausted = exhausted
    }
}

/// An event subscription of a task.
public struct SubscriptionRecord: Sendable, Hashable {
    public var taskId: TaskId
    public var filter: EventFilter
    public var createdAt: UInt64
    public var triggeredAt: UInt64?
    public var canceledAt: UInt64?
    public init(taskId: TaskId, filter: EventFilter, createdAt: UInt64, triggeredAt: UInt64? = nil,
                canceledAt: UInt64? = nil) {
        self.taskId = taskId
        self.filter = filter
        self.createdAt = createdAt
        self.triggeredAt = triggeredAt
        self.canceledAt = canceledAt
    }
}
