extension LogReader {
    /// What a walk does when its start lies below the log's first available sequence, the
    /// records before it removed by compaction (``Compactor``).
    ///
    /// ```swift
    /// try reader.forEach(from: 1) { … }                                        // throws .compacted
    /// try reader.forEach(from: 1, ifCompacted: .startAtFirstAvailable) { … }   // what is left
    /// ```
    public struct CompactedStart: Hashable, Sendable {
        private enum Choice: Hashable, Sendable { case fail, clamp }
        private let choice: Choice

        /// Throw ``LogError/compacted(requested:firstAvailable:)`` before reading anything (the
        /// default): a caller that needs every record from its start learns that some are gone.
        public static let `throw` = CompactedStart(choice: .fail)
        /// Start at the first record the log still holds: for a caller that wants whatever is
        /// there (a dump, a scan), and checks for a gap itself when it matters.
        public static let startAtFirstAvailable = CompactedStart(choice: .clamp)
    }
}
