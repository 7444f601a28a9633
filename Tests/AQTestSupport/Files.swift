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

/// Leaves `dir` as a crash of its live writer would: copies the directory while the writer
/// still has it open, runs `close` (the writer's clean shutdown), then puts the copy back.
public func replaceWithCrashImage(_ dir: String, close: () throws -> Void) throws {
    let image = dir + ".crash"
    try FileManager.default.copyItem(atPath: dir, toPath: image)
    try close()
    try FileManager.default.removeItem(atPath: dir)
    try FileManager.default.moveItem(atPath: image, toPath: dir)
}

/// Offset of the first occurrence of `needle` in `bytes` (nil when absent or empty).
public func offset(of needle: [UInt8], in bytes: [UInt8]) -> Int? {
    guard !needle.isEmpty, needle.count <= bytes.count else { return nil }
    return (0...(bytes.count - needle.count)).first { Array(bytes[$0..<($0 + needle.count)]) == needle }
}
