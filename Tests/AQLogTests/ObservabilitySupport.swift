import Foundation
import Logging
import Metrics
import MetricsTestKit
import Synchronization

/// What a ``RecordingLogHandler`` received: each event's level, message and metadata.
final class LogRecords: Sendable {
    struct Entry: Sendable {
        var level: Logger.Level
        var message: String
        var metadata: [String: String]
    }
    private let entries = Mutex<[Entry]>([])
    func add(_ e: Entry) { entries.withLock { $0.append(e) } }
    var all: [Entry] { entries.withLock { $0 } }
    /// The entries at `level` whose message is `message`.
    func entries(_ level: Logger.Level, _ message: String) -> [Entry] { all.filter { $0.level == level && $0.message == message } }
}

/// A swift-log handler that keeps every event (every level) in a ``LogRecords``.
struct RecordingLogHandler: LogHandler {
    let records: LogRecords
    var metadata: Logger.Metadata = [:]
    var metadataProvider: Logger.MetadataProvider?
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        records.add(.init(level: event.level, message: "\(event.message)", metadata: merged.mapValues { "\($0)" }))
    }

    /// A logger writing to a fresh ``LogRecords``, and those records.
    static func logger() -> (Logger, LogRecords) {
        let records = LogRecords()
        return (Logger(label: "test") { _ in RecordingLogHandler(records: records) }, records)
    }
}

/// A metrics factory that notes the label and kind of every instrument made through it and
/// hands the instruments to MetricsTestKit's `TestMetrics` (``values``), where their values
/// can be read.
final class RecordingMetricsFactory: MetricsFactory {
    /// An instrument's label and kind: `counter`, `gauge`, `recorder`, `timer`, `meter` (the
    /// words of the metrics table in docs/OPERATIONS.md).
    struct Instrument: Hashable, Sendable, CustomStringConvertible {
        var label: String
        var kind: String
        var description: String { "\(label) (\(kind))" }
    }

    let values = TestMetrics()
    private let made = Mutex<Set<Instrument>>([])
    /// Every instrument made so far.
    var instruments: Set<Instrument> { made.withLock { $0 } }

    private func note(_ label: String, _ kind: String) { _ = made.withLock { $0.insert(.init(label: label, kind: kind)) } }

    func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler {
        note(label, "counter")
        return values.makeCounter(label: label, dimensions: dimensions)
    }

    func makeMeter(label: String, dimensions: [(String, String)]) -> any MeterHandler {
        note(label, "meter")
        return values.makeMeter(label: label, dimensions: dimensions)
    }

    func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler {
        note(label, aggregate ? "recorder" : "gauge")
        return values.makeRecorder(label: label, dimensions: dimensions, aggregate: aggregate)
    }

    func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler {
        note(label, "timer")
        return values.makeTimer(label: label, dimensions: dimensions)
    }

    func destroyCounter(_ handler: any CounterHandler) { values.destroyCounter(handler) }
    func destroyMeter(_ handler: any MeterHandler) { values.destroyMeter(handler) }
    func destroyRecorder(_ handler: any RecorderHandler) { values.destroyRecorder(handler) }
    func destroyTimer(_ handler: any TimerHandler) { values.destroyTimer(handler) }

    /// The values recorded by the gauge `label` of the log in `directory`, oldest first.
    func gaugeValues(_ label: String, directory: String) -> [Double] {
        (try? values.expectGauge(label, [("directory", directory)]).values) ?? []
    }
}

/// The process's global metrics backend, bootstrapped once (swift-metrics allows one per
/// process): a log given no factory reports here.
let globalTestMetrics: TestMetrics = {
    let m = TestMetrics()
    MetricsSystem.bootstrap(m)
    return m
}()

/// Whether `metrics` holds any instrument with dimension `directory`.
func hasInstruments(_ metrics: TestMetrics, directory: String) -> Bool {
    let dimensions: [[(String, String)]] = metrics.counters.map(\.dimensions) + metrics.recorders.map(\.dimensions)
        + metrics.timers.map(\.dimensions) + metrics.meters.map(\.dimensions)
    return dimensions.contains { $0.contains { $0 == ("directory", directory) } }
}

/// The metrics table of docs/OPERATIONS.md ("Observability"): every instrument named in a row's
/// first cell (each `aqlog_…` in backquotes), with the kind in its second cell.
func documentedMetrics() throws -> Set<RecordingMetricsFactory.Instrument> {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    let text = try String(contentsOf: root.appendingPathComponent("docs/OPERATIONS.md"), encoding: .utf8)
    let section = text.components(separatedBy: "\n## Observability\n").dropFirst().first?.components(separatedBy: "\n## ").first ?? ""
    var documented = Set<RecordingMetricsFactory.Instrument>()
    for line in section.split(separator: "\n") where line.hasPrefix("| `aqlog_") {
        let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
        guard cells.count >= 2 else { continue }
        let names = cells[0].split(separator: "`").filter { $0.hasPrefix("aqlog_") }
        for name in names { documented.insert(.init(label: String(name), kind: cells[1])) }
    }
    return documented
}
