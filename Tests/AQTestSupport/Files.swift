import Foundation

/// The whole file (empty when missing).
public func readFile(_ path: String) -> [UInt8] { [UInt8](FileManager.default.contents(atPath: path) ?? Data()) }

/// Creates or replaces the file with `bytes`.
public func writeFile(_ path: String, _ bytes: [UInt8]) { _ = FileManager.default.createFile(atPath: path, contents: Data(bytes)) }

/// Overwrites bytes of a file in place.
public func patch(_ path: String, at offset: Int, _ bytes: [UInt8]) {
    var all = readFile(path)
    for (i, b) in bytes.enumerated() { all[offset + i] = b }
    writeFile(path, all)
}

/// The segment file names of a log directory, in sequence order.
public func segmentFiles(_ dir: String) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter { $0.hasSuffix(".seg") }.sorted()
}
