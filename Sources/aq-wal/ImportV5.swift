import ArgumentParser

struct ImportV5: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import-v5",
        abstract: "Import an actionqueue-storage v5 WAL file into a segment log.",
        discussion: """
            Reads FILE (12-byte record headers: version 5, payload length, CRC-32/IEEE) and \
            appends its records to the log in DIR, reporting any torn tail or corruption.
            Not yet available in this build: exits 64.

            Example:
              aq-wal import-v5 /var/lib/actionqueue/wal.log /var/lib/app/wal
            """)

    @Argument(help: "The v5 WAL file.") var file: String
    @Argument(help: "The log directory (created when missing).") var directory: String

    func run() throws {
        try importV5(file: file, directory: directory)
    }
}

/// The single hook for the v5 importer (written in the ActionQueue module). Wire it here:
/// call the importer, print its report, and map its errors through `Exit`.
func importV5(file: String, directory: String) throws {
    Exit.report("\(file): offset 0: import-v5 is not yet available in this build")
    throw ExitCode(Exit.usage)
}
