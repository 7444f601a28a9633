@main struct AQBench { static func main() {} }
