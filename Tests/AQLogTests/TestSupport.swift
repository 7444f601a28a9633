import Foundation
import Synchronization
@testable import AQLog

/// A fresh temporary directory, removed when the value is deinitialised.
final class TemporaryDirectory {
    let path: String
    init() {
        var template = Array((NSTemporaryDirectory() + "aqlog-test-XXXXXX").utf8CString)
        let p = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        path = String(cString: p!)
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }
    func sub(_ name: String) -> String { path + "/" + name }
}

/// Deterministic payloads: record `i` of a test has predictable, varied bytes and length.
func payload(_ i: Int, size: Int? = nil) -> [UInt8] {
    let n = size ?? (i * 37 % 300)
    return (0..<n).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ i &* 7 &+ 1) }
}

/// Small segments so tests roll often.
let smallSegments = LogOptions(segmentSize: 64 * 1024, backend: .posix)

func segmentFiles(_ dir: String) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter { $0.hasSuffix(".seg") }.sorted()
}

func readFile(_ path: String) -> [UInt8] { [UInt8](FileManager.default.contents(atPath: path) ?? Data()) }

func writeFile(_ path: String, _ bytes: [UInt8]) { _ = FileManager.default.createFile(atPath: path, contents: Data(bytes)) }

/// Overwrites bytes of a file in place.
func patch(_ path: String, at offset: Int, _ bytes: [UInt8]) {
    var all = readFile(path)
    for (i, b) in bytes.enumerated() { all[offset + i] = b }
    writeFile(path, all)
}

/// All records of a log, read back through a fresh reader.
func readAll(_ dir: String) throws -> [[UInt8]] {
    let reader = try LogReader.open(directory: dir)
    var out: [[UInt8]] = []
    try reader.forEach { _, bytes in out.append(Array(bytes)); return true }
    return out
}

/// Writes `count` records one per append and closes; returns the payloads.
@discardableResult
func makeLog(_ dir: String, count: Int, options: LogOptions = smallSegments, sizes: ((Int) -> Int)? = nil) throws -> [[UInt8]] {
    let w = try LogWriter.open(directory: dir, options: options)
    var written: [[UInt8]] = []
    for i in 0..<count {
        let p = payload(i, size: sizes?(i))
        try w.append(p)
        written.append(p)
    }
    try w.close()
    return written
}

/// Offset of the committed end of the open (last) segment, found by scanning.
func openSegmentEnd(_ dir: String) throws -> (path: String, end: Int) {
    let reader = try LogReader.open(directory: dir)
    let last = reader.segments.last!
    return (last.path, last.dataEnd)
}

/// Thread-safe collection of values gathered by concurrent tasks in a test.
final class Collector<T: Sendable>: Sendable {
    private let items = Mutex<[T]>([])
    func add(_ item: T) { items.withLock { $0.append(item) } }
    var all: [T] { items.withLock { $0 } }
    var count: Int { items.withLock { $0.count } }
}
