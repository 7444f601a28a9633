import AQLog
import ActionQueue
import ArgumentParser
import Foundation

struct Restore: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Build a log from its archive, or extend a copy restored before.",
        discussion: """
            Asks COMMAND (run through /bin/sh -c) for the segment starting at the next sequence \
            (1 for a new log, --from SEQ when the archive starts later, else the one after \
            DIR's last record): %f is that segment's file name, %p a temporary path inside DIR \
            to write it to (both quoted for the shell), %% a literal %. Each fetched segment is \
            verified completely (records, index, trailer, the chain to the previous segment, \
            the log's identity) before it is adopted. COMMAND exiting with the not-found status \
            (default 4) is the end of the archive: exit 0, saying how far the copy reaches and \
            how old its last segment is. Any other failure exits 74, so a broken archive never \
            passes for its end. A damaged or foreign segment exits 2, naming it; what was \
            restored before it stays. Run it again (cron) to extend the copy: a warm standby. \
            To promote the copy, open a writer on it (aq-wal append DIR, or the library).

            Examples:
              aq-wal restore /srv/standby --command 'scripts/archive/dir-restore.sh /mnt/archive/%f %p'
              aq-wal restore /srv/standby --command 'scripts/archive/s3-restore.sh s3://bk/wal/%f %p'
            """)

    @Argument(help: "The log directory (created when missing; its parent must exist).") var directory: String
    @Option(help: "The command fetching one segment (%f: its file name, %p: where to write it, %%: %).") var command: String
    @Option(parsing: .unconditional, help: "The first sequence of a new copy, when the archive does not start at 1.") var from: UInt64?
    @Option(parsing: .unconditional, help: "The command's exit status meaning \"no such object\".") var notFoundStatus: Int32 = 4
    @Option(help: "An ActionQueue snapshot directory: each restored segment's snapshot (<segment>.aqsnap) is fetched into it.") var snapshots: String?
    @Flag(help: "Print one JSON object.") var json = false

    func validate() throws {
        if let from, from == 0 { throw ValidationError("--from must be at least 1") }
        if command.allSatisfy(\.isWhitespace) { throw ValidationError("--command is empty") }
        if notFoundStatus <= 0 || notFoundStatus > 125 { throw ValidationError("--not-found-status must be between 1 and 125") }
    }

    func run() throws {
        let printing = !json
        let restorer = LogRestorer(directory: directory, fetch: ShellCommand(command).fetching(notFoundStatus: notFoundStatus))
        let from = self.from
        var isDirectory: ObjCBool = false
        let existed = FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) && isDirectory.boolValue
        // A log this run creates (none was there) goes again when it adopts no segment; the
        // directory too when this run made it.
        let creatingLog = !existed || !holdsLog(directory)
        let before = Set((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [])
        var report: LogRestorer.Report?
        var failure: ExitCode?
        let directory = self.directory
        let removeIfNothingRestored = {
            if creatingLog { removeCreatedLog(directory, onlyWithoutSegments: true, removingDirectory: !existed, keeping: before) }
        }
        do { report = try blockingRun(beforeSignal: removeIfNothingRestored) { try await restorer.run(from: from) } } catch let error as ArchiveError {
            // 73 when DIR itself could not be made (as for append); any other failure is 74 or 2.
            var aboutDirectory = false
            if !existed, case .log(let e) = error {
                switch e {
                case .notADirectory: aboutDirectory = true
                case .io(let f): aboutDirectory = f.path == directory
                default: break
                }
            }
            failure = Archive.fail(error, directory: directory, creating: aboutDirectory)
        }
        // What a failed run adopted before it stopped: the segments DIR holds now and did not
        // before, once the run held the writer's lock (then no other process added any); a run
        // that never took it (75) adopted nothing.
        let locked = failure?.rawValue == Exit.locked
        let restored = report?.restored ?? (locked ? [] : ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [])
            .filter { SegmentName.baseSequence(of: $0) != nil && !before.contains($0) }.sorted())
        if printing {
            for name in restored { emit("restored \(name)") }
        }
        // Snapshots also after a failed run: those of the segments it adopted must not be skipped.
        var snapshotSequences: [UInt64] = []
        if let snapshots, !locked, FileManager.default.fileExists(atPath: directory + "/" + LogDirectoryLayout.lockFile) {
            do { snapshotSequences = try fetchSnapshots(restored: restored, into: snapshots, printing: printing) } catch {
                // Reported by the fetch; after a failed run, that run's own failure stands.
                guard failure != nil else { throw error }
            }
        }
        // A run that created DIR and adopted no segment leaves nothing behind (as import-v5).
        if restored.isEmpty { removeIfNothingRestored() }
        if let failure {
            // A script reading --json learns what the copy gained before the failure too.
            if json, !restored.isEmpty {
                emit(JSONValue.object([
                    ("directory", .string(directory)), ("restored", .array(restored.map { .string($0) })),
                    ("snapshots", .array(snapshotSequences.map { .uint($0) })), ("failed", .bool(true)),
                ]).rendered)
            }
            throw failure
        }
        guard let report else { return }
        let age = report.lastSegmentModified.map { max(0, ArchiveStatus.currentTime() - $0) }
        if json {
            emit(JSONValue.object([
                ("directory", .string(directory)), ("restored", .array(report.restored.map { .string($0) })),
                ("first_sequence", .uint(report.firstSequence)), ("last_sequence", .uint(report.lastSequence)),
                ("last_segment_age_seconds", age.map { .int(Int($0)) } ?? .null),
                ("snapshots", .array(snapshotSequences.map { .uint($0) })),
            ]).rendered)
        } else {
            var line = "restored \(report.restored.count) segments; the copy holds "
                + (report.lastSequence == 0 ? "no records" : "sequences \(report.firstSequence)...\(report.lastSequence)")
            // The fetched file's modification time: the seal's only when the fetch keeps times.
            if let age { line += "; its last segment's file time is \(Int(age)) s ago" }
            emit(line)
        }
        if report.lastSequence == 0 {
            let start = from ?? 1
            Exit.report("the archive has no segment starting at sequence \(start)\(from == nil ? "; if it starts later (the log was compacted before archiving began), give --from" : "")")
        }
    }

    /// Fetches, into the snapshot directory, the snapshot archived with each segment restored
    /// by this run, and with the copy's first segment when the directory holds no snapshot a
    /// recovery of the copy could start from (not found: the segment had none). Returns the
    /// sequences filed. An invalid snapshot exits 2, a failing command 74.
    private func fetchSnapshots(restored: [String], into directory: String, printing: Bool) throws -> [UInt64] {
        let store = SnapshotStore(directory: directory)
        let fetch = ShellCommand(command).fetching(notFoundStatus: notFoundStatus)
        // Its own name, as for segments (`LogRestorer.temporaryName`): a fetch a killed run left
        // running never writes into the file this run checks.
        for name in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [] where name.hasPrefix(LogRestorer.temporaryName) {
            try? FileManager.default.removeItem(atPath: URL(fileURLWithPath: directory).appendingPathComponent(name).path)
        }
        let temporary = URL(fileURLWithPath: directory)
            .appendingPathComponent("\(LogRestorer.temporaryName).\(String(UInt64.random(in: 0...UInt64.max), radix: 16)).aqsnap").path
        let segments = (try? LogReader.open(directory: self.directory).segments) ?? []
        guard let first = segments.first else { return [] }
        let held = (try? store.sequences()) ?? []
        var wanted = Set(restored)
        if !held.contains(where: { $0 >= first.baseSequence - 1 && $0 <= segments.last!.lastSequence }) { wanted.insert(first.fileName) }
        if !FileManager.default.fileExists(atPath: directory) {
            try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)
        }
        var filed: [UInt64] = []
        for segment in segments where wanted.contains(segment.fileName) {
            let name = SnapshotStore.archiveName(pairedWith: segment.fileName)
            let request = LogRestorer.Request(fileName: name, baseSequence: 0, destination: temporary)
            let answer: LogRestorer.Fetch
            do { answer = try blockingRun { try await fetch(request) } } catch {
                try? FileManager.default.removeItem(atPath: temporary)
                Exit.report("\(name): fetching from the archive failed: \(error)")
                throw ExitCode(Exit.ioError)
            }
            guard answer == .fetched else { continue }
            do { filed.append(try store.adopt(fetched: temporary, covering: (segment.baseSequence - 1)...segment.lastSequence)) } catch {
                switch error {
                case .format, .notCovering:
                    Exit.report("\(name): not a valid snapshot for \(segment.fileName): \(error)")
                    throw ExitCode(Exit.corruption)
                default:
                    Exit.report("\(name): \(error)")
                    throw ExitCode(Exit.ioError)
                }
            }
            if printing { emit("restored snapshot \(name) (sequence \(filed.last!))") }
        }
        return filed
    }
}
