/// The segment currently being appended to: its file, and what is committed in it.
final class ActiveSegment {
    let file: any StorageFile
    var descriptor: SegmentDescriptor
    /// Frame offset of every committed record (becomes the dense index at seal).
    var offsets: [UInt32]
    /// CRC-32C over the committed records' checksums (goes into the trailer).
    var segmentDigest: UInt32
    /// The offset nothing at or past which has been written, recorded in `HIGHWATER` before a
    /// write may pass it (``SegmentFeatures/highWaterMark``); `Int.max` for a segment without
    /// the feature.
    var highWater: Int
    /// The highest durable-through a commit frame of this segment claims.
    var claimed: UInt64
    /// The checksum field of the last commit frame (0 before the first).
    var lastCommitChecksum: UInt32
    /// The committed state a sync has made durable: what `HIGHWATER` may vouch for
    /// (``VouchedPrefix``) when the mark is next raised.
    private(set) var durable: Committed
    /// Index entries already in `HIGHWATER` for this segment, durable, and their checksum.
    var indexInHighWater: (count: Int, checksum: UInt32) = (0, 0)

    /// The end of the committed data and what lies below it.
    struct Committed: Equatable {
        var end: Int
        var recordCount: Int
        var segmentDigest: UInt32
        var claimed: UInt64
        var lastCommitChecksum: UInt32
    }

    /// A segment whose committed state (`offsets`, `segmentDigest`, `claimed`, the last commit
    /// frame's checksum, up to the descriptor's data end) is durable: a new one, or one
    /// recovery left.
    init(file: any StorageFile, descriptor: SegmentDescriptor, offsets: [UInt32], segmentDigest: UInt32,
         claimed: UInt64 = 0, lastCommitChecksum: UInt32 = 0, highWater: Int? = nil) {
        self.file = file
        self.descriptor = descriptor
        self.offsets = offsets
        self.segmentDigest = segmentDigest
        self.claimed = claimed
        self.lastCommitChecksum = lastCommitChecksum
        self.highWater = descriptor.header.requiredFeatures.contains(.highWaterMark)
            ? highWater ?? alignUp(descriptor.dataEnd, SegmentLayout.blockSize) : Int.max
        durable = Committed(end: SegmentLayout.dataStart, recordCount: 0, segmentDigest: 0, claimed: 0, lastCommitChecksum: 0)
        committedIsDurable()
    }

    var path: String { descriptor.path }
    var size: Int { descriptor.segmentSize }
    var dataEnd: Int { descriptor.dataEnd }
    var recordCount: Int { offsets.count }

    /// True when a batch ending at `end` with `records` more records still leaves room for the footer.
    func fits(end: Int, additionalRecords: Int) -> Bool {
        SegmentLayout.fits(dataEnd: end, recordCount: offsets.count + additionalRecords, segmentSize: size)
    }

    /// Records a batch that reached the file, whose commit frame claims `claim` durable.
    func committed(_ batch: BatchBuffer, claim: UInt64) {
        offsets.append(contentsOf: batch.frameOffsets)
        segmentDigest = digestFold(segmentDigest, all: batch.recordChecksums)
        descriptor.dataEnd = batch.fileEnd
        claimed = max(claimed, claim)
        lastCommitChecksum = batch.commitChecksum
        if !batch.isEmpty { descriptor.lastSequence = batch.lastSequence }
    }

    /// Everything committed so far is durable (a sync covered it).
    func committedIsDurable() {
        durable = Committed(end: dataEnd, recordCount: offsets.count, segmentDigest: segmentDigest, claimed: claimed,
                            lastCommitChecksum: lastCommitChecksum)
    }

    /// Writes the dense index and trailer and syncs; returns the sealed descriptor.
    ///
    /// Two steps, each synced: the index (with the trailer bytes still zero), then the trailer.
    /// Recovery trusts a valid trailer without reading the index or the records, so the trailer
    /// must never reach the disk before them: a crash inside one combined write could keep the
    /// trailer's sector and lose index sectors (or, in deferred mode, unsynced records).
    /// An index without its trailer is recognised and cleared as a footer artefact.
    func seal() throws(IOFailure) -> SegmentDescriptor {
        let footer = SegmentFooter.build(header: descriptor.header, headerChecksum: descriptor.headerChecksum,
                                         offsets: offsets, dataEnd: dataEnd, segmentDigest: segmentDigest)
        let trailerAt = footer.length - SegmentLayout.trailerSize
        let trailer = [UInt8](footer.buffer.bytes(trailerAt..<footer.length))
        footer.buffer.zero(trailerAt..<footer.length)
        try file.write(footer.buffer.bytes(0..<footer.length), at: footer.offset, newBytesFrom: footer.offset, sync: true)
        trailer.withUnsafeBytes { footer.buffer.mutableBytes.baseAddress!.advanced(by: trailerAt).copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
        let lastBlock = footer.length - SegmentLayout.blockSize
        try file.write(footer.buffer.bytes(lastBlock..<footer.length), at: footer.offset + lastBlock,
                       newBytesFrom: footer.offset + trailerAt, sync: true)
        var sealed = descriptor
        sealed.trailerChecksum = footer.trailerChecksum
        sealed.trailer = SegmentFooter.trailer(of: footer)
        return sealed
    }
}
