/// One simulated file's contents: what is durable, and what was written since the last sync.
///
/// Reads see ``current``. ``durable`` is what survives a power loss. ``pending`` lists the
/// unsynced changes in issue order; a sync replays them onto ``durable`` (not a copy of
/// ``current``: pages whose sync failed stay readable but never become durable).
final class SimulatedInode {
    /// A change not yet synced.
    enum Change {
        case write(offset: Int, bytes: [UInt8])
        case resize(Int)
    }

    /// Sector size of the simulated disk: the unit in which unsynced writes survive a crash.
    static let sectorSize = 512
    /// What the kernel caches and drops at a time.
    static let pageSize = 4096

    private(set) var current: [UInt8] = []
    private(set) var durable: [UInt8] = []
    private(set) var pending: [Change] = []

    /// Stores `bytes` at `offset` (extending with zeros as needed); unsynced.
    func write(_ bytes: UnsafeRawBufferPointer, at offset: Int) {
        let copy = [UInt8](unsafeUninitializedCapacity: bytes.count) { buffer, count in
            if let base = bytes.baseAddress, bytes.count > 0 { UnsafeMutableRawPointer(buffer.baseAddress!).copyMemory(from: base, byteCount: bytes.count) }
            count = bytes.count
        }
        Self.apply(.write(offset: offset, bytes: copy), to: &current)
        pending.append(.write(offset: offset, bytes: copy))
    }

    /// A write that completed durably on its own (`RWF_DSYNC`): its bytes are visible and
    /// durable at once, and older unsynced writes lose the range it covers (a later sync must
    /// not lay their stale bytes over it). Other unsynced changes stay unsynced.
    func writeDurably(_ bytes: [UInt8], at offset: Int) {
        let end = offset + bytes.count
        pending = pending.flatMap { change -> [Change] in
            guard case .write(let o, let b) = change, o < end, offset < o + b.count else { return [change] }
            var pieces: [Change] = []
            if o < offset { pieces.append(.write(offset: o, bytes: Array(b[0..<(offset - o)]))) }
            if o + b.count > end { pieces.append(.write(offset: end, bytes: Array(b[(end - o)...]))) }
            return pieces
        }
        Self.apply(.write(offset: offset, bytes: bytes), to: &current)
        Self.apply(.write(offset: offset, bytes: bytes), to: &durable)
    }

    /// Sets the size (zero-extending or cutting); unsynced.
    func resize(to size: Int) {
        Self.apply(.resize(size), to: &current)
        pending.append(.resize(size))
    }

    /// `fdatasync` succeeded: every pending change is durable.
    func sync() {
        for change in pending { Self.apply(change, to: &durable) }
        pending.removeAll()
    }

    /// `fdatasync` failed: the pending pages are marked clean without reaching the disk. A size
    /// change is inode metadata, not a page: it stays dirty, for the next sync to write.
    func forgetPending() {
        pending.removeAll { if case .write = $0 { true } else { false } }
    }

    /// `POSIX_FADV_DONTNEED` from the page holding `offset`: clean pages are dropped, so reads
    /// there show the medium plus what is still dirty (pages a failed sync forgot read as the
    /// medium has them). The size, inode metadata, does not change.
    func dropCleanPages(from offset: Int = 0) {
        var visible = durable
        for change in pending { Self.apply(change, to: &visible) }
        Self.apply(.resize(current.count), to: &visible)
        // The kernel drops whole pages: the page holding `offset` goes too.
        let start = min(offset / Self.pageSize * Self.pageSize, current.count)
        current.replaceSubrange(start..., with: visible[start...])
    }

    /// Flips one bit on the medium only: the page cache keeps the bytes it holds until the page
    /// is dropped.
    func flipBitOnMedium(_ bit: Int) {
        let byte = bit / 8
        if byte < durable.count { durable[byte] ^= UInt8(1) << UInt8(bit % 8) }
    }

    /// Flips one bit on the medium (both the durable and the visible copy).
    func flipBit(_ bit: Int) {
        let byte = bit / 8, mask = UInt8(1) << UInt8(bit % 8)
        if byte < current.count { current[byte] ^= mask }
        if byte < durable.count { durable[byte] ^= mask }
    }

    /// Replaces the contents outright, durably (test setup).
    func setDurable(_ bytes: [UInt8]) {
        current = bytes
        durable = bytes
        pending.removeAll()
    }

    /// Applies a crash: decides which unsynced changes reach the disk; afterwards the file
    /// holds exactly its durable bytes. Returns the number of unsynced sectors lost.
    func crash(_ mode: CrashMode, random: inout SimulationRandom) -> Int {
        var lost = 0
        switch mode {
        case .keepUnsynced:
            return 0  // the page cache survives, still unsynced: a later power loss decides
        case .dropUnsynced:
            for case .write(_, let bytes) in pending { lost += Self.sectors(bytes.count) }
        case .randomSubset:
            for change in pending {
                guard case .write(let offset, let bytes) = change else { Self.apply(change, to: &durable); continue }
                lost += applySectors(offset: offset, bytes: bytes) { _ in random.chance(0.5) }
            }
        case .tornTail:
            let writes = pending.indices.filter { if case .write = pending[$0] { return true } else { return false } }
            let torn = Set(writes.suffix(random.int(in: 1...3)))
            for (i, change) in pending.enumerated() {
                guard torn.contains(i), case .write(let offset, let bytes) = change else { Self.apply(change, to: &durable); continue }
                let sectorsTotal = Self.sectorSpans(offset: offset, count: bytes.count).count
                let keep = random.int(in: 0...sectorsTotal)
                lost += applySectors(offset: offset, bytes: bytes) { $0 < keep }
            }
        }
        pending.removeAll()
        current = durable
        return lost
    }

    /// Applies the sectors of a write that `keep` selects (by sector index); returns how many were dropped.
    private func applySectors(offset: Int, bytes: [UInt8], keep: (Int) -> Bool) -> Int {
        var dropped = 0
        for (index, span) in Self.sectorSpans(offset: offset, count: bytes.count).enumerated() {
            if keep(index) {
                Self.apply(.write(offset: span.lowerBound, bytes: Array(bytes[(span.lowerBound - offset)..<(span.upperBound - offset)])),
                           to: &durable)
            } else {
                dropped += 1
            }
        }
        return dropped
    }

    /// The file ranges of the 512-byte sectors a write at `offset` of `count` bytes touches.
    static func sectorSpans(offset: Int, count: Int) -> [Range<Int>] {
        var spans: [Range<Int>] = []
        var p = offset
        let end = offset + count
        while p < end {
            let next = min(end, (p / sectorSize + 1) * sectorSize)
            spans.append(p..<next)
            p = next
        }
        return spans
    }

    static func sectors(_ count: Int) -> Int { (count + sectorSize - 1) / sectorSize }

    static func apply(_ change: Change, to bytes: inout [UInt8]) {
        switch change {
        case .resize(let size):
            if size < bytes.count { bytes.removeLast(bytes.count - size) } else { grow(&bytes, to: size) }
        case .write(let offset, let data):
            grow(&bytes, to: offset + data.count)
            guard !data.isEmpty else { return }
            bytes.withUnsafeMutableBytes { dst in
                data.withUnsafeBytes { src in (dst.baseAddress! + offset).copyMemory(from: src.baseAddress!, byteCount: src.count) }
            }
        }
    }

    /// Zero-extends `bytes` to `size` (no-op when already as long).
    static func grow(_ bytes: inout [UInt8], to size: Int) {
        guard size > bytes.count else { return }
        bytes += [UInt8](repeating: 0, count: size - bytes.count)
    }
}
