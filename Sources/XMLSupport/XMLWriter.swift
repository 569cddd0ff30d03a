import CLibXML2

/// Writes XML through libxml2's xmlTextWriter: escaping, namespaces and well-formedness are libxml2's job.
///
/// Characters that XML 1.0 forbids (C0 controls other than tab, LF and CR; U+FFFE, U+FFFF) are dropped
/// from text and attribute values before they reach the writer, so the output is always well-formed.
public final class XMLWriter {
    private let buffer: xmlBufferPtr
    private let writer: xmlTextWriterPtr

    /// Starts a UTF-8 document with an XML declaration, indented two spaces.
    public init() {
        buffer = xmlBufferCreate()
        writer = xmlNewTextWriterMemory(buffer, 0)
        xmlTextWriterSetIndent(writer, 1)
        Self.withXMLString("  ") { _ = xmlTextWriterSetIndentString(writer, $0) }
        xmlTextWriterStartDocument(writer, "1.0", "UTF-8", nil)
    }

    deinit {
        xmlFreeTextWriter(writer)
        xmlBufferFree(buffer)
    }

    /// Opens an element.
    public func start(_ name: String) {
        Self.withXMLString(name) { _ = xmlTextWriterStartElement(writer, $0) }
    }

    /// Adds an attribute to the open element.
    public func attribute(_ name: String, _ value: String) {
        Self.withXMLString(name) { name in
            Self.withXMLString(Self.legal(value)) { _ = xmlTextWriterWriteAttribute(writer, name, $0) }
        }
    }

    /// Writes escaped text into the open element.
    public func text(_ value: String) {
        Self.withXMLString(Self.legal(value)) { _ = xmlTextWriterWriteString(writer, $0) }
    }

    /// Closes the innermost open element.
    public func end() {
        xmlTextWriterEndElement(writer)
    }

    /// Writes `<name attributes…>text</name>`.
    public func element(_ name: String, _ text: String? = nil, attributes: [(String, String)] = []) {
        start(name)
        for (key, value) in attributes { attribute(key, value) }
        if let text { self.text(text) }
        end()
    }

    /// Writes an element only when `text` is non-nil and non-empty.
    public func optionalElement(_ name: String, _ text: String?) {
        guard let text, !text.isEmpty else { return }
        element(name, text)
    }

    /// Closes every open element and returns the document.
    public func finish() -> [UInt8] {
        xmlTextWriterEndDocument(writer)
        xmlTextWriterFlush(writer)
        let count = Int(xmlBufferLength(buffer))
        guard let content = xmlBufferContent(buffer), count > 0 else { return [] }
        return Array(UnsafeBufferPointer(start: content, count: count))
    }

    private static func withXMLString(_ string: String, _ body: (UnsafePointer<xmlChar>) -> Void) {
        string.withCString { pointer in
            pointer.withMemoryRebound(to: xmlChar.self, capacity: string.utf8.count + 1) { body($0) }
        }
    }

    /// `value` without characters XML 1.0 forbids.
    public static func legal(_ value: String) -> String {
        var bytes = value
        guard bytes.withUTF8(mayHoldIllegal), value.unicodeScalars.contains(where: isIllegal) else { return value }
        var result = String.UnicodeScalarView()
        for scalar in value.unicodeScalars where !isIllegal(scalar) { result.append(scalar) }
        return String(result)
    }

    /// False when the UTF-8 text surely holds no character XML forbids: none of its bytes is a C0
    /// control other than tab, LF and CR (in UTF-8 such a control is its own byte), and none is 0xEF
    /// (the lead byte of U+FFFE and U+FFFF). Checks eight bytes at a time; every feed document and
    /// page passes all of its text through here, several times.
    static func mayHoldIllegal(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        func isSuspicious(_ byte: UInt8) -> Bool { (byte < 0x20 && byte != 0x09 && byte != 0x0A && byte != 0x0D) || byte == 0xEF }
        var index = 0
        if let base = bytes.baseAddress {
            let raw = UnsafeRawPointer(base)
            while index + 8 <= bytes.count {
                let word = raw.loadUnaligned(fromByteOffset: index, as: UInt64.self)
                // Some byte below 0x20, or equal to 0xEF (standard "has byte less than" / "has zero byte"
                // tests); only then are the eight bytes looked at one by one.
                let below = (word &- 0x2020_2020_2020_2020) & ~word & 0x8080_8080_8080_8080
                let flipped = word ^ 0xEFEF_EFEF_EFEF_EFEF
                let equal = (flipped &- 0x0101_0101_0101_0101) & ~flipped & 0x8080_8080_8080_8080
                if below | equal != 0 {
                    for offset in index..<(index + 8) where isSuspicious(bytes[offset]) { return true }
                }
                index += 8
            }
        }
        while index < bytes.count {
            if isSuspicious(bytes[index]) { return true }
            index += 1
        }
        return false
    }

    private static func isIllegal(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        return (value < 0x20 && value != 0x09 && value != 0x0A && value != 0x0D) || value == 0xFFFE || value == 0xFFFF
    }
}
