/// The 64-byte header at offset 0 of every segment file.
///
/// ```
///  0  u64  magic "AQLOGSEG"
///  8  u32  format version (2; version 1 is read as well)
/// 12  u32  maximum record payload bytes, enforced on write and read
/// 16  16B  log identity (random at log creation; a segment of another log is refused)
/// 32  u64  base sequence (the first record's sequence)
/// 40  u64  segment file size
/// 48  u32  previous segment's trailer checksum (0 for the log's first segment)
/// 52  u32  required features (SegmentFeatures; an unknown bit is refused); 0 in version 1
/// 56  u8   commit depth: most batches its writer had in flight at once (1...4); 0 in version 1, read as 1
/// 57  u8   reserved (0)
/// 58  u16  in-flight bound: most bytes, in 4096-byte blocks, its writer had written but not
///          synced beyond its oldest batch in flight; 0 when the depth is 1
/// 60  u32  CRC-32C of bytes 0..<60
/// ```
package struct SegmentHeader: Equatable, Sendable {
    package static let magic: UInt64 = 0x4745_5347_4F4C_5141  // bytes "AQLOGSEG"
    package static let currentVersion: UInt32 = 2
    /// The oldest version this one reads (its bytes 52..<60 are zero).
    package static let oldestReadableVersion: UInt32 = 1
    /// The deepest commit pipeline a header may declare.
    package static let maximumCommitDepth = 4

    package var version: UInt32 = SegmentHeader.currentVersion
    package var maxRecordSize: UInt32
    package var logID: LogID
    package var baseSequence: UInt64
    package var segmentSize: UInt64
    package var previousDigest: UInt32
    /// Features these bytes use (``SegmentFeatures``).
    package var requiredFeatures: SegmentFeatures
    /// Most batches the segment's writer had written but not yet synced at once (1...4).
    /// Recovery takes it from here, never from the opener's options.
    package var commitDepth: Int
    /// Most bytes, in 4096-byte blocks, the writer had in flight past the start of its oldest
    /// batch in flight, that batch's own bytes aside (0 at depth 1).
    package var inFlightBlocks: Int

    package init(maxRecordSize: UInt32, logID: LogID, baseSequence: UInt64, segmentSize: UInt64, previousDigest: UInt32,
                commitDepth: Int = 1, inFlightBlocks: Int = 0) {
        precondition((1...Self.maximumCommitDepth).contains(commitDepth) && (0...Int(UInt16.max)).contains(inFlightBlocks))
        self.maxRecordSize = maxRecordSize
        self.logID = logID
        self.baseSequence = baseSequence
        self.segmentSize = segmentSize
        self.previousDigest = previousDigest
        self.commitDepth = commitDepth
        self.inFlightBlocks = commitDepth > 1 ? inFlightBlocks : 0
        self.requiredFeatures = commitDepth > 1 ? [.pipelinedCommits, .highWaterMark] : .highWaterMark
    }

    /// Writes the header (with its checksum) into the first 64 bytes of `out`; returns the checksum.
    @discardableResult
    package func encode(into out: UnsafeMutableRawBufferPointer) -> UInt32 {
        precondition(out.count >= SegmentLayout.headerSize)
        out.setU64(Self.magic, at: 0)
        out.setU32(version, at: 8)
        out.setU32(maxRecordSize, at: 12)
        logID.store(into: out, at: 16)
        out.setU64(baseSequence, at: 32)
        out.setU64(segmentSize, at: 40)
        out.setU32(previousDigest, at: 48)
        if version >= 2 {
            out.setU32(requiredFeatures.rawValue, at: 52)
            out.storeBytes(of: UInt8(commitDepth), toByteOffset: 56, as: UInt8.self)
            out.storeBytes(of: 0, toByteOffset: 57, as: UInt8.self)
            out.storeBytes(of: UInt16(inFlightBlocks).littleEndian, toByteOffset: 58, as: UInt16.self)
        } else {
            out.setU32(0, at: 52)
            out.setU32(0, at: 56)
        }
        let crc = CRC32C.checksum(UnsafeRawBufferPointer(rebasing: out[0..<60]))
        out.setU32(crc, at: 60)
        return crc
    }

    /// Why a header could not be decoded.
    package enum DecodeError: Error, Equatable, Sendable {
        case badMagic, checksumMismatch, unsupportedVersion(UInt32)
        /// Feature bits this version does not know (``SegmentFeatures/known``).
        case unsupportedFeatures(UInt32)
        /// A version-2 header whose depth fields contradict its features.
        case inconsistentFields
    }

    /// Decodes and verifies the header at the start of `bytes`; returns it with its checksum.
    package static func decode(_ bytes: UnsafeRawBufferPointer) -> Result<(SegmentHeader, UInt32), DecodeError> {
        guard bytes.count >= SegmentLayout.headerSize, bytes.u64(at: 0) == magic else { return .failure(.badMagic) }
        let crc = bytes.u32(at: 60)
        guard CRC32C.checksum(UnsafeRawBufferPointer(rebasing: bytes[0..<60])) == crc else { return .failure(.checksumMismatch) }
        let version = bytes.u32(at: 8)
        guard (oldestReadableVersion...currentVersion).contains(version) else { return .failure(.unsupportedVersion(version)) }
        var depth = 1, inFlight = 0
        var features: SegmentFeatures = []
        if version >= 2 {
            features = SegmentFeatures(rawValue: bytes.u32(at: 52))
            guard features.isSubset(of: .known) else { return .failure(.unsupportedFeatures(features.subtracting(.known).rawValue)) }
            depth = Int(bytes.load(fromByteOffset: 56, as: UInt8.self))
            inFlight = Int(UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: 58, as: UInt16.self)))
            guard (1...maximumCommitDepth).contains(depth), features.contains(.pipelinedCommits) == (depth > 1),
                  depth > 1 || inFlight == 0, bytes.load(fromByteOffset: 57, as: UInt8.self) == 0 else {
                return .failure(.inconsistentFields)
            }
        } else {
            guard bytes.u64(at: 52) == 0 else { return .failure(.inconsistentFields) }
        }
        var header = SegmentHeader(
            maxRecordSize: bytes.u32(at: 12), logID: LogID(loading: bytes, at: 16),
            baseSequence: bytes.u64(at: 32), segmentSize: bytes.u64(at: 40), previousDigest: bytes.u32(at: 48),
            commitDepth: depth, inFlightBlocks: inFlight)
        header.version = version
        // The bits as stored, not as this version would set them: a segment written without
        // `highWaterMark` (version 1, or a writer that did not keep the mark) may hold frames
        // past any mark, so it is scanned whole and never given one.
        header.requiredFeatures = features
        return .success((header, crc))
    }
}
