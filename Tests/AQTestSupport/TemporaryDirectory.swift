import Foundation

/// A fresh temporary directory, removed with everything in it when the value is deinitialised.
/// Shared by the test targets (one copy instead of one per target).
public final class TemporaryDirectory {
    public let path: String

    public init() {
        var template = Array((NSTemporaryDirectory() + "aq-test-XXXXXX").utf8CString)
        let p = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        path = String(cString: p!)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// `path/name` (not created).
    public func sub(_ name: String) -> String { path + "/" + name }

    /// Writes `bytes` to `path/name`, replacing it.
    public func write(_ name: String, _ bytes: [UInt8]) { writeFile(sub(name), bytes) }

    /// The bytes of `path/name` (empty when missing).
    public func read(_ name: String) -> [UInt8] { readFile(sub(name)) }

    public func exists(_ name: String) -> Bool { FileManager.default.fileExists(atPath: sub(name)) }

    /// Entry names, sorted.
    public func names() -> [String] { ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted() }
}
