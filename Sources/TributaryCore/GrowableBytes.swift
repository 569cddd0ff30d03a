/// A growable byte buffer written through a pointer, for output built a few bytes at a time (the
/// sanitizer's HTML, the character data of a parsed document).
///
/// Every append to a `[UInt8]` asks the runtime whether the storage is uniquely referenced and updates
/// the array's header; here an append is a capacity check and a store. The buffer is noncopyable, so
/// exactly one owner frees its storage.
package struct GrowableBytes: ~Copyable {
    @usableFromInline var base: UnsafeMutablePointer<UInt8>
    @usableFromInline var capacity: Int
    /// How many bytes have been written.
    package private(set) var count = 0

    /// Creates an empty buffer with room for `capacity` bytes before it grows.
    package init(capacity: Int = 0) {
        self.capacity = max(capacity, 16)
        base = .allocate(capacity: self.capacity)
    }

    deinit {
        base.deallocate()
    }

    /// Appends one byte.
    @inlinable @inline(__always)
    package mutating func append(_ byte: UInt8) {
        if count == capacity { grow(toHold: count + 1) }
        base[count] = byte
        count += 1
    }

    /// Appends the bytes of `bytes`. (Inlinable, as the byte-at-a-time ones: the parser appends every text
    /// run libxml2 delivers, from another module.)
    @inlinable
    package mutating func append(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let source = bytes.baseAddress, !bytes.isEmpty else { return }
        if count + bytes.count > capacity { grow(toHold: count + bytes.count) }
        (base + count).initialize(from: source, count: bytes.count)
        count += bytes.count
    }

    /// Appends the bytes of a constant string.
    package mutating func append(_ text: StaticString) {
        append(UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    /// Drops every byte from offset `newCount` on.
    package mutating func removeLast(from newCount: Int) {
        precondition(newCount >= 0 && newCount <= count, "GrowableBytes.removeLast(from:) past the end")
        count = newCount
    }

    /// Empties the buffer, keeping its storage.
    package mutating func removeAll() {
        count = 0
    }

    /// Calls `body` with the bytes written so far.
    @inlinable
    package func withBytes<Result>(_ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result {
        body(UnsafeBufferPointer(start: base, count: count))
    }

    /// Appends a copy of the bytes at `range` of this buffer.
    package mutating func appendCopy(of range: Range<Int>) {
        precondition(range.lowerBound >= 0 && range.upperBound <= count, "GrowableBytes.appendCopy(of:) past the end")
        if count + range.count > capacity { grow(toHold: count + range.count) }  // before taking the source's address
        (base + count).initialize(from: base + range.lowerBound, count: range.count)
        count += range.count
    }

    @usableFromInline
    mutating func grow(toHold minimum: Int) {
        let newCapacity = max(minimum, capacity * 2)
        let newBase = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        newBase.initialize(from: base, count: count)
        base.deallocate()
        base = newBase
        capacity = newCapacity
    }
}
