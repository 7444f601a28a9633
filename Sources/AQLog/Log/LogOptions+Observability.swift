import Logging
import Metrics

extension LogOptions {
    /// The logger for everything this log reports: its writer, committer, recovery and
    /// repairs at open, and the io_uring files ``Log/open(directory:options:durability:)-(String,_,_)`` and
    /// ``LogWriter/open(directory:options:durability:)-(String,_,_)`` create. `nil` (the default): a logger
    /// labelled `aqlog` from the process's `LoggingSystem`.
    public var logger: Logger? {
        get { observability.logger }
        set { observability.logger = newValue }
    }

    /// The swift-metrics factory every instrument of this log is made by. `nil` (the
    /// default): `MetricsSystem.factory`, the process's bootstrapped backend (no-ops until one
    /// is), as read when the log is opened. The instruments are listed in the repository's
    /// `docs/OPERATIONS.md` (Observability).
    public var metricsFactory: (any MetricsFactory)? {
        get { observability.metricsFactory }
        set { observability.metricsFactory = newValue }
    }
}

extension LogOptions {
    /// Archives each segment of the concurrent ``Log`` right after it is sealed, off the
    /// append path (``LogArchiving``); `nil` (the default): the log is archived, if at all, by
    /// a ``LogArchiver`` run elsewhere (`aq-wal archive` from cron). Not compared by `==`.
    public var archiving: LogArchiving? {
        get { observability.archiving }
        set { observability.archiving = newValue }
    }
}

/// Where a log reports: its logger and metrics factory (`nil`: the process's defaults).
/// Always equal: it observes a log and does not configure it, so ``LogOptions``'s synthesized
/// `==` compares every configuring field and none of these.
struct Observability: Sendable, Equatable {
    var logger: Logger?
    var metricsFactory: (any MetricsFactory)?
    /// Attached behaviour, not compared either: a closure has no equality.
    var archiving: LogArchiving?

    /// The logger used when none is given: label `aqlog`.
    static var defaultLogger: Logger { Logger(label: "aqlog") }

    static func == (lhs: Observability, rhs: Observability) -> Bool { true }
}

extension Optional where Wrapped == Logger {
    /// The logger given, or the default one (label `aqlog`).
    var orDefault: Logger { self ?? Observability.defaultLogger }
}

extension Optional where Wrapped == any MetricsFactory {
    /// The factory given, or the process's (`MetricsSystem.factory`).
    var orDefault: any MetricsFactory { self ?? MetricsSystem.factory }
}
