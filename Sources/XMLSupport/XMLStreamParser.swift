import CLibXML2
import Glibc
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
    /// True when some CDATA sections or text went around libxml2 (see `CharacterDataShortcut`): a result
    /// that is not well-formed may then differ from libxml2's own recovery.
    public var shortcutCharacterData = false
}

/// Streams a document through libxml2's SAX2 interface into flat element trees (`XMLTree`).
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
    /// Whether each name of `nameTable`, by number, is a record name (see `isRecordName`).
    @exclusivity(unchecked) private var recordNameFlags: [Bool] = []
    private let maxRecordDepth: Int
    private let documentURL: String?

    // The parse state below is touched only from libxml2's callbacks, one at a time on the thread
    // that called `parse`, and never across a call out of this class: the dynamic exclusivity
    // checks Swift would make on every access (a fifth of the parser's own time) are left out.
    private let nameTable = XMLNameTable()
    /// The document without its records, and the record being read (emptied after each one).
    @exclusivity(unchecked) private var documentTree: XMLTree {
        didSet { documentTreeReference = .passUnretained(documentTree) }
    }
    @exclusivity(unchecked) private var recordTree: XMLTree {
        didSet { recordTreeReference = .passUnretained(recordTree) }
    }
    /// The same trees, unretained: the callbacks reach them through these (`_withUnsafeGuaranteedRef`),
    /// which spares an atomic retain and release of a tree on every element and text run (a strong
    /// local copy of a stored class reference costs both).
    @exclusivity(unchecked) private var documentTreeReference: Unmanaged<XMLTree>
    @exclusivity(unchecked) private var recordTreeReference: Unmanaged<XMLTree>
    /// Open elements: their index in `documentTree`, or from depth `recordStart` on, in `recordTree`.
    @exclusivity(unchecked) private var stack: [Int32] = []
    /// Where the character data not yet given to an element starts in the current tree's bytes.
    @exclusivity(unchecked) private var pendingTextStart = 0
    @exclusivity(unchecked) private var recordStart: Int?
    @exclusivity(unchecked) private var issues: [XMLParseIssue] = []
    private var onRecord: ((XMLNode, XMLNode) -> Void)?
    @exclusivity(unchecked) private var names: [UnsafePointer<xmlChar>: Int32] = [:]
    private static let nameCacheBits = 9
    private static let nameCacheSize = 1 << nameCacheBits
    /// Slots `name(_:)` looks at before it turns to `names`.
    private static let nameCacheProbes = 8
    @exclusivity(unchecked) private var nameCache = [(pointer: UnsafePointer<xmlChar>?, number: Int32)](
        repeating: (nil, 0), count: XMLStreamParser.nameCacheSize)
    @exclusivity(unchecked) private var xmlNamespace: Int32 = -1
    @exclusivity(unchecked) private var baseName: Int32 = -1
    @exclusivity(unchecked) private var languageName: Int32 = -1
    /// Character data delivered so far, and the most a document of this size may deliver.
    @exclusivity(unchecked) private var characterBytes = 0
    @exclusivity(unchecked) private var maxCharacterBytes = 0
    private var parserContext: xmlParserCtxtPtr?
    /// Whether the document being parsed is valid UTF-8 (see `parse`).
    private var isValidUTF8 = false
    /// The document, and the CDATA sections and text runs `XMLByteSource` hands libxml2 as instructions.
    private var document: UnsafeRawBufferPointer?
    private var shortcutSections: [CharacterDataShortcut.Section] = []
    @exclusivity(unchecked) private var nextShortcutSection = 0
    /// Set when a shortcut instruction arrives outside the root element, where a CDATA section or text
    /// is an error.
    @exclusivity(unchecked) private var hasMisplacedSection = false

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
        let documentTree = XMLTree(names: nameTable), recordTree = XMLTree(names: nameTable)
        self.documentTree = documentTree
        self.recordTree = recordTree
        documentTreeReference = .passUnretained(documentTree)
        recordTreeReference = .passUnretained(recordTree)
        xmlNamespace = nameTable.number(for: XMLNamespace.xml)
        baseName = nameTable.number(for: "base")
        languageName = nameTable.number(for: "lang")
    }

    /// Parses `bytes`, calling `onRecord(record, root)` for each completed record.
    ///
    /// - Parameters:
    ///   - bytes: the whole document.
    ///   - encoding: an encoding name that overrides the XML declaration (from a byte order mark decision
    ///     or the HTTP charset), or nil to let the document decide.
    ///   - isValidUTF8: whether `bytes` are valid UTF-8 that libxml2 reads as UTF-8 (`XMLInput.isUTF8`):
    ///     the trees' text is then valid UTF-8 too (`XMLNode.isValidUTF8`).
    ///   - shortcutsCharacterData: whether CDATA sections and text may go around libxml2
    ///     (`CharacterDataShortcut`); only with `isValidUTF8`.
    public func parse(
        _ bytes: UnsafeRawBufferPointer, encoding: String?, isValidUTF8: Bool = false,
        shortcutsCharacterData: Bool = false,
        onRecord: @escaping (XMLNode, XMLNode) -> Void
    ) -> XMLParseResult {
        self.onRecord = onRecord
        self.isValidUTF8 = isValidUTF8
        documentTree = XMLTree(names: nameTable, isValidUTF8: isValidUTF8)
        recordTree = XMLTree(names: nameTable, isValidUTF8: isValidUTF8)
        recordStart = nil
        document = bytes
        shortcutSections = shortcutsCharacterData && isValidUTF8 ? CharacterDataShortcut(planning: bytes).sections : []
        nextShortcutSection = 0
        hasMisplacedSection = false
        defer {
            self.onRecord = nil
            stack.removeAll()
            names.removeAll()
            for slot in nameCache.indices { nameCache[slot] = (nil, 0) }
            document = nil
            shortcutSections = []
        }
        // Read through a callback rather than from memory: libxml2 would copy the whole document.
        let source = XMLByteSource(bytes, replacing: shortcutSections)
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
        var options =
            Int32(XML_PARSE_NONET.rawValue) | Int32(XML_PARSE_RECOVER.rawValue)
            | Int32(XML_PARSE_NOERROR.rawValue) | Int32(XML_PARSE_NOWARNING.rawValue)
        let forcedEncoding = encoding.flatMap { xmlFindCharEncodingHandler($0) }
        // A forced encoding must win over the declaration for the whole document: without IGNORE_ENC,
        // libxml2 switches to the declared encoding after its first chunk of input.
        if forcedEncoding != nil { options |= Int32(XML_PARSE_IGNORE_ENC.rawValue) }
        xmlCtxtUseOptions(context, options)
        installHandlers(on: context)
        if let forcedEncoding { xmlSwitchToEncoding(context, forcedEncoding) }
        // The builder lives for the whole call: `self` outlives the parse below.
        context.pointee._private = Unmanaged.passUnretained(self).toOpaque()
        xmlParseDocument(context)
        let isWellFormed =
            context.pointee.wellFormed != 0 && characterBytes <= maxCharacterBytes && !hasMisplacedSection
            && nextShortcutSection == shortcutSections.count
        let root = documentTree.elements.isEmpty ? nil : XMLNode(tree: documentTree, index: 0)
        return XMLParseResult(
            root: root, issues: issues, isWellFormed: isWellFormed, shortcutCharacterData: !shortcutSections.isEmpty)
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
        sax.pointee.processingInstruction = { context, target, _ in
            XMLStreamParser.with(context) { $0.processingInstruction(target: target) }
        }
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

    /// The number of a name libxml2 interned in its dictionary (one pointer per distinct name).
    ///
    /// An open-addressing table keyed by the pointer answers without hashing a string; a name seen for the
    /// first time costs one lookup in the name table. Only a document with so many names that the probes
    /// run long uses the `names` dictionary.
    private func name(_ pointer: UnsafePointer<xmlChar>) -> Int32 {
        // Fibonacci hashing: libxml2 packs its names next to each other, so the low bits alone collide.
        var slot = Int(truncatingIfNeeded: (UInt(bitPattern: pointer) &* 0x9E37_79B9_7F4A_7C15) >> (64 - Self.nameCacheBits))
        for _ in 0..<Self.nameCacheProbes {
            let entry = nameCache[slot]
            if entry.pointer == pointer { return entry.number }
            if entry.pointer == nil {
                let number = nameTable.number(for: String(cString: pointer))
                nameCache[slot] = (pointer, number)
                return number
            }
            slot = (slot + 1) & (Self.nameCacheSize - 1)
        }
        if let cached = names[pointer] { return cached }
        let number = nameTable.number(for: String(cString: pointer))
        names[pointer] = number
        return number
    }

    /// Whether the name numbered `number` is one of `recordNames`; answered from `recordNameFlags` after
    /// the first time, without hashing the name.
    private func isRecordName(_ number: Int32) -> Bool {
        let index = Int(number)
        while recordNameFlags.count <= index {
            recordNameFlags.append(recordNames.contains(nameTable.strings[recordNameFlags.count]))
        }
        return recordNameFlags[index]
    }

    /// The tree the innermost open element is in, unretained (see `documentTreeReference`).
    private var currentTree: Unmanaged<XMLTree> { recordStart == nil ? documentTreeReference : recordTreeReference }

    private func startElement(
        localName: UnsafePointer<xmlChar>?, prefix: UnsafePointer<xmlChar>?, uri: UnsafePointer<xmlChar>?,
        namespaceCount: Int, namespaces: UnsafeMutablePointer<UnsafePointer<xmlChar>?>?,
        attributeCount: Int, attributes: UnsafeMutablePointer<UnsafePointer<xmlChar>?>?
    ) {
        guard let localName else { return }
        flushText()
        let parentTree = currentTree
        let parent = stack.last
        let depth = stack.count
        let nameNumber = name(localName)
        let startsRecord =
            recordStart == nil && depth > 0 && depth <= maxRecordDepth
            && isRecordName(nameNumber)
        if startsRecord { recordStart = depth }
        let tree = currentTree  // the record's tree from its first element on
        let inSameTree = parent != nil && parentTree.toOpaque() == tree.toOpaque()

        // The base and language are inherited: an index into the parent's table when the parent is in
        // the same tree, else (the document's root, or a record's) a new entry with the parent's value.
        // (The strings are read only for a new tree: copying them for every element cost a retain and two
        // releases each.)
        var baseNumber: Int32 = -1
        var languageNumber: Int32 = -1
        var inheritedBase: String?
        var inheritedLanguage: String?
        if parent == nil { inheritedBase = documentURL }
        if let parent {
            parentTree._withUnsafeGuaranteedRef { parentTree in
                let element = parentTree.elements[Int(parent)]
                if inSameTree {
                    (baseNumber, languageNumber) = (element.base, element.language)
                } else {
                    inheritedBase = element.base < 0 ? nil : parentTree.bases[Int(element.base)]
                    inheritedLanguage = element.language < 0 ? nil : parentTree.languages[Int(element.language)]
                }
            }
        }
        let index = tree._withUnsafeGuaranteedRef { tree in
            if !inSameTree {
                if let inheritedBase {
                    baseNumber = Int32(tree.bases.count)
                    tree.bases.append(inheritedBase)
                }
                if let inheritedLanguage {
                    languageNumber = Int32(tree.languages.count)
                    tree.languages.append(inheritedLanguage)
                }
            }
            return appendElement(
                to: tree, name: nameNumber, prefix: prefix, uri: uri, namespaceCount: namespaceCount,
                namespaces: namespaces, attributeCount: attributeCount, attributes: attributes,
                base: baseNumber, language: languageNumber, parent: inSameTree && !startsRecord ? parent : nil)
        }
        // An element after the root (recovered from broken XML) is kept in the tree but is no one's child.
        stack.append(index)
    }

    /// Adds an element with its namespace declarations and attributes to `tree`, linked as the last
    /// child of `parent` (an index in the same tree) when there is one; returns its index.
    private func appendElement(
        to tree: XMLTree, name nameNumber: Int32, prefix: UnsafePointer<xmlChar>?, uri: UnsafePointer<xmlChar>?,
        namespaceCount: Int, namespaces: UnsafeMutablePointer<UnsafePointer<xmlChar>?>?,
        attributeCount: Int, attributes: UnsafeMutablePointer<UnsafePointer<xmlChar>?>?,
        base inheritedBase: Int32, language inheritedLanguage: Int32, parent: Int32?
    ) -> Int32 {
        var declarations: Int32 = -1
        if namespaceCount > 0, let namespaces {
            // Two pointers per declaration: prefix (nil for the default namespace), URI.
            var declared: [String: String] = [:]
            for index in 0..<namespaceCount {
                guard let namespaceURI = namespaces[index * 2 + 1] else { continue }
                let prefix = namespaces[index * 2].map(name)
                let uri = name(namespaceURI)
                declared[prefix.map { nameTable.strings[Int($0)] } ?? ""] = nameTable.strings[Int(uri)]
            }
            declarations = Int32(tree.declarations.count)
            tree.declarations.append(declared)
        }
        let firstAttribute = Int32(tree.attributes.count)
        var baseNumber = inheritedBase
        var languageNumber = inheritedLanguage
        if attributeCount > 0, let attributes {
            for index in 0..<attributeCount {
                // Five pointers per attribute: localname, prefix, URI, value start, value end.
                let base = attributes + index * 5
                guard let attributeName = base[0], let start = base[3], let end = base[4] else { continue }
                let namespace = base[2].map(name) ?? -1
                let valueStart = tree.bytes.count
                tree.bytes.append(UnsafeBufferPointer(start: start, count: end - start))
                let attributeNumber = name(attributeName)
                let attribute = XMLTree.Attribute(
                    name: attributeNumber, namespace: namespace, value: valueStart..<tree.bytes.count,
                    key: nameTable.keys[Int(attributeNumber)])
                if namespace == xmlNamespace, attribute.name == baseName {
                    let inherited = baseNumber < 0 ? nil : tree.bases[Int(baseNumber)]
                    baseNumber = Int32(tree.bases.count)
                    tree.bases.append(URLReference.resolve(tree.string(attribute.value), against: inherited))
                }
                if namespace == xmlNamespace, attribute.name == languageName {
                    languageNumber = Int32(tree.languages.count)
                    tree.languages.append(tree.string(attribute.value))
                }
                tree.attributes.append(attribute)
            }
        }
        let index = Int32(tree.elements.count)
        let textStart = tree.bytes.count
        tree.elements.append(
            XMLTree.Element(
                name: nameNumber, namespace: uri.map(name) ?? -1, prefix: prefix.map(name) ?? -1, base: baseNumber,
                language: languageNumber, declarations: declarations,
                line: Int32(truncatingIfNeeded: xmlSAX2GetLineNumber(parserContext)),
                attributes: firstAttribute..<Int32(tree.attributes.count),
                text: textStart..<textStart, tail: textStart..<textStart))
        if let parent {
            tree.elements.withUnsafeMutableBufferPointer { elements in
                let last = elements[Int(parent)].lastChild
                if last >= 0 { elements[Int(last)].nextSibling = index } else { elements[Int(parent)].firstChild = index }
                elements[Int(parent)].lastChild = index
                elements[Int(parent)].childCount += 1
            }
        }
        pendingTextStart = textStart
        return index
    }

    private func endElement() {
        flushText()
        guard stack.popLast() != nil else { return }
        if let start = recordStart, start == stack.count {
            recordStart = nil
            if !documentTree.elements.isEmpty {
                onRecord?(XMLNode(tree: recordTree, index: 0), XMLNode(tree: documentTree, index: 0))
            }
            // A record is valid during the callback only; one kept beyond it keeps its own tree.
            if isKnownUniquelyReferenced(&recordTree) {
                recordTree.removeAll()
            } else {
                recordTree = XMLTree(names: nameTable, isValidUTF8: isValidUTF8)
            }
        }
        pendingTextStart = currentTree._withUnsafeGuaranteedRef { $0.bytes.count }
    }

    private func appendCharacters(_ characters: UnsafePointer<xmlChar>?, _ length: Int) {
        guard let characters, length > 0, !stack.isEmpty, admitsCharacters(length) else { return }
        currentTree._withUnsafeGuaranteedRef {
            $0.bytes.append(UnsafeBufferPointer(start: characters, count: length))
        }
    }

    /// Counts `length` more bytes of character data; false, and the parse stopped, past the most a
    /// document of this size may deliver.
    @inline(__always) private func admitsCharacters(_ length: Int) -> Bool {
        characterBytes += length
        return characterBytes <= maxCharacterBytes || refusesCharacters(length)
    }

    /// Reports the amplification once, when `length` more bytes crossed the limit, and stops the parse.
    @inline(never) private func refusesCharacters(_ length: Int) -> Bool {
        if characterBytes - length <= maxCharacterBytes {
            issues.append(
                XMLParseIssue(
                    line: Int(xmlSAX2GetLineNumber(parserContext)), column: 0,
                    message: "entity amplification: expanded character data exceeds \(maxCharacterBytes) bytes",
                    isFatal: true))
            xmlStopParser(parserContext)
        }
        return false
    }

    /// Appends the characters of the next shortcut section or text run when `target` is the instruction
    /// standing for it.
    private func processingInstruction(target: UnsafePointer<xmlChar>?) {
        guard nextShortcutSection < shortcutSections.count, let target, let document,
            Self.isNamed(target, CharacterDataShortcut.target)
        else { return }
        let section = shortcutSections[nextShortcutSection]
        nextShortcutSection += 1
        guard !stack.isEmpty else {
            hasMisplacedSection = true
            return
        }
        let content = UnsafeBufferPointer(
            start: (document.baseAddress! + section.content.lowerBound).assumingMemoryBound(to: xmlChar.self),
            count: section.content.count)
        guard section.hasReferences else { return appendCharacters(content.baseAddress, content.count) }
        // References only shorten the text: the limit is checked on the length before decoding.
        guard admitsCharacters(content.count) else { return }
        currentTree._withUnsafeGuaranteedRef { CharacterDataShortcut.appendDecoding(content, to: &$0.bytes) }
    }

    /// Whether the NUL-terminated `name` is `expected`.
    private static func isNamed(_ name: UnsafePointer<xmlChar>, _ expected: StaticString) -> Bool {
        let count = expected.utf8CodeUnitCount
        return strncmp(
            UnsafeRawPointer(name).assumingMemoryBound(to: CChar.self),
            UnsafeRawPointer(expected.utf8Start).assumingMemoryBound(to: CChar.self), count) == 0 && name[count] == 0
    }

    /// Gives the character data read since the last tag to the innermost open element: its text, or
    /// the tail of its last child.
    private func flushText() {
        currentTree._withUnsafeGuaranteedRef { tree in
            let end = tree.bytes.count
            guard end > pendingTextStart else { return }
            defer { pendingTextStart = end }
            guard let current = stack.last else { return }
            let added = pendingTextStart..<end
            let last = tree.elements[Int(current)].lastChild
            if last >= 0 {
                tree.extend(&tree.elements[Int(last)].tail, with: added)
            } else {
                tree.extend(&tree.elements[Int(current)].text, with: added)
            }
        }
    }
}
