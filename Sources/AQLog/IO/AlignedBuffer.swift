/// A block-aligned byte buffer that can grow, used to stage batches for whole-block writes.
final class AlignedBuffer {
    private(set) var base: UnsafeMutableRawPointer
    private(set) var capacity: Int

    init(capacity: Int) {
        self.capacity = max(alignUp(capacity, SegmentLayout.blockSize), SegmentLayout.blockSize)
        base = UnsafeMutableRawPointer.allocate(byteCount: self.capacity, alignment: SegmentLayout.blockSize)
        base.initializeMemory(as: UInt8.self, repeating: 0, count: self.capacity)
    }

    deinit { base.deallocate() }

    /// Grows to at least `needed` bytes, keeping the first `keep` bytes; new bytes are zero.
    func reserve(_ needed: Int, keeping keep: Int) {
        guard needed > capacity else { return }
        let newCapacity = max(alignUp(needed, SegmentLayout.blockSize), capacity * 2)
        let newBase = UnsafeMutableRawPointer.allocate(byteCount: newCapacity, alignment: SegmentLayout.blockSize)
        newBase.initializeMemory(as: UInt8.self, repeating: 0, count: newCapacity)
        newBase.copyMemory(from: base, byteCount: keep)
        base.deallocate()
        base = newBase
        capacity = newCapacity
    }

    var mutableBytes: UnsafeMutableRawBufferPointer { UnsafeMutableRawBufferPointer(start: base, count: capacity) }
    func bytes(_ range: Range<Int>) -> UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base + range.lowerBound, count: range.count) }
    func zero(_ range: Range<Int>) { (base + range.lowerBound).initializeMemory(as: UInt8.self, repeating: 0, count: range.count) }
}
