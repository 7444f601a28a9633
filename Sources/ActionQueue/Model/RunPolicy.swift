/// How many times a task runs. Discriminants: Once 0, Repeat 1, Cron 2.
///
/// Cron carries its expression verbatim (it is not parsed here) and an optional cap; the
/// Option tag of `maxOccurrences` is always written, which matches current postcard output
/// for the reference's skip-if-None field.
public enum RunPolicy: Sendable, Hashable {
    case once
    case `repeat`(count: UInt32, intervalSecs: UInt64)
    case cron(expression: String, maxOccurrences: UInt32?)
}
