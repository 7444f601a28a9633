import ArgumentParser
import ActionQueue

struct ImportV5: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import-v5",
        abstract: "Import an actionqueue-storage v5 WAL file into a segment log.",
        discussion: """
            Reads FILE (12-byte record headers: version 5, payload length, CRC-32/IEEE) and \
            appends its records to the log in DIR, reporting any torn tail or corruption.
            Exit status: 0 clean, 1 a torn tail was skipped (reported), 2 corruption refused,
            74 I/O error.

            Example:
              aq-wal import-v5 /var/lib/actionqueue/wal.log /var/lib/app/wal
            """)

    @Argument(help: "The v5 WAL file.") var file: String
    @Argument(help: "The log directory (created when missing).") var directory: String

    func run() throws {
        try importV5(file: file, directory: directory)
    }
}

/// Imports `file` into the log in `directory`: exit 0 clean, 1 when a torn tail was skipped
/// (reported on stderr), 2 when corruption mid-file is refused, 74 on I/O errors.
func importV5(file: String, directory: String) throws {
    let log = try Exit.guarding(creating: true) { try AQLogEventLog.open(directory: directory) }
    defer { try? log.writer.close() }
    let report: V5Importer.Report
    do { report = try V5Importer.importV5(file: file, into: log) } catch {
        Exit.report("\(file): \(error.line)")
        throw ExitCode(error.exitStatus)
    }
    try Exit.guarding { try log.writer.close() }
    let range = report.firstLogSequence.map { "\($0)...\(report.lastLogSequence ?? $0)" } ?? "none"
    print("imported \(report.recordsImported) records (log sequences \(range))\(report.renumbered ? ", renumbered densely" : "")")
    if let torn = report.tornTail {
        Exit.report("\(file): torn tail skipped: \(torn) (\(report.tornTailBytes) bytes)")
        throw ExitCode(report.exitStatus)
    }
}

extension V5Importer.Failure {
    /// One line naming the offset and reason.
    var line: String {
        switch self {
        case .io(let e): return "\(e)"
        case .corruption(let c, let next): return "\(c.description), valid records follow at offset \(next)"
        case .sequenceRegression(let offset, let previous, let found):
            return "offset \(offset): sequence \(found) does not follow \(previous)"
        case .replayRejected(let offset, let e): return "offset \(offset): event rejected by replay: \(e)"
        case .append(let e): return "append failed: \(e)"
        }
    }
}
