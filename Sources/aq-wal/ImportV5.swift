#if canImport(Glibc)
import Glibc
#endif
import AQLog
import ArgumentParser
import ActionQueue
import Foundation

struct ImportV5: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import-v5",
        abstract: "Import an actionqueue-storage v5 WAL file into a segment log.",
        discussion: """
            Reads FILE (12-byte record headers: version 5, payload length, CRC-32/IEEE) and \
            appends its records to the log in DIR, reporting any torn tail or corruption.
            Exit status: 0 clean, 1 a torn tail was skipped (reported), 2 corruption refused,
            64 a record larger than the log's limit, 73 DIR cannot be created, 74 I/O error,
            75 a writer holds the log.

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
/// (reported on stderr), 2 when corruption mid-file is refused, 74 on I/O errors. The file is
/// read and checked before the log is touched; when the import created the log and then
/// fails, the log is removed again, so a failure leaves nothing new at `directory`.
func importV5(file: String, directory: String) throws {
    let bytes: [UInt8]
    do { bytes = try PosixStorage().readWholeFile(file, limit: Int.max) } catch {
        Exit.report("\(error)")  // names the file
        throw ExitCode(Exit.ioError)
    }
    // Created here (mkdir succeeded) or not (it was there: a directory, a file, a link): only
    // a directory this run created is ever removed again, and only the log's own files in it,
    // or in a directory that held no log before.
    let madeDirectory = mkdir(directory, 0o755) == 0
    var isDirectory: ObjCBool = false
    let existed = !madeDirectory && FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) && isDirectory.boolValue
    // What else the directory held stays; whether the log is this run's is settled under its
    // lock (the open found no record), so a log another process filled meanwhile is left alone.
    let before = Set((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [])
    var creating = madeDirectory || (existed && !holdsLog(directory))
    // The last sequence this run wrote: a removal leaves a log whose records go further.
    var written: UInt64 = 0
    let removeCreated = { removeCreatedLog(directory, written: written, removingDirectory: madeDirectory, keeping: before) }
    let report: V5Importer.Report
    do {
        // Anything but an existing directory fails as a log that could not be created (73).
        let log: AQLogEventLog
        do { log = try Exit.guarding(creating: !existed) { try AQLogEventLog.open(directory: directory) } } catch {
            // Another process holds the log: this run made nothing in it.
            if let code = error as? ExitCode, code.rawValue == Exit.locked { creating = false }
            throw error
        }
        defer { try? log.writer.close() }
        creating = creating && log.writer.recoveryReport.lastSequence == 0
        do { report = try V5Importer.importV5(bytes: bytes, into: log) } catch {
            written = log.writer.lastSequence
            Exit.report(error.line(file: file))
            throw ExitCode(error.exitStatus)
        }
        written = log.writer.lastSequence
        try Exit.guarding { try log.writer.close() }
    } catch {
        if creating { removeCreated() }
        throw error
    }
    // An empty file imports nothing: no new log either, as for a failure.
    if creating && report.recordsImported == 0 && report.tornTail == nil { removeCreated() }
    let range = report.firstLogSequence.map { "\($0)...\(report.lastLogSequence ?? $0)" } ?? "none"
    emit("imported \(report.recordsImported) records (log sequences \(range))\(report.renumbered ? ", renumbered densely" : "")")
    if let torn = report.tornTail {
        // Nothing imported from a file that is all torn tail: a failure, so no new log either.
        if creating && report.recordsImported == 0 { removeCreated() }
        Exit.report("\(file): torn tail skipped: \(torn) (\(report.tornTailBytes) bytes)")
        throw ExitCode(report.exitStatus)
    }
}

extension V5Importer.Failure {
    /// One line naming the file (once), the offset and the reason.
    func line(file: String) -> String {
        switch self {
        case .io(let e): return "\(e)"  // an I/O failure names its own file
        case .corruption(let c, let next): return "\(file): \(c.description), valid records follow at offset \(next)"
        case .sequenceRegression(let offset, let previous, let found):
            return found == 0 && previous == 0
                ? "\(file): offset \(offset): sequence 0 (sequences start at 1)"
                : "\(file): offset \(offset): sequence \(found) does not follow \(previous)"
        case .replayRejected(let offset, let e): return "\(file): offset \(offset): event rejected by replay: \(e)"
        case .append(let e): return "append failed: \(e)"
        }
    }
}
