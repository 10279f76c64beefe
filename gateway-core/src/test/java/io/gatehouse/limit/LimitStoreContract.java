package io.gatehouse.limit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gatehouse.Concurrently;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The contract every {@link LimitStore} passes: exact decisions (admitted or not, remaining,
 * reset, retry-after) for each algorithm at window edges and refill boundaries, multi-limit
 * atomicity, costs, settling, leases and their expiry, key independence. The expected numbers
 * follow from the definitions in the package documentation of {@code io.gatehouse.limit}.
 *
 * <p>A store's test extends this class and creates the store on the given clock; it must not
 * read any other clock. Only the public SPI is used. The clock starts at
 * {@link FakeMicroClock#DEFAULT_START}, midnight UTC, a multiple of every period used here.
 */
public abstract class LimitStoreContract {

    private static final long SECOND = 1_000_000L;
    private static final long MINUTE = 60 * SECOND;
    private static final long HOUR = 60 * MINUTE;

    protected FakeMicroClock clock;
    protected LimitStore store;
    private int leaseCounter;

    /** Creates the store under test, reading time only from {@code clock}. */
    protected abstract LimitStore createStore(FakeMicroClock clock);

    @BeforeEach
    void createStoreOnAFakeClock() {
        clock = new FakeMicroClock();
        store = createStore(clock);
    }

    @AfterEach
    void closeStore() {
        store.close();
    }

    private Verdict acquire(Permit... permits) {
        return store.tryAcquire(List.of(permits), "lease-" + (++leaseCounter));
    }

    private Verdict acquireLease(String leaseId, Permit... permits) {
        return store.tryAcquire(List.of(permits), leaseId);
    }

    private static Permit permit(LimitRule rule, String key) {
        return new Permit(rule, key, 1);
    }

    private static Permit permit(LimitRule rule, String key, long cost) {
        return new Permit(rule, key, cost);
    }

    private static void assertAllowed(Verdict verdict, long remaining, long resetMicros) {
        assertThat(verdict.allowed()).as("allowed").isTrue();
        assertThat(verdict.remaining(0)).as("remaining").isEqualTo(remaining);
        assertThat(verdict.resetMicros(0)).as("reset").isEqualTo(resetMicros);
        assertThat(verdict.retryAfterMicros()).as("retry-after").isZero();
    }

    private static void assertRefused(Verdict verdict, long remaining, long resetMicros,
            long retryAfterMicros) {
        assertThat(verdict.allowed()).as("allowed").isFalse();
        assertThat(verdict.remaining(0)).as("remaining").isEqualTo(remaining);
        assertThat(verdict.resetMicros(0)).as("reset").isEqualTo(resetMicros);
        assertThat(verdict.retryAfterMicros()).as("retry-after").isEqualTo(retryAfterMicros);
    }

    // ---------------------------------------------------------------- tryConsume

    @Test
    void tryConsumeDecidesExactlyAsTryAcquireDoes() {
        // The same seeded trace on two keys: one decided by tryAcquire, one by tryConsume.
        LimitRule[] rules = {
            LimitRule.tokenBucket("tb", 5, Duration.ofSeconds(10)),
            LimitRule.fixedWindow("fw", 5, Duration.ofSeconds(10)),
            LimitRule.slidingWindow("sw", 5, Duration.ofSeconds(10)),
            LimitRule.slidingLog("sl", 5, Duration.ofSeconds(10)),
            LimitRule.concurrency("cc", 3, Duration.ofSeconds(10)),
        };
        java.util.Random random = new java.util.Random(42);
        int admitted = 0;
        int refused = 0;
        for (int step = 0; step < 400; step++) {
            clock.advanceMicros(random.nextInt(2 * (int) SECOND));
            List<Permit> onAcquire = new ArrayList<>();
            List<Permit> onConsume = new ArrayList<>();
            int first = random.nextInt(rules.length);
            int count = 1 + random.nextInt(2);
            long cost = 1 + random.nextInt(2);
            for (int i = 0; i < count; i++) {
                LimitRule rule = rules[(first + i) % rules.length];
                onAcquire.add(permit(rule, "acquire", cost));
                onConsume.add(permit(rule, "consume", cost));
            }
            String lease = "lease-" + step;
            boolean expected = store.tryAcquire(onAcquire, lease).allowed();

            assertThat(store.tryConsume(onConsume, lease)).as("step %d", step)
                    .isEqualTo(expected);
            if (expected) {
                admitted++;
            } else {
                refused++;
            }
        }
        assertThat(admitted).as("admitted").isGreaterThan(50);
        assertThat(refused).as("refused").isGreaterThan(50);
    }

    // ---------------------------------------------------------------- token bucket

    private static final LimitRule TEN_PER_HOUR =
            LimitRule.tokenBucket("per-hour", 10, Duration.ofHours(1));

    @Test
    void tokenBucketAdmitsItsCapacityThenRefusesUntilTheNextToken() {
        Permit bob = permit(TEN_PER_HOUR, "bob");
        for (int taken = 1; taken <= 10; taken++) {
            assertAllowed(acquire(bob), 10 - taken, taken * 360 * SECOND);
        }
        assertRefused(acquire(bob), 0, HOUR, 360 * SECOND);
        clock.advanceMicros(360 * SECOND - 1);
        assertRefused(acquire(bob), 0, HOUR - 360 * SECOND + 1, 1);
        clock.advanceMicros(1);
        assertAllowed(acquire(bob), 0, HOUR);
    }

    @Test
    void tokenBucketRefillsExactlyWhenThePeriodIsNotAMultipleOfTheLimit() {
        LimitRule sevenPerSecond = LimitRule.tokenBucket("per-second", 7, Duration.ofSeconds(1));
        Permit key = permit(sevenPerSecond, "k");
        for (int i = 0; i < 7; i++) {
            assertThat(acquire(key).allowed()).isTrue();
        }
        // One token takes 1/7 s = 142857.14 us: a retry at 142857 us is one microsecond early.
        assertRefused(acquire(key), 0, SECOND, 142_858);
        clock.advanceMicros(142_857);
        assertRefused(acquire(key), 0, SECOND - 142_857, 1);
        clock.advanceMicros(1);
        assertAllowed(acquire(key), 0, SECOND - 142_858 + 142_858);
        // Seven tokens take exactly one second: no drift accumulates.
        clock.advanceMicros(SECOND);
        for (int i = 0; i < 7; i++) {
            assertThat(acquire(key).allowed()).isTrue();
        }
        assertThat(acquire(key).allowed()).isFalse();
    }

    @Test
    void tokenBucketBurstAllowsMoreAtOnceThanItsSustainedRate() {
        LimitRule burst = LimitRule.builder("burst", LimitAlgorithm.TOKEN_BUCKET)
                .limit(60, Duration.ofMinutes(1)).burst(5).build();
        Permit key = permit(burst, "k");
        for (int i = 1; i <= 5; i++) {
            assertAllowed(acquire(key), 5 - i, i * SECOND);
        }
        assertRefused(acquire(key), 0, 5 * SECOND, SECOND);
        clock.advance(Duration.ofHours(1));
        assertAllowed(acquire(key), 4, SECOND);
    }

    @Test
    void tokenBucketTakesTheCostOfARequest() {
        Permit key = permit(TEN_PER_HOUR, "k", 4);
        assertAllowed(acquire(key), 6, 4 * 360 * SECOND);
        assertRefused(acquire(permit(TEN_PER_HOUR, "k", 7)), 6, 4 * 360 * SECOND, 360 * SECOND);
        assertAllowed(acquire(permit(TEN_PER_HOUR, "k", 6)), 0, HOUR);
    }

    @Test
    void costAboveCapacityIsRefusedWithoutConsumingAndRetryAfterIsThePeriod() {
        assertRefused(acquire(permit(TEN_PER_HOUR, "k", 11)), 10, 0, HOUR);
        LimitRule threePerMinute = LimitRule.fixedWindow("fw", 3, Duration.ofMinutes(1));
        assertRefused(acquire(permit(threePerMinute, "k", 4)), 3, 0, MINUTE);
        assertAllowed(acquire(permit(TEN_PER_HOUR, "k", 10)), 0, HOUR);
    }

    @Test
    void tokenBucketForAMonthStaysExact() {
        LimitRule monthly = LimitRule.tokenBucket("per-30-days", 1_000_000, Duration.ofDays(30));
        Permit key = permit(monthly, "k", 999_999);
        long tokenMicros = 30L * 24 * HOUR / 1_000_000; // 2.592 s
        assertAllowed(acquire(key), 1, 999_999 * tokenMicros);
        assertRefused(acquire(permit(monthly, "k", 2)), 1, 999_999 * tokenMicros, tokenMicros);
    }

    // ---------------------------------------------------------------- fixed window

    private static final LimitRule FIVE_PER_MINUTE =
            LimitRule.fixedWindow("per-minute", 5, Duration.ofMinutes(1));

    @Test
    void fixedWindowRefusesUntilTheWindowEnds() {
        clock.advance(Duration.ofSeconds(10));
        Permit key = permit(FIVE_PER_MINUTE, "k");
        for (int i = 1; i <= 5; i++) {
            assertAllowed(acquire(key), 5 - i, 50 * SECOND);
        }
        assertRefused(acquire(key), 0, 50 * SECOND, 50 * SECOND);
        clock.advanceMicros(50 * SECOND - 1);
        assertRefused(acquire(key), 0, 1, 1);
        clock.advanceMicros(1);
        assertAllowed(acquire(key), 4, MINUTE);
    }

    @Test
    void fixedWindowAllowsTwiceItsLimitAcrossAWindowEdge() {
        Permit key = permit(FIVE_PER_MINUTE, "k");
        clock.advanceMicros(MINUTE - 1);
        for (int i = 0; i < 5; i++) {
            assertThat(acquire(key).allowed()).isTrue();
        }
        clock.advanceMicros(1);
        for (int i = 0; i < 5; i++) {
            assertThat(acquire(key).allowed()).isTrue();
        }
        assertThat(acquire(key).allowed()).isFalse();
    }

    @Test
    void calendarDayWindowEndsAtMidnightOfItsZone() {
        LimitRule utcDay = LimitRule.builder("per-day", LimitAlgorithm.FIXED_WINDOW)
                .calendar(2, ChronoUnit.DAYS, ZoneOffset.UTC).build();
        clock.set(micros("2026-03-10T23:00:00Z"));
        assertAllowed(acquire(permit(utcDay, "k")), 1, HOUR);
        assertAllowed(acquire(permit(utcDay, "k")), 0, HOUR);
        assertRefused(acquire(permit(utcDay, "k")), 0, HOUR, HOUR);
        clock.set(micros("2026-03-11T00:00:00Z"));
        assertAllowed(acquire(permit(utcDay, "k")), 1, 24 * HOUR);

        // In Berlin (UTC+1 in March) the day ends at 23:00 UTC.
        LimitRule berlinDay = LimitRule.builder("per-day-berlin", LimitAlgorithm.FIXED_WINDOW)
                .calendar(1, ChronoUnit.DAYS, ZoneId.of("Europe/Berlin")).build();
        clock.set(micros("2026-03-11T22:30:00Z"));
        assertAllowed(acquire(permit(berlinDay, "k")), 0, 30 * MINUTE);
        assertRefused(acquire(permit(berlinDay, "k")), 0, 30 * MINUTE, 30 * MINUTE);
        clock.set(micros("2026-03-11T23:00:00Z"));
        assertAllowed(acquire(permit(berlinDay, "k")), 0, 24 * HOUR);
    }

    @Test
    void calendarMonthWindowFollowsTheLengthOfTheMonth() {
        LimitRule month = LimitRule.builder("per-month", LimitAlgorithm.FIXED_WINDOW)
                .calendar(1, ChronoUnit.MONTHS, ZoneOffset.UTC).build();
        clock.set(micros("2026-02-01T00:00:00Z"));
        assertAllowed(acquire(permit(month, "k")), 0, 28 * 24 * HOUR);
        clock.set(micros("2026-02-28T23:59:59Z"));
        assertRefused(acquire(permit(month, "k")), 0, SECOND, SECOND);
        clock.set(micros("2026-03-01T00:00:00Z"));
        assertAllowed(acquire(permit(month, "k")), 0, 31 * 24 * HOUR);
    }

    // ---------------------------------------------------------------- sliding window counter

    private static final LimitRule SLIDING_TEN_PER_MINUTE =
            LimitRule.slidingWindow("sliding-per-minute", 10, Duration.ofMinutes(1));

    @Test
    void slidingWindowWeighsThePreviousWindowByItsOverlap() {
        Permit key = permit(SLIDING_TEN_PER_MINUTE, "k");
        for (int i = 1; i <= 10; i++) {
            assertAllowed(acquire(key), 10 - i, 2 * MINUTE);
        }
        // The ten must fade to nine in the next window: 10 * (60 - e) / 60 <= 9 at e = 6 s.
        assertRefused(acquire(key), 0, 2 * MINUTE, 66 * SECOND);
        clock.advanceMicros(66 * SECOND - 1);
        assertRefused(acquire(key), 0, 2 * MINUTE - 66 * SECOND + 1, 1);
        clock.advanceMicros(1);
        assertAllowed(acquire(key), 0, 2 * MINUTE - 6 * SECOND);
        // Halfway through the window the previous ten weigh five: 10 - 1 - 5 = 4 remain.
        clock.advance(Duration.ofSeconds(24));
        assertAllowed(acquire(key), 3, 2 * MINUTE - 30 * SECOND);
    }

    @Test
    void slidingWindowForgetsEverythingAfterTwoWindows() {
        Permit key = permit(SLIDING_TEN_PER_MINUTE, "k");
        clock.advance(Duration.ofSeconds(59));
        assertAllowed(acquire(permit(SLIDING_TEN_PER_MINUTE, "k", 10)), 0, 61 * SECOND);
        clock.advance(Duration.ofSeconds(1));
        // Previous window's 10 weigh fully at the start of the next: nothing fits.
        assertRefused(acquire(key), 0, MINUTE, 6 * SECOND);
        clock.advance(Duration.ofSeconds(60));
        assertAllowed(acquire(key), 9, 2 * MINUTE);
    }

    // ---------------------------------------------------------------- sliding log

    private static final LimitRule LOG_THREE_PER_TEN_SECONDS =
            LimitRule.slidingLog("log", 3, Duration.ofSeconds(10));

    @Test
    void slidingLogAdmitsAgainExactlyWhenTheOldestEntryLeavesTheWindow() {
        Permit key = permit(LOG_THREE_PER_TEN_SECONDS, "k");
        assertAllowed(acquire(key), 2, 10 * SECOND);
        clock.advance(Duration.ofSeconds(2));
        assertAllowed(acquire(key), 1, 10 * SECOND);
        clock.advance(Duration.ofSeconds(2));
        assertAllowed(acquire(key), 0, 10 * SECOND);
        clock.advance(Duration.ofSeconds(1));
        assertRefused(acquire(key), 0, 9 * SECOND, 5 * SECOND);
        clock.advanceMicros(5 * SECOND - 1);
        assertRefused(acquire(key), 0, 4 * SECOND + 1, 1);
        clock.advanceMicros(1);
        assertAllowed(acquire(key), 0, 10 * SECOND);
        // No edge burst: the next slot opens when the entry of second 2 leaves, at second 12.
        assertRefused(acquire(key), 0, 10 * SECOND, 2 * SECOND);
    }

    @Test
    void slidingLogRetryAfterWaitsForEnoughEntriesToCoverTheCost() {
        Permit one = permit(LOG_THREE_PER_TEN_SECONDS, "k");
        assertAllowed(acquire(one), 2, 10 * SECOND);
        clock.advance(Duration.ofSeconds(3));
        assertAllowed(acquire(one), 1, 10 * SECOND);
        clock.advance(Duration.ofSeconds(3));
        assertAllowed(acquire(one), 0, 10 * SECOND);
        // A cost of 2 needs the first two entries gone: at second 13, 7 s from now.
        assertRefused(acquire(permit(LOG_THREE_PER_TEN_SECONDS, "k", 2)), 0, 10 * SECOND,
                7 * SECOND);
    }

    // ---------------------------------------------------------------- concurrency

    private static final LimitRule TWO_IN_FLIGHT =
            LimitRule.concurrency("in-flight", 2, Duration.ofSeconds(30));

    @Test
    void concurrencyHoldsALeasePerRequestUntilReleased() {
        Permit key = permit(TWO_IN_FLIGHT, "k");
        assertAllowed(acquireLease("a", key), 1, 30 * SECOND);
        assertAllowed(acquireLease("b", key), 0, 30 * SECOND);
        assertRefused(acquireLease("c", key), 0, 30 * SECOND, SECOND);
        store.release(key, "a");
        store.release(key, "a");
        assertAllowed(acquireLease("c", key), 0, 30 * SECOND);
        assertRefused(acquireLease("d", key), 0, 30 * SECOND, SECOND);
    }

    @Test
    void reacquiringAHeldLeaseRenewsItWithoutTakingAnother() {
        Permit key = permit(TWO_IN_FLIGHT, "k");
        assertAllowed(acquireLease("a", key), 1, 30 * SECOND);
        clock.advance(Duration.ofSeconds(10));
        assertAllowed(acquireLease("a", key), 1, 30 * SECOND);
    }

    @Test
    void unreleasedLeasesExpireAfterThePeriod() {
        Permit key = permit(TWO_IN_FLIGHT, "k");
        acquireLease("a", key);
        clock.advance(Duration.ofSeconds(10));
        acquireLease("b", key);
        clock.advanceMicros(20 * SECOND - 1);
        // Lease a expires in 1 us: the retry-after says so.
        assertRefused(acquireLease("c", key), 0, 10 * SECOND + 1, 1);
        clock.advanceMicros(1);
        assertAllowed(acquireLease("c", key), 0, 30 * SECOND);
        clock.advance(Duration.ofSeconds(5));
        // Lease b has 5 s left, c 25 s; one of two is free again only when b expires.
        assertRefused(acquireLease("d", key), 0, 25 * SECOND, SECOND);
        clock.advance(Duration.ofSeconds(5));
        assertAllowed(acquireLease("d", key), 0, 30 * SECOND);
    }

    // ---------------------------------------------------------------- several limits at once

    @Test
    void refusedMultiLimitRequestConsumesNothing() {
        LimitRule twoPerMinute = LimitRule.fixedWindow("per-minute", 2, Duration.ofMinutes(1));
        Permit hour = permit(TEN_PER_HOUR, "k");
        Permit minute = permit(twoPerMinute, "k");
        assertThat(acquire(hour, minute).allowed()).isTrue();
        Verdict second = acquire(hour, minute);
        assertThat(second.allowed()).isTrue();
        assertThat(second.remaining(0)).isEqualTo(8);
        assertThat(second.remaining(1)).isZero();
        assertThat(second.decidingIndex()).isEqualTo(1);

        for (int i = 0; i < 3; i++) {
            Verdict refused = acquire(hour, minute);
            assertThat(refused.allowed()).isFalse();
            assertThat(refused.decidingIndex()).isEqualTo(1);
            assertThat(refused.retryAfterMicros()).isEqualTo(MINUTE);
            assertThat(refused.remaining(0)).isEqualTo(8);
            assertThat(refused.size()).isEqualTo(2);
        }
        clock.advance(Duration.ofMinutes(1));
        Verdict later = acquire(minute, hour);
        assertThat(later.allowed()).isTrue();
        // 10 - 2 - 1 (a sixth of a token refilled is not a whole one): the refusals took none.
        assertThat(later.remaining(1)).isEqualTo(7);
        assertThat(later.remaining(0)).isEqualTo(1);
    }

    @Test
    void refusalReportsTheLimitThatMakesTheClientWaitLongest() {
        LimitRule onePerMinute = LimitRule.fixedWindow("per-minute", 1, Duration.ofMinutes(1));
        LimitRule onePerHour = LimitRule.fixedWindow("per-hour-fixed", 1, Duration.ofHours(1));
        Permit minute = permit(onePerMinute, "k");
        Permit hour = permit(onePerHour, "k");
        assertThat(acquire(minute, hour).allowed()).isTrue();
        Verdict refused = acquire(minute, hour);
        assertThat(refused.allowed()).isFalse();
        assertThat(refused.decidingIndex()).isEqualTo(1);
        assertThat(refused.retryAfterMicros()).isEqualTo(HOUR);
        assertThat(refused.resetMicros(0)).isEqualTo(MINUTE);
    }

    @Test
    void allowedVerdictNamesTheLimitClosestToExhaustion() {
        LimitRule threePerMinute = LimitRule.fixedWindow("per-minute", 3, Duration.ofMinutes(1));
        LimitRule threePerHour = LimitRule.fixedWindow("per-hour-fixed", 3, Duration.ofHours(1));
        Verdict verdict = acquire(permit(TEN_PER_HOUR, "k"), permit(threePerMinute, "k"),
                permit(threePerHour, "k"));
        assertThat(verdict.allowed()).isTrue();
        // Two limits have 2 left; the one that resets later decides.
        assertThat(verdict.decidingIndex()).isEqualTo(2);
        assertThat(verdict.remaining(2)).isEqualTo(2);
        assertThat(verdict.resetMicros(2)).isEqualTo(HOUR);
    }

    @Test
    void aMultiLimitRequestIncludingALeaseTakesTheLeaseOnlyWhenAdmitted() {
        LimitRule onePerMinute = LimitRule.fixedWindow("per-minute", 1, Duration.ofMinutes(1));
        Permit lease = permit(TWO_IN_FLIGHT, "k");
        Permit minute = permit(onePerMinute, "k");
        assertThat(acquireLease("a", lease, minute).allowed()).isTrue();
        assertThat(acquireLease("b", lease, minute).allowed()).isFalse();
        // b holds no lease: one slot is still free.
        assertAllowed(acquireLease("c", lease), 0, 30 * SECOND);
    }

    @Test
    void permitsNamingTheSameStateAreAProgrammingError() {
        Permit key = permit(TEN_PER_HOUR, "k");
        assertThatThrownBy(() -> acquire(key, key)).isInstanceOf(IllegalArgumentException.class);
    }

    // ---------------------------------------------------------------- settling reservations

    @Test
    void tokenBucketSettleRefundsOrChargesTheDifference() {
        Permit reserved = permit(TEN_PER_HOUR, "k", 5);
        assertAllowed(acquire(reserved), 5, 5 * 360 * SECOND);
        store.settle(reserved, 2);
        assertAllowed(acquire(permit(TEN_PER_HOUR, "k")), 7, 3 * 360 * SECOND);

        Permit second = permit(TEN_PER_HOUR, "k", 5);
        assertAllowed(acquire(second), 2, 8 * 360 * SECOND);
        store.settle(second, 9);
        // 2 - 4 = -2 tokens: the next token needs 3 refills.
        assertRefused(acquire(permit(TEN_PER_HOUR, "k")), 0, 12 * 360 * SECOND, 3 * 360 * SECOND);
    }

    @Test
    void settleChargeCannotDigDeeperThanOneCapacity() {
        Permit reserved = permit(TEN_PER_HOUR, "k", 1);
        acquire(reserved);
        store.settle(reserved, 1_000_000);
        assertRefused(acquire(reserved), 0, 2 * HOUR, HOUR + 360 * SECOND);
    }

    @Test
    void fixedWindowSettleAdjustsTheCurrentCount() {
        Permit reserved = permit(FIVE_PER_MINUTE, "k", 3);
        assertAllowed(acquire(reserved), 2, MINUTE);
        store.settle(reserved, 1);
        assertAllowed(acquire(permit(FIVE_PER_MINUTE, "k")), 3, MINUTE);
        Permit more = permit(FIVE_PER_MINUTE, "k", 1);
        acquire(more);
        store.settle(more, 4);
        assertRefused(acquire(permit(FIVE_PER_MINUTE, "k")), 0, MINUTE, MINUTE);
    }

    @Test
    void slidingWindowSettleRefundsFromTheCurrentWindowFirst() {
        Permit reserved = permit(SLIDING_TEN_PER_MINUTE, "k", 8);
        assertAllowed(acquire(reserved), 2, 2 * MINUTE);
        store.settle(reserved, 3);
        assertAllowed(acquire(permit(SLIDING_TEN_PER_MINUTE, "k")), 6, 2 * MINUTE);
    }

    @Test
    void slidingLogSettleRefundsTheOldestEntriesFirst() {
        Permit one = permit(LOG_THREE_PER_TEN_SECONDS, "k");
        acquire(one);
        clock.advance(Duration.ofSeconds(4));
        Permit two = permit(LOG_THREE_PER_TEN_SECONDS, "k", 2);
        assertAllowed(acquire(two), 0, 10 * SECOND);
        store.settle(two, 1);
        // The refund of 1 removed the entry of second 0; the entry of second 4 holds 2.
        assertAllowed(acquire(one), 0, 10 * SECOND);
        assertRefused(acquire(one), 0, 10 * SECOND, 10 * SECOND);
    }

    @Test
    void settlingAtTheEstimateChangesNothing() {
        Permit reserved = permit(TEN_PER_HOUR, "k", 4);
        acquire(reserved);
        store.settle(reserved, 4);
        assertAllowed(acquire(permit(TEN_PER_HOUR, "k")), 5, 5 * 360 * SECOND);
    }

    // ---------------------------------------------------------------- settling across window edges

    @Test
    void tokenBucketRefundAfterTheBucketRefilledCannotOverfillIt() {
        Permit reserved = permit(TEN_PER_HOUR, "k", 5);
        assertAllowed(acquire(reserved), 5, 5 * 360 * SECOND);
        clock.advance(Duration.ofHours(1));
        // The bucket is full again; refunding 4 of the 5 must not lift it above capacity.
        store.settle(reserved, 1);
        assertAllowed(acquire(permit(TEN_PER_HOUR, "k")), 9, 360 * SECOND);
    }

    @Test
    void fixedWindowSettleAfterTheWindowMovedOnLandsInTheNewWindow() {
        Permit charged = permit(FIVE_PER_MINUTE, "charged", 3);
        Permit refunded = permit(FIVE_PER_MINUTE, "refunded", 3);
        assertAllowed(acquire(charged), 2, MINUTE);
        assertAllowed(acquire(refunded), 2, MINUTE);
        clock.advance(Duration.ofSeconds(61));
        // The overrun of 2 is known only now: it is charged to the window it is known in.
        store.settle(charged, 5);
        assertAllowed(acquire(permit(FIVE_PER_MINUTE, "charged")), 2, 59 * SECOND);
        // A refund has nothing left to give back in a fresh window: no room beyond the limit.
        store.settle(refunded, 0);
        assertAllowed(acquire(permit(FIVE_PER_MINUTE, "refunded", 5)), 0, 59 * SECOND);
        assertRefused(acquire(permit(FIVE_PER_MINUTE, "refunded")), 0, 59 * SECOND,
                59 * SECOND);
    }

    @Test
    void slidingWindowSettleAfterTheWindowMovedOnRefundsThePreviousWindow() {
        Permit reserved = permit(SLIDING_TEN_PER_MINUTE, "k", 8);
        assertAllowed(acquire(reserved), 2, 2 * MINUTE);
        clock.advance(Duration.ofMinutes(1));
        // The 8 now sit in the previous window, weighed fully at its end; 5 of them come back.
        store.settle(reserved, 3);
        assertAllowed(acquire(permit(SLIDING_TEN_PER_MINUTE, "k")), 6, 2 * MINUTE);
    }

    @Test
    void slidingLogChargeSettledLaterIsTimedWhenItIsSettled() {
        Permit reserved = permit(LOG_THREE_PER_TEN_SECONDS, "k", 1);
        assertAllowed(acquire(reserved), 2, 10 * SECOND);
        clock.advance(Duration.ofSeconds(5));
        store.settle(reserved, 3);
        Permit one = permit(LOG_THREE_PER_TEN_SECONDS, "k");
        // Entries at seconds 0, 5 and 5: the first slot opens when the entry of second 0 leaves.
        assertRefused(acquire(one), 0, 10 * SECOND, 5 * SECOND);
        clock.advance(Duration.ofSeconds(5));
        assertAllowed(acquire(one), 0, 10 * SECOND);
        assertRefused(acquire(one), 0, 10 * SECOND, 5 * SECOND);
    }

    @Test
    void concurrencyRetryAfterCountsTheLeasesThatMustExpireForTheCost() {
        LimitRule three = LimitRule.concurrency("in-flight-3", 3, Duration.ofSeconds(30));
        acquireLease("a", permit(three, "k"));
        clock.advanceMicros(200_000);
        acquireLease("b", permit(three, "k"));
        clock.advanceMicros(SECOND - 200_000);
        acquireLease("c", permit(three, "k"));
        clock.advanceMicros(29 * SECOND - 500_000);
        // Lease a ends in 0.5 s, b in 0.7 s, c in 1.5 s (retry-after is capped at 1 s).
        Verdict one = acquireLease("d", permit(three, "k", 1));
        Verdict two = acquireLease("e", permit(three, "k", 2));
        Verdict all = acquireLease("f", permit(three, "k", 3));
        assertThat(List.of(one.allowed(), two.allowed(), all.allowed()))
                .containsExactly(false, false, false);
        assertThat(one.retryAfterMicros()).as("cost 1").isEqualTo(500_000);
        assertThat(two.retryAfterMicros()).as("cost 2").isEqualTo(700_000);
        assertThat(all.retryAfterMicros()).as("cost 3").isEqualTo(SECOND);
        clock.advanceMicros(700_000);
        assertThat(acquireLease("e", permit(three, "k", 2)).allowed()).as("after a and b").isTrue();
    }

    // ---------------------------------------------------------------- keys and expiry

    @Test
    void keysAndRulesDoNotShareState() {
        LimitRule otherRule = LimitRule.tokenBucket("per-hour-2", 10, Duration.ofHours(1));
        acquire(permit(TEN_PER_HOUR, "alice", 10));
        assertRefused(acquire(permit(TEN_PER_HOUR, "alice")), 0, HOUR, 360 * SECOND);
        assertAllowed(acquire(permit(TEN_PER_HOUR, "bob")), 9, 360 * SECOND);
        assertAllowed(acquire(permit(otherRule, "alice")), 9, 360 * SECOND);
        assertAllowed(acquire(permit(TEN_PER_HOUR, "alice-")), 9, 360 * SECOND);
    }

    @Test
    void stateLongIdleIsIndistinguishableFromFresh() {
        acquire(permit(TEN_PER_HOUR, "k", 10));
        acquire(permit(SLIDING_TEN_PER_MINUTE, "k", 10));
        acquire(permit(LOG_THREE_PER_TEN_SECONDS, "k", 3));
        acquireLease("a", permit(TWO_IN_FLIGHT, "k"));
        clock.advance(Duration.ofDays(3));
        assertAllowed(acquire(permit(TEN_PER_HOUR, "k")), 9, 360 * SECOND);
        assertAllowed(acquire(permit(SLIDING_TEN_PER_MINUTE, "k")), 9, 2 * MINUTE);
        assertAllowed(acquire(permit(LOG_THREE_PER_TEN_SECONDS, "k")), 2, 10 * SECOND);
        assertAllowed(acquireLease("b", permit(TWO_IN_FLIGHT, "k")), 1, 30 * SECOND);
    }

    @Test
    void releasingAnUnknownLeaseDoesNothing() {
        store.release(permit(TWO_IN_FLIGHT, "nobody"), "never-taken");
        assertAllowed(acquireLease("a", permit(TWO_IN_FLIGHT, "nobody")), 1, 30 * SECOND);
    }

    // ---------------------------------------------------------------- inspect

    private List<LimitStatus> inspect(Permit... permits) {
        return store.inspect(List.of(permits));
    }

    @Test
    void inspectOfAKeyNeverDecidedReadsAFreshLimit() {
        assertThat(inspect(permit(TEN_PER_HOUR, "new"), permit(FIVE_PER_MINUTE, "new"),
                permit(SLIDING_TEN_PER_MINUTE, "new"), permit(LOG_THREE_PER_TEN_SECONDS, "new"),
                permit(TWO_IN_FLIGHT, "new")))
                .containsExactly(new LimitStatus(10, 0), new LimitStatus(5, 0),
                        new LimitStatus(10, 0), new LimitStatus(3, 0), new LimitStatus(2, 0));
    }

    @Test
    void inspectReportsWhatTheLastDecisionLeftAndConsumesNothing() {
        Permit bob = permit(TEN_PER_HOUR, "bob");
        for (int i = 0; i < 3; i++) {
            acquire(bob);
        }
        for (int read = 0; read < 20; read++) {
            // The permit's own cost is ignored: a read never takes anything.
            assertThat(inspect(permit(TEN_PER_HOUR, "bob", 5)))
                    .containsExactly(new LimitStatus(7, 3 * 360 * SECOND));
        }
        assertAllowed(acquire(bob), 6, 4 * 360 * SECOND);
        clock.advanceMicros(360 * SECOND);
        assertThat(inspect(bob)).containsExactly(new LimitStatus(7, 3 * 360 * SECOND));
    }

    @Test
    void inspectFollowsEachAlgorithmThroughTime() {
        clock.advance(Duration.ofSeconds(10));
        Permit fixed = permit(FIVE_PER_MINUTE, "k");
        Permit sliding = permit(SLIDING_TEN_PER_MINUTE, "k");
        Permit log = permit(LOG_THREE_PER_TEN_SECONDS, "k");
        Permit leases = permit(TWO_IN_FLIGHT, "k");
        acquireLease("a", fixed, sliding, log, leases);
        clock.advance(Duration.ofSeconds(2));
        acquireLease("b", fixed, sliding, log, leases);
        assertThat(inspect(fixed, sliding, log, leases)).containsExactly(
                new LimitStatus(3, 48 * SECOND), new LimitStatus(8, 2 * MINUTE - 12 * SECOND),
                new LimitStatus(1, 10 * SECOND), new LimitStatus(0, 30 * SECOND));
        store.release(leases, "a");
        clock.advance(Duration.ofSeconds(9));
        // Log: the entry of second 10 left the window; the fixed window still counts both.
        assertThat(inspect(fixed, log, leases)).containsExactly(
                new LimitStatus(3, 39 * SECOND), new LimitStatus(2, SECOND),
                new LimitStatus(1, 21 * SECOND));
        clock.advance(Duration.ofSeconds(39));
        assertThat(inspect(fixed)).containsExactly(new LimitStatus(5, 0));
    }

    @Test
    void inspectNeverCreatesOrRenewsState() {
        Permit key = permit(TWO_IN_FLIGHT, "k");
        acquireLease("a", key);
        clock.advance(Duration.ofSeconds(20));
        assertThat(inspect(key)).containsExactly(new LimitStatus(1, 10 * SECOND));
        clock.advance(Duration.ofSeconds(10));
        assertThat(inspect(key)).containsExactly(new LimitStatus(2, 0));
        assertAllowed(acquireLease("b", key), 1, 30 * SECOND);
    }

    @Test
    void inspectOfNothingIsRefused() {
        assertThatThrownBy(() -> store.inspect(List.of()))
                .isInstanceOf(IllegalArgumentException.class);
    }

    // ---------------------------------------------------------------- concurrent callers

    @Test
    void eightThreadsOnOneKeyAdmitExactlyTheLimit() throws Exception {
        LimitRule hundred = LimitRule.fixedWindow("per-hour-fixed", 100, Duration.ofHours(1));
        AtomicInteger admitted = new AtomicInteger();
        Concurrently.run(8, 8, thread -> () -> {
            for (int i = 0; i < 40; i++) {
                if (store.tryAcquire(List.of(permit(hundred, "hot"), permit(TEN_PER_HOUR,
                        "cold-" + i % 4)), "x").allowed()) {
                    admitted.incrementAndGet();
                }
            }
            return null;
        }, Duration.ofSeconds(30));
        // Four cold keys of ten each cap the admissions at 40, under the hot limit of 100.
        assertThat(admitted.get()).isEqualTo(40);
        assertThat(acquire(permit(hundred, "hot")).remaining(0)).isEqualTo(59);
    }

    private static long micros(String instant) {
        return Instant.parse(instant).getEpochSecond() * 1_000_000L;
    }
}
