extension Duration {
    /// Whole milliseconds (truncated): libcurl's *_MS options, timings in logs.
    public var milliseconds: Int {
        let (seconds, attoseconds) = components
        return Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000)
    }
}
