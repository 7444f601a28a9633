import Foundation
import Logging

extension Logger {
    /// The logger of the crash simulations: they inject thousands of faults, each of which the
    /// log reports (poisoned, torn tail repaired, write-back error found), and their reports
    /// count what matters. Quiet unless `AQ_SIMULATION_LOG` names a level (`warning`, `debug`).
    static let simulation: Logger = {
        var logger = Logger(label: "aqlog-simulation")
        let level = ProcessInfo.processInfo.environment["AQ_SIMULATION_LOG"].flatMap(Logger.Level.init(rawValue:))
        logger.logLevel = level ?? .critical
        return logger
    }()
}
