import AQLog
import ArgumentParser
import Foundation

/// Refuses a directory that exists but holds no log (no segment and no `LOCK`): a mistyped
/// path (`verify /etc`) must not pass for a healthy empty log, and the commands that keep
/// state (`repair`, `checkpoint`, `consumer`, `compact`, `archive`) must not leave their files
/// in it. One line and exit 74, as for a directory that does not exist. A directory this user
/// may not list is left to the command, which names the error.
func requireLog(_ directory: String) throws {
    guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return }
    if names.contains(LogDirectoryLayout.lockFile) || names.contains(where: { SegmentName.baseSequence(of: $0) != nil }) { return }
    Exit.report("\(directory): no log here (no segment and no LOCK)")
    throw ExitCode(Exit.ioError)
}
