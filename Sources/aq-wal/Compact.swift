import AQLog
import ArgumentParser

struct Compact: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Remove sealed segments entirely at or below the checkpoint.",
        discussion: """
            Oldest first, never the last (open) segment, never leaving a hole; each removal is \
            made durable (directory fsync) before the next. Safe beside a running writer and \
            readers; concurrent compactions are serialised by DIR/COMPACT.LOCK (exit 75 for the \
            loser). Idempotent: rerun after a crash. --keep-segments/--keep-bytes keep at least \
            that much history; without a checkpoint they alone decide what goes. Nothing above \
            the slowest consumer cursor goes (aq-wal consumer); --max-consumer-lag drops cursors \
            further behind first. Once the log is archived (aq-wal archive), nothing not yet \
            archived goes. A damaged CHECKPOINT, cursor or ARCHIVED removes nothing and exits 2.

            Examples:
              aq-wal compact /var/lib/app/wal --dry-run
              aq-wal compact /var/lib/app/wal --json
              */5 * * * * aq-wal compact /srv/wal --keep-segments 4 >> /var/log/aq.log
            """)

    @Argument(help: "The log directory.") var directory: String
    @Flag(help: "Only report what would be removed.") var dryRun = false
    @Flag(help: "Print one JSON object.") var json = false
    @Option(parsing: .unconditional, help: "Keep at least this many of the newest segments.") var keepSegments: Int?
    @Option(parsing: .unconditional, help: "Keep at least this many bytes of the newest segments.") var keepBytes: Int?
    @Option(parsing: .unconditional, help: "Drop consumer cursors more than this many records behind the last sequence.") var maxConsumerLag: UInt64?

    func validate() throws {
        if let keepSegments, keepSegments < 0 { throw ValidationError("--keep-segments must be at least 0") }
        if let keepBytes, keepBytes < 0 { throw ValidationError("--keep-bytes must be at least 0") }
    }

    func run() throws {
        try requireLog(directory)
        let retention = RetentionPolicy(keepSegments: keepSegments, keepBytes: keepBytes, maxConsumerLag: maxConsumerLag)
        let compactor = Compactor(directory: directory, retention: retention)
        let report: CompactionReport
        do { report = try compactor.run(dryRun: dryRun) } catch {
            if case .logLocked(let path) = error {
                Exit.report("\(path): another compaction is running")
                throw ExitCode(Exit.locked)
            }
            throw Exit.fail(error)
        }
        if json {
            let removed: [JSONValue] = report.removed.map { r in
                .object([("file", .string(r.fileName)), ("first_sequence", .uint(r.firstSequence)),
                         ("last_sequence", .uint(r.lastSequence)), ("bytes", .int(r.bytes))])
            }
            emit(JSONValue.object([
                ("directory", .string(directory)), ("dry_run", .bool(report.dryRun)), ("checkpoint", .checkpoint(report.checkpoint)),
                ("retention", .object([("keep_segments", report.retention.keepSegments.map { .int($0) } ?? .null),
                                       ("keep_bytes", report.retention.keepBytes.map { .int($0) } ?? .null)])),
                ("removed", .array(removed)), ("bytes_freed", .int(report.bytesFreed)),
                ("segments_before", .int(report.segmentsBefore)), ("segments_after", .int(report.segmentsAfter)),
                ("first_sequence", .uint(report.firstSequenceAfter)), ("last_sequence", .uint(report.lastSequence)),
                // The cursors left: a run (not a dry one) removed those it dropped.
                ("consumers", .consumers(report.dryRun ? report.consumers : report.consumers.filter { c in
                    !report.droppedConsumers.contains { $0.name == c.name }
                }, lastSequence: report.lastSequence)),
                ("dropped_consumers", .array(report.droppedConsumers.map { .string($0.name) })),
                ("held_by_consumer", report.heldByConsumer.map { .string($0) } ?? .null),
                ("held_by_archive", .bool(report.heldByArchive)), ("archive", .archive(report.archive)),
                ("duration_ms", .milliseconds(report.duration)),
            ]).rendered)
        } else {
            let verb = report.dryRun ? "would remove" : "removed"
            // Lines that may name files or consumers: escaped as errors are.
            for c in report.droppedConsumers { emit(Exit.oneLine("\(report.dryRun ? "would drop" : "dropped") consumer \(c.name) (position \(c.position ?? 0), last sequence \(report.lastSequence))")) }
            if let name = report.heldByConsumer { emit(Exit.oneLine("held by consumer \(name)")) }
            if report.heldByArchive, let archive = report.archive {
                emit("held by the archive: \(archive.held.count) sealed segments (\(archive.heldBytes) bytes) not archived")
            }
            for r in report.removed { emit("\(verb) \(r.fileName) (sequences \(r.firstSequence)...\(r.lastSequence), \(r.bytes) bytes)") }
            emit(Exit.oneLine("\(verb) \(report.removed.count) segments, \(report.bytesFreed) bytes; \(report.checkpoint)"))
        }
        if case .damaged(let damage) = report.checkpoint {
            Exit.report(damage.description + "; nothing removed, rewrite it with aq-wal checkpoint")
            throw ExitCode(Exit.corruption)
        }
        if case .damaged(let damage) = report.archive?.state {
            Exit.report(damage.description + "; nothing removed, reset it with aq-wal archive --stop")
            throw ExitCode(Exit.corruption)
        }
        if let damage = report.consumers.lazy.compactMap(\.damage).first {
            Exit.report(damage.description + "; nothing removed, set the cursor again or drop it")
            throw ExitCode(Exit.corruption)
        }
    }
}
