package io.gatehouse.limit;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;

/**
 * For random request traces, each algorithm of the in-memory store decides exactly as an
 * independent brute-force model of its definition does, and never admits more than its
 * definition allows in any window.
 */
class LimitAlgorithmProperties {

    /** One request: the time since the previous one and its cost. */
    record Step(long gapMicros, long cost) {
    }

    @Provide
    Arbitrary<List<Step>> traces() {
        // Periods below are whole milliseconds; gaps of whole quarter milliseconds (and of one
        // microsecond) land requests exactly on window edges and refill boundaries.
        Arbitrary<Long> gaps = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(5, Arbitraries.just(0L)),
                net.jqwik.api.Tuple.of(10, Arbitraries.just(1L)),
                net.jqwik.api.Tuple.of(40, Arbitraries.longs().between(1, 80).map(q -> q * 250)),
                net.jqwik.api.Tuple.of(20, Arbitraries.longs().between(1, 2_000)),
                net.jqwik.api.Tuple.of(30, Arbitraries.longs().between(2_000, 40_000)),
                net.jqwik.api.Tuple.of(5, Arbitraries.longs().between(40_000, 200_000)));
        Arbitrary<Long> costs = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(80, Arbitraries.just(1L)),
                net.jqwik.api.Tuple.of(20, Arbitraries.longs().between(2, 6)));
        return Combinators.combine(gaps, costs).as(Step::new).list().ofMinSize(1).ofMaxSize(300);
    }

    @Provide
    Arbitrary<Long> periods() {
        return Arbitraries.longs().between(1, 50).map(ms -> ms * 1_000);
    }

    private static Duration micros(long micros) {
        return Duration.ofNanos(micros * 1_000);
    }

    @Property(tries = 200)
    void tokenBucketMatchesARationalModelAndNeverExceedsBurstPlusRefill(
            @ForAll("traces") List<Step> trace,
            @ForAll @IntRange(min = 1, max = 20) int limit,
            @ForAll("periods") long periodMicros,
            @ForAll @IntRange(min = 0, max = 10) int extraBurst) {
        LimitRule rule = LimitRule.builder("tb", LimitAlgorithm.TOKEN_BUCKET)
                .limit(limit, micros(periodMicros)).burst(limit + extraBurst).build();
        long burst = limit + extraBurst;
        FakeMicroClock clock = new FakeMicroClock();
        LimitStore store = LimitStores.inMemory(clock);
        // Model: tokens * P as a big integer, refilled by L per microsecond, capped at B * P.
        BigInteger scale = BigInteger.valueOf(periodMicros);
        BigInteger cap = BigInteger.valueOf(burst).multiply(scale);
        BigInteger tokens = cap;
        long last = clock.micros();
        List<long[]> admitted = new ArrayList<>();
        for (Step step : trace) {
            clock.advanceMicros(step.gapMicros());
            long now = clock.micros();
            tokens = tokens.add(BigInteger.valueOf(limit).multiply(BigInteger.valueOf(now - last)))
                    .min(cap);
            last = now;
            BigInteger need = BigInteger.valueOf(step.cost()).multiply(scale);
            boolean modelAdmits = step.cost() <= burst && tokens.compareTo(need) >= 0;
            Verdict verdict = store.tryAcquire(List.of(new Permit(rule, "k", step.cost())), "l");
            assertThat(verdict.allowed()).isEqualTo(modelAdmits);
            if (modelAdmits) {
                tokens = tokens.subtract(need);
                admitted.add(new long[] {now, step.cost()});
            } else {
                // Retry-after is exact: the model has the tokens then, not one microsecond before.
                long wait = verdict.retryAfterMicros();
                if (step.cost() <= burst) {
                    BigInteger at = tokens.add(
                            BigInteger.valueOf(limit).multiply(BigInteger.valueOf(wait)));
                    BigInteger before = tokens.add(
                            BigInteger.valueOf(limit).multiply(BigInteger.valueOf(wait - 1)));
                    assertThat(at.compareTo(need)).isGreaterThanOrEqualTo(0);
                    assertThat(before.compareTo(need)).isLessThan(0);
                }
            }
            assertThat(verdict.remaining(0))
                    .isEqualTo(tokens.max(BigInteger.ZERO).divide(scale).longValueExact());
        }
        // Over any interval [t1, t2] at most B + L * (t2 - t1) / P units were admitted.
        for (int i = 0; i < admitted.size(); i++) {
            long sum = 0;
            for (int j = i; j < admitted.size(); j++) {
                sum += admitted.get(j)[1];
                long span = admitted.get(j)[0] - admitted.get(i)[0];
                assertThat(BigInteger.valueOf(sum - burst).multiply(scale))
                        .isLessThanOrEqualTo(
                                BigInteger.valueOf(limit).multiply(BigInteger.valueOf(span)));
            }
        }
    }

    @Property(tries = 200)
    void tokenBucketNeverRefusesAClientSendingAtTheAllowedRate(
            @ForAll @IntRange(min = 1, max = 1_000) int limit,
            @ForAll @LongRange(min = 1_000, max = 86_400_000_000L) long periodMicros,
            @ForAll @LongRange(min = 0, max = 10_000_000) long startOffset,
            @ForAll @IntRange(min = 1, max = 300) int requests) {
        LimitRule rule = LimitRule.tokenBucket("tb", limit, micros(periodMicros));
        FakeMicroClock clock = new FakeMicroClock().advanceMicros(startOffset);
        LimitStore store = LimitStores.inMemory(clock);
        Permit permit = new Permit(rule, "k", 1);
        // Start from an empty bucket, the hardest case, then send one request per interval.
        assertThat(store.tryAcquire(List.of(new Permit(rule, "k", limit)), "l").allowed()).isTrue();
        long periodExact = rule.periodMicros();
        for (int i = 1; i <= requests; i++) {
            // The i-th request is due at start + ceil(i * P / L): exactly on the rate, never early.
            long due = BigInteger.valueOf(i).multiply(BigInteger.valueOf(periodExact))
                    .add(BigInteger.valueOf(limit - 1)).divide(BigInteger.valueOf(limit))
                    .longValueExact();
            clock.set(FakeMicroClock.DEFAULT_START + startOffset + due);
            assertThat(store.tryAcquire(List.of(permit), "l").allowed())
                    .as("request %d at +%d us", i, due).isTrue();
        }
    }

    @Property(tries = 200)
    void slidingLogAdmitsExactlyWhatFitsInTheTrailingWindow(
            @ForAll("traces") List<Step> trace,
            @ForAll @IntRange(min = 1, max = 20) int limit,
            @ForAll("periods") long periodMicros) {
        LimitRule rule = LimitRule.slidingLog("log", limit, micros(periodMicros));
        FakeMicroClock clock = new FakeMicroClock();
        LimitStore store = LimitStores.inMemory(clock);
        List<long[]> admitted = new ArrayList<>();
        for (Step step : trace) {
            clock.advanceMicros(step.gapMicros());
            long now = clock.micros();
            long used = admitted.stream().filter(a -> a[0] > now - periodMicros)
                    .mapToLong(a -> a[1]).sum();
            boolean modelAdmits = used + step.cost() <= limit;
            Verdict verdict = store.tryAcquire(List.of(new Permit(rule, "k", step.cost())), "l");
            assertThat(verdict.allowed()).as("over- or under-admitted").isEqualTo(modelAdmits);
            if (modelAdmits) {
                admitted.add(new long[] {now, step.cost()});
                used += step.cost();
            } else if (step.cost() <= limit) {
                long retryAt = now + verdict.retryAfterMicros();
                long usedThen = admitted.stream().filter(a -> a[0] > retryAt - periodMicros)
                        .mapToLong(a -> a[1]).sum();
                long usedBefore = admitted.stream().filter(a -> a[0] > retryAt - 1 - periodMicros)
                        .mapToLong(a -> a[1]).sum();
                assertThat(usedThen + step.cost()).isLessThanOrEqualTo(limit);
                assertThat(usedBefore + step.cost()).isGreaterThan(limit);
            }
            assertThat(verdict.remaining(0)).isEqualTo(limit - used);
        }
    }

    @Property(tries = 200)
    void fixedWindowNeverAdmitsMoreThanTheLimitPerWindow(
            @ForAll("traces") List<Step> trace,
            @ForAll @IntRange(min = 1, max = 20) int limit,
            @ForAll("periods") long periodMicros) {
        LimitRule rule = LimitRule.fixedWindow("fw", limit, micros(periodMicros));
        FakeMicroClock clock = new FakeMicroClock();
        LimitStore store = LimitStores.inMemory(clock);
        long window = Long.MIN_VALUE;
        long count = 0;
        for (Step step : trace) {
            clock.advanceMicros(step.gapMicros());
            long now = clock.micros();
            long thisWindow = Math.floorDiv(now, periodMicros);
            if (thisWindow != window) {
                window = thisWindow;
                count = 0;
            }
            boolean modelAdmits = count + step.cost() <= limit;
            Verdict verdict = store.tryAcquire(List.of(new Permit(rule, "k", step.cost())), "l");
            assertThat(verdict.allowed()).isEqualTo(modelAdmits);
            if (modelAdmits) {
                count += step.cost();
            }
            assertThat(count).isLessThanOrEqualTo(limit);
        }
    }

    @Property(tries = 200)
    void slidingWindowAdmitsOnlyWhatTheWeightedEstimateAllows(
            @ForAll("traces") List<Step> trace,
            @ForAll @IntRange(min = 1, max = 20) int limit,
            @ForAll("periods") long periodMicros) {
        LimitRule rule = LimitRule.slidingWindow("sw", limit, micros(periodMicros));
        FakeMicroClock clock = new FakeMicroClock();
        LimitStore store = LimitStores.inMemory(clock);
        List<long[]> admitted = new ArrayList<>();
        for (Step step : trace) {
            clock.advanceMicros(step.gapMicros());
            long now = clock.micros();
            long window = Math.floorDiv(now, periodMicros);
            long current = admitted.stream()
                    .filter(a -> Math.floorDiv(a[0], periodMicros) == window)
                    .mapToLong(a -> a[1]).sum();
            long previous = admitted.stream()
                    .filter(a -> Math.floorDiv(a[0], periodMicros) == window - 1)
                    .mapToLong(a -> a[1]).sum();
            long elapsed = now - window * periodMicros;
            // Estimate as an exact fraction: previous * (P - e) / P + current + cost <= limit.
            boolean modelAdmits = BigInteger.valueOf(previous)
                    .multiply(BigInteger.valueOf(periodMicros - elapsed))
                    .add(BigInteger.valueOf(current + step.cost())
                            .multiply(BigInteger.valueOf(periodMicros)))
                    .compareTo(BigInteger.valueOf(limit)
                            .multiply(BigInteger.valueOf(periodMicros))) <= 0;
            Verdict verdict = store.tryAcquire(List.of(new Permit(rule, "k", step.cost())), "l");
            assertThat(verdict.allowed()).isEqualTo(modelAdmits);
            if (modelAdmits) {
                admitted.add(new long[] {now, step.cost()});
                assertThat(current + step.cost()).isLessThanOrEqualTo(limit);
            }
        }
    }

    @Property(tries = 100)
    void concurrencyNeverHoldsMoreLeasesThanTheLimit(
            @ForAll("traces") List<Step> trace,
            @ForAll @IntRange(min = 1, max = 5) int limit,
            @ForAll("periods") long expiryMicros) {
        LimitRule rule = LimitRule.concurrency("cc", limit, micros(expiryMicros));
        FakeMicroClock clock = new FakeMicroClock();
        LimitStore store = LimitStores.inMemory(clock);
        Permit permit = new Permit(rule, "k", 1);
        List<long[]> held = new ArrayList<>(); // [expiresAt, leaseNumber]
        int lease = 0;
        for (Step step : trace) {
            clock.advanceMicros(step.gapMicros());
            long now = clock.micros();
            held.removeIf(h -> h[0] <= now);
            if (step.cost() > 1 && !held.isEmpty()) {
                // Costs above 1 stand for completions: release the oldest lease.
                store.release(permit, "lease-" + held.remove(0)[1]);
                continue;
            }
            lease++;
            boolean modelAdmits = held.size() < limit;
            assertThat(store.tryAcquire(List.of(permit), "lease-" + lease).allowed())
                    .isEqualTo(modelAdmits);
            if (modelAdmits) {
                held.add(new long[] {now + expiryMicros, lease});
            }
            assertThat(held.size()).isLessThanOrEqualTo(limit);
        }
    }
}
