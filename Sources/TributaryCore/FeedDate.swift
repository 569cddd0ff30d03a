import Foundation

/// Parses the date formats found in feeds into UTC instants.
///
/// Covers RFC 822/1123 and its common breakages, W3C-DTF/ISO 8601 (extended, basic and partial
/// dates), asctime, and day and month names in German, French, Spanish, Italian, Dutch and
/// Portuguese. Parsing is one pass over the UTF-8 bytes without allocating. When a field is
/// missing, out of range or ambiguous (an unknown zone name, a numeric `31.01.2024`), the
/// result is nil rather than a guess.
public enum FeedDate {
    /// Parses any supported date string; nil when it cannot be parsed with confidence (never a guessed wrong date).
    ///
    /// A missing time means midnight, a missing zone means UTC, fractional seconds are dropped,
    /// `24:00` is midnight of the next day and a leap second `:60` reads as `:59`. Two-digit
    /// years below 70 are 20xx, the rest 19xx. Inputs longer than 128 bytes are rejected.
    ///
    /// - Parameter text: A date as found in a feed, such as `Wed, 31 Jan 2024 12:00:00 GMT`
    ///   or `2024-01-31T12:00:00+01:00`.
    /// - Returns: The instant, or nil when the text is not a date this parser is sure of.
    public static func parse(_ text: String) -> Date? {
        let seconds: Int?? = text.utf8.withContiguousStorageIfAvailable { unixSeconds($0) }
        let result = seconds ?? Array(text.utf8).withUnsafeBufferPointer { unixSeconds($0) }
        return result.map { Date(timeIntervalSince1970: TimeInterval($0)) }
    }

    /// `parse(_:)` of UTF-8 bytes.
    public static func parse(utf8: UnsafeBufferPointer<UInt8>) -> Date? {
        unixSeconds(utf8).map { Date(timeIntervalSince1970: TimeInterval($0)) }
    }

    /// RFC 3339 / ISO 8601 UTC with "Z", e.g. "2024-01-31T12:00:00Z" (fractional seconds dropped).
    ///
    /// Dates outside the years 1 to 9999 are clamped to that range.
    public static func rfc3339(_ date: Date) -> String {
        let (days, second) = dayAndSecond(of: date)
        let (year, month, day) = civil(fromDays: days)
        return String(unsafeUninitializedCapacity: 20) { out in
            var writer = ASCIIWriter(out: out)
            writer.append(year, width: 4)
            writer.append("-")
            writer.append(month, width: 2)
            writer.append("-")
            writer.append(day, width: 2)
            writer.append("T")
            writer.appendTime(second)
            writer.append("Z")
            return writer.count
        }
    }

    /// RFC 822 / RFC 1123 with GMT, e.g. "Wed, 31 Jan 2024 12:00:00 GMT" (4-digit year, correct day name).
    ///
    /// Dates outside the years 1 to 9999 are clamped to that range.
    public static func rfc822(_ date: Date) -> String {
        let (days, second) = dayAndSecond(of: date)
        let (year, month, day) = civil(fromDays: days)
        let weekday = ((days + 4) % 7 + 7) % 7  // 1970-01-01 was a Thursday.
        return String(unsafeUninitializedCapacity: 29) { out in
            var writer = ASCIIWriter(out: out)
            writer.append(weekdayAbbreviations[weekday])
            writer.append(", ")
            writer.append(day, width: 2)
            writer.append(" ")
            writer.append(monthAbbreviations[month - 1])
            writer.append(" ")
            writer.append(year, width: 4)
            writer.append(" ")
            writer.appendTime(second)
            writer.append(" GMT")
            return writer.count
        }
    }
}

// MARK: - Parsing

extension FeedDate {
    static let maxInputBytes = 128
    private static let plus = UInt8(ascii: "+"), minus = UInt8(ascii: "-"), colon = UInt8(ascii: ":")

    /// Seconds since 1970 of a date; `usesShortcut: false` skips `canonicalRFC822` (for tests comparing them).
    static func unixSeconds(_ bytes: UnsafeBufferPointer<UInt8>, usesShortcut: Bool = true) -> Int? {
        guard bytes.count <= maxInputBytes else { return nil }
        if usesShortcut, let seconds = canonicalRFC822(bytes) { return seconds }
        var cursor = Cursor(bytes: bytes)
        cursor.skipSpaces()
        return cursor.digitRun() >= 4 ? parseISO(cursor) : parseTextual(cursor)
    }

    /// The RFC 822 form most feeds write, `Wed, 31 Dec 2025 12:26:58 +0000` (or `GMT` or `UTC` for the
    /// zone), read at fixed positions; nil for anything else, and for an invalid date, which the general
    /// path then reads (and gives the same answer for: it is a shortcut, not a second grammar).
    static func canonicalRFC822(_ bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        guard bytes.count == 29 || bytes.count == 31 else { return nil }
        func digit(_ index: Int) -> Int? {
            let value = bytes[index] &- UInt8(ascii: "0")
            return value < 10 ? Int(value) : nil
        }
        func pair(_ index: Int) -> Int? {
            guard let tens = digit(index), let ones = digit(index + 1) else { return nil }
            return tens * 10 + ones
        }
        /// The three letters at `index` as one number, for comparing names.
        func name(_ index: Int) -> UInt32 {
            UInt32(bytes[index]) << 16 | UInt32(bytes[index + 1]) << 8 | UInt32(bytes[index + 2])
        }
        let space = UInt8(ascii: " ")
        guard bytes[3] == UInt8(ascii: ","), bytes[4] == space, bytes[7] == space, bytes[11] == space,
            bytes[16] == space, bytes[19] == colon, bytes[22] == colon, bytes[25] == space,
            Self.canonicalWeekdays.contains(name(0)), let month = Self.canonicalMonths.firstIndex(of: name(8)),
            let day = pair(5), let century = pair(12), let yearInCentury = pair(14),
            let hour = pair(17), let minute = pair(20), let second = pair(23)
        else { return nil }
        let offset: Int
        if bytes.count == 31 {
            guard bytes[26] == plus || bytes[26] == minus, let hours = pair(27), let minutes = pair(29),
                hours <= 23, minutes <= 59
            else { return nil }
            offset = (bytes[26] == minus ? -1 : 1) * (hours * 3_600 + minutes * 60)
        } else {
            guard name(26) == Self.gmt || name(26) == Self.utc else { return nil }
            offset = 0
        }
        return instant(century * 100 + yearInCentury, month + 1, day, hour, minute, second, offset: offset)
    }

    private static let canonicalWeekdays = weekdayAbbreviations.map(threeLetters)
    private static let canonicalMonths = monthAbbreviations.map(threeLetters)
    private static let gmt = threeLetters("GMT"), utc = threeLetters("UTC")

    private static func threeLetters(_ name: String) -> UInt32 {
        name.utf8.reduce(0) { $0 << 8 | UInt32($1) }
    }

    /// W3C-DTF and ISO 8601: `2003`, `2003-12`, `2003-12-13`, `20031213`, each optionally with
    /// `T`, `t` or spaces, then `18:30[:02[.25]]` or `1830[02]`, then `Z`, `±hh[[:]mm]` or a zone name.
    private static func parseISO(_ start: Cursor) -> Int? {
        var c = start
        var month = 1
        var day = 1
        var hasDay = true
        let year: Int
        switch c.digitRun() {
        case 8:
            year = c.fixed(4)
            month = c.fixed(2)
            day = c.fixed(2)
        case 4:
            year = c.fixed(4)
            hasDay = false
            if c.take(minus) {
                guard let m = c.digits(1...2) else { return nil }
                month = m
                if c.take(minus) {
                    guard let d = c.digits(1...2) else { return nil }
                    day = d
                    hasDay = true
                }
            }
        default:
            return nil
        }
        var hour = 0
        var minute = 0
        var second = 0
        var offset = 0
        let separator = c.peek() | 0x20
        let hasT = separator == UInt8(ascii: "t")
        if hasT || c.isSpace {
            if hasT { c.index += 1 } else { c.skipSpaces() }
            if hasT || !c.isAtEnd {
                guard hasDay, c.digitRun() >= 2 else { return nil }
                hour = c.fixed(2)
                if c.take(colon) {
                    guard c.digitRun() >= 2 else { return nil }
                    minute = c.fixed(2)
                    if c.take(colon) {
                        guard c.digitRun() >= 2 else { return nil }
                        second = c.fixed(2)
                        c.skipFraction()
                    }
                } else if c.digitRun() >= 2 {
                    minute = c.fixed(2)
                    if c.digitRun() >= 2 {
                        second = c.fixed(2)
                        c.skipFraction()
                    }
                }
                c.skipSpaces()
                if c.peek() == plus || c.peek() == minus {
                    guard let o = c.offset() else { return nil }
                    offset = o
                } else if Cursor.isWordStart(c.peek(), c.peek(1)) {
                    let key = c.word()
                    var zone = namedZoneOffset(key)
                    if isBareUTC(key), c.peek() == plus || c.peek() == minus { zone = c.offset() }
                    guard let zone else { return nil }
                    offset = zone
                }
            }
        }
        c.skipSpaces()
        guard c.isAtEnd else { return nil }
        return instant(year, month, day, hour, minute, second, offset: offset)
    }

    /// RFC 822 and relatives: `[day-name] D Month Y [time] [zone]`, or with month first
    /// `[day-name] Month D Y [time] [zone]` and asctime `[day-name] Month D time [zone] Y`.
    private static func parseTextual(_ start: Cursor) -> Int? {
        var lexer = Lexer(cursor: start)
        var token = lexer.next()
        if case .word(_, let month) = token, isDayName(month: month, before: lexer) { token = lexer.next() }
        var time = (hour: 0, minute: 0, second: 0)
        var year = 0
        var month = 0
        var day = 0
        var offset = 0
        switch token {
        case .number(let d, let dayDigits) where dayDigits <= 2:
            guard case .word(_, let m) = lexer.next(), m > 0,
                case .number(let y, let yearDigits) = lexer.next(), let y = expandYear(y, digits: yearDigits)
            else { return nil }
            (day, month, year) = (d, m, y)
            token = lexer.next()
            if case .time(let h, let mi, let s) = token {
                time = (h, mi, s)
                token = lexer.next()
            }
            guard let o = zone(&token, &lexer) else { return nil }
            offset = o
        case .word(_, let m) where m > 0:
            guard case .number(let d, let dayDigits) = lexer.next(), dayDigits <= 2 else { return nil }
            (day, month) = (d, m)
            token = lexer.next()
            if case .time(let h, let mi, let s) = token {  // asctime: the year comes last.
                time = (h, mi, s)
                token = lexer.next()
                guard let o = zone(&token, &lexer),
                    case .number(let y, let yearDigits) = token, let y = expandYear(y, digits: yearDigits)
                else { return nil }
                (offset, year) = (o, y)
                token = lexer.next()
            } else if case .number(let y, let yearDigits) = token, let y = expandYear(y, digits: yearDigits) {
                year = y
                token = lexer.next()
                if case .time(let h, let mi, let s) = token {
                    time = (h, mi, s)
                    token = lexer.next()
                }
                guard let o = zone(&token, &lexer) else { return nil }
                offset = o
            } else {
                return nil
            }
        default:
            return nil
        }
        guard case .end = token else { return nil }
        return instant(year, month, day, time.hour, time.minute, time.second, offset: offset)
    }

    /// Whether a leading word is a day name to skip rather than the month of `Jan 31 2024`.
    private static func isDayName(month: Int, before lexer: Lexer) -> Bool {
        var look = lexer
        switch look.next() {
        case .word:
            return true
        case .number:
            if month == 0 { return true }
            if case .word(_, let next) = look.next(), next > 0 { return true }
            return false
        default:
            return false
        }
    }

    /// Reads an optional zone starting at `token`, leaving `token` at the one after it.
    /// Returns 0 when there is no zone and nil when the zone is present but unknown.
    private static func zone(_ token: inout Token, _ lexer: inout Lexer) -> Int? {
        switch token {
        case .offset(let seconds):
            token = lexer.next()
            if case .word = token { token = lexer.next() }  // "-0400 EDT": the number is authoritative.
            return seconds
        case .word(let key, _):
            token = lexer.next()
            if isBareUTC(key), case .offset(let seconds) = token {  // "GMT+02:00"
                token = lexer.next()
                return seconds
            }
            return namedZoneOffset(key)
        default:
            return 0
        }
    }

    private static func expandYear(_ year: Int, digits: Int) -> Int? {
        switch digits {
        case 1, 2: return year + (year < 70 ? 2000 : 1900)
        case 4: return year
        default: return nil
        }
    }

    /// Validates the fields and returns seconds since 1970 in UTC.
    static func instant(
        _ year: Int, _ month: Int, _ day: Int, _ hour: Int, _ minute: Int, _ second: Int,
        offset: Int
    ) -> Int? {
        guard (1...9999).contains(year), (1...12).contains(month), day >= 1,
            day <= daysInMonth(year: year, month: month),
            (0...24).contains(hour), (0...59).contains(minute), (0...60).contains(second),
            hour < 24 || (minute == 0 && second == 0)
        else { return nil }
        let days = daysFromCivil(year: year, month: month, day: day)
        return days * 86_400 + hour * 3_600 + minute * 60 + min(second, 59) - offset
    }
}

// MARK: - Calendar arithmetic (proleptic Gregorian, after Howard Hinnant's algorithms)

extension FeedDate {
    static let minSeconds: Double = -62_135_596_800  // 0001-01-01T00:00:00Z
    static let maxSeconds: Double = 253_402_300_799  // 9999-12-31T23:59:59Z

    static func daysInMonth(year: Int, month: Int) -> Int {
        if month == 2 { return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28 }
        return month == 4 || month == 6 || month == 9 || month == 11 ? 30 : 31
    }

    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    static func civil(fromDays days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shifted = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * shifted + 2) / 5 + 1
        let month = shifted < 10 ? shifted + 3 : shifted - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    private static func dayAndSecond(of date: Date) -> (days: Int, second: Int) {
        let clamped = min(max(date.timeIntervalSince1970, minSeconds), maxSeconds)
        let seconds = clamped.isNaN ? 0 : Int(clamped.rounded(.down))
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        return (days, seconds - days * 86_400)
    }

    /// Appends ASCII to a string's uninitialised storage; the caller sizes the storage.
    struct ASCIIWriter {
        let out: UnsafeMutableBufferPointer<UInt8>
        var count = 0

        mutating func append(_ text: String) {
            for byte in text.utf8 {
                out[count] = byte
                count += 1
            }
        }

        /// Appends `value` (0 or more) zero-padded to `width` digits.
        mutating func append(_ value: Int, width: Int) {
            var place = 1
            for _ in 1..<width { place *= 10 }
            while place > 0 {
                out[count] = UInt8(truncatingIfNeeded: value / place % 10) &+ UInt8(ascii: "0")
                count += 1
                place /= 10
            }
        }

        /// Appends `hh:mm:ss` for a second of the day.
        mutating func appendTime(_ second: Int) {
            append(second / 3_600, width: 2)
            append(":")
            append(second / 60 % 60, width: 2)
            append(":")
            append(second % 60, width: 2)
        }
    }
}
