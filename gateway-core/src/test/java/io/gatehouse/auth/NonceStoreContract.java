package io.gatehouse.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
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
        ExecutorService pool = Executors.newFixedThreadPool(8);
        CountDownLatch start = new CountDownLatch(1);
        try {
            List<Future<Boolean>> uses = new ArrayList<>();
            for (int i = 0; i < 32; i++) {
                uses.add(pool.submit(() -> {
                    start.await();
                    return store.firstUse("key-a", nonce, soon());
                }));
            }
            start.countDown();
            int first = 0;
            for (Future<Boolean> use : uses) {
                if (use.get(30, TimeUnit.SECONDS)) {
                    first++;
                }
            }
            assertThat(first).isEqualTo(1);
        } finally {
            pool.shutdownNow();
        }
    }
}
