import AQLog
import ArgumentParser

struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Checksum every record of every segment; change nothing.",
        discussion: """
            A full pass: every frame of every segment (sealed ones included) is re-read and \
            checked against its CRC-32C, the footer index and the trailer; the checkpoint file \
            is validated too. Works beside a running writer.

            Exit 0: healthy. Exit 1: torn tail (an interrupted write; run aq-wal repair). \
            Exit 2: corruption (acknowledged data damaged, or a damaged CHECKPOINT); see \
            docs/OPERATIONS.md. The first problem is printed on stderr as one line; a torn tail \
            that holds committed but never-synced records (a deferred log after a power loss) \
            counts them.

            Examples:
              aq-wal verify /var/lib/app/wal && echo healthy
              aq-wal verify /var/lib/app/wal --json | jq .status
            """)

    @Argument(help: "The log directory.") var directory: String
    @Flag(help: "Print one JSON object.") var json = false

    func run() throws {
        try requireLog(directory)
        // Read before the log: a checkpoint is written at or below a durable sequence and the
        // log only grows, so the pass after it covers it beside a live writer too.
        var checkpoint = try Exit.guarding { try Checkpoint.read(directory: directory) }
        let report = try Exit.guarding { try LogVerifier(directory: directory).verify() }
        // Past the end of a log read whole, as compaction sees it: damaged.
        if report.corruption == nil, let last = report.segments.last {
            checkpoint = checkpoint.checked(logEnd: last.lastSequence, directory: directory)
        }
        var status = "healthy"
        var code = Exit.healthy
        if report.tornTail != nil { status = "torn_tail"; code = Exit.tornTail }
        if report.corruption != nil { status = "corruption"; code = Exit.corruption }
        if case .damaged = checkpoint, report.corruption == nil { status = "corruption"; code = Exit.corruption }
        if json {
            let segments: [JSONValue] = report.segments.map { s in
                .object([("file", .string(s.fileName)), ("first_sequence", .uint(s.baseSequence)), ("last_sequence", .uint(s.lastSequence)),
                         ("records", .int(s.records)), ("sealed", .bool(s.sealed)), ("problem", s.problem.map { .string($0.description) } ?? .null)])
            }
            emit(JSONValue.object([
                ("directory", .string(directory)), ("status", .string(status)),
                ("records_verified", .int(report.recordsVerified)), ("bytes_verified", .int(report.bytesVerified)),
                ("duration_ms", .milliseconds(report.duration)), ("segments", .array(segments)),
                ("torn_tail", .tornTail(report.tornTail)), ("corruption", corruption(report.corruption, checkpoint)),
                ("unsynced_after_damage", .tornTail(report.unsyncedAfterDamage)),
                ("checkpoint", .checkpoint(checkpoint)),
            ]).rendered)
        } else {
            emit("\(status): \(report.segments.count) segments, \(report.recordsVerified) records, \(report.bytesVerified) bytes verified")
        }
        if let c = report.corruption { Exit.report(c.description) } else if case .damaged(let d) = checkpoint { Exit.report(d.description) }
        else if let t = report.tornTail { Exit.report(t.description + "; run aq-wal repair") }
        if code != Exit.healthy { throw ExitCode(code) }
    }

    /// The `corruption` object: the log's, else a damaged checkpoint's (`damaged_checkpoint`),
    /// so that a status of `corruption` always comes with one.
    private func corruption(_ log: CorruptionDiagnosis?, _ checkpoint: CheckpointStatus) -> JSONValue {
        if log == nil, case .damaged(let d) = checkpoint {
            return .object([("file", .string(d.file)), ("offset", .int(d.offset)), ("reason", .string("damaged_checkpoint")),
                            ("detail", .string(d.reason))])
        }
        return .corruption(log)
    }
}
