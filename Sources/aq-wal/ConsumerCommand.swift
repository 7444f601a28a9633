import AQLog
import ArgumentParser

/// `aq-wal consumer list|set|drop`: the named consumer cursors that hold compaction.
struct ConsumerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "consumer",
        abstract: "List, set or drop the named consumer cursors that compaction never passes.",
        discussion: """
            A cursor is the last sequence a consumer has processed; compact keeps every segment \
            holding a record above the slowest cursor. Cursors live in DIR/consumers/NAME.cursor.
            """,
        subcommands: [List.self, Set.self, Drop.self])

    /// `aq-wal consumer` alone names no action: a usage error, not the help with exit 0.
    func run() throws {
        // Thrown, a validation error would print the top-level usage: this command's instead.
        Exit.writeStderr("""
            Error: missing subcommand (list, set or drop)
            Usage: aq-wal consumer <subcommand>
              See 'aq-wal consumer --help' for more information.
            """)
        throw ExitCode(Exit.usage)
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show each cursor, its position and its lag behind the log's last record.",
            discussion: """
                Needs read permission only. A damaged cursor file is listed with its damage and \
                exits 2 (compaction removes nothing while it is damaged).

                Examples:
                  aq-wal consumer list /var/lib/app/wal
                  aq-wal consumer list /var/lib/app/wal --json | jq '.consumers[].lag'
                """)

        @Argument(help: "The log directory.") var directory: String
        @Flag(help: "Print one JSON object.") var json = false

        func run() throws {
            try requireLog(directory)
            // The cursors before the log's end (see `ConsumerCursor.Status.checked(logEnd:)`).
            let listed = try Exit.guarding { try ConsumerCursor.list(directory: directory) }
            let reader = try Exit.guarding { try LogReader.open(directory: directory) }
            // The log's end as the segments hold it: beside a writer still opening, the
            // reader's own stops at the point it publishes, below records cursors may hold.
            let end = max(reader.segments.last?.lastSequence ?? 0, reader.report.lastSequence)
            let consumers = listed.map { $0.checked(logEnd: end) }
            if json {
                emit(JSONValue.object([("directory", .string(directory)), ("last_sequence", .uint(reader.lastSequence)),
                                       ("consumers", .consumers(consumers, lastSequence: reader.lastSequence))]).rendered)
            } else {
                for c in consumers { emit(c.line(lastSequence: reader.lastSequence)) }
                emit("\(consumers.count) consumers; last sequence \(reader.lastSequence)")
            }
            if let damaged = consumers.first(where: { $0.damage != nil }), let damage = damaged.damage {
                Exit.report(damage.description + "; set it again or drop it")
                throw ExitCode(Exit.corruption)
            }
        }
    }

    struct Set: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Register NAME at SEQ, or move an existing cursor to SEQ.",
            discussion: """
                SEQ is the last sequence processed (0: from the start). Registering needs write \
                permission on DIR; moving an existing cursor needs write permission on its file \
                only. Refuses (exit 64) a SEQ above the log's last durable sequence, one whose next records \
                were compacted, or a malformed name.

                Examples:
                  aq-wal consumer set /var/lib/app/wal indexer 0
                  aq-wal consumer set /var/lib/app/wal indexer 120000
                """)

        @Argument(help: "The log directory.") var directory: String
        @Argument(help: "The consumer's name (A-Z a-z 0-9 . _ -).") var name: String
        @Argument(help: "The last sequence the consumer has processed.") var sequence: UInt64

        func run() throws {
            try requireLog(directory)
            // A damaged cursor is registered again (replaced), an intact one moved in place.
            let registered = try Exit.guarding { try ConsumerCursor.list(directory: directory) }.contains { $0.name == name && $0.damage == nil }
            let reader = try Exit.guarding { try LogReader.open(directory: directory) }
            // A position below the first retained record names records the consumer has not
            // processed and can no longer read: its tail would stop at once with `compacted`.
            if reader.firstSequence > 1, reader.lastSequence >= reader.firstSequence, sequence < reader.firstSequence - 1 {
                throw Exit.fail(.invalidArgument(
                    "\(directory): consumer position \(sequence) is below the first retained record \(reader.firstSequence) (records \(sequence + 1)...\(reader.firstSequence - 1) were compacted); the lowest position is \(reader.firstSequence - 1)"))
            }
            if registered {
                // As for registering: a cursor never moves past what a power loss cannot take back.
                let last = try Exit.guarding { try Checkpoint.lastDurableSequence(directory: directory, storage: PosixStorage()) }
                guard sequence <= last else {
                    throw Exit.fail(.invalidArgument("\(directory): consumer position \(sequence) is above the log's last durable sequence \(last)"))
                }
                try Exit.guarding {
                    let cursor = try ConsumerCursor.open(directory: directory, name: name)
                    defer { cursor.close() }
                    try cursor.commit(sequence)
                }
            } else {
                try Exit.guarding { try ConsumerCursor.register(directory: directory, name: name, position: sequence) }
            }
            emit("consumer \(name) \(registered ? "set" : "registered") at \(sequence)")
        }
    }

    struct Drop: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Remove a cursor (a consumer that is gone): its hold on compaction ends.",
            discussion: """
                Exit 64 when no such consumer exists.

                Example:
                  aq-wal consumer drop /var/lib/app/wal indexer && aq-wal compact /var/lib/app/wal
                """)

        @Argument(help: "The log directory.") var directory: String
        @Argument(help: "The consumer's name.") var name: String

        func run() throws {
            try requireLog(directory)
            try Exit.guarding { try ConsumerCursor.drop(directory: directory, name: name) }
            emit("consumer \(Exit.oneLine(name)) dropped")
        }
    }
}

extension ConsumerCursor.Status {
    /// `NAME at POSITION (lag N)`, or the damage.
    func line(lastSequence: UInt64) -> String {
        // A name read from a file name may hold control characters: one line each, still.
        let name = Exit.oneLine(name)
        if let position, let lag = lag(lastSequence: lastSequence) { return "consumer \(name) at \(position) (lag \(lag))" }
        return "consumer \(name) damaged: \(Exit.oneLine(damage?.description ?? ""))"
    }
}

extension JSONValue {
    static func consumers(_ list: [ConsumerCursor.Status], lastSequence: UInt64) -> JSONValue {
        .array(list.map { c in
            .object([("name", .string(c.name)), ("position", c.position.map { .uint($0) } ?? .null),
                     ("lag", c.lag(lastSequence: lastSequence).map { .uint($0) } ?? .null),
                     ("file", .string(c.path)), ("damage", .corruption(c.damage))])
        })
    }
}
