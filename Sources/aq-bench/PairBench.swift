import Foundation

/// Two ways of appending the same records, measured as interleaved pairs: `.group` beside
/// `.sync` at the same producers (the mode meant to batch more is never slower), and a `Log`
/// beside a `LogWriter` appending the same `.deferred` batches (the concurrent front end costs
/// little over the single owner).
///
/// The append matrix runs each scenario once, in a fixed order, in a log directory the rows
/// before it shaped (its size, the next segment's preparation), and a scenario right after one
/// that removed a log finds the disk still busy with it, or fresh memory to fault in. So a
/// comparison of two of its rows measures their places in the run as much as what they run.
/// Here each run gets a fresh log of its own, the two alternate, and which goes first
/// alternates from pair to pair.
struct PairResult: Codable, Sendable {
    /// What is compared, as the target names it (`.group / .sync`, `Log batch / LogWriter batch`).
    var comparison: String
    /// The two scenarios' names, the compared one first.
    var names: [String]
    /// Records/s of each run of the compared scenario and of its baseline, in the order run.
    var runs: [Double]
    var baselineRuns: [Double]
    /// The compared scenario's median over the baseline's.
    var ratio: Double
}

func runPair(_ compared: AppendSpec, over baseline: AppendSpec, comparison: String, root: String, pairs: Int,
             segmentSize: Int, duration: Double, commitDepth: Int?) async throws -> PairResult {
    var runs: [RunFigures] = [], baselineRuns: [RunFigures] = []
    let directory = root + "/pair"
    for pair in 0..<pairs {
        for first in pair % 2 == 0 ? [false, true] : [true, false] {
            try? FileManager.default.removeItem(atPath: directory)
            let figures = try await runLog(first ? compared : baseline, directory: directory, segmentSize: segmentSize,
                                           duration: duration, commitDepth: commitDepth)
            if first { runs.append(figures) } else { baselineRuns.append(figures) }
        }
    }
    try? FileManager.default.removeItem(atPath: directory)
    return PairResult(comparison: comparison, names: [compared.name, baseline.name],
                      runs: runs.map(\.recordsPerSecond), baselineRuns: baselineRuns.map(\.recordsPerSecond),
                      ratio: median(runs).recordsPerSecond / max(median(baselineRuns).recordsPerSecond, 1e-9))
}

extension BenchReport {
    func pairTable() -> String {
        guard !pairs.isEmpty else { return "" }
        var out = "Interleaved pairs (records/s, each run a fresh log; which goes first alternates)\n"
        for r in pairs {
            let runs = { (xs: [Double]) in xs.map { String(format: "%.1fk", $0 / 1000) }.joined(separator: " / ") }
            out += "  \(r.names[0]) \(runs(r.runs)); \(r.names[1]) \(runs(r.baselineRuns)); "
            out += String(format: "%@ %.2f (medians)\n", r.comparison, r.ratio)
        }
        return out + "\n"
    }
}
