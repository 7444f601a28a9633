import Testing
import AQTestSupport
import Foundation
import SystemPackage
@testable import AQLog

/// The `FilePath` spellings reach the same log as the `String` ones.
@Suite struct FilePathEntryPointTests {
    @Test func everyEntryPointTakesAFilePath() async throws {
        let tmp = TemporaryDirectory()
        let path = FilePath(tmp.path).appending("log")
        let writer = try LogWriter.open(directory: path, options: smallSegments)
        let written = (0..<700).map { payload($0, size: 200) }
        for start in stride(from: 0, to: written.count, by: 50) { try writer.append(contentsOf: Array(written[start..<start + 50])) }
        try writer.close()
        #expect(try readAll(path.string) == written)

        let reader = try LogReader.open(directory: path)
        #expect(reader.directory == path.string && reader.lastSequence == 700)
        #expect(try LogReader.salvaging(directory: path).damage == nil)
        #expect(try LogReader(directory: path, storage: PosixStorage()).lastSequence == 700)
        #expect(try LogVerifier(directory: path).verify().recordsVerified == 700)
        #expect(try !LogRepair.repair(directory: path).repaired)

        try Checkpoint.write(directory: path, sequence: 600)
        #expect(try Checkpoint.read(directory: path) == .recorded(600))
        try Checkpoint.write(directory: path, sequence: 650, storage: PosixStorage())
        #expect(try !Compactor(directory: path).run().removed.isEmpty)

        let tail = LogTail(directory: path, from: 700)
        #expect(tail.directory == path.string)
        var it = tail.makeAsyncIterator()
        #expect(try await it.next()?.sequence == 700)

        let log = try Log.open(directory: path, options: smallSegments)
        #expect(try await log.append("after") == 701)
        try await log.close()
        let again = try Log(directory: path, options: smallSegments, storage: PosixStorage())
        try await again.close()
        try LogWriter(directory: path, options: smallSegments, storage: PosixStorage()).close()
        #expect(try LogReader.open(directory: path).record(701) == Array("after".utf8))
    }

    /// A string literal still means the `String` spelling (no ambiguity with `FilePath`'s
    /// literal conformance), and a missing directory is the same error either way.
    @Test func aLiteralPicksTheStringSpelling() {
        #expect(throws: LogError.notFound(path: "/nonexistent/aq")) { try LogReader.open(directory: "/nonexistent/aq") }
        #expect(throws: LogError.notFound(path: "/nonexistent/aq")) { try LogReader.open(directory: FilePath("/nonexistent/aq")) }
        #expect(LogTail(directory: "/nonexistent/aq").directory == "/nonexistent/aq")
    }
}
