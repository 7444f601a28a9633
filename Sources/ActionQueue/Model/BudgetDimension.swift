/// The unit a budget is measured in. Raw values are the postcard discriminants.
public enum BudgetDimension: UInt32, Sendable, Hashable, CaseIterable, Comparable {
    case token = 0
    case costCents = 1
    case timeSecs = 2

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
}
