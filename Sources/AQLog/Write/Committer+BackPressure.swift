/// What back-pressure a concurrent ``Log`` is under, as its gauges report it.
struct BackPressure: Equatable {
    /// Bytes staged (framed) and records queued for the next segment, not yet written: what
    /// ``LogOptions/maxPendingBytes`` bounds.
    var stagedBytes = 0
    /// Producers suspended because ``stagedBytes`` reached that bound.
    var producersWaitingForRoom = 0
}

extension Committer {
    /// Under the lock, at each batch boundary (a commit completed, a roll finished, a flush
    /// served; ``acknowledge(into:)``), before the boundary frees the producers waiting for
    /// room: records `aqlog_staged_bytes` and `aqlog_producers_waiting_for_room` where they
    /// changed since last recorded. So the gauges cost nothing per append (an append changes
    /// no gauge), at most two records per batch, and none while a lone producer's batches
    /// leave nothing staged behind them. Each value is what producers staged while the batch
    /// was being written, and how many of them it held up.
    func recordBackPressure(_ now: BackPressure? = nil) {
        let now = now ?? BackPressure(stagedBytes: pendingBytes, producersWaitingForRoom: waiters.waitingForRoom)
        guard now != recordedBackPressure else { return }
        if now.stagedBytes != recordedBackPressure.stagedBytes { engine.metrics.stagedBytes.record(now.stagedBytes) }
        if now.producersWaitingForRoom != recordedBackPressure.producersWaitingForRoom {
            engine.metrics.producersWaitingForRoom.record(now.producersWaitingForRoom)
        }
        recordedBackPressure = now
    }
}
