/// Scans a whole v5 file and classifies any damage.
///
/// Classification of the first bad record at offset X:
/// - **torn tail** when no well-formed record starts anywhere after X (the damage reaches
///   EOF: a short header, a short payload, or a complete final record whose CRC or decode
///   fails — a zero-filled or half-written tail after power loss looks exactly like that);
/// - **corruption** when a well-formed record (version 5, length within bounds, CRC
///   matching, decodable) starts after X: acknowledged data follows the damage, so nothing
///   may be truncated.
public enum V5FileScanner {
    /// The result of a scan.
    public struct Scan: Sendable, Hashable {
        /// The well-formed records before the first bad one, in file order.
        public var records: [V5RecordParser.Record]
        /// How the file ends.
        public var outcome: Outcome
    }

    /// How a scanned file ends.
    public enum Outcome: Sendable, Hashable {
        /// Every byte belongs to a well-formed record.
        case clean
        /// The damaged tail: where it starts, why, and how many bytes it spans.
        case tornTail(V5Corruption, bytes: UInt64)
        /// Damage followed by a valid record at `nextValidOffset`.
        case corruption(V5Corruption, nextValidOffset: UInt64)
    }

    /// Parses `bytes` record by record and classifies the first bad record, if any. Never
    /// throws and never traps, whatever the input.
    public static func scan(_ bytes: [UInt8]) -> Scan {
        var records: [V5RecordParser.Record] = []
        var offset = 0
        while true {
            switch V5RecordParser.parse(bytes, at: offset) {
            case .success(nil):
                return Scan(records: records, outcome: .clean)
            case .success(let record?):
                records.append(record)
                offset += record.length
            case .failure(let corruption):
                if let next = nextValidRecord(in: bytes, after: offset) {
                    return Scan(records: records, outcome: .corruption(corruption, nextValidOffset: UInt64(next)))
                }
                return Scan(records: records, outcome: .tornTail(corruption, bytes: UInt64(bytes.count - offset)))
            }
        }
    }

    /// The first offset after `start` where a well-formed record begins.
    static func nextValidRecord(in bytes: [UInt8], after start: Int) -> Int? {
        var candidate = start + 1
        while candidate + V5RecordFormat.headerLength <= bytes.count {
            // Cheap pre-check on the version word before paying for a CRC.
            if bytes[candidate] == 5, bytes[candidate + 1] == 0, bytes[candidate + 2] == 0, bytes[candidate + 3] == 0,
               case .success(.some) = V5RecordParser.parse(bytes, at: candidate) {
                return candidate
            }
            candidate += 1
        }
        return nil
    }
}
