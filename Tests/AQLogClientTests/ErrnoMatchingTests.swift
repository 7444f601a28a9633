import Testing
import AQLog

/// Compiles only while `Errno` and its values reach a client through `import AQLog` alone
/// (this target enables member import visibility, so nothing leaks in transitively).
@Suite struct ErrnoMatchingTests {
    func failingAppend(_ errno: Errno) throws(LogError) {
        throw .io(IOFailure("pwrite", path: "/var/lib/app/wal/00000000000000000001.seg", errno: errno, offset: 4096))
    }

    func outcome(of errno: Errno) -> String {
        do {
            try failingAppend(errno)
            return "appended"
        } catch LogError.io(let f) where f.errno == .noSpace {
            return "disk full"
        } catch LogError.io(let f) where f.errno == .ioError {
            return "I/O error at \(f.offset ?? -1)"
        } catch {
            return "other: \(error.kind)"
        }
    }

    @Test func anIOFailuresErrnoMatchesByNameImportingOnlyAQLog() {
        #expect(outcome(of: .noSpace) == "disk full")
        #expect(outcome(of: .ioError) == "I/O error at 4096")
        #expect(outcome(of: Errno(rawValue: 13)) == "other: io")
        #expect(Errno.noSpace.rawValue == 28)
    }
}
