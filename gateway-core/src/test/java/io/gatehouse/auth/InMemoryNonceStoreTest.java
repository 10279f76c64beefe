package io.gatehouse.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class InMemoryNonceStoreTest extends NonceStoreContract {

    private final MutableClock clock = MutableClock.at("2026-01-01T00:00:00Z");
    private final InMemoryNonceStore store = new InMemoryNonceStore(1000, clock);
    private final Instant inFiveMinutes = Instant.parse("2026-01-01T00:05:00Z");

    @Override
    protected NonceStore newStore() {
        return new InMemoryNonceStore(1000, java.time.Clock.systemUTC());
    }

    @Test
    void aNonceIsAcceptedOncePerScope() {
        assertThat(store.firstUse("key-a", "n1", inFiveMinutes)).isTrue();
        assertThat(store.firstUse("key-a", "n1", inFiveMinutes)).isFalse();
        assertThat(store.firstUse("key-b", "n1", inFiveMinutes)).isTrue();
        assertThat(store.firstUse("key-a", "n2", inFiveMinutes)).isTrue();
    }

    @Test
    void scopeAndNonceCannotBeShiftedIntoEachOther() {
        assertThat(store.firstUse("a:b", "c", inFiveMinutes)).isTrue();
        assertThat(store.firstUse("a", "b:c", inFiveMinutes)).isTrue();
    }

    @Test
    void aNonceIsForgottenOnlyAfterItsTime() {
        store.firstUse("key-a", "n1", inFiveMinutes);

        clock.advance(Duration.ofMinutes(5).minusSeconds(1));
        assertThat(store.firstUse("key-a", "n1", inFiveMinutes)).isFalse();

        clock.advance(Duration.ofSeconds(2));
        assertThat(store.firstUse("key-a", "n1", inFiveMinutes.plusSeconds(300))).isTrue();
    }

    @Test
    void aNonceWhoseTimeHasPassedIsNeverAccepted() {
        assertThat(store.firstUse("key-a", "old", clock.instant())).isFalse();
    }

    @Test
    void aFloodOfShortLivedNoncesNeverEvictsOneStillInItsWindow() {
        InMemoryNonceStore small = new InMemoryNonceStore(3, clock);
        assertThat(small.firstUse("key-a", "long-lived", inFiveMinutes)).isTrue();
        int accepted = 0;
        int refused = 0;
        for (int i = 0; i < 200; i++) {
            try {
                if (small.firstUse("key-a", "short-" + i, clock.instant().plusSeconds(2))) {
                    accepted++;
                }
            } catch (IllegalStateException full) {
                refused++;
            }
        }

        assertThat(accepted).isEqualTo(2);
        assertThat(refused).isEqualTo(198);
        assertThat(small.firstUse("key-a", "long-lived", inFiveMinutes)).isFalse();
        clock.advance(Duration.ofSeconds(2));
        assertThat(small.firstUse("key-a", "later", inFiveMinutes)).isTrue();
        assertThat(small.firstUse("key-a", "long-lived", inFiveMinutes)).isFalse();
    }
}
