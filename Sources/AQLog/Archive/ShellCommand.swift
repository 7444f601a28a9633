import CURing
#if canImport(Glibc)
import Glibc
#endif
import Dispatch

/// An operator's command run through `/bin/sh -c` for one segment, as PostgreSQL runs its
/// `archive_command` and `restore_command`: any tool that copies a file (`cp`, `rclone`,
/// `aws s3 cp`) archives and restores a log without a storage client in this library.
///
/// In the template, `%p` becomes the segment file's path and `%f` its file name, each quoted
/// for the shell (so the template does not quote them); `%%` becomes `%`. Other `%` sequences
/// are kept as written. The command's standard output goes to the caller's standard error, so
/// a tool's chatter never mixes with a report on standard output.
///
/// ```swift
/// let copy = ShellCommand("/opt/aq/scripts/archive/dir-archive.sh %p /mnt/archive/%f")
/// let archiver = LogArchiver(directory: "/var/lib/app/wal", send: copy.archiving)
/// ```
public struct ShellCommand: Sendable, CustomStringConvertible {
    /// The command as written, placeholders unexpanded.
    public var template: String

    /// A command from its template.
    public init(_ template: String) { self.template = template }

    /// The template.
    public var description: String { template }

    /// How the command ended.
    public enum Termination: Sendable, Equatable, CustomStringConvertible {
        /// It exited with this status.
        case exited(Int32)
        /// A signal ended it.
        case signaled(Int32)

        /// `exited with status N` or `killed by signal N`.
        public var description: String {
            switch self {
            case .exited(let status): return "exited with status \(status)"
            case .signaled(let signal): return "killed by signal \(signal)"
            }
        }
    }

    /// The command did not succeed: what ran and how it ended.
    public struct Failure: Error, Sendable, Equatable, CustomStringConvertible {
        /// The expanded command.
        public var command: String
        /// How it ended.
        public var termination: Termination
        /// `command <termination>: <command>`.
        public var description: String { "command \(termination): \(command)" }
    }

    /// The template with `%p`, `%f` and `%%` replaced.
    public func expanded(path: String, fileName: String) -> String {
        var out = ""
        var chars = template.makeIterator()
        while let c = chars.next() {
            guard c == "%" else { out.append(c); continue }
            switch chars.next() {
            case "p": out += Self.quoted(path)
            case "f": out += Self.quoted(fileName)
            case "%": out.append("%")
            case let other?: out.append("%"); out.append(other)
            case nil: out.append("%")
            }
        }
        return out
    }

    /// `text` in single quotes, each `'` written as `'\''`.
    static func quoted(_ text: String) -> String {
        "'" + text.replacingAll("'", with: "'\\''") + "'"
    }

    /// How long a cancelled command has, after `SIGTERM`, before its process group gets `SIGKILL`.
    public static let terminationGrace: Duration = .seconds(5)

    /// Runs the command for `path` / `fileName` and waits for it without blocking a thread (it
    /// polls `waitpid`). The command runs in its own process group with standard input from
    /// `/dev/null`, no other descriptor of this process past standard error, no blocked
    /// signals and default signal dispositions (a parent that ignores `SIGPIPE` does not pass
    /// that on). Cancellation sends the group `SIGTERM`, then `SIGKILL`
    /// after ``terminationGrace``, and waits for the shell to end. Throws ``LogError/io(_:)``
    /// when it cannot be started or waited for.
    public func run(path: String, fileName: String) async throws(LogError) -> Termination {
        let command = expanded(path: path, fileName: fileName)
        let pid = try Self.spawn(command)
        var delay: UInt64 = 1_000_000
        var terminatedAt: ContinuousClock.Instant?
        var killed = false
        while true {
            var status: Int32 = 0
            let r = waitpid(pid, &status, WNOHANG)
            if r == pid {
                let signal = status & 0x7f
                return signal == 0 ? .exited((status >> 8) & 0xff) : .signaled(signal)
            }
            if r < 0, errno != EINTR {
                // ECHILD: the process ignores SIGCHLD, so the status is gone; the command's
                // outcome is unknown and must not count as success.
                throw .io(IOFailure("waitpid", path: command, errno: .init(rawValue: errno)))
            }
            if Task.isCancelled {
                if terminatedAt == nil {
                    kill(-pid, SIGTERM)
                    terminatedAt = .now
                } else if !killed, ContinuousClock.now - terminatedAt! >= Self.terminationGrace {
                    kill(-pid, SIGKILL)
                    killed = true
                }
                // Cancelled, `Task.sleep` returns at once: wait on a timer instead.
                await Self.pause(nanoseconds: 20_000_000)
            } else {
                try? await Task.sleep(nanoseconds: delay)
                delay = min(delay * 2, 20_000_000)
            }
        }
    }

    /// Suspends for `nanoseconds` whether or not the task is cancelled.
    private static func pause(nanoseconds: UInt64) async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            DispatchQueue.global().asyncAfter(deadline: .now() + .nanoseconds(Int(nanoseconds))) { c.resume() }
        }
    }

    /// Runs the command and throws ``Failure`` unless it exits 0 (``LogError`` when it cannot
    /// be started).
    public func runSucceeding(path: String, fileName: String) async throws {
        let end = try await run(path: path, fileName: fileName)
        guard end == .exited(0) else { throw Failure(command: expanded(path: path, fileName: fileName), termination: end) }
    }

    /// Runs the command for `segment` and throws ``Failure`` unless it exits 0: an archiver's
    /// `send` (``LogArchiver``).
    @Sendable public func archiving(_ segment: ArchiveSegment) async throws {
        try await runSucceeding(path: segment.path, fileName: segment.fileName)
    }

    /// A restore's `fetch` (``LogRestorer``) running the command with `%f` = the requested
    /// segment's file name and `%p` = where to write it: exit 0 is ``LogRestorer/Fetch/fetched``,
    /// `notFoundStatus` (default 4) ``LogRestorer/Fetch/notFound``, anything else throws
    /// ``Failure``, so a broken archive never passes for the end of one.
    public func fetching(notFoundStatus: Int32 = 4) -> @Sendable (LogRestorer.Request) async throws -> LogRestorer.Fetch {
        { request in
            let end = try await run(path: request.destination, fileName: request.fileName)
            if end == .exited(notFoundStatus) { return .notFound }
            guard end == .exited(0) else {
                throw Failure(command: expanded(path: request.destination, fileName: request.fileName), termination: end)
            }
            return .fetched
        }
    }

    private static func spawn(_ command: String) throws(LogError) -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, STDERR_FILENO, STDOUT_FILENO)
        // Nothing else of this process: a descriptor without `O_CLOEXEC` (a pipe another
        // thread is setting up for a child of its own, a socket of the embedding program)
        // would stay open in the command for as long as it runs, and whoever waits for that
        // pipe's end would wait for the command too.
        _ = curing_spawn_close_from(&actions, STDERR_FILENO + 1)
        // Its own process group (cancellation signals every process the command started), no
        // signal blocked (a runtime worker thread blocks them all), default dispositions.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t(), defaults = sigset_t()
        sigemptyset(&none)
        sigemptyset(&defaults)
        for signal in [SIGPIPE, SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGCHLD, SIGUSR1, SIGUSR2] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let argv: [UnsafeMutablePointer<CChar>?] = [strdup("sh"), strdup("-c"), strdup(command), nil]
        defer { for a in argv { free(a) } }
        var pid: pid_t = 0
        let r = posix_spawn(&pid, "/bin/sh", &actions, &attributes, argv, environ)
        guard r == 0 else { throw .io(IOFailure("posix_spawn /bin/sh", path: command, errno: .init(rawValue: r))) }
        return pid
    }
}

extension String {
    /// This string with every occurrence of `target` replaced (no Foundation in this library).
    func replacingAll(_ target: Character, with replacement: String) -> String {
        var out = ""
        for c in self { if c == target { out += replacement } else { out.append(c) } }
        return out
    }
}
