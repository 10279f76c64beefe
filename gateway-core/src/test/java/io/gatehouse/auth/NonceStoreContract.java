package io.gatehouse.auth;

import static org.assertj.core.api.Assertions.assertThat;

import io.gatehouse.Concurrently;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What every {@link NonceStore} must do. A backend's test extends this class; shipped in core's
 * test-jar for the Redis nonce store. Times are a few minutes ahead of the real clock, since a
 * shared store may expire entries by its own clock.
 */
public abstract class NonceStoreContract {

    /** A new, empty store. */
    protected abstract NonceStore newStore();

    private static Instant soon() {
        return Instant.now().plus(Duration.ofMinutes(5));
    }

    @Test
    public void aNonceIsAcceptedOnlyOnceWithinItsScope() {
        NonceStore store = newStore();
        String nonce = "n-" + System.nanoTime();

        assertThat(store.firstUse("key-a", nonce, soon())).isTrue();
        assertThat(store.firstUse("key-a", nonce, soon())).isFalse();
        assertThat(store.firstUse("key-b", nonce, soon())).isTrue();
    }

    @Test
    public void concurrentUsesOfOneNonceSucceedExactlyOnce() throws Exception {
        NonceStore store = newStore();
        String nonce = "race-" + System.nanoTime();
        List<Boolean> uses = Concurrently.run(32, 8,
                i -> () -> store.firstUse("key-a", nonce, soon()), Duration.ofSeconds(30));

        assertThat(uses).containsOnlyOnce(true);
    }
}
