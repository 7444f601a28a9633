import AQLog
import ActionQueue
import ArgumentParser
import Foundation
import Synchronization

struct Archive: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Send every sealed segment not yet archived to the archive, through a command.",
        discussion: """
            Runs COMMAND through /bin/sh -c once per sealed segment, oldest first: %p is the \
            segment's path, %f its file name (both quoted for the shell), %% a literal %. A \
            segment counts as archived once COMMAND exits 0 (recorded in DIR/ARCHIVED); a \
            second run sends nothing already archived. The command must store the file \
            atomically and durably, succeed when an identical object is already there and \
            refuse to replace a different one (docs/OPERATIONS.md, "Archiving"). On failure it \
            stops (exit 74, naming the segment and the command's exit status); the next run \
            resumes there. Never sends the open segment; safe beside a writer, readers and \
            compact, which from the first run on never removes a segment not yet archived. \
            Another archive run on DIR: exit 75. With --snapshots, the oldest ActionQueue \
            snapshot within a segment's range (first sequence - 1 to last) is checked and sent \
            with it, named after it (<segment>.aqsnap), so a standby restored from a later \
            start has the snapshot it recovers from; a missing SNAPDIR stops the run (exit 74) \
            and a damaged snapshot stops it (exit 2) before that segment is sent. --stop ends archiving (and its hold on \
            compaction): the escape hatch when the archive is gone for good.

            Examples:
              aq-wal archive /srv/wal --command 'scripts/archive/dir-archive.sh %p /mnt/archive/%f'
              aq-wal archive /srv/wal --command 'scripts/archive/s3-archive.sh %p s3://bk/wal/%f'
            """)

    @Argument(help: "The log directory.") var directory: String
    @Option(help: "The command storing one segment (%p: its path, %f: its file name, %%: %).") var command: String?
    @Flag(help: "End archiving: remove DIR/ARCHIVED and its hold on compaction.") var stop = false
    @Option(help: "An ActionQueue snapshot directory: each segment's snapshot goes with it (as <segment>.aqsnap).") var snapshots: String?
    @Flag(help: "Print one JSON object.") var json = false

    func validate() throws {
        if stop == (command != nil) { throw ValidationError("give either --command or --stop") }
        // `sh -c ""` succeeds: an empty command would mark segments archived that went nowhere.
        if let command, command.allSatisfy(\.isWhitespace) { throw ValidationError("--command is empty") }
    }

    func run() throws {
        try requireLog(directory)
        if stop {
            do { try ArchiveState.stopArchiving(directory: directory) } catch {
                throw Self.fail(.log(error), directory: directory)
            }
            if json {
                emit(JSONValue.object([("directory", .string(directory)), ("archiving", .bool(false))]).rendered)
            } else {
                emit("archiving stopped: compaction follows the checkpoint again")
            }
            return
        }
        let shell = ShellCommand(command!)
        let dir = directory
        let printing = !json
        let store = snapshots.map { SnapshotStore(directory: $0) }
        let archiver = LogArchiver(directory: directory) { segment in
            // Found and checked before anything goes: a damaged one stops the run here.
            let snapshot = try store?.pairedSnapshot(for: segment)
            try await shell.archiving(segment)
            // Before the segment is recorded: a failure here sends both again next run.
            if let snapshot {
                let name = SnapshotStore.archiveName(pairedWith: segment.fileName)
                try await shell.runSucceeding(path: snapshot, fileName: name)
                if printing { emit("archived \(name) (\(URL(fileURLWithPath: snapshot).lastPathComponent))") }
            }
            if printing { emit("archived \(segment.fileName) (sequences \(segment.firstSequence)...\(segment.lastSequence))") }
        }
        let report: ArchiveReport
        do { report = try blockingRun { try await archiver.run() } } catch let error as ArchiveError {
            throw Self.fail(error, directory: dir)
        }
        if json {
            emit(JSONValue.object([
                ("directory", .string(directory)), ("sent", .array(report.sent.map { .string($0.fileName) })),
                ("archive", .archive(report.status)), ("duration_ms", .milliseconds(report.duration)),
            ]).rendered)
        } else {
            emit("archived \(report.sent.count) segments; \(Self.line(report.status))")
        }
    }

    /// One line: the state, and what the hold keeps.
    static func line(_ status: ArchiveStatus) -> String {
        var line = "archive: \(status.state)"
        if status.state != .notArchiving {
            line += "; \(status.held.count) sealed segments (\(status.heldBytes) bytes) not archived"
            if let age = status.heldAge() { line += ", the oldest sealed \(Int(age)) s ago" }
        }
        return line
    }

    /// The message and exit code for a failed run.
    static func fail(_ error: ArchiveError, directory: String, creating: Bool = false) -> ExitCode {
        switch error {
        case .log(let error):
            if case .logLocked(let path) = error, path.hasSuffix(LogArchiver.lockFile) {
                Exit.report("\(directory): another archive run holds \(path)")
                return ExitCode(Exit.locked)
            }
            return Exit.fail(error, creating: creating)
        case .sendFailed(_, let underlying as SnapshotStore.Failure) where underlying.isDamage,
             .fetchFailed(_, let underlying as SnapshotStore.Failure) where underlying.isDamage:
            Exit.report(error.description)
            return ExitCode(Exit.corruption)
        case .sendFailed, .fetchFailed:
            Exit.report(error.description)
            return ExitCode(Exit.ioError)
        case .damagedState:
            Exit.report(error.description)
            return ExitCode(Exit.corruption)
        }
    }
}

/// Runs `body` to completion from synchronous code (the commands are synchronous).
///
/// `SIGINT`, `SIGTERM` and `SIGHUP` meanwhile cancel it, which ends the command it is running
/// together with that command's process group (``ShellCommand``); then the signal ends this
/// process as it would have. Without this, a killed `archive` or `restore` would leave its
/// store or fetch running, writing after the run that started it is gone.
/// `beforeSignal` runs, once the run ended, before such a signal ends the process (a restore
/// removes the directory it created).
func blockingRun<T: Sendable>(beforeSignal: () -> Void = {}, _ body: @escaping @Sendable () async throws -> T) throws -> T {
    pendingSignal.store(0, ordering: .sequentiallyConsistent)  // initialised before any handler runs
    // Taken before the run starts, so no signal finds its command without a run to end it; a
    // signal the parent set to be ignored (`nohup`, a background job's SIGINT) stays ignored.
    var taken: [(number: Int32, previous: __sighandler_t?)] = []
    var unblocked = sigset_t()
    sigemptyset(&unblocked)
    for number in [SIGINT, SIGTERM, SIGHUP] {
        // The handler only records the signal (an atomic store is all it may do); this thread
        // acts on it.
        let previous = signal(number) { pendingSignal.store($0, ordering: .sequentiallyConsistent) }
        if let previous, unsafeBitCast(previous, to: Int.self) == unsafeBitCast(SIG_IGN, to: Int.self) {
            signal(number, SIG_IGN)
            continue
        }
        taken.append((number, previous))
        sigaddset(&unblocked, number)
    }
    // A parent may start this process with them blocked (a mask is inherited across exec;
    // Swift's runtime threads block every signal): this thread takes them.
    pthread_sigmask(SIG_UNBLOCK, &unblocked, nil)
    let done = DispatchSemaphore(value: 0)
    nonisolated(unsafe) var result: Result<T, any Error>?
    let task = Task.detached {
        do { result = .success(try await body()) } catch { result = .failure(error) }
        done.signal()
    }
    while done.wait(timeout: .now() + .milliseconds(20)) == .timedOut {
        if pendingSignal.load(ordering: .sequentiallyConsistent) != 0 { task.cancel() }
    }
    for (number, previous) in taken { signal(number, previous) }
    let number = pendingSignal.load(ordering: .sequentiallyConsistent)
    if number != 0 {
        beforeSignal()
        signal(number, SIG_DFL)
        raise(number)
    }
    return try result!.get()
}

/// The signal ``blockingRun(_:)`` received while its run was going, 0 while none.
private let pendingSignal = Atomic<Int32>(0)

extension SnapshotStore.Failure {
    /// A snapshot's bytes are refused (exit 2), rather than a directory or a call failing.
    var isDamage: Bool {
        switch self {
        case .format, .notCovering: return true
        case .directoryMissing, .io: return false
        }
    }
}
