import AQLog
import AQTestSupport
import Foundation
import Testing
import ActionQueue

/// docs/ACTIONQUEUE.md's snippets, compiled and run: each ```swift block of the guide must
/// appear, line for line (leading spaces aside), in this file, and the steps below run them
/// in the guide's order against a temporary directory.
@Suite struct GuideTests {
    @Test func everySnippetOfTheGuideIsInThisFile() throws {
        let here = URL(fileURLWithPath: #filePath)
        let guide = try String(contentsOf: here.deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("docs/ACTIONQUEUE.md"), encoding: .utf8)
        let source = try String(contentsOf: here, encoding: .utf8)
        let lines = source.split(separator: "\n", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        let blocks = guide.components(separatedBy: "```swift\n").dropFirst().map { $0.components(separatedBy: "```")[0] }
        #expect(blocks.count >= 5, "the guide has its snippets")
        for block in blocks {
            let snippet = block.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
            let found = lines.indices.contains { start in
                start + snippet.count <= lines.count && Array(lines[start..<start + snippet.count]) == snippet
            }
            #expect(found, "snippet not compiled by GuideTests:\n\(block)")
        }
    }

    @Test func theGuideRunsFromOpenToClose() async throws {
        let temporary = TemporaryDirectory()
        let directory = temporary.path
        let (task, run) = try await openSubmitAndQuery(directory)
        try await reopenAfterSnapshot(directory, task: task, run: run)
    }

    func openSubmitAndQuery(_ directory: String) async throws -> (TaskId, RunId) {
        // Open: recover from the newest snapshot plus the log.
        let store = SnapshotStore(directory: directory + "/snapshots")
        let authority = try await AsyncMutationAuthority.open(
            directory: directory + "/events", durability: .sync, snapshots: store)

        // Submit: a task and its first run as one command, then make the run ready.
        let now: UInt64 = 1_700_000_000
        let task = TaskId(), run = RunId()
        try await authority.submit([
            .taskCreated(taskSpec: TaskSpec(id: task, payload: TaskPayload(bytes: [1, 2, 3])), timestamp: now),
            .runCreated(runInstance: RunInstance(id: run, taskId: task, createdAt: now, scheduledAt: now)),
        ])
        try await authority.submit(.runStateChanged(runId: run, previousState: .scheduled, newState: .ready, timestamp: now))

        // Concurrently: each worker leases and runs its own run.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in 0..<8 {
                group.addTask {
                    let task = TaskId(), run = RunId()
                    try await authority.submit([
                        .taskCreated(taskSpec: TaskSpec(id: task), timestamp: now),
                        .runCreated(runInstance: RunInstance(id: run, taskId: task, createdAt: now, scheduledAt: now)),
                    ])
                    try await authority.submit(.runStateChanged(runId: run, previousState: .scheduled, newState: .ready, timestamp: now))
                    try await authority.submit([
                        .leaseAcquired(runId: run, owner: "worker-\(worker)", expiry: now + 30, timestamp: now),
                        .runStateChanged(runId: run, previousState: .ready, newState: .leased, timestamp: now),
                    ])
                }
            }
            try await group.waitForAll()
        }

        // A refused command changes nothing; a fenced authority must be reopened.
        do throws(MutationAuthorityError) {
            try await authority.submit(.runStateChanged(runId: run, previousState: .ready, newState: .completed, timestamp: now))
        } catch .validation(let reason) {
            print("refused: \(reason)")
        } catch .fenced(let fence) {
            print("reopen the store: \(fence)")
        } catch {
            print("closed: \(error)")
        }

        // Query the acknowledged state.
        let state = authority.withProjection { $0.runState(run) }
        let leased = authority.projection.runs.values.filter { $0.instance.state == .leased }.count

        #expect(state == .ready)
        #expect(leased == 8)
        #expect(authority.projection.latestSequence == 2 + 8 * 3)

        // Snapshot while submitters go on, then let compaction drop what the snapshots cover.
        try await authority.publishSnapshot(to: store, timestamp: now, retain: 2)
        let report = try Compactor(directory: directory + "/events").run()

        // Close: waits for accepted commands, then closes the log.
        try await authority.close()

        _ = report
        return (task, run)
    }

    func reopenAfterSnapshot(_ directory: String, task: TaskId, run: RunId) async throws {
        let store = SnapshotStore(directory: directory + "/snapshots")
        let authority = try await AsyncMutationAuthority.open(directory: directory + "/events", snapshots: store)
        #expect(authority.projection.runState(run) == .ready)
        #expect(authority.projection.tasks[task] != nil)
        #expect(authority.projection.latestSequence == 26)
        try await authority.close()
    }
}
