import Foundation

/// `.group` beside `.sync` at the same producers, measured as interleaved pairs: the contract
/// is that the mode meant to batch more is never slower.
///
/// The append matrix runs each scenario once, in a fixed order, in a log directory the rows
/// before it shaped (its size, the next segment's preparation), and a scenario right after one
/// that removed a log finds the disk still busy with it. So a comparison of two of its rows
/// measures their places in the run as much as the modes. Here each run gets a fresh log of
/// its own, the two modes alternate, and which goes first alternates from pair to pair.
struct GroupPairResult: Codable, Sendable {
    var producers: Int
    var recordSize: Int
    var backend: String
    /// Records/s of each run, in the order run.
    var syncRuns: [Double]
    var groupRuns: [Double]
    /// `.group`'s median over `.sync`'s.
    var groupOverSync: Double
}

func runGroupPair(root: String, producers: Int, pairs: Int, segmentSize: Int, duration: Double,
                  commitDepth: Int?) async throws -> GroupPairResult {
    let sync = AppendSpec(recordSize: 256, producers: producers, mode: .sync, backend: .uringDirect)
    let group = AppendSpec(recordSize: 256, producers: producers, mode: .group, backend: .uringDirect)
    var syncRuns: [RunFigures] = [], groupRuns: [RunFigures] = []
    let directory = root + "/group-pair"
    for pair in 0..<pairs {
        for spec in pair % 2 == 0 ? [sync, group] : [group, sync] {
            try? FileManager.default.removeItem(atPath: directory)
            let figures = try await runLog(spec, directory: directory, segmentSize: segmentSize, duration: duration,
                                           commitDepth: commitDepth)
            if spec.mode == .sync { syncRuns.append(figures) } else { groupRuns.append(figures) }
        }
    }
    try? FileManager.default.removeItem(atPath: directory)
    return GroupPairResult(producers: producers, recordSize: 256, backend: sync.backend.rawValue,
                           syncRuns: syncRuns.map(\.recordsPerSecond), groupRuns: groupRuns.map(\.recordsPerSecond),
                           groupOverSync: median(groupRuns).recordsPerSecond / max(median(syncRuns).recordsPerSecond, 1e-9))
}

extension BenchReport {
    func groupPairTable() -> String {
        guard !groupPairs.isEmpty else { return "" }
        var out = "`.group` beside `.sync`, interleaved pairs (records/s, each run a fresh log; order alternates)\n"
        for r in groupPairs {
            let runs = { (xs: [Double]) in xs.map { String(format: "%.1fk", $0 / 1000) }.joined(separator: " / ") }
            out += "  \(formatSize(r.recordSize)) x\(r.producers) \(r.backend): sync \(runs(r.syncRuns)); group \(runs(r.groupRuns)); "
            out += String(format: "group/sync %.2f (medians)\n", r.groupOverSync)
        }
        return out + "\n"
    }
}
