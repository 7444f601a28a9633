@main struct AQWal { static func main() {} }
