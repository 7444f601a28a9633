import Foundation
import AQTestSupport
@testable import AQLog

/// An archive in memory: what `send` stored, by name, and what `fetch` answers from.
final class MemoryArchive: @unchecked Sendable {
    private let lock = NSLock()
    private var objects: [String: [UInt8]] = [:]
    private var order: [String] = []
    /// Names `send` fails for (once each, unless `failForever`).
    var failing: Set<String> = []
    var failForever = false
    /// Fails once the send made when this many objects are stored.
    var failOnceAt: Int?

    var names: [String] { lock.withLock { order } }
    func object(_ name: String) -> [UInt8]? { lock.withLock { objects[name] } }
    func put(_ name: String, _ bytes: [UInt8]) { lock.withLock { objects[name] = bytes } }

    /// Stores the segment's bytes under its name; refuses a different object already there.
    @Sendable func send(_ segment: ArchiveSegment) async throws {
        let bytes = readFile(segment.path)
        try lock.withLock {
            if failing.contains(segment.fileName) {
                if !failForever { failing.remove(segment.fileName) }
                throw ArchiveTestFailure.refused(segment.fileName)
            }
            if failOnceAt == order.count {
                failOnceAt = nil
                throw ArchiveTestFailure.refused(segment.fileName)
            }
            if let existing = objects[segment.fileName], existing != bytes { throw ArchiveTestFailure.differs(segment.fileName) }
            objects[segment.fileName] = bytes
            order.append(segment.fileName)
        }
    }

    /// Writes the named object at the destination, or answers not found.
    @Sendable func fetch(_ request: LogRestorer.Request) async throws -> LogRestorer.Fetch {
        guard let bytes = object(request.fileName) else { return .notFound }
        writeFile(request.destination, bytes)
        return .fetched
    }
}

enum ArchiveTestFailure: Error { case refused(String), differs(String) }

/// The segment files of `dir`, by name.
func segmentNames(_ dir: String) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter { $0.hasSuffix(".seg") }.sorted()
}
