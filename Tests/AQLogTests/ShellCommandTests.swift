import Testing
import AQTestSupport
import Foundation
@testable import AQLog

@Suite struct ShellCommandTests {
    @Test func placeholdersAreExpandedAndQuotedForTheShell() {
        let c = ShellCommand("cp %p /a/%f && echo 100%% %x %")
        #expect(c.expanded(path: "/x y/it's.seg", fileName: "it's.seg")
                == #"cp '/x y/it'\''s.seg' /a/'it'\''s.seg' && echo 100% %x %"#)
    }

    @Test func aHostileFileNameStaysOneArgument() async throws {
        let tmp = TemporaryDirectory()
        let name = "a b;$(touch pwned)`touch pwned2`'\"*.seg"
        writeFile(tmp.sub(name), [1, 2, 3])
        let end = try await ShellCommand("cd \(tmp.path) && cp %p copy && test \"$(cat %f | wc -c)\" = 3")
            .run(path: tmp.sub(name), fileName: name)
        #expect(end == .exited(0))
        #expect(tmp.read("copy") == [1, 2, 3])
        #expect(!tmp.exists("pwned") && !tmp.exists("pwned2"))
    }

    @Test func reportsHowTheCommandEnded() async throws {
        #expect(try await ShellCommand("exit 0").run(path: "p", fileName: "f") == .exited(0))
        #expect(try await ShellCommand("exit 7").run(path: "p", fileName: "f") == .exited(7))
        #expect(try await ShellCommand("kill -9 $$").run(path: "p", fileName: "f") == .signaled(9))
        let segment = ArchiveSegment(path: "/nonexistent/x.seg", firstSequence: 1, lastSequence: 2, bytes: 0)
        await #expect(throws: ShellCommand.Failure.self) { try await ShellCommand("exit 3").archiving(segment) }
    }

    @Test func aRestoreCommandsNotFoundStatusIsTheEndAndAnyOtherFailureAnError() async throws {
        let request = LogRestorer.Request(fileName: "f.seg", baseSequence: 1, destination: "/tmp/none")
        #expect(try await ShellCommand("exit 4").fetching()(request) == .notFound)
        #expect(try await ShellCommand("exit 0").fetching()(request) == .fetched)
        #expect(try await ShellCommand("exit 9").fetching(notFoundStatus: 9)(request) == .notFound)
        await #expect(throws: ShellCommand.Failure.self) { _ = try await ShellCommand("exit 1").fetching()(request) }
    }

    @Test func cancellationEndsALongCommand() async throws {
        let task = Task { try await ShellCommand("sleep 60").run(path: "p", fileName: "f") }
        try await Task.sleep(for: .milliseconds(100))
        task.cancel()
        #expect(try await task.value == .signaled(SIGTERM))
    }

    /// A recipe's shell waits for its running tool before its `TERM` trap runs: cancellation
    /// signals the whole process group, so the tool ends too, at once.
    @Test func cancellationReachesTheToolTheShellIsWaitingFor() async throws {
        let task = Task { try await ShellCommand("trap 'exit 1' TERM; sleep 60").run(path: "p", fileName: "f") }
        try await Task.sleep(for: .milliseconds(200))
        task.cancel()
        // Its trap ran (exit 1): `sleep` ended on SIGTERM; signalling the shell alone would have
        // left it waiting until SIGKILL after the grace period.
        #expect(try await task.value == .exited(1))
    }

    /// A command that ignores `SIGTERM` is killed after the grace period.
    @Test func aCommandIgnoringTerminationIsKilled() async throws {
        let task = Task { try await ShellCommand("trap '' TERM; sleep 60").run(path: "p", fileName: "f") }
        try await Task.sleep(for: .milliseconds(200))
        task.cancel()
        #expect(try await task.value == .signaled(SIGKILL))
    }

    /// The command gets no descriptor of this process past standard error: one without
    /// `O_CLOEXEC` (a pipe another thread is setting up for a child of its own) would stay open
    /// for as long as the command runs, and whoever waits for that pipe's end would wait too.
    @Test func theCommandInheritsNoOtherDescriptor() async throws {
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        defer { close(fds[0]); close(fds[1]) }
        let end = try await ShellCommand("test ! -e /proc/$$/fd/\(fds[1])").run(path: "p", fileName: "f")
        #expect(end == .exited(0))
    }

    /// Standard input is `/dev/null`: a command reading it ends instead of waiting.
    @Test func theCommandReadsNothingFromStandardInput() async throws {
        #expect(try await ShellCommand("test -z \"$(cat)\"").run(path: "p", fileName: "f") == .exited(0))
    }
}
