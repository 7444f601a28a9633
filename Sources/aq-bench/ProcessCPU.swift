import Glibc

/// CPU time charged to this process so far (user + system, all its threads: the pool, the
/// committer, io_uring's `iou-wrk` workers and the C loops), in seconds. Kernel work done
/// elsewhere (write-back kworkers, jbd2, most interrupt handling) is not in it.
func processCPUSeconds() -> Double {
    var usage = rusage()
    guard getrusage(RUSAGE_SELF.rawValue, &usage) == 0 else { return 0 }
    func secs(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
    return secs(usage.ru_utime) + secs(usage.ru_stime)
}

extension RunFigures {
    /// Records the CPU time spent over the run: cores kept busy and CPU per record.
    mutating func setCPU(seconds cpu: Double) {
        cpuCores = cpu / self.seconds
        cpuMicrosPerRecord = records > 0 ? cpu / Double(records) * 1e6 : nil
    }
}
