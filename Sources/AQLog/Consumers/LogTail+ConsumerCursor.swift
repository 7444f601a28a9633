extension LogTail {
    /// A tail of the cursor's log from the record after the cursor's position: a consumer
    /// resuming where it last committed.
    ///
    /// ```swift
    /// let cursor = try ConsumerCursor.open(directory: dir, name: "mailer")
    /// var records = LogTail(resuming: cursor).makeAsyncIterator()
    /// while let (_, payload) = try await records.next() {
    ///     try send(payload)
    ///     try records.commitPosition(to: cursor)
    /// }
    /// ```
    public init(resuming cursor: ConsumerCursor, storage: any Storage = PosixStorage(), notifier: DurabilityNotifier = .shared) {
        self.init(directory: cursor.directory, from: cursor.position &+ 1, storage: storage, notifier: notifier)
    }
}

extension LogTail.Iterator {
    /// Commits ``lastReturnedSequence`` to `cursor` (durably: ``ConsumerCursor/commit(_:)``),
    /// so compaction may release what this consumer has processed and a restart resumes after it.
    public func commitPosition(to cursor: ConsumerCursor) throws(LogError) {
        try cursor.commit(lastReturnedSequence)
    }
}
