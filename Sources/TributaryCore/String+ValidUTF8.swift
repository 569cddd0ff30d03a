extension String {
    /// A string of UTF-8 the caller knows to be valid, copied without validating it again.
    ///
    /// `String(decoding:as:)` validates every byte (and repairs what is not valid); for text that has
    /// already been validated once, such as libxml2's output or the sanitizer's, that was about a
    /// twentieth of all parsing. Invalid bytes here would break String's invariants, so debug builds
    /// (the test suite's) and the fuzzer's build (`-D CHECK_VALID_UTF8`) check them, and the initializer
    /// is `package`: no code outside Tributary can reach it.
    package init(validUTF8 bytes: UnsafeBufferPointer<UInt8>) {
        self.init(validUTF8: bytes, isASCII: Self.isASCII(bytes))
    }

    /// `init(validUTF8:)` when the caller has found out already whether `bytes` are ASCII
    /// (`String.isASCII(_:)`).
    package init(validUTF8 bytes: UnsafeBufferPointer<UInt8>, isASCII: Bool) {
        #if DEBUG || CHECK_VALID_UTF8
            precondition(String(validating: bytes, as: UTF8.self) != nil, "String(validUTF8:) given invalid UTF-8")
            precondition(isASCII == Self.isASCII(bytes), "String(validUTF8:isASCII:) given the wrong isASCII")
        #endif
        // Marked ASCII when it is, as `String(decoding:as:)` marks it: comparing and hashing such strings
        // skip Unicode normalization.
        self = unsafe String(copying: UTF8Span(unchecked: bytes.span, isKnownASCII: isASCII))
    }

    /// Whether every byte is below 0x80, tested 32 bytes a step, then eight, the last eight overlapping
    /// the ones before (no loop over the tail, whose exit the processor mispredicted for every short string).
    package static func isASCII(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = bytes.baseAddress else { return true }
        let count = bytes.count
        let high: UInt64 = 0x8080_8080_8080_8080
        guard count >= 8 else {
            var combined: UInt8 = 0
            for index in 0..<count { combined |= base[index] }
            return combined < 0x80
        }
        func word(_ offset: Int) -> UInt64 { UnsafeRawPointer(base + offset).loadUnaligned(as: UInt64.self) }
        var index = 0
        var combined: UInt64 = 0
        while index + 32 <= count {
            combined |= word(index) | word(index + 8) | word(index + 16) | word(index + 24)
            if combined & high != 0 { return false }
            index += 32
        }
        while index + 8 <= count {
            combined |= word(index)
            index += 8
        }
        combined |= word(count - 8)
        return combined & high == 0
    }

    /// `init(validUTF8:)` for an array of bytes.
    package init(validUTF8 bytes: [UInt8]) {
        self = bytes.withUnsafeBufferPointer { String(validUTF8: $0) }
    }
}
