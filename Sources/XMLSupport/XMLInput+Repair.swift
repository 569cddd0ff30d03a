import TributaryCore

extension XMLInput {
    private static let predefinedEntities: Set<String> = ["amp", "lt", "gt", "quot", "apos"]

    /// Rewrites undeclared HTML entities, bare ampersands and illegal control characters in place;
    /// returns whether anything changed.
    @discardableResult
    static func repairMarkup(_ bytes: inout [UInt8], warnings: inout [String]) -> Bool {
        let declared = declaredEntityNames(in: bytes)
        var output: [UInt8]? = nil
        var entityFixes = 0
        var ampersandFixes = 0
        var controlFixes = 0
        var referenceFixes = 0
        bytes.withUnsafeBufferPointer { input in
            let count = input.count
            var index = 0
            var copiedUpTo = 0
            func beginOutput() {
                if output == nil {
                    output = []
                    output!.reserveCapacity(count + 64)
                }
            }
            func flush(to end: Int) {
                beginOutput()
                output!.append(contentsOf: input[copiedUpTo..<end])
            }
            while index < count {
                let byte = input[index]
                if byte >= 0x20 {
                    if byte != 0x26 && byte != 0x3C {
                        index += 1
                        continue
                    }
                } else if byte == 0x09 || byte == 0x0A || byte == 0x0D {
                    index += 1
                    continue
                } else {
                    flush(to: index)
                    controlFixes += 1
                    index += 1
                    copiedUpTo = index
                    continue
                }
                if byte == 0x3C {  // '<': skip CDATA, comments and the DOCTYPE untouched.
                    index = skipMarkupDeclaration(input, from: index)
                    continue
                }
                // '&'
                let reference = scanReference(input, from: index)
                switch reference {
                case .valid(let end):
                    index = end
                case .uppercaseHex(let end):
                    // "&#X41;" is HTML but not XML: libxml2 stops at the X.
                    flush(to: index)
                    output!.append(contentsOf: Array("&#x".utf8))
                    output!.append(contentsOf: input[(index + 3)..<end])
                    referenceFixes += 1
                    index = end
                    copiedUpTo = index
                case .named(let nameRange, let end):
                    let name = String(decoding: input[nameRange], as: UTF8.self)
                    if predefinedEntities.contains(name) || declared.contains(name) {
                        index = end
                    } else if let replacement = HTMLEntities.character(named: name) {
                        flush(to: index)
                        for scalar in replacement.unicodeScalars {
                            output!.append(contentsOf: Array("&#\(scalar.value);".utf8))
                        }
                        entityFixes += 1
                        index = end
                        copiedUpTo = index
                    } else {
                        flush(to: index)
                        output!.append(contentsOf: Array("&amp;".utf8))
                        ampersandFixes += 1
                        index += 1
                        copiedUpTo = index
                    }
                case .bare:
                    flush(to: index)
                    output!.append(contentsOf: Array("&amp;".utf8))
                    ampersandFixes += 1
                    index += 1
                    copiedUpTo = index
                }
            }
            if output != nil { flush(to: count) }
        }
        if let output { bytes = output }
        if entityFixes > 0 {
            warnings.append("\(entityFixes) HTML entities that XML does not declare were decoded")
        }
        if ampersandFixes > 0 { warnings.append("\(ampersandFixes) unescaped '&' characters were escaped") }
        if controlFixes > 0 { warnings.append("\(controlFixes) characters illegal in XML were removed") }
        if referenceFixes > 0 {
            warnings.append("\(referenceFixes) character references with an uppercase X were rewritten")
        }
        return output != nil
    }

    private enum Reference {
        case valid(end: Int)
        /// A hexadecimal reference written `&#X…;`, valid HTML but not XML.
        case uppercaseHex(end: Int)
        case named(Range<Int>, end: Int)
        case bare
    }

    private static func isNameByte(_ byte: UInt8) -> Bool {
        (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x30 && byte <= 0x39)
            || byte == 0x5F || byte == 0x2D || byte == 0x2E || byte == 0x3A || byte >= 0x80
    }

    private static func scanReference(_ input: UnsafeBufferPointer<UInt8>, from start: Int) -> Reference {
        var index = start + 1
        let limit = min(input.count, start + 40)
        if index < limit, input[index] == 0x23 {  // '#'
            index += 1
            var isHex = false
            let isUppercaseHex = index < limit && input[index] == 0x58
            if index < limit, input[index] == 0x78 || isUppercaseHex {
                isHex = true
                index += 1
            }
            let digitsStart = index
            while index < limit {
                let byte = input[index]
                let isDigit = byte >= 0x30 && byte <= 0x39
                let isHexLetter = (byte >= 0x61 && byte <= 0x66) || (byte >= 0x41 && byte <= 0x46)
                guard isDigit || (isHex && isHexLetter) else { break }
                index += 1
            }
            if index > digitsStart, index < input.count, input[index] == 0x3B {
                return isUppercaseHex ? .uppercaseHex(end: index + 1) : .valid(end: index + 1)
            }
            return .bare
        }
        let nameStart = index
        while index < limit, isNameByte(input[index]) { index += 1 }
        if index > nameStart, index < input.count, input[index] == 0x3B {
            return .named(nameStart..<index, end: index + 1)
        }
        return .bare
    }

    /// Index after a CDATA section, comment, processing instruction or DOCTYPE starting at `start`;
    /// `start + 1` for any other '<'.
    private static func skipMarkupDeclaration(_ input: UnsafeBufferPointer<UInt8>, from start: Int) -> Int {
        func hasPrefix(_ literal: StaticString, at index: Int) -> Bool {
            let length = literal.utf8CodeUnitCount
            guard index + length <= input.count else { return false }
            let pointer = literal.utf8Start
            for offset in 0..<length where input[index + offset] != pointer[offset] { return false }
            return true
        }
        func find(_ literal: StaticString, from index: Int) -> Int {
            var position = index
            while position < input.count {
                if hasPrefix(literal, at: position) { return position + literal.utf8CodeUnitCount }
                position += 1
            }
            return input.count
        }
        if hasPrefix("<![CDATA[", at: start) { return find("]]>", from: start + 9) }
        if hasPrefix("<!--", at: start) { return find("-->", from: start + 4) }
        if hasPrefix("<?", at: start) { return find("?>", from: start + 2) }
        if hasPrefix("<!DOCTYPE", at: start) {
            var position = start + 9
            var bracketDepth = 0
            while position < input.count {
                switch input[position] {
                case UInt8(ascii: "["): bracketDepth += 1
                case UInt8(ascii: "]"): bracketDepth -= 1
                case UInt8(ascii: ">") where bracketDepth <= 0: return position + 1
                default: break
                }
                position += 1
            }
            return input.count
        }
        return start + 1
    }

    /// Names of general entities declared in the internal DTD subset.
    private static func declaredEntityNames(in bytes: [UInt8]) -> Set<String> {
        bytes.withUnsafeBufferPointer { input in
            var names: Set<String> = []
            // Entities are declared only in the internal subset of a DOCTYPE, which precedes the root element.
            guard hasDoctype(input) else { return names }
            guard var searchStart = firstIndex(of: "<!ENTITY", in: input, from: 0, limit: min(input.count, 65536))
            else { return names }
            let limit = min(input.count, 1 << 20)
            while searchStart < limit, let found = firstIndex(of: "<!ENTITY", in: input, from: searchStart, limit: limit) {
                var index = found + 8
                while index < limit, input[index] == 0x20 || input[index] == 0x09 || input[index] == 0x0A { index += 1 }
                if index < limit, input[index] != UInt8(ascii: "%") {
                    let nameStart = index
                    while index < limit, isNameByte(input[index]) { index += 1 }
                    names.insert(String(decoding: input[nameStart..<index], as: UTF8.self))
                }
                searchStart = index
            }
            return names
        }
    }

    /// True when the prolog (before the first element) contains `<!DOCTYPE`.
    private static func hasDoctype(_ input: UnsafeBufferPointer<UInt8>) -> Bool {
        var index = 0
        let limit = min(input.count, 65536)
        while index + 1 < limit {
            guard input[index] == UInt8(ascii: "<") else {
                index += 1
                continue
            }
            switch input[index + 1] {
            case UInt8(ascii: "?"):
                index = skipMarkupDeclaration(input, from: index)
            case UInt8(ascii: "!"):
                if firstIndex(of: "<!DOCTYPE", in: input, from: index, limit: min(index + 9, input.count)) != nil {
                    return true
                }
                index = skipMarkupDeclaration(input, from: index)
            default:
                return false  // the root element: no DOCTYPE before it
            }
        }
        return false
    }

    /// Index of the first occurrence of `literal` that starts at or after `start` and ends before `limit`.
    private static func firstIndex(
        of literal: StaticString, in input: UnsafeBufferPointer<UInt8>, from start: Int, limit: Int
    ) -> Int? {
        let length = literal.utf8CodeUnitCount
        let pattern = literal.utf8Start
        var index = start
        while index + length <= limit {
            if input[index] == pattern[0] {
                var offset = 1
                while offset < length, input[index + offset] == pattern[offset] { offset += 1 }
                if offset == length { return index }
            }
            index += 1
        }
        return nil
    }
}
