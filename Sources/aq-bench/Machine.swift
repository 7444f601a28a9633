import AQLog
import CURing
import Foundation

/// What the run ran on (recorded in the JSON and BENCHMARKS.md).
struct MachineInfo: Codable, Sendable {
    var cpus: Int
    var cpuModel: String
    var memoryGiB: Double
    var kernel: String
    var filesystem: String
    var device: String
    var mountPoint: String
    var crcEngine: String
    var uringAvailable: Bool

    static func probe(directory: String) -> MachineInfo {
        let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let model = cpuinfo.split(separator: "\n").first { $0.hasPrefix("model name") }
            .map { String($0.split(separator: ":", maxSplits: 1).last ?? "").trimmingCharacters(in: .whitespaces) } ?? "unknown"
        let kernel = ((try? String(contentsOfFile: "/proc/sys/kernel/osrelease", encoding: .utf8)) ?? "unknown")
            .trimmingCharacters(in: .whitespacesAndNewlines)
        // The mount holding `directory`: the longest mount point that prefixes its real path.
        let real = URL(fileURLWithPath: directory).resolvingSymlinksInPath().path
        var best = (point: "/", type: "unknown", device: "unknown")
        let mounts = (try? String(contentsOfFile: "/proc/self/mounts", encoding: .utf8)) ?? ""
        for line in mounts.split(separator: "\n") {
            let f = line.split(separator: " ")
            guard f.count >= 3 else { continue }
            let point = String(f[1])
            let within = real == point || real.hasPrefix(point == "/" ? "/" : point + "/")
            if within && point.count >= best.point.count { best = (point, String(f[2]), String(f[0])) }
        }
        return MachineInfo(cpus: ProcessInfo.processInfo.activeProcessorCount, cpuModel: model,
                           memoryGiB: Double(ProcessInfo.processInfo.physicalMemory) / Double(1 << 30),
                           kernel: kernel, filesystem: best.type, device: best.device, mountPoint: best.point,
                           crcEngine: CRC32C.engine.rawValue, uringAvailable: uringWorks())
    }

    /// True when the kernel lets us create an io_uring ring.
    private static func uringWorks() -> Bool {
        var error: Int32 = 0
        guard let ring = curing_ring_create(4, &error) else { return false }
        curing_ring_destroy(ring)
        return true
    }
}
