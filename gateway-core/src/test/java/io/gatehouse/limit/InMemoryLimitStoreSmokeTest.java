package io.gatehouse.limit;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class InMemoryLimitStoreSmokeTest {
    @Test
    void tokenBucketRefusesEleventhRequestAndRefillsExactly() {
        FakeMicroClock clock = new FakeMicroClock();
        LimitStore store = LimitStores.inMemory(clock);
        Permit permit = new Permit(LimitRule.tokenBucket("per-hour", 10, Duration.ofHours(1)), "bob", 1);
        for (int i = 0; i < 10; i++) {
            Verdict verdict = store.tryAcquire(List.of(permit), "r" + i);
            assertThat(verdict.allowed()).isTrue();
            assertThat(verdict.remaining(0)).isEqualTo(9 - i);
        }
        Verdict refused = store.tryAcquire(List.of(permit), "r11");
        assertThat(refused.allowed()).isFalse();
        assertThat(refused.retryAfterMicros()).isEqualTo(360_000_000L);
        assertThat(refused.resetMicros(0)).isEqualTo(3_600_000_000L);
        clock.advanceMicros(359_999_999L);
        assertThat(store.tryAcquire(List.of(permit), "x").allowed()).isFalse();
        clock.advanceMicros(1);
        assertThat(store.tryAcquire(List.of(permit), "x").allowed()).isTrue();
    }
}
