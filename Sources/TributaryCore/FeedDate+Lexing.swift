// Tokenising and the name tables behind FeedDate.parse.

// MARK: - Lexing

extension FeedDate {
    /// A read position in the input; `peek` past the end yields 0, which matches nothing.
    struct Cursor {
        let bytes: UnsafeBufferPointer<UInt8>
        var index = 0

        var isAtEnd: Bool { index >= bytes.count }
        var isSpace: Bool { Self.isSpace(peek(), peek(1)) }

        func peek(_ ahead: Int = 0) -> UInt8 { index + ahead < bytes.count ? bytes[index + ahead] : 0 }

        static func isSpace(_ byte: UInt8, _ next: UInt8) -> Bool {
            byte == .space || byte == 0x09 || byte == 0x0A || byte == 0x0D || (byte == 0xC2 && next == 0xA0)
        }

        static func isLetter(_ byte: UInt8) -> Bool {
            (byte | 0x20) &- UInt8(ascii: "a") < 26
        }

        /// Letters, and any non-ASCII byte other than a no-break space.
        static func isWordStart(_ byte: UInt8, _ next: UInt8) -> Bool {
            isLetter(byte) || (byte >= 0x80 && !(byte == 0xC2 && next == 0xA0))
        }

        mutating func skipSpaces() {
            while Self.isSpace(peek(), peek(1)) { index += peek() == 0xC2 ? 2 : 1 }
        }

        func digitRun() -> Int {
            var count = 0
            while peek(count) &- UInt8(ascii: "0") < 10 { count += 1 }
            return count
        }

        mutating func take(_ byte: UInt8) -> Bool {
            guard peek() == byte else { return false }
            index += 1
            return true
        }

        /// Reads exactly `count` digits; the caller has checked they are there.
        mutating func fixed(_ count: Int) -> Int {
            var value = 0
            for _ in 0..<count {
                value = value * 10 + Int(bytes[index] &- UInt8(ascii: "0"))
                index += 1
            }
            return value
        }

        /// Reads a run of digits whose length is in `allowed`, or nil.
        mutating func digits(_ allowed: ClosedRange<Int>) -> Int? {
            let count = digitRun()
            return allowed.contains(count) ? fixed(count) : nil
        }

        /// Skips `.123` or `,123` after seconds.
        mutating func skipFraction() {
            guard peek() == UInt8(ascii: ".") || peek() == UInt8(ascii: ",") else { return }
            index += 1
            index += digitRun()
        }

        /// Reads `±h`, `±hh`, `±hhmm` or `±hh:mm` as seconds east of UTC.
        mutating func offset() -> Int? {
            let sign = peek() == .minus ? -1 : 1
            index += 1
            var minutes = 0
            let hours: Int
            switch digitRun() {
            case 4:
                hours = fixed(2)
                minutes = fixed(2)
            case 1, 2:
                hours = fixed(digitRun())
                if peek() == .colon, peek(1) &- UInt8(ascii: "0") < 10 {
                    index += 1
                    guard let m = digits(2...2) else { return nil }
                    minutes = m
                }
            default:
                return nil
            }
            guard hours <= 23, minutes <= 59 else { return nil }
            return sign * (hours * 3_600 + minutes * 60)
        }

        /// Reads a word (letters, non-ASCII bytes, inner hyphens as in "quarta-feira") and returns
        /// its key: the first 7 lowercased bytes, with the length in the top byte.
        mutating func word() -> UInt64 {
            var key: UInt64 = 0
            var length = 0
            var previous: UInt8 = 0
            while true {
                var byte = peek()
                if Self.isLetter(byte) {
                    byte |= 0x20
                } else if Self.isWordStart(byte, peek(1)) {
                    // Latin-1 capitals (U+00C0...U+00DE, not ×) are C3 80...C3 9E; lowercase is +0x20.
                    if previous == 0xC3, byte >= 0x80, byte <= 0x9E, byte != 0x97 { byte += 0x20 }
                } else if !(byte == .minus && Self.isWordStart(peek(1), peek(2))) {
                    break
                }
                previous = peek()
                if length < 7 { key |= UInt64(byte) << (8 * UInt64(length)) }
                length += 1
                index += 1
            }
            return key | UInt64(min(length, 255)) << 56
        }
    }

    enum Token {
        case end, invalid
        case number(Int, digits: Int)
        case time(hour: Int, minute: Int, second: Int)
        case word(UInt64, month: Int)
        case offset(Int)
    }

    /// Splits textual dates into tokens. Commas, periods, spaces and `(comments)` separate;
    /// hyphens separate in `31-Jan-2024` but start an offset in `GMT-05:00`.
    struct Lexer {
        var cursor: Cursor

        mutating func next() -> Token {
            while true {
                let token = scan()
                guard case .word(let key, _) = token, key == deKey || key == delKey else { return token }
                // Skip the "de" of "5 de mayo de 2014".
            }
        }

        private mutating func scan() -> Token {
            var c = cursor
            defer { cursor = c }
            while true {
                let byte = c.peek()
                if Cursor.isSpace(byte, c.peek(1)) {
                    c.skipSpaces()
                } else if byte == UInt8(ascii: ",") || byte == UInt8(ascii: ".") {
                    c.index += 1
                } else if byte == UInt8(ascii: "(") {
                    while !c.isAtEnd, c.peek() != UInt8(ascii: ")") { c.index += 1 }
                    c.index += 1
                } else {
                    break
                }
            }
            if c.isAtEnd { return .end }
            let byte = c.peek()
            let digits = c.digitRun()
            if digits > 0 {
                guard digits <= 4 else { return .invalid }
                let value = c.fixed(digits)
                if c.take(.colon) {
                    guard digits <= 2, let minute = c.digits(1...2) else { return .invalid }
                    var second = 0
                    if c.take(.colon) {
                        guard let s = c.digits(1...2) else { return .invalid }
                        second = s
                        c.skipFraction()
                    }
                    return .time(hour: value, minute: minute, second: second)
                }
                if c.peek() == UInt8(ascii: "."), c.peek(1) &- UInt8(ascii: "0") < 10 { return .invalid }  // 31.01.2024
                if c.peek() == .minus, Cursor.isWordStart(c.peek(1), c.peek(2)) { c.index += 1 }  // 31-Jan
                return .number(value, digits: digits)
            }
            if byte == .plus || byte == .minus {
                guard let seconds = c.offset() else { return .invalid }
                return .offset(seconds)
            }
            if Cursor.isWordStart(byte, c.peek(1)) {
                let key = c.word()
                let month = monthNumbers[key] ?? 0
                if month > 0, c.peek() == .minus, c.peek(1) &- UInt8(ascii: "0") < 10 { c.index += 1 }  // Jan-2024
                return .word(key, month: month)
            }
            return .invalid
        }
    }

    static func wordKey(_ name: Substring) -> UInt64 {
        var name = String(name)
        return name.withUTF8 { bytes in
            var cursor = Cursor(bytes: bytes)
            return cursor.word()
        }
    }

    static func isBareUTC(_ key: UInt64) -> Bool { key == gmtKey || key == utcKey || key == utKey }

    /// Offset in seconds of a zone name; single letters (military zones) read as UTC.
    static func namedZoneOffset(_ key: UInt64) -> Int? {
        key >> 56 == 1 && Cursor.isLetter(UInt8(truncatingIfNeeded: key)) ? 0 : zoneOffsets[key]
    }
}

// MARK: - Names

extension FeedDate {
    /// Month names and abbreviations in English, German, French, Spanish, Italian, Dutch and
    /// Portuguese, lowercased, keyed by `wordKey`. A trailing period is not part of the word.
    static let monthNumbers: [UInt64: Int] = makeTable([
        1: "jan january januar jänner jän janv janvier enero ene gennaio gen januari janeiro",
        2: "feb february februar févr fevr fév fev février fevrier febrero febbraio februari fevereiro",
        3: "mar march märz mär maerz marz mrz mars marzo maart mrt março marco",
        4: "apr april avr avril abril abr aprile",
        5: "may mai mayo maggio mag mei maio",
        6: "jun june juni juin junio giugno giu junho",
        7: "jul july juli juil juillet julio luglio lug julho",
        8: "aug august août aout agosto ago augustus",
        9: "sep sept september septembre septiembre setiembre settembre set setembro",
        10: "oct october okt oktober octobre octubre ottobre ott out outubro",
        11: "nov november novembre noviembre novembro",
        12: "dec december dez dezember déc décembre decembre dic diciembre dicembre dezembro",
    ])

    /// Zone names with one usual meaning in feeds, in seconds east of UTC. Ambiguous names such
    /// as IST and AST are left out, so dates using them fail rather than guess.
    static let zoneOffsets: [UInt64: Int] = makeTable([
        0: "gmt ut utc wet",
        1: "cet met mez west bst",
        2: "cest mest mesz eet",
        3: "eest",
        9: "jst",
        10: "aest",
        11: "aedt",
        12: "nzst",
        13: "nzdt",
        -4: "edt",
        -5: "est cdt",
        -6: "cst mdt",
        -7: "mst pdt",
        -8: "pst akdt",
        -9: "akst",
        -10: "hst",
    ]).mapValues { $0 * 3_600 }

    static let gmtKey = wordKey("gmt")
    static let utcKey = wordKey("utc")
    static let utKey = wordKey("ut")
    static let deKey = wordKey("de")
    static let delKey = wordKey("del")

    static let weekdayAbbreviations = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    static let monthAbbreviations = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ]

    private static func makeTable(_ groups: [Int: String]) -> [UInt64: Int] {
        var table: [UInt64: Int] = [:]
        for (value, names) in groups {
            for name in names.split(separator: " ") {
                let previous = table.updateValue(value, forKey: wordKey(name))
                precondition(previous == nil || previous == value, "date word \(name) has two meanings")
            }
        }
        return table
    }
}

extension UInt8 {
    fileprivate static let space = UInt8(ascii: " ")
    fileprivate static let plus = UInt8(ascii: "+")
    fileprivate static let minus = UInt8(ascii: "-")
    fileprivate static let colon = UInt8(ascii: ":")
}
