/// The prerequisites declared for a task (a union over all its declarations).
public struct DependencyRecord: Sendable, Hashable {
    /// Every task named by the task's declarations (all known tasks).
    public var prerequisites: Set<TaskId>
    /// Timestamp of the latest declaration.
    public var declaredAt: UInt64
    /// Creates a dependency record.
    public init(prerequisites: Set<TaskId>, declaredAt: UInt64) {
        self.prerequisites = prerequisites
        self.declaredAt = declaredAt
    }
}

/// Key of a budget: one allocation per (task, dimension).
public struct BudgetKey: Sendable, Hashable, Comparable {
    /// The task the budget belongs to.
    public var taskId: TaskId
    /// What the budget measures.
    public var dimension: BudgetDimension
    /// Creates the key of `taskId`'s budget in `dimension`.
    public init(taskId: TaskId, dimension: BudgetDimension) {
        self.taskId = taskId
        self.dimension = dimension
    }
    /// Orders keys by task id, then by dimension.
    public static func < (lhs: Self, rhs: Self) -> Bool {
        lhs.taskId != rhs.taskId ? lhs.taskId < rhs.taskId : lhs.dimension < rhs.dimension
    }
}

/// A budget allocation and its consumption.
public struct BudgetRecord: Sendable, Hashable {
    /// The allocated amount (replaced by a replenishment).
    public var limit: UInt64
    /// The amount consumed since the allocation or the last replenishment (saturating).
    public var consumed: UInt64
    /// When the budget was allocated.
    public var allocatedAt: UInt64
    /// True once consumption reached the limit (or a `budgetExhausted` event was replayed),
    /// until the next replenishment.
    public var exhausted: Bool
    /// Creates a budget record; a new allocation has nothing consumed and is not exhausted.
    public init(limit: UInt64, consumed: UInt64 = 0, allocatedAt: UInt64, exhausted: Bool = false) {
        self.limit = limit
        self.consumed = consumed
        self.allocatedAt = allocatedAt
        self.exhausted = exhausted
    }
}

/// An event subscription of a task.
public struct SubscriptionRecord: Sendable, Hashable {
    /// The subscribing task.
    public var taskId: TaskId
    /// Which events trigger the subscription.
    public var filter: EventFilter
    /// When the subscription was created.
    public var createdAt: UInt64
    /// When it last fired (nil: never).
    public var triggeredAt: UInt64?
    /// When it was canceled (nil: active).
    public var canceledAt: UInt64?
    /// Creates a subscription record.
    public init(taskId: TaskId, filter: EventFilter, createdAt: UInt64, triggeredAt: UInt64? = nil,
                canceledAt: UInt64? = nil) {
        self.taskId = taskId
        self.filter = filter
        self.createdAt = createdAt
        self.triggeredAt = triggeredAt
        self.canceledAt = canceledAt
    }
}
