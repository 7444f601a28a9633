import AQLog
import ArgumentParser
import Foundation

/// The `--durability` choices of `append`.
enum DurabilityChoice: String, ExpressibleByArgument, CaseIterable {
    case sync, group, deferred
}

/// The one place where the CLI's `--durability` becomes the library's ``Durability``.
/// `aq-wal append` is a single producer that already commits every chunk of lines read
/// together as one batch with one sync, so `group` (a multi-producer mode) acknowledges
/// like `sync` here; embedders get real group commit from the concurrent `Log`.
func durabilityMode(for choice: DurabilityChoice) -> Durability {
    switch choice {
    case .sync: return .sync
    case .group: return .group(maxDelay: .milliseconds(1), maxBytes: 1 << 20)
    case .deferred: return .deferred
    }
}

extension Backend: ExpressibleByArgument {}

struct Append: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Append one record per stdin line; print each sequence once durable.",
        discussion: """
            Creates the log when DIR holds none. --segment-size is what the segments this run \
            creates grow to (give it on every run of a log whose segments should stay that size; segments never shrink). Each line \
            (without its newline) is one record; after it is durable under --durability, its \
            sequence is printed on its own line and stdout is flushed. Lines that arrive together \
            are committed as one batch. When input pauses for 50 ms, the last batch is vouched \
            for (LogWriter.markIdle: damage to it at rest is then refused, not cut as a torn \
            tail). At end of input the log is closed cleanly (exit 0).

            Examples:
              printf 'a\\nb\\n' | aq-wal append /var/lib/app/wal
              tail -f events.ndjson | aq-wal append /var/lib/app/wal --durability deferred
              aq-wal append /tmp/wal --segment-size 1048576 --backend posix < lines.txt
            """)

    @Argument(help: "The log directory (created when missing; its parent must exist).") var directory: String
    @Option(help: "When a record counts as durable: sync, group (one producer: same as sync; lines read together share a sync) or deferred (page cache).")
    var durability: DurabilityChoice = .sync
    @Option(help: "Write path: auto, uring or posix.") var backend: Backend = .auto
    @Option(parsing: .unconditional, help: "Size in bytes the segments this run creates grow to (65536 to 4294963200, a multiple of 4096; not kept by the log: give it on every run). The run that creates the log also fixes its largest record: 16 MiB, or less when that does not fit these segments (53200 bytes at 65536).")
    var segmentSize: Int = SegmentLayout.defaultSegmentSize

    func validate() throws {
        // The library's rule (`LogOptions.segmentSize`), checked here too so that a bad value
        // is a usage error with the usage, as for every other option.
        guard segmentSize >= SegmentLayout.minimumSegmentSize, segmentSize <= SegmentLayout.maximumSegmentSize,
              segmentSize % SegmentLayout.blockSize == 0 else {
            throw ValidationError("--segment-size must be a multiple of \(SegmentLayout.blockSize) between \(SegmentLayout.minimumSegmentSize) and \(SegmentLayout.maximumSegmentSize)")
        }
    }

    func run() throws {
        // A sequence printed is an acknowledgement: none may go unseen while records go on.
        Output.stopsOnFailure = true
        var input = stat()
        if fstat(STDIN_FILENO, &input) == 0, input.st_mode & S_IFMT == S_IFDIR {
            // Checked before the log is created: no read of it could succeed.
            Exit.report("stdin: is a directory, not a stream of lines")
            throw ExitCode(Exit.ioError)
        }
        var isDirectory: ObjCBool = false
        // Anything but an existing directory holding a log is to be created: a file in the way,
        // or an empty directory the user cannot write, fails with 73.
        let creating = !FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) || !isDirectory.boolValue
            || (try? FileManager.default.contentsOfDirectory(atPath: directory))?.contains { $0.hasSuffix(".seg") } == false
        let options = LogOptions(segmentSize: segmentSize, backend: backend)
        let writer = try Exit.guarding(creating: creating) {
            try LogWriter.open(directory: directory, options: options, durability: durabilityMode(for: durability))
        }
        if writer.recoveryReport.staleHighWaterMark {
            Exit.report("opening found intact records past the mark in \(directory + "/" + LogDirectoryLayout.highWaterFile) (an older copy of the file?): scanned the whole open segment")
        }
        if let torn = writer.recoveryReport.tornTail {
            // Not an error (exit 0 stands), but an operator should know bytes were set aside.
            Exit.report("opening repaired a torn tail: \(torn.file) at offset \(torn.offset), \(torn.length) bytes never acknowledged as durable"
                        + (torn.unsyncedCommittedRecords > 0 ? " (\(torn.unsyncedCommittedRecords) committed records never synced)" : "")
                        + (writer.recoveryReport.tornTailBackup.map { ", kept in \($0)" } ?? ""))
        }
        var lines = LineSplitter(maxLineLength: writer.maxRecordSize)
        let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: Self.readSize, alignment: 16)
        defer { chunk.deallocate() }
        while true {
            if let delay = options.idleVouchDelay, !inputArrives(within: delay) {
                try Exit.guarding { try writer.markIdle() }  // nothing to do when already vouched
            }
            let count = read(STDIN_FILENO, chunk.baseAddress, chunk.count)
            if count < 0 {
                if errno == EINTR { continue }
                // Every whole line read so far is committed and printed (each chunk's are, before
                // the next read); a partial last line never ended, so it is not a record.
                let failure = String(cString: strerror(errno))
                try Exit.guarding { try writer.close() }
                Exit.report("stdin: read failed: \(failure); the lines before it are appended")
                throw ExitCode(Exit.ioError)
            }
            if count == 0 { break }
            let tooLong = lines.feed(UnsafeRawBufferPointer(rebasing: chunk[0..<count]))
            // The lines completed before a line too long are committed and acknowledged first.
            if !lines.complete.isEmpty { try commit(lines.takeComplete(), to: writer) }
            if let line = tooLong { try refuse(line: line, limit: writer.maxRecordSize, writer: writer) }
        }
        if let last = lines.finish() { try commit([last], to: writer) }
        try Exit.guarding { try writer.close() }
    }

    /// Bytes of stdin one `read` takes.
    static let readSize = 1 << 20

    /// A line longer than the log's largest record: nothing after it is appended (exit 64).
    private func refuse(line: Int, limit: Int, writer: LogWriter) throws -> Never {
        try Exit.guarding { try writer.close() }
        Exit.report("line \(line) is longer than the log's maximum record size (\(limit) bytes): not appended, nor anything after it")
        throw ExitCode(Exit.usage)
    }

    /// Whether stdin becomes readable (or reaches its end) within `delay`.
    private func inputArrives(within delay: Duration) -> Bool {
        var fd = pollfd(fd: STDIN_FILENO, events: Int16(POLLIN), revents: 0)
        let milliseconds = Int32(clamping: delay.components.seconds * 1000 + delay.components.attoseconds / 1_000_000_000_000_000)
        return poll(&fd, 1, milliseconds) != 0  // -1 (an error) also reads on
    }

    private func commit(_ records: [[UInt8]], to writer: LogWriter) throws {
        let sequences = try Exit.guarding { try writer.append(contentsOf: records) }
        emit(sequences.map(String.init).joined(separator: "\n"))
    }
}

