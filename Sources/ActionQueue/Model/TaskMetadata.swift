/// Organisational metadata of a task: tags, priority hint, description.
public struct TaskMetadata: Sendable, Hashable {
    public var tags: [String]
    public var priority: Int32
    public var description: String?
    public init(tags: [String] = [], priority: Int32 = 0, description: String? = nil) {
        self.tags = tags
        self.priority = priority
        self.description = description
    }
}
