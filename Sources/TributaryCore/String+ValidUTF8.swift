extension String {
    /// A string of UTF-8 the caller knows to be valid, copied without validating it again.
    ///
    /// `String(decoding:as:)` validates every byte (and repairs what is not valid); for text that has
    /// already been validated once, such as libxml2's output or the sanitizer's, that was about a
    /// twentieth of all parsing. Invalid bytes here would break String's invariants, so debug builds
    /// (the test suite's) and the fuzzer's build (`-D CHECK_VALID_UTF8`) check them, and the initializer
    /// is `package`: no code outside Tributary can reach it.
    package init(validUTF8 bytes: UnsafeBufferPointer<UInt8>) {
        #if DEBUG || CHECK_VALID_UTF8
            precondition(String(validating: bytes, as: UTF8.self) != nil, "String(validUTF8:) given invalid UTF-8")
        #endif
        // Marked ASCII when it is, as `String(decoding:as:)` marks it: comparing and hashing such strings
        // skip Unicode normalization.
        self = unsafe String(copying: UTF8Span(unchecked: bytes.span, isKnownASCII: Self.isASCII(bytes)))
    }

    /// Whether every byte is below 0x80, tested 32 bytes a step, then eight.
    private static func isASCII(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = bytes.baseAddress else { return true }
        let count = bytes.count
        var index = 0
        var combined: UInt64 = 0
        while index + 32 <= count {
            let chunk = UnsafeRawPointer(base + index)
            combined |=
                chunk.loadUnaligned(as: UInt64.self) | chunk.loadUnaligned(fromByteOffset: 8, as: UInt64.self)
                | chunk.loadUnaligned(fromByteOffset: 16, as: UInt64.self)
                | chunk.loadUnaligned(fromByteOffset: 24, as: UInt64.self)
            if combined & 0x8080_8080_8080_8080 != 0 { return false }
            index += 32
        }
        while index + 8 <= count {
            combined |= UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self)
            index += 8
        }
        while index < count {
            combined |= UInt64(base[index])
            index += 1
        }
        return combined & 0x8080_8080_8080_8080 == 0
    }

    /// `init(validUTF8:)` for an array of bytes.
    package init(validUTF8 bytes: [UInt8]) {
        self = bytes.withUnsafeBufferPointer { String(validUTF8: $0) }
    }
}
