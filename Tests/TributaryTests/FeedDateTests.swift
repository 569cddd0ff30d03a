import Foundation
import Testing

@testable import TributaryCore

/// Parsing cases pair an input with the instant expected, as RFC 3339, or nil when it must be rejected.
@Suite struct FeedDateTests {
    /// RFC 822 / RFC 1123 and the broken variants feeds use.
    static let rfc822Cases: [(String, String?)] = [
        ("Wed, 31 Jan 2024 12:00:00 GMT", "2024-01-31T12:00:00Z"),
        ("Wed, 31 Jan 2024 12:00:00 +0000", "2024-01-31T12:00:00Z"),
        ("Wed, 31 Jan 2024 12:00:00 +0200", "2024-01-31T10:00:00Z"),
        ("Wed, 31 Jan 2024 12:00:00 -05:00", "2024-01-31T17:00:00Z"),
        ("Wed, 31 Jan 2024 12:00:00 +02", "2024-01-31T10:00:00Z"),
        ("Wed, 31 Jan 2024 12:00:00 +0530", "2024-01-31T06:30:00Z"),
        ("Wednesday, 31 Jan 2024 12:00:00 GMT", "2024-01-31T12:00:00Z"),
        ("Wed 31 Jan 2024 12:00:00 GMT", "2024-01-31T12:00:00Z"),
        ("31 Jan 2024 12:00:00 GMT", "2024-01-31T12:00:00Z"),
        ("Thu, 1 Feb 2024 08:05:09 UT", "2024-02-01T08:05:09Z"),
        ("Wed, 31 january 2024 12:00:00 UTC", "2024-01-31T12:00:00Z"),
        ("WED, 31 JAN 2024 12:00:00 Z", "2024-01-31T12:00:00Z"),
        ("Wed, 31 Jan 24 12:00:00 GMT", "2024-01-31T12:00:00Z"),
        ("Sun, 31 Jan 99 12:00:00 GMT", "1999-01-31T12:00:00Z"),
        ("Sat, 31 Jan 70 12:00:00 GMT", "1970-01-31T12:00:00Z"),
        ("Thu, 01 Jan 69 00:00:00 GMT", "2069-01-01T00:00:00Z"),
        ("Wed, 31 Jan 2024 12:00 GMT", "2024-01-31T12:00:00Z"),
        ("Wed, 31 Jan 2024 24:00:00 GMT", "2024-02-01T00:00:00Z"),
        ("Wed, 31 Jan 2024 24:00 +0100", "2024-01-31T23:00:00Z"),
        ("Sat, 31 Dec 2016 23:59:60 GMT", "2016-12-31T23:59:59Z"),
        ("Tue, 10 Jun 2003 04:00:00 -0400 (EDT)", "2003-06-10T08:00:00Z"),
        ("Wed, 31 Jan 2024 12:00:00", "2024-01-31T12:00:00Z"),
        ("Wed, 31 Jan 2024 12:00:00 GMT.", "2024-01-31T12:00:00Z"),
        ("  Wed,  31   Jan 2024\t12:00:00   GMT \n", "2024-01-31T12:00:00Z"),
        ("31-Jan-2024 12:00:00", "2024-01-31T12:00:00Z"),
        ("31-Jan-24 12:00:00 +0100", "2024-01-31T11:00:00Z"),
        ("Wed, 31 Jan 2024", "2024-01-31T00:00:00Z"),
        ("Jan 31 2024 12:00:00 GMT", "2024-01-31T12:00:00Z"),
        ("Wednesday, January 31, 2024 12:00:00 GMT", "2024-01-31T12:00:00Z"),
        ("Wed, 31 Jan 2024 12:00:00.123 +0000", "2024-01-31T12:00:00Z"),
    ]

    /// Numeric, named, US, European, Pacific and military zones.
    static let zoneCases: [(String, String?)] = [
        ("Wed, 31 Jan 2024 12:00:00 EST", "2024-01-31T17:00:00Z"),
        ("Mon, 01 Jul 2024 12:00:00 EDT", "2024-07-01T16:00:00Z"),
        ("Wed, 31 Jan 2024 12:00:00 CST", "2024-01-31T18:00:00Z"),
        ("Mon, 01 Jul 2024 12:00:00 CDT", "2024-07-01T17:00:00Z"),
        ("Wed, 31 Jan 2024 12:00:00 MST", "2024-01-31T19:00:00Z"),
        ("Mon, 01 Jul 2024 12:00:00 MDT", "2024-07-01T18:00:00Z"),
        ("Wed, 31 Jan 2024 12:00:00 PST", "2024-01-31T20:00:00Z"),
        ("Mon, 01 Jul 2024 12:00:00 PDT", "2024-07-01T19:00:00Z"),
        ("Wed, 31 Jan 2024 12:00:00 A", "2024-01-31T12:00:00Z"),
        ("Wed, 31 Jan 2024 12:00:00 n", "2024-01-31T12:00:00Z"),
        ("Wed, 31 Jan 2024 12:00:00 CET", "2024-01-31T11:00:00Z"),
        ("Mon, 01 Jul 2024 12:00:00 CEST", "2024-07-01T10:00:00Z"),
        ("Wed, 31 Jan 2024 12:00:00 EET", "2024-01-31T10:00:00Z"),
        ("Mon, 01 Jul 2024 12:00:00 EEST", "2024-07-01T09:00:00Z"),
        ("Wed, 31 Jan 2024 12:00:00 WET", "2024-01-31T12:00:00Z"),
        ("Mon, 01 Jul 2024 12:00:00 WEST", "2024-07-01T11:00:00Z"),
        ("Mon, 01 Jul 2024 12:00:00 BST", "2024-07-01T11:00:00Z"),
        ("Wed, 31 Jan 2024 12:00:00 JST", "2024-01-31T03:00:00Z"),
        ("Mon, 01 Jul 2024 12:00:00 AEST", "2024-07-01T02:00:00Z"),
        ("Wed, 31 Jan 2024 12:00:00 AEDT", "2024-01-31T01:00:00Z"),
        ("Mon, 01 Jul 2024 12:00:00 NZST", "2024-07-01T00:00:00Z"),
        ("Wed, 31 Jan 2024 12:00:00 NZDT", "2024-01-30T23:00:00Z"),
        ("Wed, 31 Jan 2024 12:00:00 HST", "2024-01-31T22:00:00Z"),
        ("Wed, 31 Jan 2024 12:00:00 AKST", "2024-01-31T21:00:00Z"),
        ("Mon, 01 Jul 2024 12:00:00 AKDT", "2024-07-01T20:00:00Z"),
        ("Wed, 31 Jan 2024 12:00:00 GMT+02:00", "2024-01-31T10:00:00Z"),
        ("Wed, 31 Jan 2024 12:00:00 GMT-0500", "2024-01-31T17:00:00Z"),
        ("Tue, 10 Jun 2003 04:00:00 -0400 EDT", "2003-06-10T08:00:00Z"),
    ]

    /// W3C-DTF and ISO 8601: extended, basic, partial, with fractions and offsets.
    static let w3cCases: [(String, String?)] = [
        ("2003-12-13T18:30:02Z", "2003-12-13T18:30:02Z"),
        ("2003-12-13T18:30:02.25Z", "2003-12-13T18:30:02Z"),
        ("2003-12-13T18:30:02+01:00", "2003-12-13T17:30:02Z"),
        ("2003-12-13T18:30:02+0100", "2003-12-13T17:30:02Z"),
        ("2003-12-13T18:30:02-05", "2003-12-13T23:30:02Z"),
        ("2003-12-13T18:30:02.123456789-08:00", "2003-12-14T02:30:02Z"),
        ("2003-12-13t18:30:02z", "2003-12-13T18:30:02Z"),
        ("2003-12-13 18:30:02", "2003-12-13T18:30:02Z"),
        ("2003-12-13 18:30:02 +0100", "2003-12-13T17:30:02Z"),
        ("2003", "2003-01-01T00:00:00Z"),
        ("2003-12", "2003-12-01T00:00:00Z"),
        ("2003-12-13", "2003-12-13T00:00:00Z"),
        ("2003-12-13T18:30Z", "2003-12-13T18:30:00Z"),
        ("2003-12-13T18:30-08:00", "2003-12-14T02:30:00Z"),
        ("20031213T183002Z", "2003-12-13T18:30:02Z"),
        ("20031213T1830+0100", "2003-12-13T17:30:00Z"),
        ("20031213", "2003-12-13T00:00:00Z"),
        ("2024-02-29T00:00:00Z", "2024-02-29T00:00:00Z"),
        ("2000-02-29", "2000-02-29T00:00:00Z"),
        ("2003-12-13T24:00:00Z", "2003-12-14T00:00:00Z"),
        ("1969-12-31T23:59:59Z", "1969-12-31T23:59:59Z"),
        ("0001-01-01T00:00:00Z", "0001-01-01T00:00:00Z"),
        ("9999-12-31T23:59:59Z", "9999-12-31T23:59:59Z"),
        ("2024-01-31 12:00:00 UTC", "2024-01-31T12:00:00Z"),
        ("2024-01-31T12Z", "2024-01-31T12:00:00Z"),
    ]

    /// asctime, with and without a zone before the year (Twitter style).
    static let asctimeCases: [(String, String?)] = [
        ("Sun Jan  4 16:29:06 2004", "2004-01-04T16:29:06Z"),
        ("Sun Jan 4 16:29:06 PST 2004", "2004-01-05T00:29:06Z"),
        ("Wed Aug 27 13:08:45 +0000 2008", "2008-08-27T13:08:45Z"),
    ]

    /// Day and month names in German, French, Spanish, Italian, Dutch and Portuguese.
    static let localizedCases: [(String, String?)] = [
        ("Mi, 31 Jan 2024 12:00:00 +0100", "2024-01-31T11:00:00Z"),
        ("Mittwoch, 31. Januar 2024 12:00 MEZ", "2024-01-31T11:00:00Z"),
        ("Fr, 01 MÄRZ 2024 12:00:00 GMT", "2024-03-01T12:00:00Z"),
        ("Di, 05 Mär 2024 12:00:00 GMT", "2024-03-05T12:00:00Z"),
        ("So, 27 Okt 2024 03:00:00 MESZ", "2024-10-27T01:00:00Z"),
        ("mer., 31 janv. 2024", "2024-01-31T00:00:00Z"),
        ("jeu., 15 févr. 2024 09:30:00 GMT", "2024-02-15T09:30:00Z"),
        ("dim., 18 août 2024 10:00:00 +0200", "2024-08-18T08:00:00Z"),
        ("mar., 17 déc. 2024 12:00:00 GMT", "2024-12-17T12:00:00Z"),
        ("lun, 05 mayo 2014", "2014-05-05T00:00:00Z"),
        ("mié, 04 dic 2024 12:00:00 +0100", "2024-12-04T11:00:00Z"),
        ("lunes, 5 de mayo de 2014 10:00:00 GMT", "2014-05-05T10:00:00Z"),
        ("gio, 10 ott 2024 12:00:00 +0200", "2024-10-10T10:00:00Z"),
        ("ven, 14 giu 2024 08:00:00 GMT", "2024-06-14T08:00:00Z"),
        ("wo, 13 mrt 2024 12:00:00 +0100", "2024-03-13T11:00:00Z"),
        ("do, 23 mei 2024 12:00:00 GMT", "2024-05-23T12:00:00Z"),
        ("qua, 31 jan 2024 12:00:00 -0300", "2024-01-31T15:00:00Z"),
        ("Sáb, 07 Dez 2024 12:00:00 GMT", "2024-12-07T12:00:00Z"),
        ("Quarta-feira, 31 de janeiro de 2024", "2024-01-31T00:00:00Z"),
    ]

    /// Out-of-range fields, unknown or ambiguous names and garbage give nil, never a guess.
    static let invalidCases: [(String, String?)] = [
        ("", nil),
        ("   ", nil),
        ("not a date", nil),
        ("GMT", nil),
        ("Wed, 32 Jan 2024 12:00:00 GMT", nil),
        ("Thu, 29 Feb 2023 12:00:00 GMT", nil),
        ("Sat, 31 Apr 2024 12:00:00 GMT", nil),
        ("1900-02-29", nil),
        ("Wed, 31 Foo 2024 12:00:00 GMT", nil),
        ("Wed, 31 Jan 2024 25:00:00 GMT", nil),
        ("Wed, 31 Jan 2024 12:60:00 GMT", nil),
        ("Wed, 31 Jan 2024 12:00:61 GMT", nil),
        ("Wed, 31 Jan 2024 24:30:00 GMT", nil),
        ("Wed, 31 Jan 202 12:00:00 GMT", nil),
        ("Wed, 31 Jan 12:00:00 GMT", nil),
        ("Wed, 31 Jan 2024 12:00:00 IST", nil),
        ("Wed, 31 Jan 2024 12:00:00 PM", nil),
        ("Wed, 31 Jan 2024 12:00:00 +2500", nil),
        ("Wed, 31 Jan 2024 12:00:00 GMT extra", nil),
        ("2024-13-01", nil),
        ("2024-00-10", nil),
        ("2024-01-00", nil),
        ("2024-01-32T00:00:00Z", nil),
        ("0000-01-01T00:00:00Z", nil),
        ("12345-01-01", nil),
        ("200312", nil),
        ("2024-01-31T", nil),
        ("2024-01-31T12:00:00Zjunk", nil),
        ("2024-01-31T12:00:00+01:0", nil),
        ("31.01.2024", nil),
        ("01/31/2024", nil),
        ("Jan 2024", nil),
        ("99999999999999999999", nil),
        ("2024-01-31T12.5Z", nil),
        ("Wed, 31 Jan 2024 12:00.5 GMT", nil),
    ]

    @Test(arguments: rfc822Cases)
    func parsesRFC822(input: String, expected: String?) {
        #expect(FeedDate.parse(input).map(FeedDate.rfc3339) == expected, "\(input)")
    }

    @Test(arguments: zoneCases)
    func parsesZones(input: String, expected: String?) {
        #expect(FeedDate.parse(input).map(FeedDate.rfc3339) == expected, "\(input)")
    }

    @Test(arguments: w3cCases)
    func parsesW3CDTF(input: String, expected: String?) {
        #expect(FeedDate.parse(input).map(FeedDate.rfc3339) == expected, "\(input)")
    }

    @Test(arguments: asctimeCases)
    func parsesAsctime(input: String, expected: String?) {
        #expect(FeedDate.parse(input).map(FeedDate.rfc3339) == expected, "\(input)")
    }

    @Test(arguments: localizedCases)
    func parsesLocalizedNames(input: String, expected: String?) {
        #expect(FeedDate.parse(input).map(FeedDate.rfc3339) == expected, "\(input)")
    }

    @Test(arguments: invalidCases)
    func rejectsInvalid(input: String, expected: String?) {
        #expect(FeedDate.parse(input).map(FeedDate.rfc3339) == expected, "\(input)")
    }

    // MARK: - Formatters

    @Test func formatsKnownInstants() {
        let noon = Date(timeIntervalSince1970: 1_706_702_400)
        #expect(FeedDate.rfc3339(noon) == "2024-01-31T12:00:00Z")
        #expect(FeedDate.rfc822(noon) == "Wed, 31 Jan 2024 12:00:00 GMT")
        let epoch = Date(timeIntervalSince1970: 0)
        #expect(FeedDate.rfc3339(epoch) == "1970-01-01T00:00:00Z")
        #expect(FeedDate.rfc822(epoch) == "Thu, 01 Jan 1970 00:00:00 GMT")
        let leapDay = Date(timeIntervalSince1970: 951_782_400)
        #expect(FeedDate.rfc3339(leapDay) == "2000-02-29T00:00:00Z")
        #expect(FeedDate.rfc822(leapDay) == "Tue, 29 Feb 2000 00:00:00 GMT")
        #expect(FeedDate.rfc822(Date(timeIntervalSince1970: -1)) == "Wed, 31 Dec 1969 23:59:59 GMT")
    }

    @Test func dropsFractionalSecondsTowardThePast() {
        #expect(FeedDate.rfc3339(Date(timeIntervalSince1970: 1_706_702_400.999)) == "2024-01-31T12:00:00Z")
        #expect(FeedDate.rfc3339(Date(timeIntervalSince1970: -0.5)) == "1969-12-31T23:59:59Z")
    }

    @Test func clampsToFourDigitYears() {
        #expect(FeedDate.rfc3339(Date(timeIntervalSince1970: 1e15)) == "9999-12-31T23:59:59Z")
        #expect(FeedDate.rfc822(Date(timeIntervalSince1970: -1e15)) == "Mon, 01 Jan 0001 00:00:00 GMT")
    }

    /// Instants from year 1 to 9999, including negative times and leap days, survive both formats.
    static let roundTripInstants: [TimeInterval] =
        stride(from: -62_135_596_800.0, through: 253_402_300_799, by: 7_777_777_777.0 / 7).map { $0.rounded(.down) }
        + [0, -1, 86_399, 951_782_400, 1_709_164_799, 4_107_542_400, 253_402_300_799, -62_135_596_800]

    @Test(arguments: roundTripInstants)
    func roundTrips(seconds: TimeInterval) {
        let date = Date(timeIntervalSince1970: seconds)
        #expect(FeedDate.parse(FeedDate.rfc3339(date)) == date)
        #expect(FeedDate.parse(FeedDate.rfc822(date)) == date)
    }

    @Test func agreesWithFoundationCalendar() throws {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = try #require(TimeZone(identifier: "UTC"))
        let weekdays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        for seconds in stride(from: -2_208_988_800, through: 4_102_444_800, by: 3_000_017) {
            let date = Date(timeIntervalSince1970: TimeInterval(seconds))
            let parts = calendar.dateComponents([.year, .month, .day, .weekday, .hour, .minute, .second], from: date)
            let fields = try [parts.year, parts.month, parts.day, parts.hour, parts.minute, parts.second]
                .map { try #require($0) }
            let expected = String(format: "%04ld-%02ld-%02ldT%02ld:%02ld:%02ldZ", arguments: fields)
            let weekday = try #require(parts.weekday)
            #expect(FeedDate.rfc3339(date) == expected)
            #expect(FeedDate.rfc822(date).hasPrefix(weekdays[weekday - 1] + ", "))
        }
    }

    /// The fixed-position reading of the usual RFC 822 form gives what the general parser gives, or
    /// leaves the input to it: valid and invalid fields, every zone form, near misses of the layout.
    @Test func canonicalRFC822ShortcutAgreesWithTheGeneralParser() {
        var inputs: [String] = []
        let days = ["01", "09", "28", "29", "30", "31", "32", "00", "7 ", "x1"]
        let months = ["Jan", "Feb", "Apr", "Dec", "dec", "Foo", "JAN"]
        let years = ["2024", "2023", "1999", "0000", "9999", "20x4"]
        let times = ["00:00:00", "12:26:58", "23:59:59", "24:00:00", "24:00:01", "23:60:00", "23:59:60", "99:99:99"]
        let zones = ["+0000", "-0500", "+0530", "+2359", "+2400", "-0060", "GMT", "UTC", "EST", "Z  ", "+05:0"]
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func pick(_ options: [String]) -> String {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return options[Int(state >> 33) % options.count]
        }
        for _ in 0..<4_000 {
            inputs.append("\(pick(["Wed", "Sun", "Sat", "wed", "Xyz", "Mon"])), \(pick(days)) \(pick(months)) \(pick(years)) \(pick(times)) \(pick(zones))")
        }
        inputs += ["Wed, 31 Dec 2025 12:26:58 +0000", "Wed,  31 Dec 2025 12:26:58 +0000", "Wed, 31 Dec 2025 12:26:58 +00000"]
        var shortcutTaken = 0
        for input in inputs {
            let bytes = Array(input.utf8)
            let general = bytes.withUnsafeBufferPointer { FeedDate.unixSeconds($0, usesShortcut: false) }
            if let shortcut = bytes.withUnsafeBufferPointer(FeedDate.canonicalRFC822) {
                shortcutTaken += 1
                #expect(shortcut == general, "\(input)")
            }
            #expect(bytes.withUnsafeBufferPointer { FeedDate.unixSeconds($0) } == general, "\(input)")
        }
        #expect(shortcutTaken > 100)  // the shortcut is exercised, not only declined
        #expect(FeedDate.parse("Wed, 31 Dec 2025 12:26:58 +0100").map(FeedDate.rfc3339) == "2025-12-31T11:26:58Z")
    }
}
