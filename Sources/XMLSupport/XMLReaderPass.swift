import CLibXML2

/// A bare libxml2 `xmlTextReader` pass, the reference the parser benchmark compares against.
public enum XMLReaderPass {
    /// Reads every node of the document and returns how many there were (0 on failure).
    public static func count(_ bytes: [UInt8]) -> Int {
        bytes.withUnsafeBufferPointer { buffer in
            let options = Int32(XML_PARSE_NONET.rawValue | XML_PARSE_RECOVER.rawValue | XML_PARSE_NOERROR.rawValue | XML_PARSE_NOWARNING.rawValue)
            guard let reader = xmlReaderForMemory(
                UnsafeRawPointer(buffer.baseAddress!).assumingMemoryBound(to: CChar.self), Int32(buffer.count), nil, nil, options)
            else { return 0 }
            defer { xmlFreeTextReader(reader) }
            var nodes = 0
            while xmlTextReaderRead(reader) == 1 { nodes += 1 }
            return nodes
        }
    }
}
