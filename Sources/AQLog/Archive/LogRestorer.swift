import Logging

/// Builds a log from its archive, or extends one built before: a warm standby on another
/// machine, or a restore after the loss of one (`aq-wal restore`).
///
/// It asks `fetch` for the segment that starts at the next sequence (1 for a new log, or the
/// `from` given when the archive starts later, after the log was compacted before archiving
/// began), by file name, to be written at a temporary path inside the directory; verifies it
/// completely (header, every record, index, trailer, the chain to the previous segment, the
/// log's identity) before adopting it under its name (synced, renamed, directory synced); and
/// goes on until `fetch` answers ``Fetch/notFound``, the end of the archive. A fetched
/// segment that fails verification is refused (``ArchiveError/log(_:)`` with
/// ``LogError/corruption(_:)`` naming it) and removed; what was restored before stays.
///
/// The restored log is all sealed segments, all archived (`ARCHIVED` records it, so a standby's
/// compaction may remove them, and a promoted writer archives only what it seals itself). A
/// writer opened on it continues the log at the next sequence in a new segment: promotion. It
/// takes the writer's `LOCK` while it runs, so no writer and no other restore can run beside it.
public struct LogRestorer: Sendable {
    /// What `fetch` did.
    public enum Fetch: Sendable, Equatable {
        /// The object was written, whole, at the request's ``Request/destination``.
        case fetched
        /// The archive holds no such object: the end of the archive. Any other failure must be
        /// thrown, never reported as this (it would stop a standby without a word).
        case notFound
    }

    /// One segment asked of the archive.
    public struct Request: Sendable, Equatable {
        /// The object's name: the segment's file name.
        public var fileName: String
        /// The sequence the segment must start at.
        public var baseSequence: UInt64
        /// Where to write it (a temporary file in the log directory, absent when asked).
        public var destination: String

        /// A request for the object `fileName`, to be written at `destination`.
        public init(fileName: String, baseSequence: UInt64, destination: String) {
            self.fileName = fileName
            self.baseSequence = baseSequence
            self.destination = destination
        }
    }

    /// How the temporary file a segment is fetched into begins: each fetch writes its own,
    /// `restore.tmp.<random>`, so a fetch a killed run left running can never write into the
    /// file a later run is verifying. A run first removes what earlier runs left.
    public static let temporaryName = "restore.tmp"

    /// The log directory (created when missing; its parent must exist).
    public let directory: String
    /// The storage every read and write goes through.
    public let storage: any Storage
    /// Fetches one segment.
    public let fetch: @Sendable (Request) async throws -> Fetch
    /// Where runs report.
    public let logger: Logger

    /// A restorer into `directory`.
    public init(directory: String, storage: any Storage = PosixStorage(), logger: Logger? = nil,
                fetch: @escaping @Sendable (Request) async throws -> Fetch) {
        self.directory = directory
        self.storage = storage
        self.fetch = fetch
        self.logger = logger.orDefault
    }

    /// What a run did and how far the copy reaches.
    public struct Report: Sendable, Equatable {
        /// Segments fetched and adopted by this run, oldest first.
        public var restored: [String] = []
        /// The copy's first and last sequence after the run (0 and 0 when it holds none).
        public var firstSequence: UInt64 = 0
        /// See ``firstSequence``.
        public var lastSequence: UInt64 = 0
        /// When the copy's last segment was last modified, in seconds since the epoch (the
        /// archive's time for it when the fetch kept it; nil when unknown).
        public var lastSegmentModified: Double?
    }

    /// Restores from `from` (a new log only; nil: sequence 1), or from the sequence after the
    /// copy's last record. Throws ``LogError/invalidArgument(_:)`` (in ``ArchiveError/log(_:)``)
    /// when the directory holds a writer's log (an open segment) or `from` disagrees with it.
    public func run(from: UInt64? = nil) async throws(ArchiveError) -> Report {
        let lock: any StorageLock
        var previous: SegmentDescriptor?
        do throws(LogError) {
            try createIfMissing()
            let lockPath = LogDirectoryLayout.join(directory, LogDirectoryLayout.lockFile)
            do { lock = try storage.lockExclusive(lockPath) } catch {
                throw error.errno == .wouldBlock ? .logLocked(path: directory) : .io(error)
            }
        } catch { throw .log(error) }
        defer { lock.release() }
        var report = Report()
        do throws(LogError) {
            let outcome = try LogRecovery(storage: storage, directory: directory).recover(policy: .strict, repair: false)
            if let open = outcome.open {
                open.file.close()
                if open.descriptor.recordCount > 0 || !outcome.sealed.isEmpty {
                    throw .invalidArgument("\(directory): the log has an open segment (\(open.descriptor.fileName)): a writer's log is not extended from an archive")
                }
                throw .invalidArgument("\(directory): holds an empty writer's segment (\(open.descriptor.fileName)); restore into a new directory")
            }
            previous = outcome.sealed.last
            report.firstSequence = outcome.report.firstSequence
            if let from, let last = previous, from != last.lastSequence &+ 1 {
                throw .invalidArgument("--from \(from): the copy in \(directory) ends at sequence \(last.lastSequence); it continues at \(last.lastSequence &+ 1)")
            }
            if let from, from == 0 { throw .invalidArgument("--from must be at least 1") }
        } catch { throw .log(error) }
        var next = previous.map { $0.lastSequence &+ 1 } ?? from ?? 1
        removeLeftoverTemporaries()
        while true {
            let temporaryName = Self.temporaryName + "." + String(UInt64.random(in: 0...UInt64.max), radix: 16)
            let temporary = LogDirectoryLayout.join(directory, temporaryName)
            let request = Request(fileName: SegmentName.fileName(baseSequence: next), baseSequence: next, destination: temporary)
            let answer: Fetch
            do { answer = try await fetch(request) } catch {
                removeTemporary(temporary)
                throw .fetchFailed(segment: request.fileName, underlying: error)
            }
            if answer == .notFound {
                removeTemporary(temporary)
                break
            }
            guard (try? storage.listDirectory(directory))?.contains(temporaryName) ?? true else {
                throw .fetchFailed(segment: request.fileName, underlying: NothingFetched(destination: temporary))
            }
            let adopted: SegmentDescriptor
            do throws(LogError) { adopted = try adopt(request, previous: previous) } catch {
                removeTemporary(temporary)
                throw .log(error)
            }
            if report.firstSequence == 0 { report.firstSequence = adopted.baseSequence }
            report.restored.append(adopted.fileName)
            logger.debug("restored segment", metadata: ["file": "\(adopted.path)", "lastSequence": "\(adopted.lastSequence)"])
            previous = adopted
            next = adopted.lastSequence &+ 1
        }
        if let last = previous {
            report.lastSequence = last.lastSequence
            report.lastSegmentModified = modificationTime(last.path)
        } else {
            report.firstSequence = 0
        }
        return report
    }

    /// Verifies the fetched file as the segment `request` names, continuing `previous`, then
    /// makes it durable under its name and records it archived.
    private func adopt(_ request: Request, previous: SegmentDescriptor?) throws(LogError) -> SegmentDescriptor {
        let name = request.fileName
        func refused(_ d: CorruptionDiagnosis) -> LogError {
            .corruption(.init(file: LogDirectoryLayout.join(directory, name) + " (fetched)", offset: d.offset, reason: d.reason))
        }
        let file = try io { () throws(IOFailure) in try storage.openFile(request.destination, create: false) }
        defer { file.close() }
        let recovery = LogRecovery(storage: storage, directory: directory)
        var scratch = RecoveryReport()
        var d: SegmentDescriptor
        do { (d, _) = try recovery.readEnds(file: file, path: request.destination, nameBase: request.baseSequence, next: nil, report: &scratch) } catch {
            if case .corruption(let diagnosis) = error { throw refused(diagnosis) }
            throw error
        }
        guard d.isSealed else {
            throw refused(.init(file: name, offset: d.segmentSize - SegmentLayout.trailerSize, reason: .badFooter("not sealed")))
        }
        if let previous {
            do { try recovery.checkContinuity(previous, d, first: previous) } catch {
                if case .corruption(let diagnosis) = error { throw refused(diagnosis) }
                throw error
            }
        }
        if let damage = try LogVerifier(directory: directory, storage: storage).verifySealed(d, buffer: SegmentReadBuffer()) {
            throw refused(damage)
        }
        let final = LogDirectoryLayout.join(directory, name)
        try io { () throws(IOFailure) in
            try file.syncData()
            try storage.rename(request.destination, to: final)
            try storage.syncDirectory(directory)
        }
        d.path = final
        try ArchiveState.record(through: d.lastSequence, directory: directory, storage: storage)
        return d
    }

    /// `fetch` answered ``Fetch/fetched`` but left nothing at the destination.
    public struct NothingFetched: Error, Sendable, Equatable, CustomStringConvertible {
        /// Where the object was to be written.
        public var destination: String
        /// `reported the object fetched, but nothing is at <destination>`.
        public var description: String { "reported the object fetched, but nothing is at \(destination)" }
    }

    private func createIfMissing() throws(LogError) {
        guard !storage.isDirectory(directory) else { return }
        do throws(IOFailure) {
            try storage.createDirectory(directory)
            try storage.syncDirectory(parentDirectory(of: directory))
        } catch where error.errno == .fileExists {
            throw .notADirectory(path: directory)
        } catch { throw .io(error) }
    }

    private func removeTemporary(_ path: String) {
        try? storage.removeFile(path)
    }

    /// Removes the temporary files earlier runs left (killed while fetching or verifying).
    private func removeLeftoverTemporaries() {
        for name in (try? storage.listDirectory(directory)) ?? [] where name.hasPrefix(Self.temporaryName) {
            removeTemporary(LogDirectoryLayout.join(directory, name))
        }
    }
}
