import AQLog
import ArgumentParser

struct CheckpointCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "checkpoint",
        abstract: "Record SEQ as the compaction point (atomically).",
        discussion: """
            Segments entirely at or below SEQ become removable by aq-wal compact. Written \
            atomically (temporary file, fdatasync, rename, directory sync). Refuses (exit 64) a \
            SEQ above the log's last durable sequence; exit 2 if its open finds the log corrupt \
            (sealed segments are trusted through their trailers: verify reads their records).

            Examples:
              aq-wal checkpoint /var/lib/app/wal 120000
              aq-wal checkpoint /srv/wal "$(cat snapshot.seq)" && aq-wal compact /srv/wal
            """)

    @Argument(help: "The log directory.") var directory: String
    @Argument(help: "The sequence through which records may be discarded.") var sequence: UInt64

    func run() throws {
        try requireLog(directory)
        try Exit.guarding { try Checkpoint.write(directory: directory, sequence: sequence) }
        emit("checkpoint \(sequence)")
    }
}
