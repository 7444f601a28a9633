import AQLog

/// The number of concurrent producers in the `Log` mode.
let logProducers: UInt64 = 8

/// The key of producer `producer`'s `count`-th record: its payload starts with the key (8 bytes,
/// little-endian), followed by `payload(for: key)`, so any record can be checked on its own.
func key(producer: UInt64, count: UInt64) -> UInt64 { producer << 40 | count }

func logPayload(key: UInt64) -> [UInt8] {
    withUnsafeBytes(of: key.littleEndian) { Array($0) } + payload(for: key)
}

/// Opens a `Log` and runs ``logProducers`` producers, each appending one record at a time and
/// printing `SEQUENCE KEY` once `append` returned it (durable under `.sync` and `.group`), until
/// the log holds `maxRecords`. The first line is `opened LAST DEPTH` (DEPTH: the options').
func runLog(directory: String, options: LogOptions, durability: Durability, maxRecords: UInt64) async {
    let log: Log
    do { log = try Log.open(directory: directory, options: options, durability: durability) } catch {
        fail("\(error)", 74)
    }
    emit("opened \(log.lastSequence) \(options.maxCommitsInFlight)\n")
    do {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for producer in 1...logProducers {
                group.addTask {
                    var count: UInt64 = 0
                    while log.lastSequence < maxRecords {
                        count += 1
                        let k = key(producer: producer, count: count)
                        let sequence = try await log.append(logPayload(key: k))
                        emit("\(sequence) \(k)\n")
                    }
                }
            }
            try await group.waitForAll()
        }
        try await log.close()
    } catch {
        fail("\(error)", 74)
    }
}
