import Testing
import AQTestSupport
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif
@testable import AQLog

/// A lock that cannot be taken leaves no descriptor behind and closes none it does not own.
@Suite struct PosixLockTests {
    /// Failing to take a held lock closes its own descriptor exactly once. Closed twice, the
    /// second `close` hits whatever another thread opened in between under the same number
    /// (a writer's freshly prepared segment then failed its first write with `EBADF`). A probe
    /// thread opens `/dev/null` again and again meanwhile and checks that each descriptor it
    /// holds still names `/dev/null` until it closes it.
    @Test func aFailedLockNeverClosesAnotherThreadsDescriptor() throws {
        let tmp = TemporaryDirectory()
        let path = tmp.sub("LOCK")
        let held = try PosixStorage().lockExclusive(path)
        defer { held.release() }
        var null = stat()
        try #require(stat("/dev/null", &null) == 0)
        let device = null.st_rdev
        let stop = Atomic<Bool>(false)
        let stolen = Atomic<Int>(0)
        let probe = Thread {
            while !stop.load(ordering: .relaxed) {
                let fd = open("/dev/null", O_RDONLY | O_CLOEXEC)
                guard fd >= 0 else { continue }
                for _ in 0..<4 {
                    var st = stat()
                    if fstat(fd, &st) != 0 || st.st_rdev != device || st.st_mode & S_IFMT != S_IFCHR {
                        stolen.add(1, ordering: .relaxed)
                        break
                    }
                }
                close(fd)
            }
        }
        probe.start()
        var refused = 0
        for _ in 0..<20_000 {
            do throws(IOFailure) {
                _ = try PosixLock(path: path, contentionWindow: .zero)
            } catch {
                if error.errno == .wouldBlock { refused += 1 }
            }
        }
        stop.store(true, ordering: .relaxed)
        while !probe.isFinished { usleep(1_000) }
        #expect(refused == 20_000, "the lock is held: every attempt must be refused")
        #expect(stolen.load(ordering: .relaxed) == 0, "descriptors of another thread were closed under it")
    }

    /// A holder that unlinks the lock's file before releasing it (a run removing the log it
    /// created) hands the lock to no one: an opener that opened the old file and was waiting
    /// for its lock ends up holding the file now at the path, so a third opener is refused.
    @Test func anOpenerWaitingOnAFileTheHolderUnlinksLocksTheFileNowThere() throws {
        let tmp = TemporaryDirectory()
        let path = tmp.sub("LOCK")
        let first = try PosixLock(path: path)
        let second = Mutex<PosixLock?>(nil)
        let waiter = Thread {
            let lock = try? PosixLock(path: path, contentionWindow: .seconds(5))
            second.withLock { $0 = lock }
        }
        waiter.start()
        usleep(200_000)  // the waiter has opened the file and is retrying its lock (its window is 5 s)
        unlink(path)
        first.release()
        while !waiter.isFinished { usleep(1_000) }
        let held = second.withLock { $0 }
        try #require(held != nil, "the waiter got a lock")
        var named = stat()
        #expect(stat(path, &named) == 0, "it locked a file at the path")
        #expect(throws: IOFailure.self, "a third opener is refused") { _ = try PosixLock(path: path, contentionWindow: .zero) }
        held?.release()
    }
}
