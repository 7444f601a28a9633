#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import Foundation
import Logging

/// `aq-wal`: the operator's tool for a segment log. Thin: parses, calls AQLog, prints.
/// The contract (arguments, output, exit codes) is in `docs/OPERATIONS.md`.
@main
struct AQWal: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "aq-wal",
        abstract: "Inspect, verify, repair, compact, archive and feed an actionqueue segment log.",
        discussion: """
            Exit codes: 0 healthy/done (also when there was nothing to do); 1 torn tail found (verify); \
            2 corruption found or refused; 64 usage error; 73 cannot create; 74 I/O error; \
            75 locked: a writer holds the log (append, repair, restore, import-v5), another compaction (compact) or another archive run (archive).
            Every runtime error prints one line on stderr naming the file, offset and reason \
            (usage errors print the usage).
            """,
        subcommands: [Append.self, Dump.self, Inspect.self, Verify.self, Repair.self,
                      CheckpointCommand.self, Compact.self, ConsumerCommand.self, Archive.self, Restore.self, ImportV5.self])

    /// Silences the library's swift-log output so stderr carries only the one-line error the
    /// contract promises; `AQ_WAL_LOG=debug|info|notice|warning|error` turns it on.
    static func main() {
        // A closed stdout is the end of the output (``Output``), not a reason to die.
        signal(SIGPIPE, SIG_IGN)
        reserveStandardDescriptors()
        let level = ProcessInfo.processInfo.environment["AQ_WAL_LOG"].flatMap { Logger.Level(rawValue: $0) }
        LoggingSystem.bootstrap { label in
            guard let level else { return SwiftLogNoOpLogHandler() }
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        refuseArgumentsThatAreNotUTF8()
        if let unknown = unknownHelpTopic(Array(CommandLine.arguments.dropFirst())) {
            exit(withError: ValidationError("unknown subcommand '\(unknown)'"))
        }
        do {
            var command = try parseAsRoot()
            // Room for the descriptors a command needs, once one of this tool's is to run (help,
            // which the parser's own command prints, and usage errors need none).
            let ours = String(reflecting: type(of: command)).hasPrefix(String(reflecting: AQWal.self).prefix { $0 != "." } + ".")
            if ours, !(command is AQWal) { ensureDescriptorRoom() }
            try command.run()
        } catch {
            exit(withError: error)
        }
        // Output that could not all be written (each failure reported as it happened), from a
        // command that otherwise found nothing wrong.
        if Output.failed { Glibc.exit(Exit.ioError) }
    }

    /// Exits 64 when an argument is not valid UTF-8. Swift's `CommandLine.arguments` repairs
    /// such bytes into U+FFFD, so a directory named with them would silently become another
    /// one (and different names the same one).
    private static func refuseArgumentsThatAreNotUTF8() {
        for index in 1..<Int(CommandLine.argc) {
            guard let argument = CommandLine.unsafeArgv[index], String(validatingCString: argument) == nil else { continue }
            Exit.report("argument \(index) is not valid UTF-8 (\(String(cString: argument))): paths and names must be UTF-8")
            Glibc.exit(Exit.usage)
        }
    }

    /// Without a subcommand there is nothing to do: a usage error (64) with the usage on
    /// stderr, as for an unknown subcommand, not the help on stdout with exit 0.
    func run() throws { throw ValidationError("missing subcommand") }

    /// A first argument that is not a subcommand, or the first name after `help` that is not a
    /// subcommand of the one before it, if any: swift-argument-parser answers `help NAME` (and
    /// `NAME --help`) for an unknown NAME with the top-level help and exit 0, which a script
    /// would take as success.
    private static func unknownHelpTopic(_ arguments: [String]) -> String? {
        // A first word that names no subcommand, whatever follows (`aq-wal bogus --help` would
        // print the top-level help and exit 0; `aq-wal bogus DIR` would call DIR unexpected).
        if let first = arguments.first, !first.hasPrefix("-"), first != "help",
           !AQWal.configuration.subcommands.contains(where: { $0._commandName == first }) {
            return first
        }
        guard arguments.first == "help" else { return nil }
        var command: any ParsableCommand.Type = AQWal.self
        for name in arguments.dropFirst() where !name.hasPrefix("-") {
            guard let next = command.configuration.subcommands.first(where: { $0._commandName == name }) else { return name }
            command = next
        }
        return nil
    }

    /// Opens `/dev/null` on each of the descriptors 0, 1 and 2 the process was started without
    /// (`aq-wal append DIR <&-`). Otherwise the first file the log opens (its `LOCK`) takes
    /// the lowest free descriptor, and reading stdin or printing would read or write the log's
    /// own files.
    private static func reserveStandardDescriptors() {
        for descriptor in Int32(0)...2 where fcntl(descriptor, F_GETFD) == -1 && errno == EBADF {
            let opened = open("/dev/null", O_RDWR)
            if opened != descriptor {
                Exit.report("cannot reserve standard descriptor \(descriptor): /dev/null: \(String(cString: strerror(errno)))")
                Glibc.exit(Exit.ioError)
            }
        }
    }

    /// Descriptors the process needs at once, at most: a log's files, a writer's lock and
    /// directory, the read-ahead and worker threads' event descriptors.
    static let descriptorsNeeded: rlim_t = 32

    /// Raises the soft limit on open descriptors to ``descriptorsNeeded`` where it is lower (up
    /// to the hard limit), and exits 74 with one line where the hard limit is lower still: a
    /// thread pool that cannot make its event descriptor stops the process (`SIGILL`), where an
    /// open that fails would have been an error to report.
    private static func ensureDescriptorRoom() {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur < descriptorsNeeded else { return }
        let wanted = min(descriptorsNeeded, limit.rlim_max)
        if wanted > limit.rlim_cur {
            limit.rlim_cur = wanted
            _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        }
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur < descriptorsNeeded else { return }
        Exit.report("too few open files allowed: RLIMIT_NOFILE is \(limit.rlim_cur) (hard \(limit.rlim_max)), aq-wal needs \(descriptorsNeeded)")
        Glibc.exit(Exit.ioError)
    }
}
