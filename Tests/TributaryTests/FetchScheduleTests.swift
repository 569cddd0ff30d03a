import Aggregator
import Foundation
import Testing
import TributaryCore

/// When a source is fetched next, with fixed dates: stretched by publisher hints, capped,
/// backed off with bounded jitter, overridden by Retry-After, moved out of skipped hours and days.
@Suite struct FetchScheduleTests {
    /// 2024-01-01 00:00:00 UTC, a Monday.
    static let monday = Date(timeIntervalSince1970: 1_704_067_200)
    static let hour: TimeInterval = 3600
    static let day: TimeInterval = 86_400
    /// 15 minutes, at most 1 day.
    static let schedule = FetchSchedule(interval: .seconds(900), maxInterval: .seconds(86_400))

    static func waitAfterSuccess(
        _ schedule: FetchSchedule = schedule, now: Date = monday, maxAge: Int? = nil, hints: ScheduleHints? = nil
    ) -> TimeInterval {
        schedule.afterSuccess(now: now, maxAgeSeconds: maxAge, hints: hints).timeIntervalSince(now)
    }

    static func waitAfterFailure(_ failures: Int, retryAfter: Int? = nil, jitter: Double = 0) -> TimeInterval {
        schedule.afterFailure(now: monday, failures: failures, retryAfterSeconds: retryAfter, jitter: jitter)
            .timeIntervalSince(monday)
    }

    // MARK: - After a success

    @Test func successWithoutHintsWaitsTheConfiguredInterval() {
        #expect(Self.waitAfterSuccess() == 900)
        #expect(Self.waitAfterSuccess(hints: ScheduleHints()) == 900)
    }

    @Test(
        arguments: [
            (3600, ScheduleHints(), 3600.0),  // Cache-Control max-age / Expires
            (nil, ScheduleHints(ttlMinutes: 120), 7200),  // RSS <ttl>
            (nil, ScheduleHints(updateIntervalSeconds: 10_800), 10_800),  // sy:updatePeriod
            (3600, ScheduleHints(ttlMinutes: 90, updateIntervalSeconds: 1800), 5400),  // The longest hint wins.
        ] as [(Int?, ScheduleHints, TimeInterval)])
    func successIsStretchedByPublisherHints(maxAge: Int?, hints: ScheduleHints, expected: TimeInterval) {
        #expect(Self.waitAfterSuccess(maxAge: maxAge, hints: hints) == expected)
    }

    @Test func hintsShorterThanTheIntervalDoNotShortenIt() {
        #expect(
            Self.waitAfterSuccess(maxAge: 60, hints: ScheduleHints(ttlMinutes: 1, updateIntervalSeconds: 300)) == 900)
        #expect(Self.waitAfterSuccess(maxAge: 0, hints: ScheduleHints(ttlMinutes: 0, updateIntervalSeconds: -5)) == 900)
    }

    @Test func hintsAreCappedByTheMaximumInterval() {
        #expect(Self.waitAfterSuccess(maxAge: 30 * 86_400) == Self.day)
        #expect(Self.waitAfterSuccess(hints: ScheduleHints(ttlMinutes: 100_000)) == Self.day)
        #expect(Self.waitAfterSuccess(hints: ScheduleHints(updateIntervalSeconds: 7 * 86_400)) == Self.day)
        let short = FetchSchedule(interval: .seconds(900), maxInterval: .seconds(3600))
        #expect(Self.waitAfterSuccess(short, maxAge: 7200) == Self.hour)
    }

    // MARK: - Skipped hours and days

    @Test func skipHoursMoveTheNextFetchPastThem() {
        // 01:00 would be next; 01, 02 and 03 GMT are skipped.
        let hourly = FetchSchedule(interval: .seconds(3600), maxInterval: .seconds(86_400))
        #expect(Self.waitAfterSuccess(hourly, hints: ScheduleHints(skipHours: [1, 2, 3])) == 4 * Self.hour)
        // Hours that are not hit change nothing.
        #expect(Self.waitAfterSuccess(hourly, hints: ScheduleHints(skipHours: [0, 5])) == Self.hour)
    }

    @Test func skipDaysMoveTheNextFetchToTheNextAllowedDay() {
        // Monday 20:00 + 6 h = Tuesday 02:00; Tuesday is skipped, so Wednesday 00:00 (GMT).
        let now = Self.monday.addingTimeInterval(20 * Self.hour)
        let sixHourly = FetchSchedule(interval: .seconds(6 * 3600), maxInterval: .seconds(3 * 86_400))
        let next = sixHourly.afterSuccess(now: now, maxAgeSeconds: nil, hints: ScheduleHints(skipDays: ["Tuesday"]))
        #expect(next == Self.monday.addingTimeInterval(2 * Self.day))
    }

    @Test func skipHoursAndDaysCombineWithHints() {
        // ttl 2 h → Monday 02:00; skipHours 2–5 → 06:00.
        let hints = ScheduleHints(ttlMinutes: 120, skipHours: [2, 3, 4, 5])
        #expect(Self.waitAfterSuccess(hints: hints) == 6 * Self.hour)
    }

    @Test func skippingEverythingStillFetchesAtTheMaximumInterval() {
        let everyDay: Set<String> = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]
        #expect(Self.waitAfterSuccess(hints: ScheduleHints(skipDays: everyDay)) == Self.day)
        #expect(Self.waitAfterSuccess(hints: ScheduleHints(skipHours: Set(0..<24))) == Self.day)
    }

    // MARK: - After a failure

    @Test func failureBackoffDoublesFromTheInterval() {
        let waits = (1...6).map { Self.waitAfterFailure($0) }
        #expect(waits == [900, 1800, 3600, 7200, 14_400, 28_800])
        #expect(Self.waitAfterFailure(0) == 900)  // A caller counting from zero gets the interval, not half.
    }

    @Test func failureJitterStaysWithinTenPercent() {
        #expect(abs(Self.waitAfterFailure(3, jitter: -0.1) - 3240) < 0.001)
        #expect(abs(Self.waitAfterFailure(3, jitter: 0.1) - 3960) < 0.001)
        for _ in 0..<500 {
            let wait = Self.schedule.afterFailure(now: Self.monday, failures: 3, retryAfterSeconds: nil)
                .timeIntervalSince(Self.monday)
            #expect((3239.999...3960.001).contains(wait))
        }
    }

    @Test func failureBackoffIsCappedAtOneDay() {
        #expect(Self.waitAfterFailure(8) == Self.day)  // 900 × 2⁷ = 115,200 s, over a day.
        #expect(Self.waitAfterFailure(8, jitter: 0.1) == Self.day)  // Jitter never pushes past the cap.
        #expect(abs(Self.waitAfterFailure(8, jitter: -0.1) - Self.day * 0.9) < 0.001)
        #expect(Self.waitAfterFailure(10_000) == Self.day)  // No overflow, never "never".
        #expect(Self.waitAfterFailure(Int.max) == Self.day)
    }

    @Test func retryAfterWinsOverBackoff() {
        #expect(Self.waitAfterFailure(1, retryAfter: 120) == 120)
        #expect(Self.waitAfterFailure(1, retryAfter: 7200, jitter: 0.1) == 7200)  // No jitter on an explicit wait.
        #expect(Self.waitAfterFailure(10, retryAfter: 3 * 86_400) == 3 * Self.day)  // Beyond the backoff cap.
        #expect(Self.waitAfterFailure(1, retryAfter: 365 * 86_400) == 7 * Self.day)  // Absurd values are capped.
    }
}
