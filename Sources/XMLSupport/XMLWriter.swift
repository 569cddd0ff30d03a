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
        // In UTF-8 a C0 control is its own byte, and U+FFFE/U+FFFF start with 0xEF: most text has
        // neither, and is returned after one pass over its bytes.
        guard value.utf8.contains(where: { ($0 < 0x20 && $0 != 0x09 && $0 != 0x0A && $0 != 0x0D) || $0 == 0xEF }),
            value.unicodeScalars.contains(where: isIllegal)
        else { return value }
        var result = String.UnicodeScalarView()
        for scalar in value.unicodeScalars where !isIllegal(scalar) { result.append(scalar) }
        return String(result)
    }

    private static func isIllegal(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        return (value < 0x20 && value != 0x09 && value != 0x0A && value != 0x0D) || value == 0xFFFE || value == 0xFFFF
    }
}
