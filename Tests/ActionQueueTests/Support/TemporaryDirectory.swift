import Glibc
@testable import ActionQueue

/// A fresh directory under /tmp, removed when the test drops it.
final class TemporaryDirectory {
    let path: String
    init() {
        var template = Array("/tmp/aq-test-XXXXXX".utf8CString)
        path = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)) }
    }
    deinit { _ = system("rm -rf '\(path)'") }

    func write(_ name: String, _ bytes: [UInt8]) {
        let fd = open(path + "/" + name, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        _ = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        close(fd)
    }

    func read(_ name: String) -> [UInt8] {
        let fd = open(path + "/" + name, O_RDONLY)
        defer { close(fd) }
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n <= 0 { return out }
            out += buffer[0..<n]
        }
    }

    func exists(_ name: String) -> Bool { access(path + "/" + name, F_OK) == 0 }
    func names() -> [String] {
        guard let dir = opendir(path) else { return [] }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }
}

/// Appends events (sequences 1, 2, …) to a log as the authority would.
func appendAll(_ events: [WalEventType], to log: InMemoryEventLog) throws {
    for event in events {
        let sequence = log.lastSequence + 1
        _ = try log.append(WalEvent(sequence: sequence, event: event).postcardBytes(), expectedSequence: sequence)
    }
}
