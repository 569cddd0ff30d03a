import CLibXML2
import TributaryCore

/// A problem libxml2 reported while parsing.
public struct XMLParseIssue: Sendable, Equatable, CustomStringConvertible {
    /// 1-based line, 0 when unknown.
    public var line: Int
    /// 1-based column, 0 when unknown.
    public var column: Int
    /// libxml2's message, trimmed.
    public var message: String
    /// True for well-formedness errors, false for warnings.
    public var isFatal: Bool

    /// "line 3, column 7: message".
    public var description: String { "line \(line), column \(column): \(message)" }
}

/// The outcome of one streaming parse.
public struct XMLParseResult {
    /// The document element with every non-record descendant, or nil when no element was seen.
    public var root: XMLNode?
    /// Errors and warnings, the first `XMLStreamParser.maxIssues` of them.
    public var issues: [XMLParseIssue]
    /// True when libxml2 found no well-formedness error.
    public var isWellFormed: Bool
}

/// Streams a document through libxml2's SAX2 interface and builds small element trees.
///
/// Elements named in `recordNames` that start no deeper than `maxRecordDepth` (the root is depth 0)
/// are *records* (RSS items, Atom entries): each is handed to the caller as soon as its end tag is
/// read and is not kept in the tree, so memory stays proportional to one item, not to the document.
/// An element left open when the document ends (truncation) is never handed out.
///
/// Character data and attribute values have C1 controls (U+0080–U+009F) replaced by the windows-1252
/// characters they stand for (see `XMLInput.mappingC1Controls(_:)`).
///
/// Parsing never touches the network or the file system: the options are
/// `NONET | RECOVER | NOERROR | NOWARNING`; external entities and DTDs are never loaded,
/// and libxml2's default depth (256) and entity-amplification limits stay on.
public final class XMLStreamParser {
    /// How many issues are kept; later ones are counted, not stored.
    public static let maxIssues = 20
    /// How many times the document's size its character data may reach once entities are expanded
    /// (plus 1 MiB). Only internal entities can amplify; libxml2 2.9 stops billion laughs but not a
    /// large entity referenced many times (quadratic blow-up), so the parse stops here with a fatal issue.
    public static let maxAmplification = 10

    private let recordNames: Set<String>
    private let maxRecordDepth: Int
    private let documentURL: String?

    // The parse state below is touched only from libxml2's callbacks, one at a time on the thread
    // that called `parse`, and never across a call out of this class: the dynamic exclusivity
    // checks Swift would make on every access (a fifth of the parser's own time) are left out.
    @exclusivity(unchecked) private var stack: [XMLNode] = []
    @exclusivity(unchecked) private var textBuffer: [UInt8] = []
    @exclusivity(unchecked) private var recordStart: Int?
    @exclusivity(unchecked) private var root: XMLNode?
    @exclusivity(unchecked) private var issues: [XMLParseIssue] = []
    private var onRecord: ((XMLNode, XMLNode) -> Void)?
    @exclusivity(unchecked) private var names: [UnsafePointer<xmlChar>: String] = [:]
    private static let nameCacheSize = 64
    @exclusivity(unchecked) private var nameCache = [(pointer: UnsafePointer<xmlChar>?, name: String)](
        repeating: (nil, ""), count: XMLStreamParser.nameCacheSize)
    /// Character data delivered so far, and the most a document of this size may deliver.
    @exclusivity(unchecked) private var characterBytes = 0
    @exclusivity(unchecked) private var maxCharacterBytes = 0
    private var parserContext: xmlParserCtxtPtr?

    /// Creates a parser.
    ///
    /// - Parameters:
    ///   - documentURL: where the document came from; the base for xml:base resolution.
    ///   - recordNames: local names of record elements ("item", "entry").
    ///   - maxRecordDepth: records deeper than this are ordinary elements.
    public init(documentURL: String?, recordNames: Set<String>, maxRecordDepth: Int = 2) {
        self.documentURL = documentURL
        self.recordNames = recordNames
        self.maxRecordDepth = maxRecordDepth
    }

    /// Parses `bytes`, calling `onRecord(record, root)` for each completed record.
    ///
    /// - Parameters:
    ///   - bytes: the whole document.
    ///   - encoding: an encoding name that overrides the XML declaration (from a byte order mark decision
    ///     or the HTTP charset), or nil to let the document decide.
    public func parse(
        _ bytes: UnsafeRawBufferPointer, encoding: String?, onRecord: @escaping (XMLNode, XMLNode) -> Void
    ) -> XMLParseResult {
        self.onRecord = onRecord
        defer {
            self.onRecord = nil
            stack.removeAll()
            names.removeAll()
            for slot in nameCache.indices { nameCache[slot] = (nil, "") }
        }
        // Read through a callback rather than from memory: libxml2 would copy the whole document.
        let source = XMLByteSource(bytes)
        guard bytes.count > 0, let context = source.makeParserContext() else {
            return XMLParseResult(
                root: nil, issues: [XMLParseIssue(line: 0, column: 0, message: "empty document", isFatal: true)],
                isWellFormed: false)
        }
        parserContext = context
        characterBytes = 0
        maxCharacterBytes = bytes.count.multipliedReportingOverflow(by: Self.maxAmplification).partialValue + (1 << 20)
        defer {
            if let document = context.pointee.myDoc { xmlFreeDoc(document) }
            context.pointee.myDoc = nil
            xmlFreeParserCtxt(context)
            withExtendedLifetime(source) {}  // the context read from it until now
            parserContext = nil
        }
        let options =
            Int32(XML_PARSE_NONET.rawValue) | Int32(XML_PARSE_RECOVER.rawValue)
            | Int32(XML_PARSE_NOERROR.rawValue) | Int32(XML_PARSE_NOWARNING.rawValue)
        xmlCtxtUseOptions(context, options)
        installHandlers(on: context)
        if let encoding, let handler = xmlFindCharEncodingHandler(encoding) {
            xmlSwitchToEncoding(context, handler)
        }
        // The builder lives for the whole call: `self` outlives the parse below.
        context.pointee._private = Unmanaged.passUnretained(self).toOpaque()
        xmlParseDocument(context)
        let isWellFormed = context.pointee.wellFormed != 0 && characterBytes <= maxCharacterBytes
        return XMLParseResult(root: root, issues: issues, isWellFormed: isWellFormed)
    }

    private func installHandlers(on context: xmlParserCtxtPtr) {
        guard let sax = context.pointee.sax else { return }
        sax.pointee.startElementNs = {
            context, localName, prefix, uri, namespaceCount, namespaces, attributeCount, _, attributes in
            XMLStreamParser.with(context) {
                $0.startElement(
                    localName: localName, prefix: prefix, uri: uri, namespaceCount: Int(namespaceCount),
                    namespaces: namespaces, attributeCount: Int(attributeCount), attributes: attributes)
            }
        }
        sax.pointee.endElementNs = { context, _, _, _ in
            XMLStreamParser.with(context) { $0.endElement() }
        }
        sax.pointee.characters = { context, characters, length in
            XMLStreamParser.with(context) { $0.appendCharacters(characters, Int(length)) }
        }
        sax.pointee.cdataBlock = sax.pointee.characters
        sax.pointee.ignorableWhitespace = sax.pointee.characters
        sax.pointee.reference = nil
        sax.pointee.comment = nil
        sax.pointee.processingInstruction = nil
        sax.pointee.externalSubset = nil
        sax.pointee.resolveEntity = { _, _, _ in nil }
        sax.pointee.serror = { userData, error in
            guard let error else { return }
            let context = userData?.assumingMemoryBound(to: xmlParserCtxt.self)
            guard let opaque = context?.pointee._private else { return }
            Unmanaged<XMLStreamParser>.fromOpaque(opaque).takeUnretainedValue().record(error: error.pointee)
        }
    }

    /// Calls `body` with the parser a callback's context belongs to, without retaining it: `parse`
    /// keeps it alive for the whole parse (a retain and release per callback was 1% of parsing).
    private static func with(_ context: UnsafeMutableRawPointer?, _ body: (XMLStreamParser) -> Void) {
        guard let context else { return }
        let parserContext = context.assumingMemoryBound(to: xmlParserCtxt.self)
        guard let opaque = parserContext.pointee._private else { return }
        Unmanaged<XMLStreamParser>.fromOpaque(opaque)._withUnsafeGuaranteedRef(body)
    }

    private func record(error: xmlError) {
        guard issues.count < Self.maxIssues else { return }
        var message = error.message.map { String(cString: $0) } ?? "unknown error"
        while message.last?.isWhitespace == true { message.removeLast() }
        issues.append(
            XMLParseIssue(
                line: Int(error.line), column: Int(error.int2), message: message,
                isFatal: error.level.rawValue >= XML_ERR_ERROR.rawValue))
    }

    /// Character data as a string, C1 controls mapped to the windows-1252 characters they stand for.
    private static func string(_ utf8: UnsafeBufferPointer<UInt8>) -> String {
        if let mapped = XMLInput.mappingC1Controls(utf8) { return String(decoding: mapped, as: UTF8.self) }
        return String(decoding: utf8, as: UTF8.self)
    }

    /// The string for a name libxml2 interned in its dictionary (one pointer per distinct name).
    ///
    /// A small direct-mapped cache in front of `names` avoids hashing on every element and attribute.
    private func name(_ pointer: UnsafePointer<xmlChar>) -> String {
        let slot = Int(truncatingIfNeeded: UInt(bitPattern: pointer) >> 3) & (Self.nameCacheSize - 1)
        if nameCache[slot].pointer == pointer { return nameCache[slot].name }
        let string: String
        if let cached = names[pointer] {
            string = cached
        } else {
            string = String(cString: pointer)
            names[pointer] = string
        }
        nameCache[slot] = (pointer, string)
        return string
    }

    private func startElement(
        localName: UnsafePointer<xmlChar>?, prefix: UnsafePointer<xmlChar>?, uri: UnsafePointer<xmlChar>?,
        namespaceCount: Int, namespaces: UnsafeMutablePointer<UnsafePointer<xmlChar>?>?,
        attributeCount: Int, attributes: UnsafeMutablePointer<UnsafePointer<xmlChar>?>?
    ) {
        guard let localName else { return }
        flushText()
        let parent = stack.last
        var declarations: [String: String] = [:]
        if namespaceCount > 0, let namespaces {
            // Two pointers per declaration: prefix (nil for the default namespace), URI.
            for index in 0..<namespaceCount {
                guard let namespaceURI = namespaces[index * 2 + 1] else { continue }
                declarations[namespaces[index * 2].map(name) ?? ""] = name(namespaceURI)
            }
        }
        var parsedAttributes: [XMLAttribute] = []
        var xmlBase: String?
        var xmlLanguage: String?
        if attributeCount > 0, let attributes {
            parsedAttributes.reserveCapacity(attributeCount)
            for index in 0..<attributeCount {
                // Five pointers per attribute: localname, prefix, URI, value start, value end.
                let base = attributes + index * 5
                guard let attributeName = base[0], let start = base[3], let end = base[4] else { continue }
                let namespace = base[2].map(name)
                let value = Self.string(UnsafeBufferPointer(start: start, count: end - start))
                let attribute = XMLAttribute(name: name(attributeName), namespace: namespace, value: value)
                if namespace == XMLNamespace.xml {
                    if attribute.name == "base" { xmlBase = value }
                    if attribute.name == "lang" { xmlLanguage = value }
                }
                parsedAttributes.append(attribute)
            }
        }
        let inheritedBase = parent?.base ?? documentURL
        let effectiveBase = xmlBase.map { URLReference.resolve($0, against: inheritedBase) } ?? inheritedBase
        let node = XMLNode(
            name: name(localName), namespace: uri.map(name), prefix: prefix.map(name), attributes: parsedAttributes,
            namespaceDeclarations: declarations, base: effectiveBase, language: xmlLanguage ?? parent?.language,
            line: Int(xmlSAX2GetLineNumber(parserContext)))
        let depth = stack.count
        if recordStart == nil, depth <= maxRecordDepth, depth > 0, recordNames.contains(node.name) {
            recordStart = depth
        } else if let parent {
            parent.append(child: node)
        }
        if root == nil { root = node }
        stack.append(node)
    }

    private func endElement() {
        flushText()
        guard let node = stack.popLast() else { return }
        if let start = recordStart, start == stack.count {
            recordStart = nil
            if let root { onRecord?(node, root) }
        }
    }

    private func appendCharacters(_ characters: UnsafePointer<xmlChar>?, _ length: Int) {
        guard let characters, length > 0, !stack.isEmpty else { return }
        characterBytes += length
        if characterBytes > maxCharacterBytes {
            if characterBytes - length <= maxCharacterBytes {
                issues.append(
                    XMLParseIssue(
                        line: Int(xmlSAX2GetLineNumber(parserContext)), column: 0,
                        message: "entity amplification: expanded character data exceeds \(maxCharacterBytes) bytes",
                        isFatal: true))
                xmlStopParser(parserContext)
            }
            return
        }
        textBuffer.append(contentsOf: UnsafeBufferPointer(start: characters, count: length))
    }

    private func flushText() {
        guard !textBuffer.isEmpty else { return }
        defer { textBuffer.removeAll(keepingCapacity: true) }
        guard let current = stack.last else { return }
        let string = textBuffer.withUnsafeBufferPointer(Self.string)
        if let last = current.children.last {
            last.appendTail(string)
        } else {
            current.appendText(string)
        }
    }
}
