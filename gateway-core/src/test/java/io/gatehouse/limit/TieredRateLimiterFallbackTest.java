package io.gatehouse.limit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gatehouse.Admission;
import io.gatehouse.Concurrently;
import io.gatehouse.Gateway;
import io.gatehouse.Outcome;
import io.gatehouse.TestExchange;
import io.gatehouse.auth.AuthResult;
import io.gatehouse.auth.Principal;
import io.gatehouse.route.Route;
import io.gatehouse.route.Router;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * {@link FailurePolicy#LOCAL_FALLBACK} while the main store fails: the local decision starts
 * from what the store last said about the key and from this instance's share, never from a fresh
 * full limit.
 */
class TieredRateLimiterFallbackTest {

    private final FakeMicroClock clock = new FakeMicroClock();
    private final SwitchableStore store = new SwitchableStore(LimitStores.inMemory(clock));

    /** A real in-memory store that can be made to fail like an unreachable one. */
    private static final class SwitchableStore implements LimitStore {
        private final LimitStore delegate;
        volatile boolean down;

        SwitchableStore(LimitStore delegate) {
            this.delegate = delegate;
        }

        @Override
        public Verdict tryAcquire(List<Permit> permits, String leaseId) {
            if (down) {
                throw new LimitStoreException("store is down", null);
            }
            return delegate.tryAcquire(permits, leaseId);
        }

        @Override
        public void settle(Permit permit, long actualCost) {
            if (down) {
                throw new LimitStoreException("store is down", null);
            }
            delegate.settle(permit, actualCost);
        }

        @Override
        public void release(Permit permit, String leaseId) {
            if (down) {
                throw new LimitStoreException("store is down", null);
            }
            delegate.release(permit, leaseId);
        }

        @Override
        public List<LimitStatus> inspect(List<Permit> permits) {
            if (down) {
                throw new LimitStoreException("store is down", null);
            }
            return delegate.inspect(permits);
        }
    }

    private Gateway gateway(LimitAlgorithm algorithm, long limit, int instances) {
        LimitRule rule = LimitRule.builder("per-hour", algorithm)
                .limit(limit, Duration.ofHours(1))
                .failurePolicy(FailurePolicy.LOCAL_FALLBACK)
                .countRequests()
                .build();
        TieredRateLimiter limiter = TieredRateLimiter.builder(store).clock(clock)
                .tier(Tier.of("t", rule)).fallbackInstances(instances).build();
        return Gateway.builder(Router.of(List.of(Route.builder("api", "/api").build())))
                .authenticator(request -> new AuthResult.Authenticated(new Principal(
                        request.header("X-User"), "t", Set.of(), Set.of(), "key")))
                .rateLimiter(limiter)
                .build();
    }

    private static int admitted(Gateway gateway, String user, int calls) {
        int admitted = 0;
        for (int i = 0; i < calls; i++) {
            Admission admission = gateway.admit(
                    TestExchange.request("GET", "/api").header("X-User", user));
            if (admission instanceof Admission.Admitted granted) {
                granted.grant().complete(Outcome.status(200));
                admitted++;
            } else {
                assertThat(((Admission.Rejected) admission).problem().status()).isEqualTo(429);
            }
        }
        return admitted;
    }

    @Test
    void fallbackStartsFromWhatTheStoreLastSaidNotAFreshLimit() {
        Gateway gateway = gateway(LimitAlgorithm.FIXED_WINDOW, 10, 1);
        assertThat(admitted(gateway, "bob", 7)).isEqualTo(7);

        store.down = true;

        assertThat(admitted(gateway, "bob", 20)).isEqualTo(3);
    }

    @Test
    void anExhaustedKeyGetsNothingFromTheFallback() {
        Gateway gateway = gateway(LimitAlgorithm.SLIDING_LOG, 10, 1);
        assertThat(admitted(gateway, "bob", 12)).isEqualTo(10);

        store.down = true;

        assertThat(admitted(gateway, "bob", 20)).isZero();
    }

    @Test
    void eachInstanceGrantsOnlyItsShareOfAKeyTheStoreNeverReported() {
        Gateway gateway = gateway(LimitAlgorithm.TOKEN_BUCKET, 10, 4);
        store.down = true;

        // ceil(10 / 4)
        assertThat(admitted(gateway, "new-user", 20)).isEqualTo(3);
    }

    @Test
    void theShareCapsWhatTheStoreLastSaidWasLeft() {
        Gateway gateway = gateway(LimitAlgorithm.SLIDING_WINDOW, 10, 2);
        assertThat(admitted(gateway, "bob", 2)).isEqualTo(2);

        store.down = true;

        // 8 were left, but this instance's share is 5
        assertThat(admitted(gateway, "bob", 20)).isEqualTo(5);
    }

    @Test
    void onceTheReportedResetHasPassedTheShareIsAvailableAgain() {
        Gateway gateway = gateway(LimitAlgorithm.FIXED_WINDOW, 10, 1);
        assertThat(admitted(gateway, "bob", 10)).isEqualTo(10);
        store.down = true;
        assertThat(admitted(gateway, "bob", 5)).isZero();

        clock.advance(Duration.ofHours(1));

        assertThat(admitted(gateway, "bob", 20)).isEqualTo(10);
    }

    @Test
    void aNewOutageStartsFromTheStoresLatestWordNotFromTheLastOutagesState() {
        Gateway gateway = gateway(LimitAlgorithm.FIXED_WINDOW, 10, 1);
        assertThat(admitted(gateway, "bob", 4)).isEqualTo(4);
        store.down = true;
        assertThat(admitted(gateway, "bob", 20)).isEqualTo(6);

        // The store never saw the outage's admissions: it still has 6 left.
        store.down = false;
        assertThat(admitted(gateway, "bob", 5)).isEqualTo(5);
        store.down = true;

        assertThat(admitted(gateway, "bob", 20)).isEqualTo(1);
    }

    @Test
    void concurrentFirstFallbackDecisionsOfOneKeyAdmitExactlyWhatWasLeft() throws Exception {
        Gateway gateway = gateway(LimitAlgorithm.FIXED_WINDOW, 50, 1);
        assertThat(admitted(gateway, "hot", 37)).isEqualTo(37);
        store.down = true;
        AtomicInteger admitted = new AtomicInteger();

        Concurrently.run(16, 16, task -> () -> admitted.addAndGet(admitted(gateway, "hot", 10)),
                Duration.ofSeconds(30));

        assertThat(admitted.get()).isEqualTo(13);
    }

    @Test
    void fallbackInstancesMustBePositive() {
        assertThatThrownBy(() -> TieredRateLimiter.builder(store).fallbackInstances(0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("fallbackInstances must be at least 1, was 0");
    }
}
