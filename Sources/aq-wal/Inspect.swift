import AQLog
import ArgumentParser

struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show segments, sequence ranges, sizes, sealed/open, the checkpoint, consumer cursors and the archive.",
        discussion: """
            Reads headers and trailers (and scans the open segment); changes nothing; works \
            beside a running writer. A torn tail is shown (exit 0; see verify); corruption is shown up to the damage and exits 2, \
            as does a damaged CHECKPOINT, consumer cursor or ARCHIVED file (shown with its damage).

            Examples:
              aq-wal inspect /var/lib/app/wal
              aq-wal inspect /var/lib/app/wal --json | jq '.segments | length'
            """)

    @Argument(help: "The log directory.") var directory: String
    @Flag(help: "Print one JSON object.") var json = false

    func run() throws {
        try requireLog(directory)
        // Salvaging: a damaged log is still shown up to its damage (`corruption` in JSON, for
        // pipelines that read stdout), then the damage is reported and exits 2.
        // The checkpoint before the log (see verify), and held to what the scan found, not to
        // what the reader shows: beside a writer still opening, that stops at its published point.
        var checkpoint = try Exit.guarding { try Checkpoint.read(directory: directory) }
        var consumers = try Exit.guarding { try ConsumerCursor.list(directory: directory) }
        let reader = try Exit.guarding { try LogReader.salvaging(directory: directory) }
        if reader.damage == nil, let last = reader.segments.last {
            let end = max(last.lastSequence, reader.report.lastSequence)
            checkpoint = checkpoint.checked(logEnd: end, directory: directory)
            consumers = consumers.map { $0.checked(logEnd: end) }
        }
        // Read from the segments' ends, it fails on a damaged log too: then shown as null.
        let archive = reader.damage == nil ? try Exit.guarding { try ArchiveStatus.read(directory: directory) }
                                           : try? ArchiveStatus.read(directory: directory)
        let archived = Set(archive?.segments.filter(\.archived).map(\.fileName) ?? [])
        let segments = reader.segments
        let bytes = segments.reduce(0) { $0 + $1.segmentSize }
        let records = reader.lastSequence >= reader.firstSequence && reader.lastSequence > 0 ? reader.lastSequence - reader.firstSequence + 1 : 0
        if json {
            let list: [JSONValue] = segments.map { d in
                .object([("file", .string(d.fileName)), ("first_sequence", .uint(d.baseSequence)), ("last_sequence", .uint(d.lastSequence)),
                         ("records", .int(d.recordCount)), ("size", .int(d.segmentSize)), ("data_end", .int(d.dataEnd)),
                         ("sealed", .bool(d.isSealed)), ("format_version", .int(Int(d.header.version))),
                         ("commit_depth", .int(d.header.commitDepth)), ("required_features", .int(Int(d.header.requiredFeatures.rawValue))),
                         ("archived", .bool(archived.contains(d.fileName)))])
            }
            emit(JSONValue.object([
                ("directory", .string(directory)), ("first_sequence", .uint(reader.firstSequence)),
                ("last_sequence", .uint(reader.lastSequence)), ("records", .uint(records)), ("bytes", .int(bytes)),
                ("segments", .array(list)), ("checkpoint", .checkpoint(checkpoint)),
                ("consumers", .consumers(consumers, lastSequence: reader.lastSequence)),
                ("torn_tail", .tornTail(reader.report.tornTail)), ("corruption", .corruption(reader.damage)),
                ("archive", .archive(archive)),
            ]).rendered)
        } else {
            printText(reader, segments: segments, bytes: bytes, records: records, checkpoint: checkpoint,
                      consumers: consumers, archive: archive, archived: archived)
        }
        // What is shown damaged exits 2, as verify and consumer list do: the log's first.
        if let damage = reader.damage {
            Exit.report(damage.description)
            throw ExitCode(Exit.corruption)
        }
        if case .damaged(let damage) = checkpoint {
            Exit.report(damage.description)
            throw ExitCode(Exit.corruption)
        }
        if let damaged = consumers.first(where: { $0.damage != nil }), let damage = damaged.damage {
            Exit.report(damage.description + "; set it again or drop it")
            throw ExitCode(Exit.corruption)
        }
        if case .damaged(let damage)? = archive?.state {
            Exit.report(damage.description)
            throw ExitCode(Exit.corruption)
        }
    }

    private func printText(_ reader: LogReader, segments: [SegmentDescriptor], bytes: Int, records: UInt64, checkpoint: CheckpointStatus,
                           consumers: [ConsumerCursor.Status], archive: ArchiveStatus?, archived: Set<String>) {
        emit("log \(Exit.oneLine(directory)): \(segments.count) segments (\(segments.filter(\.isSealed).count) sealed), \(bytes) bytes")
        emit(reader.lastSequence == 0 ? "records: 0" : "records: \(records) (sequences \(reader.firstSequence)...\(reader.lastSequence))")
        // Lines that may name files (damage), escaped as the first is.
        emit(Exit.oneLine("checkpoint: \(checkpoint)"))
        for c in consumers { emit(Exit.oneLine(c.line(lastSequence: reader.lastSequence))) }
        if let archive { emit(Exit.oneLine(Archive.line(archive))) }
        for d in segments {
            let mark = archive == nil || archive?.state == .notArchiving || !d.isSealed ? "" : archived.contains(d.fileName) ? "  archived" : "  not archived"
            let range = d.recordCount == 0 ? "from \(d.baseSequence)" : "\(d.baseSequence)...\(d.lastSequence)"
            emit("  \(d.fileName)  \(range)  \(d.recordCount) records  \(d.segmentSize) bytes  data end \(d.dataEnd)  \(d.isSealed ? "sealed" : "open")  v\(d.header.version) depth \(d.header.commitDepth)\(mark)")
        }
        if let torn = reader.report.tornTail { emit(Exit.oneLine("torn tail: \(torn) (run aq-wal repair)")) }
    }
}
