import Foundation
import Logging

/// A swift-log handler that keeps every message, for asserting on warnings.
struct CapturingLogHandler: LogHandler {
    final class Box: @unchecked Sendable {
        let lock = NSLock()
        var entries: [(Logger.Level, String)] = []
        var messages: [(Logger.Level, String)] { lock.withLock { entries } }
    }
    let box: Box
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace
    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }
    func log(event: LogEvent) {
        box.lock.withLock { box.entries.append((event.level, event.message.description)) }
    }

    /// A logger writing into a fresh box.
    static func logger() -> (Logger, Box) {
        let box = Box()
        return (Logger(label: "test") { _ in CapturingLogHandler(box: box) }, box)
    }
}
