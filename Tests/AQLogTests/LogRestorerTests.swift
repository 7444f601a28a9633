import Testing
import AQTestSupport
import Foundation
@testable import AQLog

@Suite struct LogRestorerTests {
    /// A log of 1,500 records in 64 KiB segments, archived into memory.
    private func archivedLog(_ tmp: TemporaryDirectory) async throws -> (dir: String, written: [[UInt8]], archive: MemoryArchive) {
        let dir = tmp.sub("primary")
        let written = try makeBatchedLog(dir, count: 1500)
        let archive = MemoryArchive()
        _ = try await LogArchiver(directory: dir, send: archive.send).run()
        return (dir, written, archive)
    }

    @Test func restoresEverySealedSegmentVerifiesAndAPromotedWriterContinues() async throws {
        let tmp = TemporaryDirectory()
        let (dir, written, archive) = try await archivedLog(tmp)
        let sealed = try descriptors(dir).filter(\.isSealed)
        let copy = tmp.sub("standby")
        let report = try await LogRestorer(directory: copy, fetch: archive.fetch).run()
        #expect(report.restored == sealed.map(\.fileName))
        #expect(report.firstSequence == 1 && report.lastSequence == sealed.last!.lastSequence)
        #expect(report.lastSegmentModified != nil)
        #expect(try readAll(copy) == Array(written[..<Int(sealed.last!.lastSequence)]))
        #expect(try LogVerifier(directory: copy).verify().corruption == nil)
        #expect(try FileManager.default.contentsOfDirectory(atPath: copy).allSatisfy { !$0.hasPrefix(LogRestorer.temporaryName) })
        // A second run finds the end of the archive at once.
        #expect(try await LogRestorer(directory: copy, fetch: archive.fetch).run().restored.isEmpty)
        // Promotion: a writer continues the log at the next sequence, chain intact.
        let log = try Log.open(directory: copy, options: smallSegments)
        #expect(try await log.append([1, 2, 3]) == sealed.last!.lastSequence + 1)
        try await log.close()
        let verified = try LogVerifier(directory: copy).verify()
        #expect(verified.corruption == nil && verified.tornTail == nil)
        #expect(verified.segments.count == sealed.count + 1)
        // A writer's log is not extended from an archive.
        await #expect {
            _ = try await LogRestorer(directory: copy, fetch: archive.fetch).run()
        } throws: { error in
            guard case .log(.invalidArgument) = error as? ArchiveError else { return false }
            return true
        }
    }

    @Test func aRunLaterExtendsTheCopy() async throws {
        let tmp = TemporaryDirectory()
        let (dir, _, archive) = try await archivedLog(tmp)
        let sealed = try descriptors(dir).filter(\.isSealed)
        // The standby has seen only the first two segments.
        let partial = MemoryArchive()
        for d in sealed[..<2] { partial.put(d.fileName, archive.object(d.fileName)!) }
        let copy = tmp.sub("standby")
        #expect(try await LogRestorer(directory: copy, fetch: partial.fetch).run().lastSequence == sealed[1].lastSequence)
        let report = try await LogRestorer(directory: copy, fetch: archive.fetch).run()
        #expect(report.restored == sealed[2...].map(\.fileName))
        #expect(report.firstSequence == 1 && report.lastSequence == sealed.last!.lastSequence)
    }

    @Test func aDamagedFetchedSegmentIsRefusedAndWhatCameBeforeStays() async throws {
        let tmp = TemporaryDirectory()
        let (dir, _, archive) = try await archivedLog(tmp)
        let sealed = try descriptors(dir).filter(\.isSealed)
        var bytes = archive.object(sealed[2].fileName)!
        bytes[20_000] ^= 0x04
        archive.put(sealed[2].fileName, bytes)
        let copy = tmp.sub("standby")
        await #expect {
            _ = try await LogRestorer(directory: copy, fetch: archive.fetch).run()
        } throws: { error in
            guard case .log(.corruption(let d)) = error as? ArchiveError else { return false }
            return d.file.contains(sealed[2].fileName) && d.reason == .checksumMismatch
        }
        #expect(segmentNames(copy) == sealed[..<2].map(\.fileName))
        #expect(try FileManager.default.contentsOfDirectory(atPath: copy).allSatisfy { !$0.hasPrefix(LogRestorer.temporaryName) })
        #expect(try LogVerifier(directory: copy).verify().corruption == nil)
    }

    @Test func aSegmentOfAnotherLogIsRefused() async throws {
        let tmp = TemporaryDirectory()
        let (dir, _, archive) = try await archivedLog(tmp)
        let sealed = try descriptors(dir).filter(\.isSealed)
        // Another log with the same records has the same names and sequences, not the identity.
        let other = tmp.sub("other")
        try makeBatchedLog(other, count: 1500)
        let otherSealed = try descriptors(other).filter(\.isSealed)
        #expect(otherSealed[1].fileName == sealed[1].fileName)
        archive.put(sealed[1].fileName, readFile(otherSealed[1].path))
        let copy = tmp.sub("standby")
        await #expect {
            _ = try await LogRestorer(directory: copy, fetch: archive.fetch).run()
        } throws: { error in
            guard case .log(.corruption(let d)) = error as? ArchiveError else { return false }
            return d.file.contains(sealed[1].fileName) && d.reason == .foreignSegment
        }
        #expect(segmentNames(copy) == [sealed[0].fileName])
    }

    @Test func aSegmentUnderTheWrongNameOrUnsealedIsRefused() async throws {
        let tmp = TemporaryDirectory()
        let (dir, _, archive) = try await archivedLog(tmp)
        let segs = try descriptors(dir)
        archive.put(segs[1].fileName, readFile(segs[2].path))  // the next segment's bytes
        let copy = tmp.sub("standby")
        await #expect(throws: ArchiveError.self) { _ = try await LogRestorer(directory: copy, fetch: archive.fetch).run() }
        #expect(segmentNames(copy) == [segs[0].fileName])
        // The open segment's bytes (no trailer) are never adopted.
        let open = segs.last!
        let fresh = MemoryArchive()
        for d in segs.dropLast() { fresh.put(d.fileName, readFile(d.path)) }
        fresh.put(open.fileName, readFile(open.path))
        let copy2 = tmp.sub("standby2")
        await #expect {
            _ = try await LogRestorer(directory: copy2, fetch: fresh.fetch).run()
        } throws: { error in
            guard case .log(.corruption(let d)) = error as? ArchiveError else { return false }
            return d.reason == .badFooter("not sealed")
        }
        #expect(segmentNames(copy2) == segs.dropLast().map(\.fileName))
    }

    @Test func aFetchThatFailsIsAnErrorNotTheEndOfTheArchive() async throws {
        let tmp = TemporaryDirectory()
        let (dir, _, archive) = try await archivedLog(tmp)
        let sealed = try descriptors(dir).filter(\.isSealed)
        let copy = tmp.sub("standby")
        let failing: @Sendable (LogRestorer.Request) async throws -> LogRestorer.Fetch = { request in
            if request.fileName == sealed[1].fileName { throw ArchiveTestFailure.refused(request.fileName) }
            return try await archive.fetch(request)
        }
        await #expect {
            _ = try await LogRestorer(directory: copy, fetch: failing).run()
        } throws: { error in
            guard case .fetchFailed(let name, _) = error as? ArchiveError else { return false }
            return name == sealed[1].fileName
        }
        #expect(segmentNames(copy) == [sealed[0].fileName])
    }

    @Test func anArchiveStartingLaterIsRestoredFromTheSequenceGiven() async throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("primary")
        let written = try makeBatchedLog(dir, count: 1500)
        let sealed = try descriptors(dir).filter(\.isSealed)
        try Checkpoint.write(directory: dir, sequence: sealed[1].lastSequence)
        #expect(try Compactor(directory: dir).run().removed.count == 2)
        let archive = MemoryArchive()
        _ = try await LogArchiver(directory: dir, send: archive.send).run()
        #expect(archive.names.first == sealed[2].fileName)
        let copy = tmp.sub("standby")
        #expect(try await LogRestorer(directory: copy, fetch: archive.fetch).run().restored.isEmpty, "nothing starts at 1")
        let report = try await LogRestorer(directory: copy, fetch: archive.fetch).run(from: sealed[2].baseSequence)
        #expect(report.firstSequence == sealed[2].baseSequence && report.lastSequence == sealed.last!.lastSequence)
        let records = try readNumbered(copy)
        #expect(records.first?.0 == sealed[2].baseSequence)
        #expect(records.map(\.1) == Array(written[Int(sealed[2].baseSequence - 1)..<Int(sealed.last!.lastSequence)]))
    }
}
